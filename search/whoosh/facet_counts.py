"""Facet counts over a result set: each facet's values in the sidebar's order, with actors' roles and stars."""

from __future__ import annotations

import numpy as np

from ..facet_values import order_values
from ..facets import SPARSE_RATIO, AllFacets, FacetColumn
from ..model import FACET_KINDS, FACET_LIMIT, FacetValue
from .snapshot import Snapshot, story_table

FACET_PAGE_MAX = 500  # most values one /api/facet call returns
FACET_OFFSET_MAX = 1_000_000


def count_facets(
    snap: Snapshot,
    mask: np.ndarray,
    leaders_only: bool,
    total: int,
    per_story: np.ndarray | None = None,
    limit: int = FACET_LIMIT,
) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
    """Count every facet over all matches: the first ``limit`` values of each (by count, then name),
    and how many values each facet has in all. With ``per_story`` (matches per story key), a value
    counts stories, not articles. All kinds are counted at once (``FacetTable.all_facets``)."""
    ids = np.flatnonzero(mask) if total * SPARSE_RATIO < len(mask) else None
    per_story = repeating(per_story)  # checked once, not per facet
    every = snap.table.all_facets()
    counts = _counts(snap, every, "*", mask, ids, per_story)
    facets, totals = {}, {}
    for kind in FACET_KINDS:
        part = every.part(counts, kind, snap.table.columns[kind].size)
        facets[kind], totals[kind] = _page(snap, kind, part, mask, leaders_only, "", 0, limit)
    return facets, totals


def repeating(per_story: np.ndarray | None) -> np.ndarray | None:
    """``per_story`` when some story matches twice or more, else None: then stories count as articles."""
    return per_story if per_story is not None and len(per_story) and per_story.max() > 1 else None


def facet_values(
    snap: Snapshot,
    kind: str,
    mask: np.ndarray,
    ids: np.ndarray | None,
    leaders_only: bool,
    prefix: str = "",
    offset: int = 0,
    limit: int = FACET_LIMIT,
    per_story: np.ndarray | None = None,
) -> tuple[list[FacetValue], int]:
    """Return one page of a facet's values over ``mask`` (optionally matching ``prefix``) and their number.

    Actors carry the leader star and the role of the result set itself: a leader in some article of
    ``mask``, and the role that the newest article of ``mask`` giving one states. ``per_story``: matches
    per story key, when some story matches twice or more (see ``repeating``).
    """
    counts = _counts(snap, snap.table.columns[kind], kind, mask, ids, per_story)
    return _page(snap, kind, counts, mask, leaders_only, prefix, offset, limit)


def _counts(
    snap: Snapshot, postings: FacetColumn | AllFacets, key: str, mask, ids, per_story: np.ndarray | None
) -> np.ndarray:
    """Per value of ``postings`` (one kind's column, or all kinds'), the matching articles or stories."""
    if per_story is None:
        return postings.count(mask, ids)
    stories = story_table(snap)
    if ids is None:  # many matches: walk the postings presorted by story
        return stories.count_stories_dense(key, postings.post_doc, postings.post_val, mask, postings.size)
    docs, vals = postings.postings_of(ids)
    return stories.distinct_story_postings(docs, vals, per_story, postings.size)


def _page(
    snap: Snapshot,
    kind: str,
    counts: np.ndarray,
    mask: np.ndarray,
    leaders_only: bool,
    prefix: str,
    offset: int,
    limit: int,
) -> tuple[list[FacetValue], int]:
    """One page of a facet's values from their ``counts`` (see ``facet_values``) and how many there are."""
    column = snap.table.columns[kind]
    found = counts > 0
    roles = snap.table.actor_roles
    lead = None
    if kind == "actor":
        lead = roles.leaders_within(mask, len(column.values))
        if leaders_only:
            found &= lead
    if prefix:
        matching = snap.value_finder(kind).matching(prefix)
        if matching is not None:
            found &= matching
    nz = np.flatnonzero(found)
    page = first_values(snap, kind, counts, nz, offset + limit)[offset:]
    chosen = page.tolist()
    display = snap.facet_display(kind)
    shown = [display.get(vid) or display.setdefault(vid, snap.describe_value(kind, vid)) for vid in chosen]
    # a page lists up to a hundred values per facet: read their counts and stars in one call each
    if lead is None:
        return [FacetValue(s[0], c, *s[1:]) for s, c in zip(shown, counts[page].tolist(), strict=True)], len(nz)
    latest = roles.latest_roles(chosen, mask, snap.table.day)
    values = []
    for vid, s, c, star in zip(chosen, shown, counts[page].tolist(), lead[page].tolist(), strict=True):
        role, country = latest.get(vid, ("", ""))
        values.append(FacetValue(s[0], c, role, s[2], star, country))
    return values, len(nz)


def first_values(snap: Snapshot, kind: str, counts: np.ndarray, nz: np.ndarray, limit: int) -> np.ndarray:
    """Return the first ``limit`` of the values ``nz`` in the sidebar's order (by count, then name)."""
    return order_values(counts, nz, snap.name_rank(kind), max(limit, 0))


def top_values(
    snap: Snapshot, kind: str, mask: np.ndarray, ids: np.ndarray | None, leaders_only: bool, limit: int
) -> list[FacetValue]:
    """Return a facet's first ``limit`` values over ``mask`` in the sidebar's order, without the actors'
    roles and stars (a batch shows names and counts only, and roles cost a pass over the role postings)."""
    if limit <= 0:
        return []
    column = snap.table.columns[kind]
    counts = column.count(mask, ids)
    found = counts > 0
    if kind == "actor" and leaders_only:
        found &= snap.table.actor_roles.leaders_within(mask, len(column.values))
    chosen = first_values(snap, kind, counts, np.flatnonzero(found), limit).tolist()
    display = snap.facet_display(kind)
    values = []
    for vid in chosen:
        shown = display.get(vid)
        if shown is None:
            shown = display[vid] = snap.describe_value(kind, vid)
        values.append(FacetValue(shown[0], int(counts[vid]), code=shown[2]))
    return values
