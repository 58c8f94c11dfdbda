"""Facet counts, filters, exclusions and chips, the histogram and the date filter.

The web app through Flask's test client (fixtures `app` and `client` in conftest.py), over a real
index of tests/data built by the real indexer; counts are checked against tests/data/fixture_counts.json,
counted by hand from the fixture corpus (how is written in the file).
"""

from __future__ import annotations

import json
import re

from conftest import GOLDEN, all_ids, api, facet

from app import create_app


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
    actors = page[page.index('id="facet-actor"') : page.index('id="facet-country"')]
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


def test_a_selected_facet_value_links_to_its_removal_however_it_was_spelled(client):
    for spelling in ("BY", "Belarus", "belarus"):
        page = client.get("/", query_string={"q": "migrants", "country": spelling}).get_data(as_text=True)
        row = re.search(r'<li class="facet-value is-selected"[^>]*>\s*<a class="facet-link" href="([^"]+)"', page)
        assert row and row.group(1) == "/?q=migrants", spelling


def test_a_range_of_decades_is_charted_per_year(build_index, tmp_path):
    corpus = tmp_path / "decades.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": f"d{year}",
                    "title": f"Border talks {year}",
                    "date": f"{year}-03-01",
                    "text": "Talks on the border resumed.",
                }
            )
            for year in (1987, 1999, 2021)
        )
        + "\n",
        encoding="utf-8",
    )
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
