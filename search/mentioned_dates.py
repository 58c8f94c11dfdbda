"""Dates mentioned in the text, on the read side: the "ev" periods of every document as numpy arrays.

The indexer resolves each DATE mention against the publication date and writes each article's distinct
periods into the ``facets`` column as ``"ev": [["YYYYMMDD", "d"|"w"|"m"|"y"], ...]`` (first day and
precision). Here they become one row per (document, period) with the period's first and last day, so a
filter ("articles that mention a date between ...") is one comparison over the rows, and the "dates
mentioned" timeline counts each article once per bar.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from .model import Bucket
from .ranges import concat_ranges

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
    # made on first use, once per commit: per bar unit the distinct (document, bar) pairs of the mentions
    # precise enough, each document's row offsets, and whether ``doc`` is ascending
    _bars: dict = field(default_factory=dict, repr=False, compare=False)

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


UNIT_FINEST = {"day": 0, "month": 2, "year": 3}  # the least precise mention a bar of the unit can show


@dataclass
class _Bars:
    """The distinct (document, bar) pairs of one bar unit, ordered by document, with each pair's mentions'
    first and last ``first`` day (a bar at the edge of the timeline's span counts a document only when one
    of its mentions falls inside the span)."""

    doc: np.ndarray  # int32, ascending
    period: np.ndarray  # int64: day ordinal, months since year 0, or year
    lo_first: np.ndarray  # int32: the earliest first day of the pair's mentions
    hi_first: np.ndarray  # int32: the latest


def _period(first: np.ndarray, unit: str) -> np.ndarray:
    """The bar (absolute day, month or year number) of each first day."""
    if unit == "day":
        return first.astype(np.int64)
    months = (first.astype(np.int64) - 719163).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months += 1970 * 12  # 719163: ordinal of 1970-01-01
    return months if unit == "month" else months // 12


def _bars_of(dates: MentionedDates, unit: str) -> _Bars:
    bars = dates._bars.get(unit)
    if bars is None:
        keep = dates.precision <= UNIT_FINEST[unit]
        doc, first = dates.doc[keep].astype(np.int64), dates.first[keep]
        period = _period(first, unit)
        span = int(period.max() - period.min() + 1) if len(period) else 1
        key = doc * span + (period - (period.min() if len(period) else 0))
        order = np.argsort(key, kind="stable")
        key, first = key[order], first[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
        bars = _Bars(
            doc[order][starts].astype(np.int32),
            period[order][starts],
            np.minimum.reduceat(first, starts) if len(starts) else first,
            np.maximum.reduceat(first, starts) if len(starts) else first,
        )
        dates._bars[unit] = bars
    return bars


def _ascending(dates: MentionedDates) -> bool:
    ascending = dates._bars.get("ascending")
    if ascending is None:
        ascending = dates._bars["ascending"] = bool(len(dates.doc) < 2 or (np.diff(dates.doc) >= 0).all())
    return ascending


def _doc_ptr(dates: MentionedDates, name: str, doc: np.ndarray, n: int) -> np.ndarray:
    """Offsets of each document's rows in ``doc`` (ascending), made once per commit: document d's rows are
    ``ptr[d]:ptr[d + 1]``."""
    key = ("ptr", name, n)
    ptr = dates._bars.get(key)
    if ptr is None:
        counts = np.bincount(doc, minlength=n) if len(doc) else np.zeros(n, dtype=np.int64)
        ptr = dates._bars[key] = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return ptr


def prepare(dates: MentionedDates, n: int) -> None:
    """Make what the timeline derives once per commit (each unit's distinct bars and every offset table)
    now, when the commit is opened or warmed, rather than in the first searches that need each (about
    25 ms a unit on 108k articles)."""
    if not len(dates.doc):
        return
    ascending = _ascending(dates)
    if ascending:
        _doc_ptr(dates, "rows", dates.doc, n)
    for unit in UNIT_FINEST:
        bars = _bars_of(dates, unit)
        if ascending:
            _doc_ptr(dates, unit, bars.doc, n)


def _rows_of(doc: np.ndarray, mask: np.ndarray, ids: np.ndarray | None, ptr: np.ndarray | None = None) -> np.ndarray:
    """The rows (of an array ordered by ``doc``) of the documents in ``mask``; ``ids``: mask's few documents,
    ``ptr``: their offsets (``_doc_ptr``)."""
    if ids is None or ptr is None:
        return np.flatnonzero(mask[doc])
    starts = ptr[ids]
    return concat_ranges(starts, ptr[ids + 1] - starts)


def mentioned_histogram(
    dates: MentionedDates, mask: np.ndarray, start: date | None = None, end: date | None = None
) -> tuple[list[Bucket], str]:
    """Count matching articles per period of the dates they mention: per day, month or year.

    A mention counts in a bar only when it is at least as precise as the bar ("March 2022" is not put on
    one day of March), and an article counts once per bar however often it mentions it.

    The distinct (document, bar) pairs are made once per commit and unit, so a search gathers the pairs
    of its documents (only theirs when they are few) and counts them: no sort per search.
    """
    if not len(dates.doc):
        return [], "month"
    ascending = _ascending(dates)
    matches = int(np.count_nonzero(mask))
    ids = np.flatnonzero(mask) if ascending and matches * 8 < len(mask) else None
    n = len(mask)
    rows = _rows_of(dates.doc, mask, ids, _doc_ptr(dates, "rows", dates.doc, n) if ids is not None else None)
    if not len(rows):
        return [], "month"
    first = dates.first[rows]
    if start is not None and end is not None:
        lo, hi = start.toordinal(), end.toordinal()
    else:
        lo, hi = int(first.min()), int(first.max())
        if len(first) >= TRIM_MIN_ROWS:  # a few far-off mentions must not set the scale
            lo_q, hi_q = _quantiles(first)
            lo, hi = max(lo, lo_q), min(hi, hi_q)
    if hi < lo:
        return [], "day"
    if hi - lo <= DAY_BUCKETS_MAX_DAYS:
        unit = "day"
    else:
        lo_d, hi_d = date.fromordinal(lo), date.fromordinal(hi)
        months = (hi_d.year - lo_d.year) * 12 + hi_d.month - lo_d.month
        unit = "year" if months >= YEAR_BUCKETS_MIN_MONTHS else "month"
    bars = _bars_of(dates, unit)
    pairs = _rows_of(bars.doc, mask, ids, _doc_ptr(dates, unit, bars.doc, n) if ids is not None else None)
    # a pair counts when one of its mentions is inside [lo, hi]; a bar holding both ends cannot occur
    # (a span of more than DAY_BUCKETS_MAX_DAYS days crosses a month), so the earliest and latest decide
    pairs = pairs[(bars.hi_first[pairs] >= lo) & (bars.lo_first[pairs] <= hi)]
    base, top = _period(np.array([lo, hi], dtype=np.int32), unit).tolist()
    counts = np.bincount(bars.period[pairs] - base, minlength=top - base + 1)
    return buckets(counts, unit, date.fromordinal(lo)), unit


_SPAN_Q = np.array(SPAN_QUANTILES)


def _quantiles(values: np.ndarray) -> tuple[int, int]:
    """``int`` of ``np.quantile(values, SPAN_QUANTILES)`` (its default "linear" method, the same float
    operations), without its ~40 us of Python around the one partition (at least TRIM_MIN_ROWS values)."""
    n = len(values)
    virtual = (n - 1) * _SPAN_Q  # numpy's virtual index for its "linear" method
    below = np.floor(virtual)
    gamma = virtual - below
    i = below.astype(np.intp)
    part = np.partition(values, np.unique(np.concatenate((i, i + 1))))
    a, b = part[i], part[i + 1]
    diff = b - a
    lo, hi = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma).tolist()
    return int(lo), int(hi)


def buckets(counts: np.ndarray, unit: str, lo: date) -> list[Bucket]:
    """Bars of ``unit`` from the one holding ``lo``, counted by ``counts`` (labels and days cached)."""
    first = lo.toordinal() if unit == "day" else lo.year * 12 + lo.month - 1 if unit == "month" else lo.year
    return [
        Bucket(label, c, start, end)
        for (label, start, end), c in zip(_bars(unit, first, len(counts)), counts.tolist(), strict=True)
    ]


def _bars(unit: str, first: int, size: int) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of ``size`` bars of ``unit`` from period ``first`` (a day's ordinal, a
    month's year * 12 + month - 1, a year)."""
    return [_bar(unit, period) for period in range(first, first + size)]


@lru_cache(maxsize=1 << 16)  # the timeline's bars repeat from search to search: make each label and its days once
def _bar(unit: str, period: int) -> tuple[str, date, date]:
    if unit == "day":
        d = date.fromordinal(period)
        return d.isoformat(), d, d
    if unit == "month":
        y, m = divmod(period, 12)
        start = date(y, m + 1, 1)
        return f"{y:04d}-{m + 1:02d}", start, start.replace(day=monthrange(y, m + 1)[1])
    return str(period), date(period, 1, 1), date(period, 12, 31)


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
