"""Everyday polish of the pages (issue 11): what a first-time user met, on the real app and real indexes.

The article page keeps the search, the exclude control is a labelled link, an article without a source
shows no empty source, an unsupported ``per_page`` on a page is clamped with a notice, and every entity
page offers "compare with…".
"""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from app import create_app


@pytest.fixture(scope="module")
def client(fixture_index_dir):
    return create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def sourceless_client(build_index, tmp_path_factory):
    """An index of two articles, one with neither a source nor a URL (so no source can be derived)."""
    folder = tmp_path_factory.mktemp("sourceless")
    corpus = folder / "articles.jsonl"
    rows = [
        {
            "id": "no-source",
            "title": "Border talks resume in Minsk",
            "date": "2021-11-20",
            "text": "Belarusian officials met Polish envoys on Saturday to discuss the border crisis.",
        },
        {
            "id": "with-source",
            "title": "Border crisis deepens",
            "date": "2021-11-21",
            "source": "Wire",
            "text": "Poland said the border crisis with Belarus deepened overnight.",
        },
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    index_dir = folder / "index"
    build_index([corpus], index_dir)
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()


def page_text(response) -> str:
    return response.get_data(as_text=True)


def hrefs(html: str, css_class: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<a class="{css_class}"[^>]*href="([^"]*)"', html)]


def test_results_link_to_articles_with_the_search_and_the_article_links_back(client):
    html = page_text(client.get("/?q=Tokayev&actor=Vladimir+Putin&per_page=20&page=1"))
    links = re.findall(r'<h2 class="hit-title"><a href="([^"]+)"', html)
    assert len(links) == 4
    first = unescape(links[0])
    assert first.startswith("/article/kremlin-")
    assert parse_qs(urlsplit(first).query) == {
        "q": ["Tokayev"],
        "actor": ["Vladimir Putin"],
        "per_page": ["20"],
        "page": ["1"],
    }

    article = page_text(client.get(first))
    back = re.search(r'<p class="back-to-results"><a href="([^"]+)">', article)
    assert back and parse_qs(urlsplit(unescape(back.group(1))).query) == parse_qs(urlsplit(first).query)
    assert urlsplit(unescape(back.group(1))).path == "/"
    # the search box holds the query, and the filters travel with a new query
    assert re.search(r'<input id="q" name="q" type="search" value="Tokayev"', article)
    assert '<input type="hidden" name="actor" value="Vladimir Putin">' in article


def test_an_article_opened_without_a_search_has_no_way_back(client):
    html = page_text(client.get("/article/kremlin-67748"))
    assert "back-to-results" not in html
    assert re.search(r'<input id="q" name="q" type="search" value=""', html)


def test_the_article_page_explains_the_underlines_it_uses(client):
    html = page_text(client.get("/article/kremlin-67748"))
    legend = re.search(r'<p class="entity-legend">(.*?)</p>', html, re.S).group(1)
    # this article names people, countries and organisations: all three kinds are explained
    for kind, words in (("actor", "people"), ("country", "countries"), ("org", "organisations")):
        assert f'<span class="entity-sample entity-{kind}">{words}</span>' in legend
        assert f'class="entity entity-{kind}"' in html.split('class="article-body"')[1]


def test_the_exclude_control_is_a_labelled_link(client):
    html = page_text(client.get("/?q=Tokayev"))
    controls = re.findall(r'<a class="facet-exclude" href="([^"]+)" title="([^"]+)">(.*?)</a>', html)
    assert controls, "no exclude control"
    href, title, inner = next(c for c in controls if "Vladimir Putin" in c[1])
    assert parse_qs(urlsplit(unescape(href)).query) == {"q": ["Tokayev"], "actor": ["-Vladimir Putin"]}
    assert title == "Leave out articles with Vladimir Putin"
    # visible word "Exclude", the name for screen readers; the minus sign is decoration
    assert inner == '<span aria-hidden="true">−</span> Exclude<span class="visually-hidden"> Vladimir Putin</span>'


def test_an_article_without_a_source_shows_no_empty_source(sourceless_client):
    html = page_text(sourceless_client.get("/?q=border"))
    hits = re.findall(r'<li class="hit">.*?</li>', html, re.S)
    no_source = next(h for h in hits if "Border talks resume" in h)
    meta = re.search(r'<p class="hit-meta">(.*?)</p>', no_source, re.S).group(1)
    assert "source=" not in no_source and "·" not in meta and "hit-source" not in meta
    assert "20 Nov 2021" in meta
    with_source = next(h for h in hits if "Border crisis deepens" in h)
    assert re.search(r'21 Nov 2021</time>\s*·\s*<a class="hit-source"', with_source)

    article = page_text(sourceless_client.get("/article/no-source"))
    assert "article-kicker" not in article and "source=" not in article.split("<aside")[0]
    assert "source=" not in page_text(sourceless_client.get("/article/with-source")).split("More like this")[1]


@pytest.mark.parametrize("asked,shown", [("100", 50), ("5", 10), ("15", 10), ("30", 20), ("0", 10), ("-3", 10)])
def test_an_unsupported_per_page_on_a_page_is_clamped_with_a_notice(client, asked, shown):
    response = client.get(f"/?q=conversation&per_page={asked}")
    assert response.status_code == 200
    html = page_text(response)
    assert f"Showing {shown} a page: a page holds 10, 20 or 50 results, not {asked}." in html
    hits = len(re.findall(r'<li class="hit">', html))
    total = int(re.search(r'<strong class="total">([\d,]+)</strong>', html).group(1).replace(",", ""))
    assert hits == min(shown, total)
    assert f'<option value="{shown}" selected>' in html
    # every link of the page carries the allowed value, never the refused one
    assert f"per_page={asked}&" not in html and not re.search(rf"per_page={re.escape(asked)}[\"&]", html)
    assert f"per_page={shown}" in html


def test_the_api_still_refuses_an_unsupported_per_page(client):
    response = client.get("/api/search?q=conversation&per_page=100")
    assert response.status_code == 400 and response.get_json()["error"] == "per_page must be 10, 20 or 50"
    # a value that is not a number is refused on the page too, clearly
    page = client.get("/?q=conversation&per_page=lots")
    assert page.status_code == 400 and "per_page must be 10, 20 or 50" in page_text(page)


def test_the_facet_values_page_and_article_page_accept_a_clamped_per_page(client):
    assert client.get("/facet/actor?q=conversation&per_page=100").status_code == 200
    html = page_text(client.get("/article/kremlin-67748?q=Tokayev&per_page=100"))
    back = unescape(re.search(r'<p class="back-to-results"><a href="([^"]+)">', html).group(1))
    assert parse_qs(urlsplit(back).query)["per_page"] == ["50"]


@pytest.mark.parametrize(
    "path,query,total,associates",
    [
        ("/actor/Kassym-Jomart%20Tokayev", 'actor:"Kassym-Jomart Tokayev"', 4, 3),
        ("/country/SE", 'country:"SE"', 2, 0),  # two articles: nobody shares the 3 needed to be related
        ("/org/NATO", 'org:"NATO"', None, None),
    ],
)
def test_every_entity_page_offers_compare_with(client, path, query, total, associates):
    html = page_text(client.get(path))
    form = re.search(r'<form class="entity-compare" method="get" action="/compare">(.*?)</form>', html, re.S).group(1)
    assert f'<input type="hidden" name="q" value="{query.replace(chr(34), "&#34;")}">' in form
    assert re.search(r'<label for="compare-with">Compare .+ with…</label>', form)
    assert '<input id="compare-with" name="q" type="search"' in form
    # the entity's own series counts exactly the articles its page counts
    entity_total = int(re.search(r'<strong class="total">([\d,]+)</strong>', html).group(1).replace(",", ""))
    if total is not None:
        assert entity_total == total
    data = client.get("/api/compare", query_string={"q": query}).get_json()
    assert data["series"][0]["total"] == entity_total
    # ready-made comparisons with its strongest associates, each two series
    quick = re.findall(r'<a href="(/compare\?[^"]+)">', form)
    assert len(quick) == associates if associates is not None else quick
    if not quick:
        assert "or with" not in form
        return
    assert all(parse_qs(urlsplit(unescape(h)).query)["q"][0] == query for h in quick)
    assert all(len(parse_qs(urlsplit(unescape(h)).query)["q"]) == 2 for h in quick)
    compare = client.get(unescape(quick[0]))
    assert compare.status_code == 200 and 'class="compare-chart"' in page_text(compare)


def test_a_landing_page_over_the_samples_only_says_how_to_index_real_coverage(seed_index_dir, fixture_index_dir):
    seeds = create_app({"INDEX_DIR": str(seed_index_dir), "TESTING": True}).test_client()
    html = page_text(seeds.get("/"))
    hint = re.search(r'<section class="first-start".*?</section>', html, re.S).group(0)
    assert "Only the 2 sample articles so far" in hint
    assert f"<code>python -m indexer --index {seed_index_dir} build --rebuild PATH ...</code>" in hint
    for fmt in (".csv", ".jsonl", ".ndjson", ".json", ".txt", "--map text=Story"):
        assert f"<code>{fmt}</code>" in hint
    # only the landing page says so: a search over the samples does not
    assert "first-start" not in page_text(seeds.get("/?q=Putin"))
    assert "first-start" not in page_text(seeds.get("/?country=BY"))
    # nor does the landing page of real coverage
    real = create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True}).test_client()
    assert "first-start" not in page_text(real.get("/"))


def test_the_article_page_marks_the_words_of_the_search(client):
    html = page_text(client.get("/article/kremlin-67748?q=Tokayev+cooperation"))
    body = html.split('class="article-body"')[1].split("</div>")[0]
    assert re.findall(r"<mark>(.*?)</mark>", body) == ["cooperation", "cooperation"]
    assert (
        '<h1 id="article-title" class="article-title">Meeting with President of Kazakhstan Kassym-Jomart <mark>Tokayev</mark></h1>'
        in html
    )
    assert "The words of your search are <mark>marked</mark>." in html
    # entity links keep working around a marked word, and nothing is marked without a search
    plain = page_text(client.get("/article/kremlin-67748"))
    assert "<mark>" not in plain and 'class="entity entity-country"' in plain
    # a word inside an entity link is marked inside the link
    named = page_text(client.get("/article/kremlin-67748?q=Kazakhstan"))
    assert re.search(r'<a class="entity entity-country"[^>]*><mark>Kazakhstan</mark></a>', named)
