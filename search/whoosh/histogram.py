"""The attention-over-time chart: matches per day, month or year, as Buckets."""

from __future__ import annotations

from datetime import date

import numpy as np

from ..facets import NO_DATE
from ..model import Bucket, SearchRequest
from .snapshot import Snapshot

DAY_HISTOGRAM_MAX_DAYS = 62  # a range up to about two months is drawn per day
YEAR_HISTOGRAM_MIN_MONTHS = 240  # beyond twenty years, bars are years


def histogram(snap: Snapshot, mask: np.ndarray, req: SearchRequest) -> tuple[list[Bucket], str]:
    """Count matches per month (per day for short ranges, per year for very long ones)."""
    days = snap.table.day[mask]
    days = days[days != NO_DATE]
    if not len(days):
        return [], "month"
    lo, hi = int(days.min()), int(days.max())
    if req.date_from and req.date_to:  # the requested range decides the scale when it is given
        lo, hi = req.date_from.toordinal(), req.date_to.toordinal()
        days = days[(days >= lo) & (days <= hi)]
    if hi - lo <= DAY_HISTOGRAM_MAX_DAYS:
        counts = np.bincount(days - lo, minlength=hi - lo + 1)
        buckets = []
        for i, c in enumerate(counts):
            d = date.fromordinal(lo + i)
            buckets.append(Bucket(d.isoformat(), int(c), d, d))
        return buckets, "day"
    months = snap.month[mask]
    months = months[months >= 0]
    if req.date_from and req.date_to:
        m_lo = req.date_from.year * 12 + req.date_from.month - 1
        m_hi = req.date_to.year * 12 + req.date_to.month - 1
        months = months[(months >= m_lo) & (months <= m_hi)]
    else:
        m_lo, m_hi = int(months.min()), int(months.max())
    if m_hi - m_lo >= YEAR_HISTOGRAM_MIN_MONTHS:
        years = months // 12
        y_lo, y_hi = m_lo // 12, m_hi // 12
        counts = np.bincount(years - y_lo, minlength=y_hi - y_lo + 1)
        return [
            Bucket(str(y_lo + i), int(c), date(y_lo + i, 1, 1), date(y_lo + i, 12, 31)) for i, c in enumerate(counts)
        ], "year"
    counts = np.bincount(months - m_lo, minlength=m_hi - m_lo + 1)
    buckets = []
    for i, c in enumerate(counts):
        y, m = divmod(m_lo + i, 12)
        first = date(y, m + 1, 1)
        last = date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1).toordinal() - 1
        buckets.append(Bucket(f"{y:04d}-{m + 1:02d}", int(c), first, date.fromordinal(last)))
    return buckets, "month"
