"""Attention compared: up to five queries counted on one period axis, as counts and as shares.

A series' ``share`` of a period is its count divided by every article of that period that passes the
shared filters (no query), so a busy news week does not read as more attention to one subject.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import InvalidParameter
from .model import Bucket

MAX_SERIES = 5
MAX_LABEL_CHARS = 60


@dataclass
class Series:
    """One query's articles per period (``counts``) and their share of the period (``shares``)."""

    label: str
    query: str
    total: int
    counts: list[int] = field(default_factory=list)
    shares: list[float] = field(default_factory=list)


@dataclass
class Comparison:
    """Several series on one common axis of ``buckets`` (unit: day, month or year)."""

    unit: str
    buckets: list[Bucket]
    base: list[int]  # all articles of each period under the shared filters
    series: list[Series]

    def to_dict(self) -> dict:
        """Return the JSON API shape: unit and, per series, label, query, total and histogram."""
        return {
            "unit": self.unit,
            "series": [
                {
                    "label": s.label,
                    "query": s.query,
                    "total": s.total,
                    "histogram": [
                        {"period": b.period, "count": c, "share": sh}
                        for b, c, sh in zip(self.buckets, s.counts, s.shares)
                    ],
                }
                for s in self.series
            ],
        }


def parse_series(values: list[str]) -> list[str]:
    """Return the non-blank queries of a comparison; none, or more than MAX_SERIES, is an InvalidParameter."""
    queries = [v.strip() for v in values if v and v.strip()]
    if len(queries) > MAX_SERIES:
        raise InvalidParameter(f"compare at most {MAX_SERIES} queries at a time (got {len(queries)})")
    if not queries:
        raise InvalidParameter("give one to five queries to compare, e.g. ?q=Belarus&q=Ukraine")
    return queries


def label_of(query: str) -> str:
    """Return a short legend label for a query."""
    return query if len(query) <= MAX_LABEL_CHARS else query[: MAX_LABEL_CHARS - 1] + "…"


def period_counts(days: np.ndarray, buckets: list[Bucket]) -> np.ndarray:
    """Count date ordinals per bucket (buckets are consecutive [start, end] ranges); others are ignored."""
    if not buckets:
        return np.zeros(0, dtype=np.int64)
    starts = np.array([b.start.toordinal() for b in buckets], dtype=np.int64)
    last = buckets[-1].end.toordinal()
    days = days[(days >= starts[0]) & (days <= last)]
    return np.bincount(np.searchsorted(starts, days, side="right") - 1, minlength=len(buckets))


def shares(counts: np.ndarray, base: np.ndarray) -> list[float]:
    """Return counts / base per period, rounded to four places (0 where the period has no article)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(base > 0, counts / np.where(base > 0, base, 1), 0.0)
    return [round(float(x), 4) for x in ratio]
