"""Stories on the read side: each document's story (the ``st`` key of the facets column) as one array.

The indexer names every article's story of near-duplicates (``indexer/stories.py``); a story's size is
the number of live documents with that name and its lead the member published first. Here those names
become integer keys per document, loaded with the other facet arrays once per commit (per segment,
cached), so collapsing a result list to one member per story and counting stories in facets are numpy
operations with no stored-field reads. A document without ``st`` (an index built without stories) is a
story of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SegmentStories:
    """One segment's story names: distinct names and, per document, its local name id (-1: none)."""

    names: list[str]
    local: np.ndarray  # int32[n]


def parse_segment_stories(values: list) -> SegmentStories:
    """Build one segment's story ids from each document's ``st`` value (None or "" when it has none)."""
    ids: dict[str, int] = {}
    local = np.fromiter(
        (ids.setdefault(v, len(ids)) if isinstance(v, str) and v else -1 for v in values),
        dtype=np.int32,
        count=len(values),
    )
    return SegmentStories(list(ids), local)


@dataclass
class StoryTable:
    """Every document's story key of one index commit, with story sizes over the live documents."""

    key: np.ndarray  # int64[n]: story key per document; named stories first, then one key per unnamed document
    names: list[str]  # story key -> story id, for the named stories
    lookup: dict[str, int]  # story id -> story key
    size: np.ndarray  # int64[len(names) + n]: live documents per story key
    # per facet kind: its postings (document, value, story key) ordered by (story key, value), made on first use
    _by_story: dict = field(default_factory=dict, repr=False)

    def story_id(self, docnum: int) -> str | None:
        """Return the story id of a document, or None when it has no named story (a story of its own)."""
        k = int(self.key[docnum])
        return self.names[k] if k < len(self.names) else None

    def members(self, story: str, live: np.ndarray) -> np.ndarray:
        """Return the live documents of a named story (empty when the name is unknown)."""
        k = self.lookup.get(story)
        if k is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero((self.key == k) & live)

    def count(self, mask: np.ndarray) -> int:
        """Return how many stories have at least one document in ``mask``."""
        keys = self.key[mask]
        return int(len(np.unique(keys))) if len(keys) else 0

    def collapse(self, ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the first (best-ranked) document of each story in ``ordered``, in order, and the
        positions of those firsts in ``ordered``."""
        if not len(ordered):
            return ordered, np.zeros(0, dtype=np.int64)
        _, first = np.unique(self.key[ordered], return_index=True)
        first.sort()
        return ordered[first], first

    def matching_per_story(self, mask: np.ndarray) -> np.ndarray:
        """Return, per story key, how many documents of ``mask`` belong to it."""
        return np.bincount(self.key[mask], minlength=len(self.size))

    def count_stories_dense(
        self, kind: str, post_doc: np.ndarray, post_val: np.ndarray, mask: np.ndarray, size: int
    ) -> np.ndarray:
        """Count, per value, the stories with a document of ``mask`` carrying it, for large match sets.

        The column's postings are ordered by (story, value) once per commit, so a query only keeps the
        matching ones and counts the first of each (story, value) run: no sort at query time.
        """
        ordered = self._by_story.get(kind)
        if ordered is None:
            order = np.lexsort((post_val, self.key[post_doc]))
            ordered = self._by_story[kind] = (post_doc[order], post_val[order], self.key[post_doc[order]])
        docs, vals, keys = ordered
        keep = mask[docs]
        k, v = keys[keep], vals[keep]
        if not len(k):
            return np.zeros(size, dtype=np.int64)
        first = np.empty(len(k), dtype=bool)
        first[0] = True
        np.not_equal(k[1:], k[:-1], out=first[1:])
        first[1:] |= v[1:] != v[:-1]
        return np.bincount(v[first], minlength=size)

    def distinct_story_postings(
        self, post_doc: np.ndarray, post_val: np.ndarray, per_story: np.ndarray, size: int
    ) -> np.ndarray:
        """Count, per value, the stories with a document carrying it, from matching (document, value) postings.

        Only stories with two or more matching documents can count a value twice; their postings are
        de-duplicated on (story, value), the rest are counted as they are.
        """
        keys = self.key[post_doc]
        shared = per_story[keys] > 1
        counts = np.bincount(post_val[~shared], minlength=size)
        if shared.any():
            pairs = np.unique(keys[shared] * np.int64(size) + post_val[shared])
            counts += np.bincount(pairs % size, minlength=size)
        return counts


def merge_stories(parts: list[tuple[int, SegmentStories | None]], n: int, live: np.ndarray) -> StoryTable:
    """Merge segments' story names (with their document offsets) into one StoryTable."""
    lookup: dict[str, int] = {}
    key = np.full(n, -1, dtype=np.int64)
    for offset, seg in parts:
        if seg is None or not len(seg.local):
            continue
        mapping = np.fromiter(
            (lookup.setdefault(name, len(lookup)) for name in seg.names), dtype=np.int64, count=len(seg.names)
        )
        named = seg.local >= 0
        block = key[offset : offset + len(seg.local)]
        block[named] = mapping[seg.local[named]]
    names = list(lookup)
    unnamed = np.flatnonzero(key < 0)
    key[unnamed] = len(names) + unnamed  # a story of its own
    size = np.bincount(key[live], minlength=len(names) + n)
    return StoryTable(key, names, lookup, size)
