"""The web app through Flask's test client, over a real index of tests/data built by the real indexer.

Counts are checked against tests/data/fixture_counts.json, which was counted by hand from the fixture
corpus (how is written in the file).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = json.loads((DATA / "fixture_counts.json").read_text(encoding="utf-8"))
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture(scope="module")
def app(fixture_index_dir):
    """The app serving the fixture index."""
    return create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


def api(client, **params):
    """GET /api/search with ``params`` (lists repeat a parameter) and return the JSON body."""
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def ids(result) -> set[str]:
    return {hit["id"] for hit in result["hits"]}


def all_ids(client, **params) -> list[str]:
    """Every matching id, in order, fetched 50 at a time through the API."""
    found, page = [], 1
    while True:
        result = api(client, per_page=50, page=page, **params)
        found += [hit["id"] for hit in result["hits"]]
        if page * 50 >= result["total"]:
            return found
        page += 1


def facet(result, kind) -> dict[str, int]:
    """Map facet value (code for countries) to count."""
    return {(v.get("code") or v["value"]) if kind == "country" else v["value"]: v["count"]
            for v in result["facets"][kind]}


def assert_clean_error(response, status):
    """A bad request gets its status and a one-line message, never a traceback."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert "Traceback" not in body and 'File "' not in body


# --- API shape --------------------------------------------------------------------------------


def test_api_search_has_the_issue_3_shape(client):
    result = api(client, q="Belarus")
    assert {"query", "total", "page", "per_page", "took_ms", "notice", "did_you_mean", "hits", "facets",
            "histogram"} <= result.keys()
    assert result["query"] == "Belarus" and result["page"] == 1 and result["per_page"] == 10
    assert isinstance(result["took_ms"], (int, float)) and result["total"] >= 10
    hit = result["hits"][0]
    assert {"id", "title", "date", "source", "url", "score", "snippet_html", "actors", "countries", "orgs"} <= hit.keys()
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


# --- the landing page and the results page -------------------------------------------------------


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


# --- query forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("query", sorted(GOLDEN["query"]))
def test_words_and_exact_phrases_find_the_hand_counted_articles(client, query):
    assert set(all_ids(client, q=query)) == set(GOLDEN["query"][query])


def test_plain_words_match_stemmed_forms(client):
    # "conversations" must find the many "Telephone conversation with ..." titles
    result = api(client, q="conversations")
    titles = [hit["title"] for hit in result["hits"]]
    assert result["total"] >= 15
    assert any(t.startswith("Telephone conversation with") for t in titles)


def test_all_words_are_required_by_default(client):
    both = set(all_ids(client, q="Tokayev Kazakhstan"))
    assert both and both <= set(all_ids(client, q="Tokayev")) & set(all_ids(client, q="Kazakhstan"))
    # no article names both men: either nothing, or a relaxed ranking that says so
    apart = api(client, q="Tokayev Stoltenberg")
    assert apart["total"] == 0 or (apart["relaxed"] and apart["notice"])


def test_boolean_operators(client):
    tokayev = set(all_ids(client, q="Tokayev"))
    sweden = set(all_ids(client, q="Sweden"))
    assert set(all_ids(client, q="Tokayev OR Sweden")) == tokayev | sweden
    assert set(all_ids(client, q="Tokayev AND CSTO")) == tokayev & set(all_ids(client, q="CSTO"))
    not_csto = set(all_ids(client, q="Tokayev NOT CSTO"))
    assert not_csto == tokayev - set(all_ids(client, q="CSTO")) and not_csto < tokayev
    assert set(all_ids(client, q="Tokayev -CSTO")) == not_csto


def test_field_queries(client):
    kremlin = all_ids(client, q="source:Kremlin")
    assert len(kremlin) == GOLDEN["source"]["Kremlin"]
    assert all(i.startswith("kremlin-") for i in kremlin)
    assert set(all_ids(client, q='title:Biden')) == {
        "kremlin-67315", "kremlin-67487", "ua-72345", "ua-73969", "ua-75833",
        "guardian-joe-biden-gives-support-to-sweden-and-fi", "guardian-us-to-increase-military-forces-across-eu"}
    belarus = set(all_ids(client, q="country:Belarus"))
    assert belarus == set(all_ids(client, country="BY")) and "kremlin-67189" in belarus
    putin = set(all_ids(client, q='actor:"Vladimir Putin"'))
    assert putin and putin == set(all_ids(client, actor="Vladimir Putin"))
    nato = set(all_ids(client, q="org:NATO"))
    assert nato and nato == set(all_ids(client, org="NATO"))


def test_date_range_query(client):
    november = all_ids(client, q="date:[2021-11-01 TO 2021-11-30]")
    assert len(november) == GOLDEN["month"]["2021-11"]


def test_wildcard_and_fuzzy(client):
    migra = set(all_ids(client, q="migra*"))
    assert {"kremlin-67115", "ua-71525"} <= migra  # "migrant" and "migration"
    assert "kremlin-67112" not in migra  # the Iran call does not mention migrants
    fuzzy = set(all_ids(client, q="Lukashenka~"))
    assert "kremlin-67068" in fuzzy


def test_long_question_is_ranked_by_matching_words_and_says_so(client):
    result = api(client, q="what pressure did the EU put on Belarus over migrants")
    assert result["total"] > 0
    assert result["notice"]
    top = [hit["id"] for hit in result["hits"][:5]]
    assert set(top) & {"kremlin-67189", "kremlin-67165", "kremlin-67109", "kremlin-67126", "kremlin-67115",
                       "kremlin-67096", "ua-71597", "ua-71525"}


def test_did_you_mean_for_a_misspelling(client):
    result = api(client, q="Lukashenco")
    assert result["did_you_mean"] == "Lukashenko"
    page = client.get("/?q=Lukashenco").get_data(as_text=True)
    assert 'href="/?q=Lukashenko"' in page and "Did you mean" in page


@pytest.mark.parametrize("query", ['"', "*", "the of and", "AND OR", "title:", "((Belarus", 'actor:"'])
def test_awkward_queries_get_a_page_not_an_error(client, query):
    for url in ("/", "/api/search", "/export.csv"):
        response = client.get(url, query_string={"q": query})
        assert_clean_error(response, 200)
    result = api(client, q=query)
    assert isinstance(result["total"], int)


def test_unparseable_query_is_searched_as_words_with_a_notice(client):
    result = api(client, q="date:[garbage TO 2021] Tokayev")
    assert result["total"] > 0 and "could not be parsed" in result["notice"]
    page = client.get("/", query_string={"q": "date:[garbage TO 2021] Tokayev"}).get_data(as_text=True)
    assert '<p class="notice">Your query could not be parsed' in page


def test_stop_words_only_query_explains_itself(client):
    result = api(client, q="the of and")
    assert result["total"] == 0 and "common words" in result["notice"]
    page = client.get("/?q=the+of+and").get_data(as_text=True)
    assert '<p class="notice">' in page and "No articles match" in page


def test_lone_quote_and_star_browse_everything(client):
    assert api(client, q='"')["total"] == GOLDEN["total"]
    assert api(client, q="*")["total"] == GOLDEN["total"]


# --- facets --------------------------------------------------------------------------------------


def test_facet_counts_match_the_hand_counted_fixture(client):
    result = api(client)
    assert facet(result, "source") == GOLDEN["source"]
    countries = facet(result, "country")
    for code, count in GOLDEN["country"].items():
        assert countries[code] == count, code


def test_facet_counts_cover_the_whole_result_set_not_the_page(client):
    result = api(client, per_page=10)
    assert result["total"] == 37 and len(result["hits"]) == 10
    assert sum(facet(result, "source").values()) == 37
    page = client.get("/?per_page=10").get_data(as_text=True)
    assert re.search(r'>Kremlin</span>\s*</a>\s*<span class="facet-count">19</span>', page)


def test_every_facet_count_is_the_total_of_its_filter(client):
    result = api(client, q="Belarus")
    for kind in ("source", "country", "actor"):
        for value in result["facets"][kind][:4]:
            param = value.get("code") or value["value"]
            narrowed = api(client, q="Belarus", **{kind: param})
            assert narrowed["total"] == value["count"], (kind, param)


def test_filters_combine_with_and(client):
    kremlin_kz = set(all_ids(client, source="Kremlin", country="KZ"))
    assert kremlin_kz == set(all_ids(client, source="Kremlin")) & set(all_ids(client, country="KZ"))
    assert {"kremlin-67563", "kremlin-67748", "kremlin-68442"} <= kremlin_kz


def test_country_filter_accepts_code_name_and_adjective(client):
    by_code = set(all_ids(client, country="SE"))
    assert len(by_code) == GOLDEN["country"]["SE"]
    assert set(all_ids(client, country="Sweden")) == by_code == set(all_ids(client, country="Swedish"))


def test_actor_facet_lists_actors_by_count_with_their_role(client):
    page = client.get("/").get_data(as_text=True)
    actors = page[page.index('id="facet-actor"'):page.index('id="facet-country"')]
    shown = re.findall(r'<span class="facet-name">([^<]+)', actors)
    values = api(client)["facets"]["actor"]
    assert shown == [v["value"] for v in values]  # the sidebar keeps the engine's order: by count
    assert [v["count"] for v in values] == sorted((v["count"] for v in values), reverse=True)
    assert '<span class="facet-role">' in actors


def test_exclusion_removes_matching_articles(client):
    result = api(client, source="-Kremlin")
    assert result["total"] == GOLDEN["total"] - GOLDEN["source"]["Kremlin"]
    assert "Kremlin" not in facet(result, "source")
    without_kz = set(all_ids(client, country="-KZ"))
    assert not without_kz & set(all_ids(client, country="KZ"))
    assert len(without_kz) == GOLDEN["total"] - api(client, country="KZ")["total"]


def test_selected_value_shows_as_a_removable_chip(client):
    page = client.get("/?q=Belarus&country=BY").get_data(as_text=True)
    chip = re.search(r'<li class="chip">.*?</li>', page, re.S).group(0)
    assert "Belarus" in chip
    assert 'href="/?q=Belarus"' in chip  # removing the chip keeps the query, drops the filter
    excluded = client.get("/?country=-BY").get_data(as_text=True)
    assert 'class="chip chip-excluded"' in excluded and "Belarus" in excluded


def test_facet_links_include_and_exclude(client):
    page = client.get("/?q=Belarus").get_data(as_text=True)
    assert 'href="/?q=Belarus&amp;source=Kremlin"' in page
    assert 'href="/?q=Belarus&amp;source=-Kremlin"' in page
    assert '<details class="facet-more">' in page  # more than eight countries: the rest behind "more"


def test_leaders_only_narrows_the_actor_facet(client):
    result = api(client, leaders=1)
    assert result["facets"]["actor"] and all(v.get("leader") for v in result["facets"]["actor"])


# --- histogram -----------------------------------------------------------------------------------


def test_histogram_counts_per_month(client):
    result = api(client)
    months = {b["period"]: b["count"] for b in result["histogram"] if b["count"]}
    assert months == GOLDEN["month"]
    assert result.get("histogram_unit", "month") == "month"


def test_histogram_is_per_day_for_a_short_range(client):
    result = api(client, **{"from": "2021-11-01", "to": "2021-11-30"})
    days = {b["period"]: b["count"] for b in result["histogram"] if b["count"]}
    assert days == GOLDEN["day_2021_11"]


def test_histogram_svg_bars_link_to_their_period(client):
    page = client.get("/?q=Belarus").get_data(as_text=True)
    svg = re.search(r"<svg class=\"histogram\".*?</svg>", page, re.S).group(0)
    assert 'aria-label="Articles per month' in svg
    bars = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)"', svg)
    assert bars and all("q=Belarus" in href and "from=" in href and "to=" in href for href, _ in bars)
    assert "<title>November 2021: " in svg
    href = dict((label.split(":")[0], h) for h, label in bars)["November 2021"].replace("&amp;", "&")
    assert "from=2021-11-01" in href and "to=2021-11-30" in href
    narrowed = client.get(href.replace("/?", "/api/search?")).get_json()
    nov = next(b for b in api(client, q="Belarus")["histogram"] if b["period"] == "2021-11")
    assert narrowed["total"] == nov["count"]


def test_date_filter(client):
    result = api(client, **{"from": "2022-03", "to": "2022-03"})
    assert result["total"] == GOLDEN["month"]["2022-03"]
    assert all(hit["date"].startswith("2022-03") for hit in result["hits"])
    page = client.get("/?from=2022-03&to=2022-03").get_data(as_text=True)
    assert 'id="from" name="from" type="date" value="2022-03-01"' in page
    assert 'id="to" name="to" type="date" value="2022-03-31"' in page


# --- sorting and paging ----------------------------------------------------------------------------


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


# --- export --------------------------------------------------------------------------------------


def test_export_streams_every_matching_row(client):
    response = client.get("/export.csv", query_string={"source": "The Guardian"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == GOLDEN["source"]["The Guardian"]
    assert list(rows[0]) == ["id", "date", "title", "source", "url", "actors", "countries", "organisations", "score"]
    assert {r["source"] for r in rows} == {"The Guardian"}
    joe = next(r for r in rows if r["id"] == "guardian-joe-biden-gives-support-to-sweden-and-fi")
    assert "Sweden" in joe["countries"] and joe["date"] == "2022-05-19"


def test_export_ignores_paging_and_honours_filters(client):
    all_rows = client.get("/export.csv?per_page=10&page=2").get_data(as_text=True).strip().splitlines()
    assert len(list(csv.reader(all_rows))) == 1 + 37
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv?q=Tokayev").get_data(as_text=True))))
    assert {r["id"] for r in rows} == set(GOLDEN["query"]["Tokayev"])


def test_export_limit_is_a_setting(fixture_index_dir):
    small = create_app({"INDEX_DIR": str(fixture_index_dir), "EXPORT_LIMIT": 5}).test_client()
    rows = list(csv.DictReader(io.StringIO(small.get("/export.csv").get_data(as_text=True))))
    assert len(rows) == 5


# --- article page ----------------------------------------------------------------------------------


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


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("params, message", [
    ({"q": "x" * 1001}, "1000"),
    ({"page": "-1"}, "page"),
    ({"page": "two"}, "page"),
    ({"per_page": "many"}, "per_page must be 10, 20 or 50"),  # a number is clamped on a page
    ({"from": "yesterday-ish"}, "from"),
    ({"to": "2021-13-45"}, "to"),
    ({"sort": "popularity"}, "sort"),
])
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


@pytest.mark.parametrize("path", ["/article/../../etc/passwd", "/article/..%2F..%2Fetc%2Fpasswd",
                                  "/article/no-such-article", "/api/article/..%2F..%2Fetc%2Fpasswd",
                                  "/api/article/nope", "/no/such/page"])
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


# --- a missing index -------------------------------------------------------------------------------


def test_missing_index_is_a_503_that_says_how_to_build_it(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "no-index")}).test_client()
    page = client.get("/")
    assert_clean_error(page, 503)
    assert "python -m indexer build" in page.get_data(as_text=True)
    for url in ("/api/search?q=x", "/healthz", "/export.csv", "/api/article/x"):
        response = client.get(url)
        assert_clean_error(response, 503)
        assert "python -m indexer build" in response.get_json()["error"]
    assert_clean_error(client.get("/article/kremlin-67189"), 503)


def test_index_dir_comes_from_the_environment_unless_the_test_config_says_otherwise(monkeypatch, tmp_path):
    monkeypatch.setenv("CRISIS_DESK_INDEX", str(tmp_path / "from-env"))
    assert create_app().config["INDEX_DIR"] == str(tmp_path / "from-env")
    assert create_app({"INDEX_DIR": "elsewhere"}).config["INDEX_DIR"] == "elsewhere"
    monkeypatch.delenv("CRISIS_DESK_INDEX")
    assert create_app().config["INDEX_DIR"] == "index"


def test_unexpected_errors_show_a_plain_page(fixture_index_dir):
    app = create_app({"INDEX_DIR": str(fixture_index_dir)})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert_clean_error(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Something went wrong" in response.get_data(as_text=True)


def test_new_commits_and_generations_are_served_without_restart(build_index, seed_index_dir, tmp_path):
    index_dir = tmp_path / "live"
    shutil.copytree(seed_index_dir, index_dir)
    client = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    before = client.get("/healthz").get_json()
    # a new commit in the served generation
    build_index([DATA / "fixture_articles.jsonl"], index_dir)
    assert client.get("/healthz").get_json()["articles"] == before["articles"] + GOLDEN["total"]
    assert api(client, q="Tokayev")["total"] == len(GOLDEN["query"]["Tokayev"])
    # a rebuilt generation holding only the fixture
    build_index([DATA / "fixture_articles.jsonl"], index_dir, rebuild=True)
    after = client.get("/healthz").get_json()
    assert after["generation"] != before["generation"] and after["articles"] == GOLDEN["total"]
    assert client.get("/").status_code == 200


def test_export_cells_cannot_run_as_spreadsheet_formulas():
    from app import csv_lines
    from search import ExportRow

    row = ExportRow(id="x1", date=None, title='=HYPERLINK("http://evil")', source="+Kremlin", url="http://a",
                    actors=["@someone"], countries=["Belarus"], orgs=[], score=None)
    header, line = list(csv_lines([row]))
    cells = next(csv.reader([line]))
    assert cells[2] == "'=HYPERLINK(\"http://evil\")" and cells[3] == "'+Kremlin" and cells[5] == "'@someone"
    assert cells[6] == "Belarus" and cells[1] == "" and cells[8] == ""


@pytest.fixture(scope="module")
def hostile_client(build_index, tmp_path_factory):
    """An index holding one article whose title and text are HTML attacks."""
    folder = tmp_path_factory.mktemp("hostile")
    corpus = folder / "hostile.jsonl"
    corpus.write_text(json.dumps({
        "id": "hostile-1", "date": "2022-03-01", "source": "<b>Evil</b> Wire", "url": "javascript:alert(1)",
        "title": "<script>alert('title')</script> Talks in Minsk",
        "text": "President Alexander Lukashenko met officials in Minsk, Belarus. <img src=x onerror=alert(1)> "
                "The talks on migrants went on <i>late</i> & ended.",
    }) + "\n", encoding="utf-8")
    build_index([corpus], folder / "index")
    return create_app({"INDEX_DIR": str(folder / "index")}).test_client()


def test_article_text_is_escaped_everywhere(hostile_client):
    pages = [hostile_client.get("/?q=migrants").get_data(as_text=True),
             hostile_client.get("/").get_data(as_text=True),
             hostile_client.get("/article/hostile-1").get_data(as_text=True)]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>Evil" not in page
        assert "&lt;script&gt;alert(" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[2]
    assert 'href="javascript:' not in pages[2]  # a stored URL may not become a script link
    snippet = hostile_client.get("/api/search?q=migrants").get_json()["hits"][0]["snippet_html"]
    assert "<mark>migrants</mark>" in snippet and "<img" not in snippet and "&lt;i&gt;" in snippet


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


def test_the_web_app_never_loads_spacy(fixture_index_dir):
    # A fresh interpreter: this test process has spaCy loaded for the index fixtures.
    script = (
        "import sys, app\n"
        f"client = app.create_app({{'INDEX_DIR': {str(fixture_index_dir)!r}}}).test_client()\n"
        "for url in ('/?q=Belarus', '/article/kremlin-67189', '/api/search?q=Tokayev', '/export.csv'):\n"
        "    assert client.get(url).status_code == 200, url\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_a_selected_facet_value_links_to_its_removal_however_it_was_spelled(client):
    for spelling in ("BY", "Belarus", "belarus"):
        page = client.get("/", query_string={"q": "migrants", "country": spelling}).get_data(as_text=True)
        row = re.search(r'<li class="facet-value is-selected"[^>]*>\s*<a class="facet-link" href="([^"]+)"', page)
        assert row and row.group(1) == "/?q=migrants", spelling


def test_a_range_of_decades_is_charted_per_year(build_index, tmp_path):
    corpus = tmp_path / "decades.jsonl"
    corpus.write_text("\n".join(json.dumps({"id": f"d{year}", "title": f"Border talks {year}",
                                            "date": f"{year}-03-01", "text": "Talks on the border resumed."})
                                for year in (1987, 1999, 2021)) + "\n", encoding="utf-8")
    build_index([corpus], tmp_path / "index")
    decades = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    result = decades.get("/api/search?q=border").get_json()
    assert result["histogram_unit"] == "year"
    assert {bar["count"] for bar in result["histogram"] if bar["period"].startswith(("1987", "1999", "2021"))} == {1}
    page = decades.get("/?q=border").get_data(as_text=True)
    assert "articles per year" in page and "<title>1987: 1 article</title>" in page
    assert "from=1987-01-01&amp;to=1987-12-31" in page  # a bar narrows to its year


def test_roles_name_countries_as_the_facets_do(client):
    """'President, Russia' as in the country facet, not pycountry's 'Russian Federation'."""
    page = client.get("/?q=Putin").get_data(as_text=True)
    assert "President, Russia<" in page
    assert "President, Russian Federation" not in page
