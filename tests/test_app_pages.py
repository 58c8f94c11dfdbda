"""The HTML pages (landing, results, article), sorting and paging, and the templates' rules.

The web app through Flask's test client (fixtures `app` and `client` in conftest.py), over a real
index of tests/data built by the real indexer; counts are checked against tests/data/fixture_counts.json,
counted by hand from the fixture corpus (how is written in the file).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import GOLDEN, api, assert_clean_error

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_landing_page_browses_everything_newest_first(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Latest articles" in page
    result = api(client)
    assert result["total"] == GOLDEN["total"]
    dates = [hit["date"] for hit in result["hits"]]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2022-06-29"


def test_results_page_shows_hits_badges_and_form_labels(client):
    page = client.get("/?q=Tokayev").get_data(as_text=True)
    assert '<label for="q"' in page and 'id="q"' in page
    assert 'href="/article/kremlin-67748?q=Tokayev"' in page  # the article page keeps the search
    assert "<mark>Tokayev</mark>" in page
    assert re.search(r'<strong class="total">4</strong>', page)
    # actor and country badges add a filter to the current search
    assert re.search(r'class="badge badge-country" href="/\?q=Tokayev&amp;country=KZ"', page)
    assert re.search(r'class="badge badge-actor" href="/\?q=Tokayev&amp;actor=', page)
    assert 'href="/export.csv?q=Tokayev"' in page


def test_every_page_template_extends_base_and_safe_is_only_on_our_markup():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        if template.name.startswith("_") or template.name == "base.html":
            assert "{% extends" not in text, template.name
        else:
            assert '{% extends "base.html" %}' in text, template.name
        for use in re.findall(r"\{\{([^}]*)\|\s*safe", text):
            assert use.strip() == "hit.snippet_html", (template.name, use)


def test_sorting(client):
    newest = [h["date"] for h in api(client, q="conversation", sort="newest", per_page=50)["hits"]]
    oldest = [h["date"] for h in api(client, q="conversation", sort="oldest", per_page=50)["hits"]]
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest) and newest[0] > oldest[0]
    scores = [h["score"] for h in api(client, q="Belarus migrants", sort="relevance", per_page=50)["hits"]]
    assert scores == sorted(scores, reverse=True)
    page = client.get("/?q=Belarus&sort=oldest").get_data(as_text=True)
    assert '<option value="oldest" selected>' in page


def test_paging_walks_every_result_once(client):
    seen = []
    for number in (1, 2, 3, 4):
        result = api(client, per_page=10, page=number)
        seen += [hit["id"] for hit in result["hits"]]
    assert len(seen) == len(set(seen)) == 37
    assert len(api(client, per_page=20, page=2)["hits"]) == 17
    assert len(api(client, per_page=50)["hits"]) == 37


def test_pager_links_keep_the_search(client):
    page = client.get("/?source=Kremlin&page=2").get_data(as_text=True)
    assert '<span aria-current="page" class="current">2</span>' in page
    assert 'rel="prev" href="/?source=Kremlin"' in page
    assert 'href="/?source=Kremlin&amp;page=2"' not in page  # the current page is not a link
    page1 = client.get("/?source=Kremlin").get_data(as_text=True)
    assert 'rel="next" href="/?source=Kremlin&amp;page=2"' in page1


def test_a_page_past_the_end_is_a_page_not_an_error(client):
    response = client.get("/?page=99")
    assert_clean_error(response, 200)
    assert "Back to the first page" in response.get_data(as_text=True)


def test_article_page_links_entities_and_lists_more_like_this(client):
    response = client.get("/article/kremlin-67189")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Telephone conversation with European Council President Charles Michel" in page
    assert '<time datetime="2021-11-24">24 Nov 2021</time>' in page
    assert 'href="http://en.kremlin.ru/events/president/news/67189"' in page
    assert re.search(r'<a class="entity entity-country" href="/\?country=BY"[^>]*>Belarus</a>', page)
    assert re.search(r'<a class="entity entity-actor" href="/\?actor=[^"]+"', page)
    related = re.search(r'<ol class="related">(.*?)</ol>', page, re.S).group(1)
    links = re.findall(r'href="/article/([^"]+)"', related)
    assert len(links) == 5 and "kremlin-67189" not in links


@pytest.mark.parametrize("url", ["/", "/?q=Belarus&country=BY&from=2021-11", "/article/kremlin-67189", "/?per_page=7"])
def test_pages_have_unique_ids_and_labelled_controls(client, url):
    page = client.get(url).get_data(as_text=True)
    ids_on_page = re.findall(r'\sid="([^"]+)"', page)
    assert ids_on_page and len(ids_on_page) == len(set(ids_on_page))
    for control in re.findall(r"<(?:input|select)\b[^>]*>", page):
        if 'type="hidden"' in control:
            continue
        control_id = re.search(r'\sid="([^"]+)"', control)
        assert control_id and f'for="{control_id.group(1)}"' in page, control
    assert '<meta name="viewport"' in page and '<html lang="en">' in page
