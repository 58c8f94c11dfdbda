"""Dates mentioned in the text on the read side: API fields, the event filter, the second timeline, the
article page, over a real index of the two seed articles (hand-checked: the 17 Nov TASS story mentions
Monday 15 and Tuesday 16 November and 8 November; the 25 Nov story mentions 24 and 8 November)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from app import create_app
from search import mentioned_dates as md
from search.mentioned_dates import MentionedDates, event_dates_json, mentioned_histogram, parse_periods

MICHEL = "000_04ea6c0700b9ba97"  # published 2021-11-25
MERKEL = "003_0e92e75e7bff483c"  # published 2021-11-17


@pytest.fixture(scope="module")
def client(seed_index_dir):
    return create_app({"INDEX_DIR": str(seed_index_dir), "TESTING": True}).test_client()


def search(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_hits_carry_the_dates_their_text_mentions(client):
    hits = {h["id"]: h for h in search(client)["hits"]}
    merkel = {(d["date"], d["precision"]) for d in hits[MERKEL]["event_dates"]}
    assert ("2021-11-15", "day") in merkel  # "on Monday", published Wednesday 17 November
    assert ("2021-11-08", "day") in merkel
    michel = {d["text"]: d["date"] for d in hits[MICHEL]["event_dates"]}
    assert michel["24 November"] == "2021-11-24"
    assert all(set(d) == {"text", "date", "precision"} for h in hits.values() for d in h["event_dates"])


def test_the_article_api_carries_them_too(client):
    body = client.get(f"/api/article/{MERKEL}").get_json()
    assert {"text": "Monday", "date": "2021-11-15", "precision": "day"} in body["event_dates"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"event_from": "2021-11-08", "event_to": "2021-11-08"}, {MICHEL, MERKEL}),
        ({"event_from": "2021-11-15", "event_to": "2021-11-16"}, {MERKEL}),
        ({"event_from": "2021-11-24"}, {MICHEL}),
        ({"event_to": "2021-11-07"}, set()),
        ({"event_from": "2021-11"}, {MICHEL, MERKEL}),  # a month means the whole month
    ],
)
def test_event_filter_finds_articles_that_mention_a_date_in_the_range(client, params, expected):
    assert {h["id"] for h in search(client, **params)["hits"]} == expected


def test_bad_event_dates_are_a_400(client):
    for params in ({"event_from": "yesterday"}, {"event_from": "2021-12-01", "event_to": "2021-11-01"}):
        response = client.get("/api/search", query_string=params)
        assert response.status_code == 400 and "event_" in response.get_json()["error"]


def test_the_second_timeline_counts_articles_per_mentioned_day(client):
    res = search(client)
    assert res["event_histogram_unit"] == "day"
    counts = {b["period"]: b["count"] for b in res["event_histogram"]}
    assert counts["2021-11-08"] == 2  # both articles, each counted once
    assert counts["2021-11-15"] == 1 and counts["2021-11-24"] == 1
    assert counts.get("2021-11-10", 0) == 0


def test_results_page_draws_it_and_bars_set_the_event_range(client):
    html = client.get("/").get_data(as_text=True)
    assert "Dates mentioned" in html
    assert "event_from=2021-11-08&amp;event_to=2021-11-08" in html
    narrowed = client.get("/?event_from=2021-11-15&event_to=2021-11-15").get_data(as_text=True)
    assert "Mentions from" in narrowed  # the range shows as a removable chip


def test_article_page_marks_the_dates(client):
    html = client.get(f"/article/{MERKEL}").get_data(as_text=True)
    assert '<time class="mention-date" datetime="2021-11-15"' in html
    assert "Dates mentioned" in html


def test_periods_parse_and_damaged_entries_are_skipped():
    docs, first, last, precision = parse_periods(
        [[["20211108", "d"], ["202111", "m"]], None, [["20220301", "m"], ["20220101", "y"], ["x", "d"]]]
    )
    assert docs.tolist() == [0, 2, 2]
    assert [date.fromordinal(int(x)) for x in first] == [date(2021, 11, 8), date(2022, 3, 1), date(2022, 1, 1)]
    assert [date.fromordinal(int(x)) for x in last] == [date(2021, 11, 8), date(2022, 3, 31), date(2022, 12, 31)]
    table = MentionedDates(docs, first, last, precision)
    assert table.mask(3, date(2022, 6, 1), date(2022, 6, 30)).tolist() == [False, False, True]  # the year
    assert table.mask(3, date(2021, 11, 9), None).tolist() == [False, False, True]


def test_histogram_counts_each_article_once_and_keeps_coarse_mentions_off_fine_bars():
    docs, first, last, precision = parse_periods(
        [
            [["20220301", "d"], ["20220302", "d"]],
            [["20220301", "d"], ["20220301", "m"]],
            [["20210101", "y"]],
        ]
    )
    table = MentionedDates(docs, first, last, precision)
    buckets, unit = mentioned_histogram(table, np.ones(3, dtype=bool), date(2022, 3, 1), date(2022, 3, 31))
    assert unit == "day"
    counts = {b.period: b.count for b in buckets}
    assert counts["2022-03-01"] == 2 and counts["2022-03-02"] == 1
    buckets, unit = mentioned_histogram(table, np.ones(3, dtype=bool), date(2021, 1, 1), date(2022, 12, 31))
    assert unit == "month"
    counts = {b.period: b.count for b in buckets}
    assert counts["2022-03"] == 2 and counts["2021-01"] == 0  # a year is not put on its January


def test_event_dates_json_skips_offsets_outside_the_body():
    assert event_dates_json("on Monday", [[3, 9, "2021-11-15", "day"], [5, 99, "2021-11-15", "day"], "x"]) == [
        {"text": "Monday", "date": "2021-11-15", "precision": "day"}
    ]


# --- the histogram against its first, sort-per-search form -----------------------------------------


def reference_histogram(
    dates: MentionedDates, mask: np.ndarray, start: date | None = None, end: date | None = None
) -> tuple[list, str]:
    """The histogram as first written (a sort per search): the oracle of the one with precomputed pairs.

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
        if len(first) >= md.TRIM_MIN_ROWS:  # a few far-off mentions must not set the scale
            lo_q, hi_q = np.quantile(first, md.SPAN_QUANTILES)
            lo, hi = max(lo, int(lo_q)), min(hi, int(hi_q))
    if hi - lo <= md.DAY_BUCKETS_MAX_DAYS:
        unit, finest = "day", 0
    else:
        lo_d, hi_d = date.fromordinal(lo), date.fromordinal(hi)
        months = (hi_d.year - lo_d.year) * 12 + hi_d.month - lo_d.month
        unit, finest = ("year", 3) if months >= md.YEAR_BUCKETS_MIN_MONTHS else ("month", 2)
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
    return md.buckets(counts, unit, lo_date), unit


@pytest.mark.parametrize("seed", range(12))
def test_histogram_equals_the_sorting_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    rows = int(rng.integers(0, 1500))
    docs = np.sort(rng.integers(0, n, rows)).astype(np.int32)
    if seed % 4 == 3:
        docs = rng.permutation(docs)  # rows not in document order: still the same answer
    spread = [20, 200, 3000, 40000][seed % 4]  # days: one bar per day, month or year
    first = (date(2021, 6, 1).toordinal() + rng.integers(-spread, spread, rows)).astype(np.int32)
    precision = rng.integers(0, 4, rows).astype(np.int8)
    table = MentionedDates(docs, first, first, precision)
    spans = [(None, None), (date(2021, 5, 20), date(2021, 6, 10)), (date(2020, 1, 17), date(2022, 8, 3))]
    for fraction in (1.0, 0.5, 0.05, 0.004):
        mask = rng.random(n) < fraction
        for start, end in spans:
            got = mentioned_histogram(table, mask, start, end)
            want = reference_histogram(table, mask, start, end)
            assert got == want, (fraction, start, end)


def test_the_span_quantiles_are_numpys():
    """The timeline's span trims 2 % of mentions at each end as np.quantile would, to the day."""
    from search.mentioned_dates import SPAN_QUANTILES, _quantiles

    rng = np.random.default_rng(7)
    for _ in range(3000):
        start = int(rng.integers(1, 738_000))
        values = rng.integers(start, start + int(rng.choice([3, 60, 400, 40_000])), size=int(rng.integers(50, 5000)))
        assert _quantiles(values.astype(np.int32)) == tuple(int(q) for q in np.quantile(values, SPAN_QUANTILES))


def test_warming_up_makes_what_searches_derive_once_per_commit(fixture_index_dir):
    """warm_up (and a commit opened in the background) make the timeline's bars, all facets' postings and
    the roles by day, so that the first searches after a commit do not each pay for one of them."""
    from search import SearchIndex

    engine = SearchIndex(fixture_index_dir)
    table = engine._snapshot(block=True).table
    assert "_all_facets" not in table.__dict__ and not table.mentioned._bars
    engine.warm_up()
    assert "_all_facets" in table.__dict__ and "_ordered" in table.actor_roles.__dict__
    assert len(table.mentioned.doc) and {"day", "month", "year"} <= set(table.mentioned._bars)
