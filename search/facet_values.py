"""Facet values of a result set: their order, and a search over every value by word prefix.

The sidebar shows the first values of each facet; this module decides which come first (count, then
name, leaders starred in place rather than sorted ahead) and finds values by any word's prefix, accent-
and case-insensitively, so a name beyond the first hundred ("yerm" -> Andriy Yermak) can still be reached.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
from anyascii import anyascii

MAX_PREFIX_CHARS = 200
PREFIX_CACHE_SIZE = 64
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold_words(text: str) -> str:
    """Return ``text`` as lower-case ASCII words joined by single spaces ("Erdoğan's" -> "erdogan s")."""
    return " ".join(_NON_WORD.split(anyascii(str(text)).lower())).strip()


def order_values(counts: np.ndarray, vids: np.ndarray, name_rank: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Return ``vids`` ordered by count (highest first), ties by name; only the first ``limit`` when given.

    One int64 key per value, the count above the name's rank (ranks are unique, so keys are), sorts in
    one call; with a limit, a partition first keeps the values that can be shown."""
    key = (-counts[vids].astype(np.int64) << 32) | name_rank[vids].astype(np.int64)
    if limit is not None and limit < len(vids):
        if limit <= 0:
            return vids[:0]
        keep = np.argpartition(key, limit - 1)[:limit]
        vids, key = vids[keep], key[keep]
    return vids[np.argsort(key)]


def name_ranks(values: Sequence[str]) -> np.ndarray:
    """Return each value's position in case- and accent-insensitive alphabetical order."""
    order = sorted(range(len(values)), key=lambda i: (fold_words(values[i]), values[i]))
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(values), dtype=np.int64)
    return rank


class ValueFinder:
    """Finds the values of one facet kind whose words start with a prefix; built once per index commit.

    ``names`` gives the text each value is searched by (a country's display name and code, an actor's
    name); folding every value happens on the first search, and recent prefixes are remembered.
    """

    def __init__(self, size: int, names: Callable[[int], str]):
        self.size = size
        self._names = names
        self._folded: list[str] | None = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def matching(self, prefix: str) -> np.ndarray | None:
        """Return bool[size]: the values with a word (or run of words) starting with ``prefix``; None: all."""
        needle = fold_words(prefix)
        if not needle:
            return None
        with self._lock:
            hit = self._cache.get(needle)
            if hit is not None:
                self._cache.move_to_end(needle)
                return hit
            if self._folded is None:
                # a leading space so that " " + needle finds the needle at any word start
                self._folded = [" " + fold_words(self._names(vid)) for vid in range(self.size)]
            key = " " + needle
            found = np.fromiter((key in text for text in self._folded), dtype=bool, count=self.size)
            self._cache[needle] = found
            while len(self._cache) > PREFIX_CACHE_SIZE:
                self._cache.popitem(last=False)
            return found
