"""Expanding wildcard, prefix, fuzzy and range terms over Whoosh's term dictionary, within a QueryBudget."""

from __future__ import annotations

import re

from whoosh import query as wq

from ..budget import CHECK_EVERY, QueryBudget, QueryTooBroad
from .codec import multiterm_texts, wildcard_pattern, wildcard_prefix
from .querytree import leaves


def describe_term(q: wq.Query) -> str:
    """Return a multi-term query as the user wrote it: ``migra*``, ``Lukashenka~2``."""
    text = str(getattr(q, "text", "") or "")
    if isinstance(q, wq.FuzzyTerm):
        return f"{text}~{q.maxdist}"
    if isinstance(q, wq.Prefix):
        return f"{text}*"
    if isinstance(q, wq.TermRange):
        return f"[{q.start} TO {q.end}]"
    return text or str(q)


def check_query(q: wq.Query | None, text: str = "") -> None:
    """Raise QueryTooBroad for a wildcard that starts a word (``*xy*``): it would scan every word.

    The message names the word as the user typed it (``text``), not as the analyser stemmed it."""
    bad = _leading_wildcard(q) if q is not None else None
    if bad is None:
        return
    typed = re.search(r"(?:^|(?<=[\s(:\"]))[*?][^\s()\"]*[^\s()\"*?]+[^\s()\"]*", text or "")
    word = typed.group(0) if typed else str(bad.text)
    raise QueryTooBroad(
        f"'{word}' starts with a wildcard, which would scan every word in the index; "
        "put at least one letter first (e.g. 'migra*')"
    )


def _leading_wildcard(q: wq.Query) -> wq.Wildcard | None:
    return next(
        (leaf for leaf in leaves(q) if isinstance(leaf, wq.Wildcard) and str(leaf.text)[:1] in ("*", "?")), None
    )


def scan_wildcard(q: wq.Wildcard, reader, budget: QueryBudget, limit: int) -> tuple[list[bytes], bool]:
    """Return up to ``limit`` words a wildcard matches and whether the scan finished.

    Whoosh's own expansion runs the pattern over every candidate before yielding, so the clock is
    looked at here, every CHECK_EVERY candidates."""
    field_obj = reader.schema[q.fieldname]
    pattern = re.compile(wildcard_pattern(q))
    prefix = wildcard_prefix(q)
    candidates = reader.expand_prefix(q.fieldname, prefix) if prefix else reader.lexicon(q.fieldname)
    found: list[bytes] = []
    for scanned, btext in enumerate(candidates, 1):
        if scanned % CHECK_EVERY == 0 and budget.expired():
            return found, False
        if pattern.match(field_obj.from_bytes(btext)):
            found.append(btext)
            if len(found) >= limit:
                return found, False
    return found, True


def scan_terms(q: wq.MultiTerm, reader, budget: QueryBudget, limit: int) -> tuple[list[bytes], bool]:
    """Return up to ``limit`` words a prefix, fuzzy or range term stands for and whether it finished."""
    if isinstance(q, wq.Wildcard):
        return scan_wildcard(q, reader, budget, limit)
    found: list[bytes] = []
    for btext in multiterm_texts(q, reader):
        if budget.expired():
            return found, False
        found.append(btext)
        if len(found) >= limit:
            return found, False
    return found, True
