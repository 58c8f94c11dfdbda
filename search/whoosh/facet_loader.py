"""Load a Whoosh commit's ``facets`` column into the FacetTable of ``search/facets.py``, segment by segment."""

from __future__ import annotations

import numpy as np

from ..facets import FacetTable, SegmentFacets, merge_segments, parse_segment
from .codec import column_values, segment_key
from .gcpause import gc_paused


def load_facets(reader, cache: dict | None = None) -> FacetTable:
    """Read the ``facets`` column of every document of a Whoosh reader into a FacetTable.

    Segments never change once written (only their deletions do), so with a ``cache`` dict a new
    commit parses only its new segments; the caller keeps the dict between commits.
    """
    # Parsing creates millions of small objects at once; the cyclic GC would rescan them all repeatedly.
    with gc_paused():
        return _load_facets(reader, {} if cache is None else cache)


def _deleted(sub) -> frozenset:
    """Return the deleted document numbers of one segment reader."""
    if not sub.has_deletions():
        return frozenset()
    deleted = getattr(sub, "deleted_docs_set", None)
    if deleted is None:
        deleted = frozenset(d for d in range(sub.doc_count_all()) if sub.is_deleted(d))
    return deleted


def _load_facets(reader, cache: dict) -> FacetTable:
    n = reader.doc_count_all()
    live = np.ones(n, dtype=bool)
    parts: list[tuple[int, SegmentFacets]] = []
    used = set()
    for sub, offset in reader.leaf_readers():
        key = segment_key(sub)
        seg = cache.get(key)
        if seg is None:
            n_sub = sub.doc_count_all()
            seg = cache[key] = parse_segment(column_values(sub, "facets", n_sub), _deleted(sub), n_sub)
        used.add(key)
        parts.append((offset, seg))
        deleted = _deleted(sub)
        if deleted:
            live[np.fromiter(deleted, dtype=np.int64, count=len(deleted)) + offset] = False
    for key in set(cache) - used:  # segments merged away
        del cache[key]
    return merge_segments(parts, live)
