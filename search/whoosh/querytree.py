"""The one walk over a Whoosh query tree that reads it (tuning, checks, highlighting); evaluation is match.py."""

from __future__ import annotations

from collections.abc import Iterator

from whoosh import query as wq


def leaves(q: wq.Query, matched_only: bool = False) -> Iterator[wq.Query]:
    """Yield the leaf queries of a tree (terms, phrases, wildcards, ranges...), depth first.

    With ``matched_only``, the parts a match must *not* have (under ``NOT``, the right side of
    ``ANDNOT``) are skipped: their words never show in a matching article."""
    if matched_only and isinstance(q, wq.Not):
        return
    if matched_only and isinstance(q, wq.AndNot):
        yield from leaves(q.a, matched_only)
        return
    children = list(q.children())
    if not children:
        yield q
        return
    for child in children:
        yield from leaves(child, matched_only)
