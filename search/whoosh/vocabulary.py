"""The spelling words of an index commit held in memory, for did-you-mean's edit-distance look-ups.

Whoosh finds the words within an edit distance of a misspelling by building a Levenshtein automaton in
Python and walking it over the on-disk term file: every step of the walk is a binary search made of
small file reads, and one suggestion cost tens to hundreds of milliseconds, more than the rest of the
search (issue 13). Here the words of the spelling field are read once per segment into a sorted list;
the words sharing the prefix are a slice of it, and rapidfuzz's Levenshtein distance (in C) keeps
those within the distance: the same words Whoosh returns, without touching the disk.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from contextlib import nullcontext
from heapq import merge
from itertools import islice

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .codec import segment_key

BATCH = 2000  # words read per turn of the reader lock, so searches are not held up for the whole read


def _lexicon(sub, fieldname: str, lock) -> list[str]:
    """Return one segment's words of ``fieldname``, taking ``lock`` for each batch of reads."""
    field = sub.schema[fieldname]
    with lock:
        terms = sub.lexicon(fieldname)
    words: list[str] = []
    while True:
        with lock:
            batch = list(islice(terms, BATCH))
        if not batch:
            return words
        words.extend(field.from_bytes(b) for b in batch)


def read_words(reader, fieldname: str, cache: dict | None = None, lock=None) -> list[str]:
    """Return the sorted, distinct words of ``fieldname`` over every segment of ``reader``.

    Segments never change once written, so with a ``cache`` dict only new segments are read. ``lock``
    (the reader's lock) is held per batch of reads, never for the whole read."""
    cache = {} if cache is None else cache
    lock = nullcontext() if lock is None else lock
    parts, used = [], set()
    for sub, _ in reader.leaf_readers():
        key = segment_key(sub)
        words = cache.get(key)
        if words is None:
            words = _lexicon(sub, fieldname, lock) if fieldname in sub.schema else []
            cache[key] = words
        used.add(key)
        parts.append(words)
    for key in set(cache) - used:  # merged away
        cache.pop(key, None)
    if len(parts) == 1:
        return parts[0]
    out: list[str] = []
    for word in merge(*parts):
        if not out or out[-1] != word:
            out.append(word)
    return out


class Vocabulary:
    """A sorted word list answering "which words are within k edits of this one"."""

    def __init__(self, words: list[str]):
        self.words = words

    def within(self, word: str, maxdist: int, prefix: int = 0) -> list[str]:
        """Return the words within ``maxdist`` edits of ``word`` sharing its first ``prefix`` letters, sorted.

        The same words as Whoosh's ``reader.terms_within`` (Levenshtein: insertions, deletions,
        substitutions). Words that share their first letters are exactly as far apart as the rest of
        them, so the distance of the whole words decides."""
        if not word or not self.words:
            return []
        head = word[:prefix]
        lo = bisect_left(self.words, head) if head else 0
        hi = bisect_left(self.words, head + "\U0010ffff") if head else len(self.words)
        found = process.extract(word, self.words[lo:hi], scorer=Levenshtein.distance, score_cutoff=maxdist, limit=None)
        return sorted(w for w, _, _ in found)


class LazyVocabulary:
    """An index commit's Vocabulary, read in a background thread the first time it is asked for.

    Until it is ready, ``get`` returns None and the caller asks Whoosh itself (slower, same answer)."""

    def __init__(self, reader, fieldname: str, cache: dict, lock, read_cache=None):
        self._reader, self._fieldname, self._cache, self._lock = reader, fieldname, cache, lock
        self._read_cache = read_cache  # the commit's ReadCache (search/whoosh/read_cache.py), if any
        self._vocabulary: Vocabulary | None = None
        self._ready = threading.Event()
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None

    def _load(self) -> None:
        try:
            # Whoosh file reads seek on a shared handle: the reader lock is taken batch by batch
            def derive() -> list[str]:
                return read_words(self._reader, self._fieldname, self._cache, self._lock)

            words = (
                derive()
                if self._read_cache is None
                else self._read_cache.get(
                    "words", derive, plain=True, accept=lambda w: isinstance(w, list) and all(type(x) is str for x in w)
                )
            )
            self._vocabulary = Vocabulary(words)
        except Exception:  # a damaged term file costs the fast path only; Whoosh still answers
            self._vocabulary = None
        finally:
            self._ready.set()

    def start(self) -> None:
        """Start reading the words (once)."""
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._load, name="vocabulary", daemon=True)
                self._thread.start()

    def get(self, wait: float | None = 0.0) -> Vocabulary | None:
        """Return the vocabulary, waiting at most ``wait`` seconds (None: until read); None if not ready."""
        self.start()
        self._ready.wait(wait)
        return self._vocabulary
