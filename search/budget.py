"""The cost budget of one query: how far its wildcard and fuzzy terms may expand, and a deadline.

A wildcard or fuzzy term costs one scan of the term dictionary plus one postings read per word it
stands for, so a query of a hundred of them could hold a worker for many seconds (issue 9). Every such
term of one query draws on one shared allowance of expanded words, and expansion stops at a deadline;
what was cut is named in the result's notice. A wildcard at the start of a word would scan the whole
dictionary for every term, so it is refused with a 400 that names it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from whoosh import query as wq

from .errors import InvalidParameter

MAX_EXPANDED_TERMS = 512  # words all wildcard/fuzzy/range terms of one query may stand for together
# Matching stops expanding this long after the request began; parsing, facets, snippets and the page
# follow, and on a loaded machine (bench/reliability.py bombs) wall time runs ~2x CPU time.
DEADLINE_SECONDS = 0.3
CHECK_EVERY = 64  # dictionary entries scanned between two looks at the clock

NOTICE_CUT = ("Some wildcard or fuzzy terms match too many words, so they were searched only in part ({}); "
              "make them longer or more specific for complete results")
NOTICE_LATE = ("The search took too long and stopped early, so these terms were searched only in part ({}); "
               "make them longer or more specific for complete results")


class QueryTooBroad(InvalidParameter):
    """A query part that would scan the whole term dictionary (a 400 naming it)."""


@dataclass
class QueryBudget:
    """What one query may still spend; shared by all its wildcard and fuzzy terms."""

    terms_left: int = MAX_EXPANDED_TERMS
    deadline: float = field(default_factory=lambda: time.perf_counter() + DEADLINE_SECONDS)
    cut: list[str] = field(default_factory=list)  # terms searched only in part
    late: bool = False  # the deadline passed

    @classmethod
    def start(cls, max_terms: int = MAX_EXPANDED_TERMS, seconds: float = DEADLINE_SECONDS) -> QueryBudget:
        """Return a fresh budget whose deadline counts from now."""
        return cls(terms_left=max_terms, deadline=time.perf_counter() + seconds)

    def expired(self) -> bool:
        """True (and remembered) once the deadline has passed."""
        if not self.late and time.perf_counter() >= self.deadline:
            self.late = True
        return self.late

    def mark_cut(self, label: str) -> None:
        """Record that the term ``label`` was searched only in part."""
        if label not in self.cut:
            self.cut.append(label)

    def notice(self) -> str | None:
        """Return the notice for the result, or None when nothing was cut."""
        if not self.cut:
            return None
        shown = ", ".join(self.cut[:5]) + (f" and {len(self.cut) - 5} more" if len(self.cut) > 5 else "")
        return (NOTICE_LATE if self.late else NOTICE_CUT).format(shown)


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
        "put at least one letter first (e.g. 'migra*')")


def _leading_wildcard(q: wq.Query) -> wq.Wildcard | None:
    if isinstance(q, wq.Wildcard) and str(q.text)[:1] in ("*", "?"):
        return q
    for child in q.children():
        found = _leading_wildcard(child)
        if found is not None:
            return found
    return None


def scan_wildcard(q: wq.Wildcard, reader, budget: QueryBudget, limit: int) -> tuple[list[bytes], bool]:
    """Return up to ``limit`` words a wildcard matches and whether the scan finished.

    Whoosh's own expansion runs the pattern over every candidate before yielding, so the clock is
    looked at here, every CHECK_EVERY candidates."""
    field_obj = reader.schema[q.fieldname]
    pattern = re.compile(q._get_pattern())
    prefix = q._find_prefix(q.text)
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
    for btext in q._btexts(reader):
        if budget.expired():
            return found, False
        found.append(btext)
        if len(found) >= limit:
            return found, False
    return found, True
