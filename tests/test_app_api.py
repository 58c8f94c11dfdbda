"""The JSON API's shape (search, article, health) through Flask's test client, over the fixture index.

The web app through Flask's test client (fixtures `app` and `client` in conftest.py), over a real
index of tests/data built by the real indexer; counts are checked against tests/data/fixture_counts.json,
counted by hand from the fixture corpus (how is written in the file).
"""

from __future__ import annotations

import re

from conftest import GOLDEN, api


def test_api_search_has_the_issue_3_shape(client):
    result = api(client, q="Belarus")
    assert {
        "query",
        "total",
        "page",
        "per_page",
        "took_ms",
        "notice",
        "did_you_mean",
        "hits",
        "facets",
        "histogram",
    } <= result.keys()
    assert result["query"] == "Belarus" and result["page"] == 1 and result["per_page"] == 10
    assert isinstance(result["took_ms"], (int, float)) and result["total"] >= 10
    hit = result["hits"][0]
    assert {
        "id",
        "title",
        "date",
        "source",
        "url",
        "score",
        "snippet_html",
        "actors",
        "countries",
        "orgs",
    } <= hit.keys()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", hit["date"])
    assert all({"code", "name"} <= c.keys() for c in hit["countries"])
    assert set(result["facets"]) == {"actor", "country", "org", "source"}
    assert all({"value", "count", "role"} <= v.keys() for v in result["facets"]["actor"])
    assert all({"value", "code", "count"} <= v.keys() for v in result["facets"]["country"])
    assert all({"value", "count"} <= v.keys() for v in result["facets"]["org"] + result["facets"]["source"])
    assert all({"period", "count"} <= b.keys() for b in result["histogram"])


def test_api_article_returns_the_article_with_entities(client):
    response = client.get("/api/article/kremlin-67189")
    assert response.status_code == 200
    article = response.get_json()
    assert article["id"] == "kremlin-67189"
    assert article["title"] == "Telephone conversation with European Council President Charles Michel"
    assert article["date"] == "2021-11-24" and article["source"] == "Kremlin"
    assert "Belarus" in article["body"]
    assert "BY" in {c["code"] for c in article["countries"]}
    assert isinstance(article["actors"], list) and isinstance(article["orgs"], list)


def test_healthz_reports_generation_and_article_count(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    health = response.get_json()
    assert health["articles"] == GOLDEN["total"]
    assert health["generation"].startswith("gen-")
