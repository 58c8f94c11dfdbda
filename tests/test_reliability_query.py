"""Issue 9, case 1: one query's cost is bounded (wildcard/fuzzy budget, a deadline, no infix scans)."""

from __future__ import annotations

import itertools

import pytest

from app import create_app


@pytest.fixture(scope="module")
def client(fixture_index_dir):
    return create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True}).test_client()


def assert_no_traceback(response):
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and 'File "' not in body


@pytest.mark.parametrize(
    "query",
    [
        " OR ".join("*" + a + b + "*" for a, b in itertools.product("etaoinsrh", repeat=2)),  # the bomb
        "*xy*",
        "belarus ?elarus",
        "title:*ine",
    ],
)
def test_a_wildcard_at_the_start_of_a_word_is_a_400_naming_it(client, query):
    first = next(w for w in query.replace("title:", "").split() if w[:1] in "*?")
    for url in ("/api/search", "/export.csv"):
        response = client.get(url, query_string={"q": query})
        assert response.status_code == 400, response.get_data(as_text=True)
        message = response.get_json()["error"]
        assert first in message and "starts with a wildcard" in message
    page = client.get("/", query_string={"q": query})
    assert page.status_code == 400 and "starts with a wildcard" in page.get_data(as_text=True)
    assert_no_traceback(page)


def test_all_wildcard_terms_share_one_expansion_budget(fixture_index_dir):
    client = create_app({"INDEX_DIR": str(fixture_index_dir), "QUERY_MAX_TERMS": 10}).test_client()
    # each of these prefixes matches several words of the fixture; together they match far more than 10
    query = " OR ".join(f"{letter}*" for letter in "abcdefgmprst")
    result = client.get("/api/search", query_string={"q": query}).get_json()
    assert result["notice"] and "searched only in part" in result["notice"]
    assert "a*" in result["notice"]  # the cut terms are named
    assert result["total"] > 0  # it still answers with what it found
    # the same terms with an ample budget: no notice, and at least as many matches
    full = create_app(
        {"INDEX_DIR": str(fixture_index_dir), "QUERY_DEADLINE": 30.0, "QUERY_MAX_TERMS": 100_000}
    ).test_client()
    whole = full.get("/api/search", query_string={"q": query}).get_json()
    assert not whole["notice"] and whole["total"] >= result["total"]


def test_a_query_past_the_deadline_answers_with_what_it_has_and_says_so(fixture_index_dir):
    client = create_app({"INDEX_DIR": str(fixture_index_dir), "QUERY_DEADLINE": 0.0}).test_client()
    response = client.get("/api/search", query_string={"q": "Belarus OR migra* OR Lukashenka~2"})
    assert response.status_code == 200
    result = response.get_json()
    assert "took too long" in result["notice"] and "migra*" in result["notice"]
    assert result["total"] > 0  # the plain word still matched
    page = client.get("/", query_string={"q": "Belarus OR migra*"})
    assert page.status_code == 200 and "took too long" in page.get_data(as_text=True)


def test_many_fuzzy_terms_stay_within_the_budget(fixture_index_dir):
    client = create_app({"INDEX_DIR": str(fixture_index_dir), "QUERY_MAX_TERMS": 5}).test_client()
    query = " OR ".join(
        w + "~2"
        for w in (
            "belarus",
            "minsk",
            "talks",
            "migrants",
            "border",
            "sanctions",
            "president",
            "ukraine",
            "russia",
            "kremlin",
        )
    )
    result = client.get("/api/search", query_string={"q": query}).get_json()
    assert "searched only in part" in result["notice"]
