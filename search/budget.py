"""The cost budget of one query: how far its wildcard and fuzzy terms may expand, and a deadline.

A wildcard or fuzzy term costs one scan of the term dictionary plus one postings read per word it
stands for, so a query of a hundred of them could hold a worker for many seconds (issue 9). Every such
term of one query draws on one shared allowance of expanded words, and expansion stops at a deadline;
what was cut is named in the result's notice. A wildcard at the start of a word would scan the whole
dictionary for every term, so it is refused with a 400 that names it (``QueryTooBroad``). The scans
themselves are the backend's (``search/whoosh/expansion.py``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .errors import InvalidParameter

MAX_EXPANDED_TERMS = 512  # words all wildcard/fuzzy/range terms of one query may stand for together
# Matching stops expanding this long after the request began; parsing, facets, snippets and the page
# follow, and on a loaded machine (bench/reliability.py bombs) wall time runs ~2x CPU time.
DEADLINE_SECONDS = 0.3
CHECK_EVERY = 64  # dictionary entries scanned between two looks at the clock

NOTICE_CUT = (
    "Some wildcard or fuzzy terms match too many words, so they were searched only in part ({}); "
    "make them longer or more specific for complete results"
)
NOTICE_LATE = (
    "The search took too long and stopped early, so these terms were searched only in part ({}); "
    "make them longer or more specific for complete results"
)


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
