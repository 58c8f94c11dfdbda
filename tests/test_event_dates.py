"""Dates in the text: real DATE mentions from the real spaCy model, resolved against publication dates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from indexer.enrich import ner_text
from indexer.event_dates import EventDate, clean_expression, resolve_event_dates, resolve_expression
from indexer.sources import read_articles

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

WED_17_NOV_2021 = date(2021, 11, 17)


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("on Monday", (date(2021, 11, 15), "day")),  # the Monday before a Wednesday
        ("Monday", (date(2021, 11, 15), "day")),
        ("last Friday", (date(2021, 11, 12), "day")),
        ("November 8", (date(2021, 11, 8), "day")),
        ("on November 8", (date(2021, 11, 8), "day")),
        ("8 November", (date(2021, 11, 8), "day")),
        ("Wednesday, 24 November", (date(2021, 11, 24), "day")),  # a week later, not a year earlier
        ("24 February", (date(2022, 2, 24), "day")),  # the nearest 24 February is the next one
        ("21 November 2021", (date(2021, 11, 21), "day")),
        ("February 24, 2022", (date(2022, 2, 24), "day")),
        ("yesterday", (date(2021, 11, 16), "day")),
        ("three days ago", (date(2021, 11, 14), "day")),
        ("last week", (date(2021, 11, 8), "week")),  # the Monday of the week before
        ("this week", (date(2021, 11, 15), "week")),
        ("next week", (date(2021, 11, 22), "week")),
        ("last month", (date(2021, 10, 1), "month")),
        ("December 2021", (date(2021, 12, 1), "month")),
        ("early November", (date(2021, 11, 1), "month")),
        ("mid-December", (date(2021, 12, 1), "month")),
        ("2020", (date(2020, 1, 1), "year")),
        ("in 2014", (date(2014, 1, 1), "year")),
        ("this year", (date(2021, 1, 1), "year")),
        ("June 22, 1941", (date(1941, 6, 22), "day")),
    ],
)
def test_expressions_resolve_against_the_publication_date(expression, expected):
    assert resolve_expression(expression, WED_17_NOV_2021) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "two years",
        "24 hours",
        "the past two weeks",
        "annual",
        "64-year-old",
        "the 1990s",
        "recent weeks",
        "30 years",
        "the next few days",
        "2014-2015",
        "the end of the year",
    ],
)
def test_lengths_of_time_and_vague_periods_are_not_dates(expression):
    assert resolve_expression(expression, WED_17_NOV_2021) is None


def test_relative_expressions_need_a_publication_date():
    assert resolve_expression("on Monday", None) is None
    assert resolve_expression("24 February 2022", None) == (date(2022, 2, 24), "day")


def test_cleaning_drops_prepositions_and_punctuation():
    assert clean_expression("On  Monday,") == "monday"
    assert clean_expression("since the 8th of November") == "8th of november"


def test_seed_articles_dates_from_real_ner(nlp):
    """The seeds say "on Wednesday, 24 November" (published 25 Nov) and "on Monday" (published 17 Nov)."""
    by_id = {a.id: a for a in read_articles([SEEDS])}
    found = {}
    for article_id, article in by_id.items():
        text = ner_text(article)
        spans = [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]
        found[article_id] = resolve_event_dates(text, spans, article.date)
    michel = {(d.text, d.date, d.precision) for d in found["000_04ea6c0700b9ba97"]}
    # spaCy splits "on Wednesday, 24 November" into two mentions; both name the day before publication
    assert ("24 November", date(2021, 11, 24), "day") in michel
    assert ("Wednesday", date(2021, 11, 24), "day") in michel
    assert any(d.date == date(2021, 11, 8) and d.precision == "day" for d in found["000_04ea6c0700b9ba97"])
    merkel = found["003_0e92e75e7bff483c"]
    assert by_id["003_0e92e75e7bff483c"].date.date() == WED_17_NOV_2021
    assert any(d.text.lower().endswith("monday") and d.date == date(2021, 11, 15) for d in merkel)
    for d in merkel + found["000_04ea6c0700b9ba97"]:
        text = ner_text(by_id["003_0e92e75e7bff483c" if d in merkel else "000_04ea6c0700b9ba97"])
        assert text[d.start : d.end].split() == d.text.split()


def test_event_date_json_shape():
    d = EventDate("on Monday", 0, 9, date(2021, 11, 15), "day")
    assert d.as_json() == {"text": "on Monday", "date": "2021-11-15", "precision": "day"}


def test_spans_out_of_range_or_not_dates_are_ignored():
    text = "Talks on Monday."
    spans = [(9, 15, "DATE"), (0, 5, "ORG"), (40, 50, "DATE")]
    got = resolve_event_dates(text, spans, datetime(2021, 11, 17, 9))
    assert [(d.text, d.date) for d in got] == [("Monday", date(2021, 11, 15))]


@pytest.mark.parametrize(
    "expression, published, expected",
    [
        ("the coming New Year", date(2021, 12, 29), (date(2022, 1, 1), "day")),
        ("New Year's Eve", date(2021, 12, 29), (date(2021, 12, 31), "day")),
        ("Christmas", date(2021, 12, 20), (date(2021, 12, 25), "day")),
        ("Christmas Eve 2019", date(2021, 12, 20), (date(2019, 12, 24), "day")),
        ("last Christmas", date(2021, 12, 20), (date(2020, 12, 25), "day")),
        ("next New Year", date(2022, 1, 5), (date(2023, 1, 1), "day")),
        ("Orthodox Christmas", date(2021, 12, 29), (date(2022, 1, 7), "day")),
    ],
)
def test_fixed_holidays_resolve_to_their_day_nearest_the_publication(expression, published, expected):
    assert resolve_expression(expression, published) == expected


def test_holidays_without_a_publication_date_or_a_fixed_day_stay_unresolved():
    assert resolve_expression("Christmas", None) is None
    assert resolve_expression("the New Year holidays", date(2021, 12, 29)) is None  # a stretch of days
    assert resolve_expression("Orthodox New Year", date(2021, 12, 29)) is None
