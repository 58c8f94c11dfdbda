"""Batch search through the real Flask app over the fixture index: totals equal /api/search, limits,
per-query errors, CSV upload and a formula-safe CSV download."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from app import create_app
from search.batch import MAX_QUERIES, co_mentioned, read_csv_column
from search.errors import InvalidParameter
from search.model import FacetValue

QUERIES = [
    "Biden",
    "Tokayev",
    '"humanitarian law"',
    "Lukashenko",
    "Putin OR Biden",
    "country:SE",
    "Zelenskiy",
    "nonexistentwordxyz",
    "escalat*",
    "what did Putin tell Macron about Ukraine and the security guarantees",
    "Lukashenco",
]


@pytest.fixture(scope="module")
def app(fixture_index_dir, tmp_path_factory):
    # These tests are about the answers, so every batch answers in its request however busy the machine is;
    # tests/test_batch_jobs.py covers the batches that run on as background jobs.
    return create_app(
        {
            "INDEX_DIR": str(fixture_index_dir),
            "TESTING": True,
            "SECRET_KEY": "batch-tests",
            "BATCH_INLINE_SECONDS": 600,
            "BATCH_JOBS_DIR": str(tmp_path_factory.mktemp("jobs")),
        }
    )


@pytest.fixture()
def client(app):
    return app.test_client()


def batch(client, body, **headers):
    return client.post("/api/batch", data=json.dumps(body), content_type="application/json", headers=headers)


def token(client) -> str:
    page = client.get("/batch").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("shared", [{}, {"source": "Kremlin", "from": "2021-12"}, {"country": ["-BY"]}])
def test_batch_totals_dates_and_countries_equal_api_search(client, shared):
    response = batch(client, {"queries": QUERIES, **shared})
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert [r["query"] for r in results] == QUERIES
    nonzero = 0
    for row in results:
        assert "error" not in row
        found = client.get("/api/search", query_string={"q": row["query"], "per_page": 50, **shared}).get_json()
        assert row["total"] == found["total"], row["query"]
        nonzero += row["total"] > 0
        days = sorted(h["date"] for h in found["hits"] if h["date"])
        assert (row["first"], row["last"]) == ((days[0], days[-1]) if days else (None, None))
        countries = [{"name": c["value"], "code": c["code"], "count": c["count"]} for c in found["facets"]["country"]]
        assert row["countries"] == countries[:5]
        counts = {a["value"]: a["count"] for a in found["facets"]["actor"]}
        assert all(counts[a["name"]] == a["count"] for a in row["actors"])
    assert nonzero >= (6 if not shared else 2)


def test_co_mentioned_actors_leave_out_the_name_searched(client):
    row = batch(client, {"queries": ["Lukashenko"]}).get_json()["results"][0]
    names = [a["name"] for a in row["actors"]]
    assert "Alexander Lukashenko" not in names and "Vladimir Putin" in names
    assert [
        a.value
        for a in co_mentioned(
            [FacetValue("Volodymyr Zelenskyy", 3), FacetValue("Joe Biden", 2)], ["Zelenskiy", "Volodymyr Zelenskyy"]
        )
    ] == ["Joe Biden"]


def test_a_bad_query_gets_its_own_error_and_the_others_still_run(client):
    queries = ["Biden", "x" * 1001, "", 42, "date:[2021 TO", "Tokayev"]
    results = batch(client, {"queries": queries}).get_json()["results"]
    assert len(results) == 6
    assert results[0]["total"] > 0 and "error" not in results[0]
    assert "at most 1000 characters" in results[1]["error"] and results[1]["total"] == 0
    assert results[2]["error"] == "empty query"
    assert results[3]["error"] == "a query must be text"
    assert "cannot be parsed" in results[4]["error"] and results[4]["total"] == 0
    assert results[5]["total"] == 4 and "error" not in results[5]


def test_at_most_a_thousand_queries(client):
    many = [f"word{i}" for i in range(MAX_QUERIES)]
    ok = batch(client, {"queries": many})
    assert ok.status_code == 200 and len(ok.get_json()["results"]) == MAX_QUERIES
    too_many = batch(client, {"queries": many + ["one more"]})
    assert too_many.status_code == 400
    assert too_many.get_json()["error"] == "at most 1,000 queries in one batch (got 1,001)"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"queries": []}, "give at least one query"),
        ({"queries": "Biden"}, "queries must be a list"),
        ({"queries": ["Biden"], "from": "2021-13"}, "from is not a real date"),
        ({"queries": ["Biden"], "country": {"x": 1}}, "country must be text"),
        (["Biden"], "send a JSON object"),
    ],
)
def test_bad_batches_are_one_clear_400(client, body, message):
    response = batch(client, body)
    assert response.status_code == 400 and message in response.get_json()["error"]


def test_the_json_api_refuses_cross_site_posts(client):
    assert batch(client, {"queries": ["Biden"]}, Origin="https://evil.example").status_code == 403
    plain = client.post("/api/batch", data=json.dumps({"queries": ["Biden"]}), content_type="text/plain")
    assert plain.status_code == 415


def test_the_form_needs_its_csrf_token(client):
    refused = client.post("/batch", data={"queries": "Biden"})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)


def test_pasted_list_shows_a_table_with_links(client):
    response = client.post(
        "/batch", data={"queries": "Biden\r\n\r\nTokayev\r\n", "source": "Kremlin", "csrf_token": token(client)}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('class="batch-row"') == 2
    assert 'href="/?q=Tokayev&amp;source=Kremlin"' in page
    totals = re.findall(r'class="num batch-total">([\d,]+)<', page)
    assert totals == [
        str(batch(client, {"queries": ["Biden"], "source": "Kremlin"}).get_json()["results"][0]["total"]),
        "4",
    ]


def test_csv_upload_reads_the_chosen_column(client):
    data = "id,name,note\n1,Biden,x\n2,Tokayev,y\n3,,z\n4,Lukashenko,w\n".encode("utf-8-sig")
    response = client.post(
        "/batch",
        data={"file": (io.BytesIO(data), "names.csv"), "column": "Name", "csrf_token": token(client)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    assert re.findall(r'class="batch-link" href="[^"]+">([^<]+)<', page) == ["Biden", "Tokayev", "Lukashenko"]

    default = client.post(
        "/batch",
        data={"file": (io.BytesIO(data), "names.csv"), "csrf_token": token(client)},
        content_type="multipart/form-data",
    )
    assert re.findall(r'class="batch-link" href="[^"]+">([^<]+)<', default.get_data(as_text=True)) == [
        "1",
        "2",
        "3",
        "4",
    ]  # the first column by default

    missing = client.post(
        "/batch",
        data={"file": (io.BytesIO(data), "names.csv"), "column": "person", "csrf_token": token(client)},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400
    assert "the CSV file has no column &#39;person&#39;" in missing.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\xff\xfe\x00n\x00a", "not UTF-8"),
        (b"", "no header row"),
        (b"name\n", None),
    ],
)
def test_csv_reading_says_what_is_wrong(data, message):
    if message is None:
        assert read_csv_column(data) == []
    else:
        with pytest.raises(InvalidParameter, match=message):
            read_csv_column(data)


def test_csv_download_is_formula_safe(client):
    queries = ['=HYPERLINK("http://evil.example","x")', "+Biden", "@SUM(1)", "-gas Biden", "Tokayev"]
    response = client.post("/batch", data={"queries": "\n".join(queries), "format": "csv", "csrf_token": token(client)})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["query", "total", "first", "last", "countries", "actors", "error", "link"]
    assert [r[0] for r in rows[1:]] == ["'" + q for q in queries[:4]] + ["Tokayev"]
    for row in rows[1:]:
        assert all(cell[:1] not in ("=", "+", "-", "@") for cell in row)
    tokayev = rows[-1]
    assert tokayev[1] == "4" and tokayev[2] <= tokayev[3] and "Kazakhstan" in tokayev[4]
    assert tokayev[7].endswith("/?q=Tokayev")
