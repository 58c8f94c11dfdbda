"""The attention-over-time chart: matches per day, month or year, as Buckets."""

from __future__ import annotations

from datetime import date

import numpy as np

from ..facets import NO_DATE
from ..mentioned_dates import buckets
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
        return buckets(np.bincount(days - lo, minlength=hi - lo + 1), "day", date.fromordinal(lo)), "day"
    months = snap.month[mask]
    months = months[months >= 0]
    if req.date_from and req.date_to:
        m_lo = req.date_from.year * 12 + req.date_from.month - 1
        m_hi = req.date_to.year * 12 + req.date_to.month - 1
        months = months[(months >= m_lo) & (months <= m_hi)]
    else:
        m_lo, m_hi = int(months.min()), int(months.max())
    first = date(m_lo // 12, m_lo % 12 + 1, 1)
    if m_hi - m_lo >= YEAR_HISTOGRAM_MIN_MONTHS:
        years = months // 12
        y_lo, y_hi = m_lo // 12, m_hi // 12
        return buckets(np.bincount(years - y_lo, minlength=y_hi - y_lo + 1), "year", first), "year"
    return buckets(np.bincount(months - m_lo, minlength=m_hi - m_lo + 1), "month", first), "month"
