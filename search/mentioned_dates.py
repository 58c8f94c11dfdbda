"""Dates mentioned in the text, on the read side: the "ev" periods of every document as numpy arrays.

The indexer resolves each DATE mention against the publication date and writes each article's distinct
periods into the ``facets`` column as ``"ev": [["YYYYMMDD", "d"|"w"|"m"|"y"], ...]`` (first day and
precision). Here they become one row per (document, period) with the period's first and last day, so a
filter ("articles that mention a date between ...") is one comparison over the rows, and the "dates
mentioned" timeline counts each article once per bar.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .model import Bucket

PRECISION_CODES = {"d": 0, "w": 1, "m": 2, "y": 3}
PRECISION_NAMES = ("day", "week", "month", "year")
DAY_BUCKETS_MAX_DAYS = 62
YEAR_BUCKETS_MIN_MONTHS = 240
# The timeline spans the middle of the mentioned dates: a single mention of 1941 must not squash a
# year of daily coverage into one bar.
SPAN_QUANTILES = (0.02, 0.98)
TRIM_MIN_ROWS = 50


@dataclass
class MentionedDates:
    """Every (document, mentioned period) pair of one index commit."""

    doc: np.ndarray  # int32, the document of each pair
    first: np.ndarray  # int32, date.toordinal() of the period's first day
    last: np.ndarray  # int32, of its last day
    precision: np.ndarray  # int8, index into PRECISION_NAMES

    @classmethod
    def empty(cls) -> MentionedDates:
        """No mentioned dates (an index written before they were kept)."""
        z = np.zeros(0, dtype=np.int32)
        return cls(z, z, z, np.zeros(0, dtype=np.int8))

    def mask(self, n: int, start: date | None, end: date | None) -> np.ndarray:
        """The documents that mention a period overlapping [start, end] (open ends allowed)."""
        keep = np.ones(len(self.doc), dtype=bool)
        if start is not None:
            keep &= self.last >= start.toordinal()
        if end is not None:
            keep &= self.first <= end.toordinal()
        out = np.zeros(n, dtype=bool)
        out[self.doc[keep]] = True
        return out


def parse_periods(per_doc: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Turn each document's "ev" list into (local doc, first, last, precision) arrays."""
    docs, firsts, lasts, precs = [], [], [], []
    for d, periods in enumerate(per_doc):
        for entry in periods or ():
            try:
                text, code = str(entry[0]), str(entry[1])
                first = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            except (ValueError, IndexError, TypeError):
                continue  # a damaged entry is skipped, never a failed load
            precision = PRECISION_CODES.get(code)
            if precision is None:
                continue
            docs.append(d)
            firsts.append(first.toordinal())
            lasts.append(_period_end(first, precision).toordinal())
            precs.append(precision)
    return (
        np.asarray(docs, dtype=np.int32),
        np.asarray(firsts, dtype=np.int32),
        np.asarray(lasts, dtype=np.int32),
        np.asarray(precs, dtype=np.int8),
    )


def merge_periods(parts: list[tuple[int, tuple]]) -> MentionedDates:
    """Join segments' period arrays, shifting each segment's documents by its offset."""
    if not parts:
        return MentionedDates.empty()
    return MentionedDates(
        np.concatenate([p[0] + np.int32(offset) for offset, p in parts]).astype(np.int32),
        np.concatenate([p[1] for _, p in parts]).astype(np.int32),
        np.concatenate([p[2] for _, p in parts]).astype(np.int32),
        np.concatenate([p[3] for _, p in parts]).astype(np.int8),
    )


def _period_end(first: date, precision: int) -> date:
    if precision == 0:
        return first
    if precision == 1:
        return first + timedelta(days=6)
    if precision == 2:
        return first.replace(day=monthrange(first.year, first.month)[1])
    return first.replace(month=12, day=31)


def mentioned_histogram(
    dates: MentionedDates, mask: np.ndarray, start: date | None = None, end: date | None = None
) -> tuple[list[Bucket], str]:
    """Count matching articles per period of the dates they mention: per day, month or year.

    A mention counts in a bar only when it is at least as precise as the bar ("March 2022" is not put on
    one day of March), and an article counts once per bar however often it mentions it.
    """
    rows = np.flatnonzero(mask[dates.doc]) if len(dates.doc) else np.zeros(0, dtype=np.int64)
    if not len(rows):
        return [], "month"
    first = dates.first[rows]
    if start is not None and end is not None:
        lo, hi = start.toordinal(), end.toordinal()
    else:
        lo, hi = int(first.min()), int(first.max())
        if len(first) >= TRIM_MIN_ROWS:  # a few far-off mentions must not set the scale
            lo_q, hi_q = np.quantile(first, SPAN_QUANTILES)
            lo, hi = max(lo, int(lo_q)), min(hi, int(hi_q))
    if hi - lo <= DAY_BUCKETS_MAX_DAYS:
        unit, finest = "day", 0
    else:
        lo_d, hi_d = date.fromordinal(lo), date.fromordinal(hi)
        months = (hi_d.year - lo_d.year) * 12 + hi_d.month - lo_d.month
        unit, finest = ("year", 3) if months >= YEAR_BUCKETS_MIN_MONTHS else ("month", 2)
    keep = (dates.precision[rows] <= finest) & (first >= lo) & (first <= hi)
    rows, first = rows[keep], first[keep]
    docs = dates.doc[rows].astype(np.int64)
    lo_date = date.fromordinal(lo)
    if unit == "day":
        index = first.astype(np.int64) - lo
        size = hi - lo + 1
    else:
        as_dates = (first.astype(np.int64) - 719163).astype("datetime64[D]")  # 719163: 1970-01-01
        months_since = as_dates.astype("datetime64[M]").astype(np.int64) - (
            (lo_date.year - 1970) * 12 + lo_date.month - 1
        )
        hi_date = date.fromordinal(hi)
        if unit == "month":
            index = months_since
            size = (hi_date.year - lo_date.year) * 12 + hi_date.month - lo_date.month + 1
        else:
            index = (months_since + lo_date.month - 1) // 12
            size = hi_date.year - lo_date.year + 1
    # each article once per bar
    pairs = np.unique(docs * np.int64(size) + index)
    counts = np.bincount(pairs % size, minlength=size)
    return _buckets(counts, unit, lo_date), unit


def _buckets(counts: np.ndarray, unit: str, lo: date) -> list[Bucket]:
    buckets = []
    for i, c in enumerate(counts.tolist()):
        if unit == "day":
            d = lo + timedelta(days=i)
            buckets.append(Bucket(d.isoformat(), int(c), d, d))
        elif unit == "month":
            y, m = divmod(lo.year * 12 + lo.month - 1 + i, 12)
            first = date(y, m + 1, 1)
            buckets.append(Bucket(f"{y:04d}-{m + 1:02d}", int(c), first, first.replace(day=monthrange(y, m + 1)[1])))
        else:
            y = lo.year + i
            buckets.append(Bucket(str(y), int(c), date(y, 1, 1), date(y, 12, 31)))
    return buckets


def event_dates_json(body: str, stored_dates) -> list[dict]:
    """The API's ``event_dates`` of one article from its stored ``dates`` ([start, end, day, precision])."""
    out = []
    for entry in stored_dates or ():
        try:
            start, end, day, precision = int(entry[0]), int(entry[1]), str(entry[2]), str(entry[3])
        except (ValueError, IndexError, TypeError):
            continue
        if 0 <= start < end <= len(body):
            out.append({"text": body[start:end], "date": day, "precision": precision})
    return out
