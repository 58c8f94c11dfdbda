"""The English names of months and weekdays, written once for the date resolver and the role rules.

Fixed here rather than taken from the ``calendar`` module, whose names follow the process's locale."""

from __future__ import annotations

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Short forms as datelines, time stamps and captions write them ("24 Feb 2022", "Sept. 3").
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sept", "sep", "oct", "nov", "dec")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
