"""Dates in the text: spaCy's DATE mentions resolved against the article's publication date.

"On Monday" in an article of Wednesday 17 November 2021 is 2021-11-15; "November 8" is 2021-11-08 of the
year that puts it nearest the publication date; "last week" is the Monday of the week before. Each
resolved mention keeps its expression, the first day of what it names and its precision (day, week,
month, year). Expressions that name no point in time ("two years", "24 hours", "annual", "the 1990s")
are left out.

dateparser does the reading (weekdays, relative expressions, month names, many formats); this module
only decides what dateparser should be asked, turns its answer into a calendar period, and remembers
answers, since the same expressions recur across a corpus.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from indexer.calendar_words import MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS

PRECISIONS = ("day", "week", "month", "year")
MAX_EXPRESSION_CHARS = 60
# Dates further than this from the publication date are almost always misreadings ("1" as a year).
MAX_YEARS_AWAY = 150
# How much text either side of a mention the rules read (its sentence, an earlier year for "N years later").
CONTEXT_CHARS = 400
# A text stamped in the small hours (an evening address put online after midnight) speaks of the day before
# as "today"; a stamp of exactly midnight is a date without a time and says nothing.
SMALL_HOURS_END = 3

_SPELLED = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"
)
_NUMBER = (
    rf"(?:\d+|an?|{_SPELLED}(?:[\s-]+{_SPELLED})*|several|few|many|a\s+few|a\s+couple\s+of|"
    r"couple\s+of|dozens?\s+of|hundreds?\s+of|\d+\s*-\s*\d+|a\s+dozen|a\s+hundred)"
)
_UNIT = r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|fortnights?|months?|years?|decades?|centuries|century)"
# A length of time, not a point in time: "two years", "the past 24 hours", "several months", "30-day".
_DURATION = re.compile(
    rf"^(?:(?:the\s+)?(?:past|last|next|coming|first|following|previous|recent|other)\s+)?(?:almost\s+|nearly\s+|"
    rf"about\s+|around\s+|over\s+|more\s+than\s+|less\s+than\s+|up\s+to\s+|at\s+least\s+)?{_NUMBER}?\s*-?\s*"
    rf"(?:more\s+)?{_UNIT}(?:\s+and\s+{_NUMBER}\s+{_UNIT}|\s+and\s+a\s+half)?(?:\s+long|\s+old|\s+later|\s+earlier)?$",
    re.I,
)
_AGO = re.compile(r"\bago\b", re.I)
_VAGUE = re.compile(
    r"^(?:annual|annually|daily|weekly|monthly|yearly|quarterly|today's|recent(?:ly)?|now|the\s+future|future|"
    r"the\s+past|past|the\s+day|the\s+time|those\s+days|these\s+days|this\s+time|the\s+years|years|decades|"
    r"centuries|the\s+(?:\w+\s+)?century|(?:the\s+)?\d{2,4}s|the\s+(?:twenties|thirties|forties|fifties|sixties|"
    r"seventies|eighties|nineties)|(?:the\s+)?(?:age|ages)\b.*|\d+\s*-\s*year\s*-\s*old|.*\bold\b|.*\bseason\b|"
    r".*\banniversary\b|.*\bholidays?\b|the\s+weekend|weekends?|a\s+day|one\s+day|some\s+day|every\s+\w+|"
    r"each\s+\w+|(?:the\s+)?same\s+day|the\s+(?:next|following|previous)\s+day|the\s+end\s+of\s+the\s+\w+|"
    r"the\s+(?:beginning|start)\s+of\s+the\s+\w+|(?:the\s+)?(?:previous|last|past)\s+\w+\s+years|"
    r"(?:recent|coming)\s+\w+|\d{4}\s*[-–]\s*\d{2,4}|between\s+.*|from\s+.*|\d{1,2}(?:st|nd|rd|th)?|"
    r"(?:the\s+)?\d+(?:st|nd|rd|th)\s+(?:day|week|month|year)s?\b.*)$",
    re.I,
)
_LEAD = re.compile(
    r"^(?:on|in|since|by|until|till|from|during|as\s+of|as\s+early\s+as|before|after|at\s+least|"
    r"late|early|later|earlier|"
    r"no\s+later\s+than|not\s+later\s+than|around|about|of|at|through|throughout|for|the|"
    r"this\s+past)\s+",
    re.I,
)
_TAIL = re.compile(r"(?:'s|’s|,|\.|;|:)$")
# A time of day after a date adds nothing to the day ("Thu 24 Mar 2022 15.03 GMT", "2022 14.50" cut from a stamp).
_CLOCK_ONLY = re.compile(r"(?:[01]?\d|2[0-3])[.:][0-5]\d(?:\s*[a-z]{2,4})?")
_CLOCK_TAIL = re.compile(
    r"(?:,?\s+(?:at\s+)?(?:[01]?\d|2[0-3])[.:][0-5]\d(?:\s*(?:am|pm|a\.m|p\.m))?"
    r"(?:\s+(?:gmt|bst|utc|cet|cest|eet|eest|msk|est|edt|pst|pdt|kyiv\s+time|local\s+time))?)$"
)
_WEEK = re.compile(
    r"^(last|this|next|past|previous|the\s+previous|the\s+past|the\s+coming|coming|this\s+coming)"
    r"\s+week$",
    re.I,
)
# Words just before a weekday that put it after the publication date ("a decision is due on Sunday").
_FUTURE_CUE = re.compile(
    r"\b(?:will|would|shall|due|scheduled|planned|expected|set\s+to|going\s+to|to\s+be\s+held|"
    r"next|until|till|by)\b[^.!?]{0,40}$",
    re.I,
)
# A bare unit that spaCy cut from "this year's" / "last week's": the word before it belongs to it.
_UNIT_ALONE = re.compile(r"^(?:year|month|week)$", re.I)
_IN_BEFORE = re.compile(r"\b(?:in|within)\s+$", re.I)  # "in a week": a point that far ahead
# "in 31 days of this war", "in a week of talks": a stretch of time, not a point that far ahead.
_STRETCH_AFTER = re.compile(r"^\s*(?:of|since|after|before|from)\b", re.I)
# "five years later" (after 1950 named in the text): counted from the last year the text names before it.
_YEARS_FROM = re.compile(
    rf"^(?:just\s+|only\s+|some\s+)?({_NUMBER})\s+years?\s+(later|after|afterwards|earlier|before)$", re.I
)
# "the following year", "the year before": one year from the last year the text named before it.
_YEAR_FROM = re.compile(r"^(?:(?:following|subsequent)\s+year|year\s+(after|before|later|earlier))$", re.I)
_ORDINAL_WORDS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty-first",
    "twenty-second",
    "twenty-third",
    "twenty-fourth",
    "twenty-fifth",
    "twenty-sixth",
    "twenty-seventh",
    "twenty-eighth",
    "twenty-ninth",
    "thirtieth",
    "thirty-first",
)
_ORDINAL_DAY = re.compile(rf"(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)|(?:the\s+)?({'|'.join(_ORDINAL_WORDS)})")
_MONTH_NAME_IN_TEXT = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|"
    r"Dec\.?)(?=\s|,|$)"
)
_DAY_BEFORE = re.compile(r"^(?:day\s+before|day\s+earlier|previous\s+day|a\s+day\s+earlier|one\s+day\s+earlier)$", re.I)
_YEAR_IN_TEXT = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b(?!\s*[-\u2013/]\s*\d)")
# "This did not begin yesterday": the idiom for "long ago", not the day before.
_NOT_BEGUN_BEFORE = re.compile(
    r"\b(?:not|n't|never)\s+(?:\w+\s+){0,2}(?:begin|began|begun|start|started|"
    r"appear|appeared|arise|arisen|emerge|emerged|come|came)\s+(?:just\s+)?$|"
    r"\b(?:began|begun|started)\s+(?:\w+\s+){0,3}not\s+(?:just\s+)?$",
    re.I,
)
_DEICTIC_BEFORE = re.compile(r"\b(this|last|next)\s+$", re.I)
_PART_OF_MONTH = re.compile(
    r"^(?:early|mid|late|the\s+end\s+of|end\s+of|the\s+beginning\s+of|beginning\s+of|the\s+start\s+of|"
    r"start\s+of|the\s+middle\s+of|middle\s+of|the\s+first\s+half\s+of|the\s+second\s+half\s+of)\s*-?\s*",
    re.I,
)
_DAY_RANGE = re.compile(
    r"(?<![\d-])(?:[12]?\d|3[01])(?:st|nd|rd|th)?\s*(?:-|\u2013|\u2014|to|and)\s*"
    r"(?:[12]?\d|3[01])(?:st|nd|rd|th)?(?![\d-])"
)
# "earlier this week", "later today", "late last year": a part of a period named by the period.
_WITHIN_PERIOD = re.compile(
    r"^(?:(?:earlier|later|early|late|mid)\s*-?\s*(?=(?:(?:this|last|next)\s+(?:week|month|year)|"
    r"today|tonight)$)|(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+"
    r"(?=(?:this|last|next)\s+(?:week|month)$))"
)
_PART_OF_YEAR = re.compile(r"(?:early|mid|late|the\s+middle\s+of|middle\s+of)\s*-?\s*(\d{4})")
_FISCAL_YEAR = re.compile(
    r"(?:the\s+)?(?:fiscal|financial|fy)\s*(?:year\s+)?'?(\d{4})(?:\s+fiscal\s+year)?|"
    r"(?:the\s+)?(\d{4})\s+(?:fiscal|financial)\s+year"
)
_WEEKEND = re.compile(r"(last|this|this\s+past|past|next|this\s+coming|coming)\s+weekend")
# Holidays on a fixed day of the calendar, the same in every country that keeps them: "the coming New Year",
# "Christmas Eve 2021", "Orthodox Christmas". Holidays whose day moves (Easter) or differs by country
# (Independence Day, Victory Day) are not among them.
_HOLIDAY = re.compile(
    r"(?:(this|last|past|next|coming|upcoming|this\s+coming)\s+)?(orthodox\s+)?"
    r"(new\s+year(?:'s)?(?:\s+day)?|new\s+year's\s+eve|christmas(?:\s+day)?|christmas\s+eve)(?:\s+(\d{4}))?"
)
_HOLIDAY_DAYS = {"new year": (1, 1), "new year's eve": (12, 31), "christmas": (12, 25), "christmas eve": (12, 24)}
_ORTHODOX_DAYS = {"christmas": (1, 7), "christmas eve": (1, 6)}
_MONTHS = MONTHS
_MONTH_RE = re.compile(r"\b(" + "|".join(_MONTHS + MONTH_ABBREVIATIONS) + r")\b\.?", re.I)
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.I)
_YEAR_RE = re.compile(r"\b(1[5-9]\d\d|20\d\d|2100)\b")
_DAY_RE = re.compile(r"\b([12]?\d|3[01])(?:st|nd|rd|th)?\b")


@dataclass(frozen=True)
class EventDate:
    """A date mentioned in the text: the expression, where it is, the first day it names and how precisely."""

    text: str
    start: int
    end: int
    date: date
    precision: str  # "day" | "week" | "month" | "year"

    def as_json(self) -> dict:
        """The API's form: ``{"text", "date", "precision"}`` (``date`` as YYYY-MM-DD)."""
        return {"text": self.text, "date": self.date.isoformat(), "precision": self.precision}


def resolve_event_dates(text: str, spans: Iterable[Sequence], published: datetime | date | None) -> list[EventDate]:
    """Resolve the DATE spans ``(start, end, label)`` of ``text`` against the publication date.

    Without a publication date only expressions that carry their own year are resolved.
    """
    found: list[EventDate] = []
    for span in spans:
        start, end, label = int(span[0]), int(span[1]), str(span[2])
        if label != "DATE" or not 0 <= start < end <= len(text):
            continue
        expression = " ".join(text[start:end].split())
        resolved = resolve_expression(
            expression,
            published,
            before=text[max(0, start - CONTEXT_CHARS) : start],
            after=text[end : end + CONTEXT_CHARS],
        )
        if resolved is not None:
            found.append(EventDate(expression, start, end, resolved[0], resolved[1]))
    return found


def resolve_expression(
    expression: str, published: datetime | date | None, before: str = "", after: str = ""
) -> tuple[date, str] | None:
    """Return (first day, precision) of one date expression, or None when it names no point in time.

    ``before`` and ``after`` are the text around the expression: they complete a bare "year" cut from
    "this year's", tell a weekday still to come ("due on Sunday") from one just past, a "today" that names
    the day from one that means "nowadays", and give the year "five years later" counts from.
    """
    key = clean_expression(expression)
    if _UNIT_ALONE.match(key):
        deictic = _DEICTIC_BEFORE.search(before)
        key = f"{deictic.group(1).lower()} {key}" if deictic else key
    if not key or len(key) > MAX_EXPRESSION_CHARS or _CLOCK_ONLY.fullmatch(key):
        return None  # a time of day alone ("14.50") names no day
    if re.match(r"(?:in|within)\s", expression, re.I):
        before += " in "  # the span took its own "in": "in two months" is a point that far ahead
    stamped = published if isinstance(published, datetime) else None
    published = published.date() if isinstance(published, datetime) else published
    years_from = _YEARS_FROM.match(key)
    if years_from:
        return _years_from(years_from.group(1), years_from.group(2), before, published)
    listed = _LIST_YEAR_AFTER.match(after) if _NO_YEAR_DAY.match(key) else None
    if listed:  # "January 11 and November 26, 2021": the list's year
        key = f"{key} {listed.group(1)}"
    if key == "day" and re.match(r"\s+(?:before|earlier)\b", after):
        key = "day before"  # NER cut "the day [before]"
    if _DAY_BEFORE.match(key):
        return _day_before(before, published)
    ordinal = _ORDINAL_DAY.fullmatch(key)
    if ordinal and published is not None:
        return _ordinal_day(ordinal.group(1) or ordinal.group(2), before, published)
    year_from = _YEAR_FROM.match(key)
    if year_from:
        return _years_from("one", year_from.group(1) or "after", before, published)
    if key == "today" and is_generic_today(before, after):
        return None
    if key in ("yesterday", "today") and _NOT_BEGUN_BEFORE.search(before):
        return None
    if published is not None and key in _SPEECH_DAY_WORDS and stamped is not None and _small_hours(stamped):
        published -= timedelta(days=1)
    if (
        published is not None
        and _WEEKDAY_ALONE.match(key)
        and (_FUTURE_CUE.search(before) or _opens_future_sentence(before, after))
    ):
        return _weekday(key, published, future=True)
    if (
        published is not None
        and _IN_BEFORE.search(before)
        and _COUNT_OF_TIME.fullmatch(key)
        and not _STRETCH_AFTER.match(after)
    ):
        # a point ahead only in a sentence about what is to come ("is to end in a week and a half", "can be
        # restored in a month and a half"); "up 20% in a month" is a length of time
        return _offset(key, published) if _TO_COME.search(_sentence_around(before, after)) else None
    if not _needs_base(key):
        return _resolve(key, None)
    if published is None:
        return None
    return _resolve(key, published)


@lru_cache(maxsize=65536)
def clean_expression(expression: str) -> str:
    """Lower-case the expression and drop leading prepositions, articles and trailing punctuation."""
    key = " ".join(expression.replace("\u2019", "'").split()).lower()
    previous = None
    while key != previous:
        previous = key
        key = _LEAD.sub("", key).strip()
        key = _TAIL.sub("", key).strip()
        key = _CLOCK_TAIL.sub("", key).strip() if re.search(r"[a-z]|\d{4}", key[:-5]) else key
    return key


def _needs_base(key: str) -> bool:
    """True when the expression's meaning depends on the publication date (no year of its own)."""
    return not (
        _YEAR_RE.search(key)
        and (_MONTH_RE.search(key) or key.strip().isdigit() or re.fullmatch(r"(?:the\s+)?(?:year\s+)?\d{4}", key))
    )


@lru_cache(maxsize=65536)
def _resolve(key: str, base: date | None) -> tuple[date, str] | None:
    if _DAY_RANGE.search(key) and _MONTH_RE.search(key):
        return None  # "May 17–19", "February 5–13, 2022": a range of days, like a range of years
    qualified = _WITHIN_PERIOD.match(key)
    if qualified:  # "earlier this week", "late last year": the period itself
        key = key[qualified.end() :]
    known = _relative_word(key, base)
    if known is not False:
        return known
    holiday = _HOLIDAY.fullmatch(key)
    if holiday:
        return _holiday(holiday, base)
    part_of_year = _PART_OF_YEAR.fullmatch(key)
    if part_of_year:  # "early 2022", "mid-2024"
        return _plausible(date(int(part_of_year.group(1)), 1, 1), "year", base)
    fiscal = _FISCAL_YEAR.fullmatch(key)
    if fiscal:
        return _plausible(date(int(fiscal.group(1) or fiscal.group(2)), 1, 1), "year", base)
    weekend = _WEEKEND.fullmatch(key)
    if weekend:
        return _weekend(weekend.group(1), base) if base is not None else None
    if key == "week before last" and base is not None:
        return base - timedelta(days=base.weekday() + 14), "week"
    week = _WEEK.match(key)
    if not week and (_DURATION.match(key) or _VAGUE.match(key)) and not _AGO.search(key):
        return None
    fast = _fast_parse(key, base)
    if fast is not None:
        return fast
    if week:
        if base is None:
            return None
        monday = base - timedelta(days=base.weekday())
        word = week.group(1).lower()
        if word in ("last", "past", "previous", "the previous", "the past"):
            monday -= timedelta(days=7)
        elif word in ("next", "coming", "the coming", "this coming"):
            monday += timedelta(days=7)
        return monday, "week"
    part = _PART_OF_MONTH.match(key)
    if part:
        rest = key[part.end() :].strip()
        if not _MONTH_RE.fullmatch(rest.split()[0] if rest else "") and not _MONTH_RE.match(rest):
            return None  # "the end of the war", "early next year": not a calendar period we can place
        resolved = _resolve(rest, base)
        return (resolved[0].replace(day=1), "month") if resolved else None
    year_only = re.fullmatch(r"(?:the\s+)?(?:year\s+)?(\d{4})", key)
    if year_only:
        return _plausible(date(int(year_only.group(1)), 1, 1), "year", base)
    return _parse(key, base)


def _holiday(m: re.Match, base: date | None) -> tuple[date, str] | None:
    """The day of a fixed holiday: of the year given, else the one the words point to ("last Christmas",
    "the coming New Year"), else the one nearest the publication day."""
    which, orthodox, name, year = m.groups()
    name = re.sub(r"\s+", " ", name).replace("new year's day", "new year").replace("new year's", "new year")
    name = name.replace("christmas day", "christmas").replace("new year eve", "new year's eve")
    days = _ORTHODOX_DAYS if orthodox else _HOLIDAY_DAYS
    if name not in days:
        return None  # "Orthodox New Year": not a day this table holds
    month, day = days[name]
    if year:
        return _plausible(date(int(year), month, day), "day", base)
    if base is None:
        return None
    nearest = _nearest_year(date(base.year, month, day), base)
    which = (which or "").split()[-1] if which else ""
    if which in ("last", "past") and nearest > base:
        nearest = nearest.replace(year=nearest.year - 1)
    elif which in ("next", "coming", "upcoming") and nearest < base:
        nearest = nearest.replace(year=nearest.year + 1)
    return nearest, "day"


def _weekend(word: str, base: date) -> tuple[date, str]:
    """ "last weekend", "this weekend", "next weekend": the week (Monday first) whose Saturday it is."""
    monday = base - timedelta(days=base.weekday())
    if word in ("last", "past", "this past"):
        monday -= timedelta(days=7)
    elif word == "next":
        monday += timedelta(days=7)
    return monday, "week"


def _relative_word(key: str, base: date | None):
    """Resolve the few fixed relative words directly; False when ``key`` is none of them."""
    if key not in _RELATIVE_WORDS:
        return False
    if base is None:
        return None
    first_of_month = base.replace(day=1)
    return {
        "today": (base, "day"),
        "tonight": (base, "day"),
        "this morning": (base, "day"),
        "this evening": (base, "day"),
        "this afternoon": (base, "day"),
        "yesterday": (base - timedelta(days=1), "day"),
        "last night": (base - timedelta(days=1), "day"),
        "tomorrow": (base + timedelta(days=1), "day"),
        "this year": (date(base.year, 1, 1), "year"),
        "the current year": (date(base.year, 1, 1), "year"),
        "last year": (date(base.year - 1, 1, 1), "year"),
        "the previous year": (date(base.year - 1, 1, 1), "year"),
        "the past year": (date(base.year - 1, 1, 1), "year"),
        "next year": (date(base.year + 1, 1, 1), "year"),
        "this month": (first_of_month, "month"),
        "last month": ((first_of_month - timedelta(days=1)).replace(day=1), "month"),
        "next month": ((base.replace(day=28) + timedelta(days=4)).replace(day=1), "month"),
        "coming year": (date(base.year + 1, 1, 1), "year"),
        "coming month": ((base.replace(day=28) + timedelta(days=4)).replace(day=1), "month"),
    }[key]


_RELATIVE_WORDS = frozenset(
    (
        "today",
        "tonight",
        "this morning",
        "this evening",
        "this afternoon",
        "yesterday",
        "last night",
        "tomorrow",
        "this year",
        "the current year",
        "last year",
        "the previous year",
        "the past year",
        "next year",
        "this month",
        "last month",
        "next month",
        "coming year",
        "coming month",
    )
)
_MONTH_NUMBER = {name: i + 1 for i, name in enumerate(_MONTHS)}
_MONTH_NUMBER.update({name[:3]: i + 1 for i, name in enumerate(_MONTHS)})
_MONTH_NUMBER["sept"] = 9
_MON = "(" + "|".join(MONTHS + MONTH_ABBREVIATIONS) + r")\.?"
_ORD = r"(\d{1,2})(?:st|nd|rd|th)?"
_WEEKDAY = "(?:(" + "|".join(WEEKDAYS) + r"),?\s+)?"
_RANGE_TAIL = r"(?:\s*(?:-|–|and|to)\s*\d{1,2}(?:st|nd|rd|th)?)?"
_DAY_MONTH = re.compile(rf"^{_WEEKDAY}(?:the\s+)?{_ORD}{_RANGE_TAIL}\s+(?:of\s+)?{_MON},?(?:\s+(\d{{4}}))?$")
_MONTH_DAY = re.compile(rf"^{_WEEKDAY}{_MON}\s+{_ORD}{_RANGE_TAIL},?(?:\s+(\d{{4}}))?$")
_MONTH_YEAR = re.compile(rf"^{_MON},?\s+(?:of\s+)?(\d{{4}})$")
_MONTH_ALONE = re.compile(rf"^{_MON}$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEKDAY_ALONE = re.compile(
    r"^(?:last\s+)?(" + "|".join(WEEKDAYS) + ")"
    r"(?:\s+(?:morning|afternoon|evening|night))?$"
)
_WEEKDAYS = WEEKDAYS
_THIS_LAST_MONTH = re.compile(rf"^(this|last)\s+{_MON}$")
_DATE_THIS_YEAR = re.compile(r"^(.+?)\s+(?:of\s+)?this\s+year$")
_NO_YEAR_DAY = re.compile(rf"^(?:(?:the\s+)?{_ORD}\s+(?:of\s+)?{_MON}|{_MON}\s+{_ORD})$")
_DAY_OF = r"(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\.?|[A-Z][a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?)"
# What follows a day without a year in a list that ends with one: ", and November 26, 2021".
_LIST_YEAR_AFTER = re.compile(rf"^(?:\s*,)?\s+(?:and|or|to)\s+(?:{_DAY_OF},?\s+(?:and\s+)?)*{_DAY_OF},?\s+(\d{{4}})\b")
_FULL_DATE_IN_TEXT = re.compile(
    rf"(?:(?P<d1>\d{{1,2}})\s+(?P<m1>{'|'.join(m.capitalize() for m in _MONTHS)})|"
    rf"(?P<m2>{'|'.join(m.capitalize() for m in _MONTHS)})\s+(?P<d2>\d{{1,2}})),?\s+(?P<y>\d{{4}})"
)


def _offset(key: str, base: date) -> tuple[date, str] | None:
    """ "in a week", "in a week and a half", "in two months": the period that far after the publication date."""
    m = _COUNT_OF_TIME.fullmatch(key)
    if m is None:
        return None
    count = _number_value(m.group(1))
    if count is None:
        return None
    count += 0.5 if m.group(3) else 0
    unit = m.group(2).lower().rstrip("s")
    if unit in ("second", "minute", "hour"):
        return base, "day"
    if unit in ("day", "night", "week", "fortnight"):
        day = base + timedelta(days=round(count * {"week": 7, "fortnight": 14}.get(unit, 1)))
        return (day, "day") if unit in ("day", "night") else (day - timedelta(days=day.weekday()), "week")
    months = count * {"month": 1, "year": 12, "decade": 120}.get(unit, 1200)
    day = base + relativedelta(months=int(months), days=round((months - int(months)) * 30))
    if unit == "month":
        return day.replace(day=1), "month"
    return date(day.year, 1, 1), "year"


_COUNT_OF_TIME = re.compile(
    rf"(?:another\s+|a\s+further\s+|about\s+|around\s+)?({_NUMBER})\s*-?\s*({_UNIT})"
    rf"(\s+and\s+a\s+half)?",
    re.I,
)
_SMALL_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen".split()
    )
}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}


def _number_value(text: str) -> float | None:
    """The number a count of time spells ("a", "two", "twenty-five", "a couple of", "12"); None when vague."""
    words = re.sub(r"\s+of$", "", text.lower().strip()).replace("-", " ").split()
    if not words:
        return None
    if words[0].isdigit() and len(words) == 1:
        return float(words[0])
    if words in (["a"], ["an"]):
        return 1.0
    if words[-1] == "couple":
        return 2.0
    if words[-1] == "dozen":
        return 12.0
    total = 0
    for word in words:
        if word in _SMALL_NUMBERS:
            total += _SMALL_NUMBERS[word]
        elif word in _TENS:
            total += _TENS[word]
        elif word == "hundred":
            total = max(total, 1) * 100
        else:
            return None  # "several", "a few", "many": no point in time
    return float(total)


def _years_from(count_words: str, direction: str, before: str, published: date | None) -> tuple[date, str] | None:
    """ "five years later": that many years after (or before) the last year the text named before it."""
    count = _number_value(count_words)
    years = _YEAR_IN_TEXT.findall(before)
    if count is None or not years:
        return None
    sign = -1 if direction.lower() in ("earlier", "before") else 1
    return _plausible(date(int(years[-1]) + sign * int(count), 1, 1), "year", published)


def _last(pattern: re.Pattern, text: str) -> re.Match | None:
    """The last match of ``pattern`` in ``text`` (where the sentence or clause before a mention starts)."""
    found = None
    for found in pattern.finditer(text):  # noqa: B007 - the loop keeps the last one
        pass
    return found


def _sentence_around(before: str, after: str) -> str:
    """The sentence the expression stands in (as far as the context reaches), the expression left out."""
    start = _last(_SENTENCE_START, before)
    end = _SENTENCE_END.search(after)
    return before[start.end() if start else 0 :] + " \u2026 " + after[: end.start() + 1 if end else len(after)]


def _opens_future_sentence(before: str, after: str) -> bool:
    """True when the expression opens its sentence and the sentence's first verb is a future one
    ("On Saturday, he is to meet Duda"; not "On Saturday, he said he will")."""
    lead = re.sub(r"\b[Oo]n\s+$", "", before)
    if lead.strip() and not _SENTENCE_OPENING.search(lead):
        return False
    end = _SENTENCE_END.search(after + ".")
    assert end is not None  # the added full stop ends the sentence at the latest
    verb = _FIRST_VERB.search(after[: end.start()])
    return bool(verb and verb.group("future"))


def _day_before(before: str, published: date | None) -> tuple[date, str] | None:
    """ "the day before": the day before the last full date the sentence named, else before publication
    (a report of the day's call: "talks in Istanbul held the day before")."""
    sentence = before[before.rfind(". ") + 1 :] if ". " in before else before
    named = list(_FULL_DATE_IN_TEXT.finditer(sentence))
    if named:
        m = named[-1]
        month = m.group("m1") or m.group("m2")
        day = int(m.group("d1") or m.group("d2"))
        try:
            return date(int(m.group("y")), _MONTH_NUMBER[month.lower().rstrip(".")], day) - timedelta(days=1), "day"
        except (ValueError, KeyError):
            return None
    if published is None:
        return None
    return published - timedelta(days=1), "day"


def _ordinal_day(ordinal: str, before: str, published: date) -> tuple[date, str] | None:
    """ "on the 24th", "on the eighth": that day of the last month the text named before it, else of the
    month that puts it on or before the publication day."""
    day = int(ordinal) if ordinal.isdigit() else _ORDINAL_WORDS.index(ordinal) + 1
    months = _MONTH_NAME_IN_TEXT.findall(before)
    try:
        if months:
            month = _MONTH_NUMBER[months[-1].lower().rstrip(".")]
            return _nearest_year(date(published.year, month, day), published), "day"
        month_start = published.replace(day=1)
        for _ in range(3):  # this month when the day is past, else the last month that has it
            if (
                day <= calendar.monthrange(month_start.year, month_start.month)[1]
                and month_start.replace(day=day) <= published
            ):
                return month_start.replace(day=day), "day"
            month_start = (month_start - timedelta(days=1)).replace(day=1)
        return None
    except (ValueError, KeyError):
        return None


def _small_hours(stamped: datetime) -> bool:
    """True for a time stamp between midnight and SMALL_HOURS_END (exactly midnight is a bare date)."""
    return stamped.hour < SMALL_HOURS_END and (stamped.hour, stamped.minute, stamped.second) != (0, 0, 0)


_TO_COME = re.compile(
    r"\b(?:will|shall|would|can|could|may|might|must|should|is\s+to|are\s+to|going\s+to|"
    r"expected|plans?|planned|due|aims?|hopes?)\b|\w'll\b|\?\s*$",
    re.I,
)  # or a question
_SENTENCE_OPENING = re.compile(r"(?:[.!?][\"\u201d\u2019)]?\s+|\n\s*)$")
_FIRST_VERB = re.compile(
    r"\b(?:(?P<future>will|shall|is\s+to|are\s+to|(?:is|are)\s+(?:due|expected|scheduled|set|going)\s+to|"
    r"(?:is|are)\s+(?:due|scheduled)|plans?\s+to|\w+'ll)|was|were|had|did|has|have|said|says|told|tells|\w+ed)\b",
    re.I,
)
_SPEECH_DAY_WORDS = frozenset(
    ("today", "tonight", "this morning", "this evening", "this afternoon", "yesterday", "tomorrow", "last night")
)
# A "today" is literal when its clause is in the past, the perfect or the future, speaks in the first person,
# or names a scheduled event; it means "nowadays" when the sentence is otherwise in the general present.
_CLAUSE_OPENING = r"(?:[.!?]\s|[\n\"\u201c\u201d:;]|\b(?:that|what|which|who|whom|where)\s)"
_CLAUSE_START = re.compile(_CLAUSE_OPENING)
_SENTENCE_START = re.compile(r"(?:[.!?]\s|\n)")
_CLAUSE_END = re.compile(r"[.!?](?:\s|$)|[\n\"\u201c\u201d;]|,[\"\u201d]|,\s+(?:so|and|but|while|whereas)\b")
# ", the President said." closing a quoted sentence belongs to the report, not to the clause of "today"
_REPORTING_TAIL = re.compile(r",[^,]{0,60}\b(?:said|says|added|stressed|noted|emphasized|emphasised)\b[^,]*$")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")
_FIRST_PERSON = re.compile(r"\b(?:I|[Ww]e|WE|[Yy]ou|[Mm]y|me)\b")  # the speaker and the one spoken to, this day
_NOT_PRESENT = re.compile(
    r"(?<!\bbe\s)(?<!\bbeen\s)(?<!\bis\s)(?<!\bare\s)\b(?:made|held|told|sent|met)\b|"
    r"\b(?:was|were|had|did|said|spoke|took|gave|came|went|began|saw|will|shall|would|"
    r"won't|going\s+to|due|scheduled|planned|expected|set\s+to)\b|\w'll\b|"
    r"\b(?:has|have|had)\s+(?:not\s+|never\s+|already\s+|just\s+|yet\s+|also\s+)*(?:been|\w+ed|\w+en)\b|"
    r"\b(?:he|she|it|they|who)\s+\w+ed\b|"
    # a verb in the past with its object: "announced a new package" (not "unprecedented external")
    r"\b\w{3,}ed\s+(?:a|an|the|his|her|their|its|our|this|these|those|\d+)\b|"
    r"(?<!\bis\s)(?<!\bare\s)(?<!\bbe\s)\b\w{3,}ed\s+today\b",
    re.I,
)
_GENERAL_PRESENT = re.compile(
    r"\b(?:is|are|remains?|should|must|can|cannot|needs?|depends?|means|matters|has|have|"
    r"has\s+become|have\s+become)\b|\b(?:it|that|there|this|he|she)['\u2019]s\b|"
    r"^[\s\"'\u201c\u2018]*Today,",
    re.I,
)
_LITERAL_BEFORE = re.compile(r"\b(?:as\s+of|from|until|till|since|by)\s+$", re.I)
_LITERAL_AFTER = re.compile(r"^\s*(?:is|was)\b", re.I)
_GENERIC_BEFORE = re.compile(r"\b(?:is|are)\s+$", re.I)  # "the land which is today a part of Russia"
# "today's world", "today's Russia": what makes "today's" mean "nowadays'" (any other noun is that day's:
# "today's talks", "today's missile attack").
_GENERIC_NOUNS_AFTER = re.compile(
    r"^['\u2019]s\s+(?:(?:\w+\s+)?(?:world|society|reality|realities|times|generation|"
    r"youth|economy|conditions|circumstances|challenges|threats|life|people|children|students|citizens|"
    r"politicians|leaders)\b|[A-Z])"
)


def is_generic_today(before: str, after: str) -> bool:
    """True when "today" means "nowadays" ("Today, they are trying to cancel..."), not the day itself."""
    if after.startswith(("'s", "\u2019s")):
        return bool(_GENERIC_NOUNS_AFTER.match(after))
    if _LITERAL_BEFORE.search(before) or _LITERAL_AFTER.match(after):
        return False
    sentence_start = _last(_SENTENCE_START, before)
    clause_start = _last(_CLAUSE_START, before)
    sentence_end = _SENTENCE_END.search(after)
    clause_end = _CLAUSE_END.search(after)
    opening = before[sentence_start.end() if sentence_start else 0 :]
    sentence = opening + " Today" + after[: sentence_end.start() if sentence_end else len(after)]
    clause = (
        before[clause_start.end() if clause_start else 0 :]
        + " today "
        + _REPORTING_TAIL.sub("", after[: clause_end.start() if clause_end else len(after)])
    )
    if _FIRST_PERSON.search(clause) or _NOT_PRESENT.search(clause):
        return False
    return bool(_GENERIC_BEFORE.search(before) or _GENERAL_PRESENT.search(sentence))


def _weekday(key: str, base: date, *, future: bool) -> tuple[date, str]:
    """A weekday named alone: the publication day itself when it is that weekday ("said on Wednesday" in
    Wednesday's paper), else the nearest one before it, or after it when the context says it is to come;
    "last Friday" is always before."""
    m = _WEEKDAY_ALONE.match(key)
    assert m is not None  # called only for keys _WEEKDAY_ALONE matched
    target = _WEEKDAYS.index(m.group(1))
    if future:
        return base + timedelta(days=(target - base.weekday()) % 7), "day"
    back = (base.weekday() - target) % 7
    if back == 0 and key.startswith("last "):
        back = 7
    return base - timedelta(days=back), "day"


def _fast_parse(key: str, base: date | None) -> tuple[date, str] | None:
    """The common written forms, read without dateparser (which costs 10-30 ms an expression)."""
    try:
        m = _DAY_MONTH.match(key)
        if m:
            return _day_month(int(m.group(2)), m.group(3), m.group(4), base)
        m = _MONTH_DAY.match(key)
        if m:
            return _day_month(int(m.group(3)), m.group(2), m.group(4), base)
        m = _MONTH_YEAR.match(key)
        if m:
            return _plausible(date(int(m.group(2)), _MONTH_NUMBER[m.group(1)], 1), "month", base)
        m = _MONTH_ALONE.match(key)
        if m and base is not None and m.group(1) != "may":  # "may" alone is usually the verb
            return _nearest_year(date(base.year, _MONTH_NUMBER[m.group(1)], 1), base), "month"
        m = _ISO.match(key)
        if m:
            return _plausible(date(int(m.group(1)), int(m.group(2)), int(m.group(3))), "day", base)
        if _WEEKDAY_ALONE.match(key) and base is not None:
            return _weekday(key, base, future=False)
        m = _THIS_LAST_MONTH.match(key)
        if m and base is not None:
            month = _MONTH_NUMBER[m.group(2)]
            if m.group(1) == "this":
                return date(base.year, month, 1), "month"
            year = base.year if month < base.month else base.year - 1  # the last one before this month
            return date(year, month, 1), "month"
        m = _DATE_THIS_YEAR.match(key)
        if m and base is not None:
            resolved = _fast_parse(m.group(1), base)
            if resolved is not None:
                return resolved[0].replace(year=base.year), resolved[1]
    except ValueError:  # "31 February"
        return None
    return None


def _day_month(day: int, month_name: str, year: str | None, base: date | None) -> tuple[date, str] | None:
    """A day of a named month, in the given year or the year nearest the publication date."""
    month = _MONTH_NUMBER[month_name]
    if year:
        return _plausible(date(int(year), month, day), "day", base)
    if base is None:
        return None
    return _nearest_year(
        date(base.year, month, day) if not (month == 2 and day == 29) else date(2024, 2, 29), base
    ), "day"


def _parse(key: str, base: date | None) -> tuple[date, str] | None:
    """Ask dateparser, then place a day or month without a year in the year nearest the publication date."""
    parsed = (
        _parser().get_date_data(key, date_formats=None) if base is None else _relative_parser(base).get_date_data(key)
    )
    if parsed is None or parsed.date_obj is None:
        return None
    period = parsed.period or "day"
    day = parsed.date_obj.date()
    if period == "time":
        period = "day"
    if period not in PRECISIONS:
        return None
    has_year = bool(_YEAR_RE.search(key))
    has_month = bool(_MONTH_RE.search(key))
    has_weekday = bool(_WEEKDAY_RE.search(key))
    if (
        period == "day"
        and has_month
        and not _DAY_RE.search(_MONTH_RE.sub(" ", _YEAR_RE.sub(" ", key)))
        and not has_weekday
    ):
        period = "month"  # dateparser fills a missing day with today's
    if period == "month":
        day = day.replace(day=1)
    elif period == "year":
        day = date(day.year, 1, 1)
    elif period == "week":
        day = day - timedelta(days=day.weekday())
    if has_month and not has_year and base is not None:
        day = _nearest_year(day, base)
    return _plausible(day, period, base)


def _nearest_year(day: date, base: date) -> date:
    """The same month and day in the year that puts it nearest ``base`` (a 29 February stays in leap years)."""
    best = day
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:
            continue
        if abs((candidate - base).days) < abs((best - base).days):
            best = candidate
    return best


def _plausible(day: date, precision: str, base: date | None) -> tuple[date, str] | None:
    """Drop dates so far from the publication date that they are surely misreadings."""
    if base is not None and abs(day.year - base.year) > MAX_YEARS_AWAY:
        return None
    return day, precision


@lru_cache(maxsize=1)
def _parser():
    """A dateparser parser for expressions that carry their own year (English only, no relative base)."""
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en"],
        settings={"PREFER_DAY_OF_MONTH": "first", "RETURN_TIME_AS_PERIOD": False, "STRICT_PARSING": False},
    )


@lru_cache(maxsize=4096)
def _relative_parser(base: date):
    """A dateparser parser whose relative expressions count from ``base`` (weekdays fall before it)."""
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime(base.year, base.month, base.day, 12),
            "PREFER_DATES_FROM": "past",
            "PREFER_DAY_OF_MONTH": "first",
        },
    )
