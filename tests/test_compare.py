"""Attention compared: /api/compare, /compare and /compare.csv on the fixture index, against hand counts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from app import create_app
from search.compare import MAX_SERIES, period_counts, shares
from search.model import Bucket

GOLDEN = json.loads((Path(__file__).resolve().parent / "data" / "fixture_counts.json").read_text(encoding="utf-8"))

# Hand count, from the date field of the articles whose text contains the words
# (tests/data/fixture_articles.jsonl): "Tokayev" is in kremlin-67561 (2022-01-07), -67563 (2022-01-08),
# -67748 (2022-02-10) and -68442 (2022-05-19); "humanitarian law" in kremlin-67165 (2021-11-22) and
# kremlin-67189 (2021-11-24). Articles per month overall: fixture_counts.json "month".
TOKAYEV = {"2022-01": 2, "2022-02": 1, "2022-05": 1}
HUMANITARIAN = {"2021-11": 2}
# Kremlin articles per month (source and date fields): the shared filter source=Kremlin divides by these.
KREMLIN = {"2021-11": 10, "2021-12": 2, "2022-01": 2, "2022-02": 2, "2022-03": 1, "2022-05": 1, "2022-06": 1}


@pytest.fixture(scope="module")
def client(fixture_index_dir):
    return create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True}).test_client()


def compare(client, **params) -> dict:
    response = client.get("/api/compare", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_period_counts_and_shares_on_constructed_buckets():
    from datetime import date

    buckets = [
        Bucket("2022-01", 0, date(2022, 1, 1), date(2022, 1, 31)),
        Bucket("2022-02", 0, date(2022, 2, 1), date(2022, 2, 28)),
    ]
    days = np.array(
        [
            date(2022, 1, 5).toordinal(),
            date(2022, 1, 31).toordinal(),
            date(2022, 2, 1).toordinal(),
            date(2021, 12, 31).toordinal(),
            -1,
        ]
    )  # one before the axis, one undated: not counted
    counts = period_counts(days, buckets)
    assert counts.tolist() == [2, 1]
    assert shares(counts, np.array([8, 0])) == [0.25, 0.0]  # a period with no article has share 0


def test_api_compare_shape_counts_and_shares(client):
    result = compare(client, q=["Tokayev", '"humanitarian law"'])
    assert result["unit"] == "month"
    tokayev, humanitarian = result["series"]
    assert set(tokayev) == {"label", "query", "total", "histogram"}
    assert tokayev["label"] == tokayev["query"] == "Tokayev" and tokayev["total"] == 4
    assert humanitarian["total"] == 2
    # one common axis: every month from the first to the last article of either series
    periods = [b["period"] for b in tokayev["histogram"]]
    assert periods == [b["period"] for b in humanitarian["histogram"]]
    assert periods[0] == "2021-11" and periods[-1] == "2022-05" and len(periods) == 7
    for series, expected in ((tokayev, TOKAYEV), (humanitarian, HUMANITARIAN)):
        for bucket in series["histogram"]:
            count = expected.get(bucket["period"], 0)
            assert bucket["count"] == count
            everything = GOLDEN["month"].get(bucket["period"], 0)
            assert bucket["share"] == (round(count / everything, 4) if everything else 0.0)
    by_month = {b["period"]: b["share"] for b in tokayev["histogram"]}
    assert by_month["2022-01"] == 0.5 and by_month["2022-05"] == 0.25  # 2 of 4, 1 of 4


def test_shared_filters_apply_to_the_series_and_to_the_shares(client):
    result = compare(client, q=["Tokayev", '"humanitarian law"'], source="Kremlin")
    tokayev = {b["period"]: b for b in result["series"][0]["histogram"]}
    assert tokayev["2022-01"]["share"] == round(2 / KREMLIN["2022-01"], 4) == 1.0
    assert tokayev["2022-02"]["share"] == round(1 / KREMLIN["2022-02"], 4) == 0.5
    humanitarian = {b["period"]: b for b in result["series"][1]["histogram"]}
    assert humanitarian["2021-11"]["share"] == round(2 / KREMLIN["2021-11"], 4) == 0.2
    # a filter no series article passes empties every series
    empty = compare(client, q=["Tokayev"], source="The Guardian")
    assert empty["series"][0]["total"] == 0


def test_facet_syntax_queries_are_series(client):
    # Hand count: "Putin" is in 15 of the 37 articles (title or text); the entity page's link will send
    # actor:"Vladimir Putin", which the query parser reads as the actor filter.
    result = compare(client, q=['actor:"Vladimir Putin"', "Tokayev"])
    putin = result["series"][0]
    assert putin["total"] == 15 and putin["label"] == 'actor:"Vladimir Putin"'
    assert sum(b["count"] for b in putin["histogram"]) == 15


def test_short_range_is_per_day(client):
    result = compare(client, q=["Tokayev"], **{"from": "2022-01-01", "to": "2022-01-31"})
    assert result["unit"] == "day"
    days = {b["period"]: b["count"] for b in result["series"][0]["histogram"] if b["count"]}
    assert days == {"2022-01-07": 1, "2022-01-08": 1}


def test_more_than_five_series_are_refused(client):
    six = [f"word{i}" for i in range(MAX_SERIES + 1)]
    response = client.get("/api/compare", query_string={"q": six})
    assert response.status_code == 400 and "at most 5" in response.get_json()["error"]
    page = client.get("/compare", query_string={"q": six})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "at most 5 queries" in text and 'class="compare-form"' in text and "Traceback" not in text
    assert client.get("/api/compare").status_code == 400  # no query at all: a clear 400 too
    assert client.get("/compare.csv", query_string={"q": six}).status_code == 400


def test_compare_page_draws_one_line_per_series_and_toggles_mode(client):
    page = client.get("/compare", query_string={"q": ["Tokayev", '"humanitarian law"']}).get_data(as_text=True)
    assert page.count("<polyline") == 2 and page.count('<li><svg class="swatch"') == 2
    assert "&#34;humanitarian law&#34;" in page or "&quot;humanitarian law&quot;" in page  # escaped label
    assert 'data-mode="share"' in page and "mode=share" in page
    shares_page = client.get("/compare", query_string={"q": ["Tokayev"], "mode": "share"}).get_data(as_text=True)
    assert "50.0%" in shares_page  # January 2022: 2 of 4 articles
    assert client.get("/compare").status_code == 200  # the empty form


def test_compare_csv_is_formula_safe_and_matches_the_series(client):
    response = client.get("/compare.csv", query_string={"q": ['=HYPERLINK("http://x")', "Tokayev", "@SUM(1)"]})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert set(rows[0]) == {"series", "query", "period", "count", "share", "all_articles"}
    assert all(r["series"][:1] not in "=+-@\t\r" and r["query"][:1] not in "=+-@\t\r" for r in rows)
    assert {r["series"] for r in rows} == {'\'=HYPERLINK("http://x")', "Tokayev", "'@SUM(1)"}
    tokayev = {r["period"]: r for r in rows if r["series"] == "Tokayev"}
    assert tokayev["2022-01"]["count"] == "2" and tokayev["2022-01"]["share"] == "0.5000"
    assert tokayev["2022-01"]["all_articles"] == str(GOLDEN["month"]["2022-01"])


def test_legend_links_open_each_series_with_the_shared_filters(client):
    page = client.get("/compare", query_string={"q": ["Tokayev"], "source": "Kremlin"}).get_data(as_text=True)
    assert 'href="/?q=Tokayev&amp;source=Kremlin"' in page
