"""The query syntax (words, phrases, boolean, fields, dates, wildcards, fuzzy, long questions) and awkward queries.

The web app through Flask's test client (fixtures `app` and `client` in conftest.py), over a real
index of tests/data built by the real indexer; counts are checked against tests/data/fixture_counts.json,
counted by hand from the fixture corpus (how is written in the file).
"""

from __future__ import annotations

import pytest
from conftest import GOLDEN, all_ids, api, assert_clean_error


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
    assert set(all_ids(client, q="title:Biden")) == {
        "kremlin-67315",
        "kremlin-67487",
        "ua-72345",
        "ua-73969",
        "ua-75833",
        "guardian-joe-biden-gives-support-to-sweden-and-fi",
        "guardian-us-to-increase-military-forces-across-eu",
    }
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
    assert set(top) & {
        "kremlin-67189",
        "kremlin-67165",
        "kremlin-67109",
        "kremlin-67126",
        "kremlin-67115",
        "kremlin-67096",
        "ua-71597",
        "ua-71525",
    }


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


def test_two_words_never_found_together_find_either_with_a_notice(client):
    """A short query no article matches whole falls back to half its words (here: either word), and says so;
    the fallback for long questions is stricter (tests/test_relaxed_questions.py)."""
    assert api(client, q="Tokayev AND Mariupol")["total"] == 0
    tokayev, mariupol = set(all_ids(client, q="Tokayev")), set(all_ids(client, q="Mariupol"))
    assert tokayev and mariupol and not tokayev & mariupol
    result = api(client, q="Tokayev Mariupol")
    assert result["total"] == len(tokayev | mariupol)
    assert set(all_ids(client, q="Tokayev Mariupol")) == tokayev | mariupol
    assert "most of your words" in (result.get("notice") or "")
