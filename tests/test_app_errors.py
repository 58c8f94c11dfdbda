"""Bad input and hostile text: one-line 400s, 404s, escaping everywhere, a plain page for the unexpected.

The web app through Flask's test client (fixtures `app` and `client` in conftest.py), over a real
index of tests/data built by the real indexer; counts are checked against tests/data/fixture_counts.json,
counted by hand from the fixture corpus (how is written in the file).
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import api, assert_clean_error

from app import create_app


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "x" * 1001}, "1000"),
        ({"page": "-1"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "many"}, "per_page must be 10, 20 or 50"),  # a number is clamped on a page
        ({"from": "yesterday-ish"}, "from"),
        ({"to": "2021-13-45"}, "to"),
        ({"sort": "popularity"}, "sort"),
    ],
)
def test_bad_parameters_are_a_400_with_a_one_line_message(client, params, message):
    for url in ("/", "/api/search", "/export.csv"):
        response = client.get(url, query_string=params)
        assert_clean_error(response, 400)
        assert message in response.get_data(as_text=True)
    error = client.get("/api/search", query_string=params).get_json()
    assert error["status"] == 400 and "\n" not in error["error"]
    page = client.get("/", query_string=params).get_data(as_text=True)
    assert "Bad request" in page and '<p class="error-message">' in page


def test_a_filter_value_that_does_not_exist_finds_nothing(client):
    for params in ({"country": "Atlantis"}, {"actor": "Nobody Atall"}, {"source": "Pravda"}, {"org": "SPECTRE"}):
        result = api(client, **params)
        assert result["total"] == 0 and result["hits"] == []
        response = client.get("/", query_string=params)
        assert_clean_error(response, 200)
        assert "No articles match" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/article/../../etc/passwd",
        "/article/..%2F..%2Fetc%2Fpasswd",
        "/article/no-such-article",
        "/api/article/..%2F..%2Fetc%2Fpasswd",
        "/api/article/nope",
        "/no/such/page",
    ],
)
def test_unknown_articles_and_paths_are_404(client, path):
    response = client.get(path)
    assert_clean_error(response, 404)
    assert "root:" not in response.get_data(as_text=True)


def test_script_in_a_query_is_escaped_in_page_and_api(client):
    attack = "<script>alert(1)</script>"
    page = client.get("/", query_string={"q": attack}).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    response = client.get("/api/search", query_string={"q": attack})
    assert response.status_code == 200 and response.mimetype == "application/json"
    result = response.get_json()
    assert result["query"] == attack
    assert all("<script" not in hit["snippet_html"] for hit in result["hits"])
    # and in a filter value, which shows up in a chip
    chip_page = client.get("/", query_string={"actor": attack}).get_data(as_text=True)
    assert "<script>alert" not in chip_page and "&lt;script&gt;" in chip_page


def test_snippets_carry_only_our_mark_tags(client):
    for hit in api(client, q="Belarus", per_page=50)["hits"]:
        tags = set(re.findall(r"</?([a-zA-Z]+)", hit["snippet_html"]))
        assert tags <= {"mark"}, tags


def test_pages_forbid_inline_scripts(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_unexpected_errors_show_a_plain_page(fixture_index_dir):
    app = create_app({"INDEX_DIR": str(fixture_index_dir)})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert_clean_error(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Something went wrong" in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def hostile_client(build_index, tmp_path_factory):
    """An index holding one article whose title and text are HTML attacks."""
    folder = tmp_path_factory.mktemp("hostile")
    corpus = folder / "hostile.jsonl"
    corpus.write_text(
        json.dumps(
            {
                "id": "hostile-1",
                "date": "2022-03-01",
                "source": "<b>Evil</b> Wire",
                "url": "javascript:alert(1)",
                "title": "<script>alert('title')</script> Talks in Minsk",
                "text": "President Alexander Lukashenko met officials in Minsk, Belarus. <img src=x onerror=alert(1)> "
                "The talks on migrants went on <i>late</i> & ended.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    build_index([corpus], folder / "index")
    return create_app({"INDEX_DIR": str(folder / "index")}).test_client()


def test_article_text_is_escaped_everywhere(hostile_client):
    pages = [
        hostile_client.get("/?q=migrants").get_data(as_text=True),
        hostile_client.get("/").get_data(as_text=True),
        hostile_client.get("/article/hostile-1").get_data(as_text=True),
    ]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>Evil" not in page
        assert "&lt;script&gt;alert(" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[2]
    assert 'href="javascript:' not in pages[2]  # a stored URL may not become a script link
    snippet = hostile_client.get("/api/search?q=migrants").get_json()["hits"][0]["snippet_html"]
    assert "<mark>migrants</mark>" in snippet and "<img" not in snippet and "&lt;i&gt;" in snippet
