"""Turn raw request parameters (a MultiDict as lists) into a validated SearchRequest."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date

from .errors import InvalidParameter
from .model import FACET_KINDS, PER_PAGE_CHOICES, SORTS, SearchRequest

MAX_QUERY_CHARS = 1000
MAX_PAGE = 1000
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 200

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _values(args: Mapping, name: str) -> list[str]:
    raw = args.get(name)
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    return [str(v) for v in raw]


def _first(args: Mapping, name: str) -> str:
    for v in _values(args, name):
        if v.strip():
            return v.strip()
    return ""


def parse_date(text: str, name: str, end: bool = False) -> date:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD; a partial date means its first day (or last, with ``end``)."""
    m = _DATE_RE.match(text.strip())
    if not m:
        raise InvalidParameter(f"{name} must be a date like 2021, 2021-11 or 2021-11-25, not {text[:40]!r}")
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else (12 if end else 1)
    try:
        if m.group(3):
            day = int(m.group(3))
        else:
            day = calendar.monthrange(year, month)[1] if end else 1
        if year < 1:
            raise ValueError
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise InvalidParameter(f"{name} is not a real date: {text[:40]!r}") from None


def _int(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InvalidParameter(f"{name} must be a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise InvalidParameter(f"{name} must be from {low} to {high}")
    return value


def parse_request(args: Mapping) -> SearchRequest:
    """Validate request parameters (name -> list of strings) into a SearchRequest or raise InvalidParameter."""
    q = _first(args, "q")
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidParameter(f"q must be at most {MAX_QUERY_CHARS} characters (got {len(q)})")
    page = _int(_first(args, "page") or "1", "page", 1, MAX_PAGE)
    per_page_text = _first(args, "per_page") or "10"
    try:
        per_page = int(per_page_text)
    except ValueError:
        per_page = -1
    if per_page not in PER_PAGE_CHOICES:
        raise InvalidParameter("per_page must be 10, 20 or 50")
    sort = (_first(args, "sort") or "relevance").lower()
    if sort not in SORTS:
        raise InvalidParameter("sort must be relevance, newest or oldest")
    date_from = parse_date(_first(args, "from"), "from") if _first(args, "from") else None
    date_to = parse_date(_first(args, "to"), "to", end=True) if _first(args, "to") else None
    if date_from and date_to and date_from > date_to:
        raise InvalidParameter("from must not be after to")
    include: dict[str, list[str]] = {}
    exclude: dict[str, list[str]] = {}
    for kind in FACET_KINDS:
        for raw in _values(args, kind):
            value = raw.strip()
            target = include
            if value.startswith("-"):
                value, target = value[1:].strip(), exclude
            if not value:
                continue
            if len(value) > MAX_FILTER_CHARS:
                raise InvalidParameter(f"{kind} values must be at most {MAX_FILTER_CHARS} characters")
            values = target.setdefault(kind, [])
            if value not in values:
                values.append(value)
            if len(values) > MAX_FILTER_VALUES:
                raise InvalidParameter(f"at most {MAX_FILTER_VALUES} {kind} filters at a time")
    leaders = _first(args, "leaders").lower() in ("1", "true", "yes", "on")
    event_from = parse_date(_first(args, "event_from"), "event_from") if _first(args, "event_from") else None
    event_to = parse_date(_first(args, "event_to"), "event_to", end=True) if _first(args, "event_to") else None
    if event_from and event_to and event_from > event_to:
        raise InvalidParameter("event_from must not be after event_to")
    versions = (_first(args, "versions") or "stories").lower()
    if versions not in ("stories", "all"):
        raise InvalidParameter("versions must be stories (one result per story) or all (every version)")
    return SearchRequest(
        q=q,
        include=include,
        exclude=exclude,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=page,
        per_page=per_page,
        leaders=leaders,
        event_from=event_from,
        event_to=event_to,
        versions=versions,
    )
