"""The contract every SearchBackend must keep (search/backend.py), run against each backend on a real index.

The assertions are about behaviour any engine must show (what a filter means, that paging does not
repeat, that the export follows the page order...), derived from the answers themselves rather than
from one engine's numbers, so a second backend is added by adding its name to BACKENDS.
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from search.backend import BACKENDS, SearchBackend, open_backend
from search.compare import Comparison
from search.entity_view import EntityView
from search.errors import IndexMissing, InvalidParameter
from search.model import (
    FACET_KINDS,
    ArticleView,
    ExportRow,
    FacetPage,
    FacetValue,
    Hit,
    IndexedHit,
    MatchSummary,
    SearchResult,
    StoryView,
)
from search.network import Network
from search.params import parse_request


def req(**params):
    """A SearchRequest from URL-style parameters (single values or lists)."""
    return parse_request({k: v if isinstance(v, list) else [str(v)] for k, v in params.items()})


@pytest.fixture(params=BACKENDS)
def backend(request, fixture_index_dir) -> SearchBackend:
    """Each backend over the fixture corpus (a real index built by the real indexer)."""
    b = open_backend({"INDEX_DIR": fixture_index_dir, "BACKEND": request.param})
    b.warm_up()
    return b


def all_ids(backend: SearchBackend, **params) -> list[str]:
    """Every hit id of a search, page after page (every version, 50 a page)."""
    ids, page = [], 1
    while True:
        res = backend.search(req(per_page=50, page=page, versions="all", **params))
        ids += [h.id for h in res.hits]
        if page * 50 >= res.total:
            return ids
        page += 1


def test_it_is_a_search_backend(backend):
    assert isinstance(backend, SearchBackend)


def test_browsing_finds_every_article_newest_first(backend):
    health = backend.health()
    assert set(health) >= {"generation", "articles", "last_commit"} and health["articles"] > 10
    res = backend.search(req(versions="all", per_page=50))
    assert isinstance(res, SearchResult)
    assert res.total == res.total_articles == health["articles"] and res.counting == "articles"
    assert all(isinstance(h, Hit) for h in res.hits)
    dates = [h.date for h in res.hits if h.date]
    assert dates == sorted(dates, reverse=True) and res.sort == "newest"
    assert len(all_ids(backend)) == len(set(all_ids(backend))) == health["articles"]


def test_a_query_ranks_matches_and_counts_facets_over_all_of_them(backend):
    res = backend.search(req(q="Lukashenko", versions="all"))
    assert 0 < len(res.hits) <= res.per_page and res.total >= len(res.hits)
    scores = [h.score for h in res.hits]
    assert all(s is not None for s in scores) and scores == sorted(scores, reverse=True)
    assert any("<mark>" in h.snippet_html for h in res.hits)
    assert set(res.facets) == set(FACET_KINDS)
    for kind, values in res.facets.items():
        assert all(isinstance(v, FacetValue) and 0 < v.count <= res.total for v in values)
        counts = [v.count for v in values]
        assert counts == sorted(counts, reverse=True), kind
        assert res.facet_totals[kind] >= len(values)
    assert sum(b.count for b in res.histogram) <= res.total and res.histogram_unit in ("day", "month", "year")


def test_pages_do_not_repeat_and_sorts_order_by_date(backend):
    first = backend.search(req(per_page=10, versions="all", sort="oldest"))
    second = backend.search(req(per_page=10, page=2, versions="all", sort="oldest"))
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    dates = [h.date for h in first.hits + second.hits if h.date]
    assert dates == sorted(dates)


def test_a_facet_filter_keeps_exactly_the_articles_carrying_the_value(backend):
    top = backend.search(req(versions="all")).facets["actor"][0]
    kept = set(all_ids(backend, actor=top.value))
    dropped = set(all_ids(backend, actor="-" + top.value))
    everything = set(all_ids(backend))
    assert len(kept) == top.count and kept | dropped == everything and not kept & dropped
    for article_id in sorted(kept)[:5]:
        assert any(a.get("name") == top.value for a in backend.article(article_id).actors)


def test_a_country_filter_reads_codes_and_names_alike(backend):
    top = backend.search(req(versions="all")).facets["country"][0]
    assert top.code and backend.country_name(top.code) == top.value
    by_code = all_ids(backend, country=top.code)
    assert len(by_code) == top.count
    assert all_ids(backend, country=top.value) == by_code == all_ids(backend, country=top.code.lower())


def test_a_date_range_keeps_articles_dated_within_it(backend):
    res = backend.search(req(versions="all", per_page=50, **{"from": "2021-11", "to": "2021-11"}))
    assert res.total > 0
    assert all(date(2021, 11, 1) <= h.date <= date(2021, 11, 30) for h in res.hits)


def test_unknown_facets_and_bad_pages_are_invalid_parameters(backend):
    with pytest.raises(InvalidParameter):
        backend.facet_values(req(), "colour")
    with pytest.raises(InvalidParameter):
        backend.facet_values(req(), "actor", limit=0)


def test_facet_values_page_through_every_value_and_find_by_word_start(backend):
    whole = backend.facet_values(req(), "actor", limit=500)
    assert isinstance(whole, FacetPage) and whole.total_values == len(whole.values) > 3
    paged = backend.facet_values(req(), "actor", offset=2, limit=2)
    assert [v.value for v in paged.values] == [v.value for v in whole.values[2:4]] and paged.offset == 2
    word = whole.values[0].value.split()[-1]
    found = backend.facet_values(req(), "actor", prefix=word[:3].lower())
    assert whole.values[0].value in [v.value for v in found.values]
    assert all(any(w.lower().startswith(word[:3].lower()) for w in v.value.split()) for v in found.values)


def test_an_article_its_text_and_related_articles(backend):
    hit = backend.search(req(q="Lukashenko")).hits[0]
    view = backend.article(hit.id)
    assert isinstance(view, ArticleView) and view.id == hit.id and view.title == hit.title
    assert backend.article_text(hit.id) == view.body
    assert "".join(text for text, _kind, _value in view.segments) == view.body
    related = backend.more_like_this(hit.id, n=3)
    assert 0 < len(related) <= 3 and hit.id not in [r.id for r in related]
    assert backend.article("no-such-article") is None and backend.article_text("no-such-article") is None
    assert backend.more_like_this("no-such-article") == []
    cut = backend.article(hit.id, max_chars=40)
    assert cut.truncated and len(cut.body) <= 40 and cut.total_chars == len(view.body)


def test_a_story_lists_its_versions(backend):
    hit = backend.search(req(versions="all")).hits[0]
    story = backend.story(hit.story["id"])
    assert isinstance(story, StoryView) and hit.id in [m.id for m in story.members]
    assert len(story.members) == hit.story["size"]
    assert backend.story("no-such-story") is None


def test_the_export_follows_the_result_order(backend):
    request = req(q="Belarus", versions="all", per_page=50)
    res = backend.search(request)
    rows = list(backend.export(request, limit=1000))
    assert all(isinstance(r, ExportRow) for r in rows)
    assert [r.id for r in rows] == [h.id for h in res.hits][: len(rows)] and len(rows) == res.total
    assert [r.id for r in backend.export(request, limit=2)] == [r.id for r in rows[:2]]


def test_entity_pages_count_what_the_facet_counts(backend):
    top = backend.search(req(versions="all")).facets["actor"][0]
    view = backend.entity("actor", top.value)
    assert isinstance(view, EntityView) and view.value == top.value and view.total == top.count
    country = backend.search(req(versions="all")).facets["country"][0]
    page = backend.entity("country", country.code)
    assert page.display == country.value and page.total == country.count
    assert backend.entity("actor", "Nobody Atall") is None and backend.entity("colour", "red") is None


def test_network_and_comparison_answer_over_the_same_matches(backend):
    net = backend.network(req(q="Belarus"))
    total = backend.search(req(q="Belarus", versions="all")).total
    assert isinstance(net, Network) and net.documents == total
    assert all(0 < n.count <= total for n in net.nodes)
    cmp = backend.compare(req(), ["Belarus", "Lukashenko"])
    assert isinstance(cmp, Comparison) and [s.query for s in cmp.series] == ["Belarus", "Lukashenko"]
    for s in cmp.series:
        assert s.total == backend.search(req(q=s.query, versions="all")).total == sum(s.counts)


def test_saved_search_and_batch_counts_agree_with_the_search(backend):
    request = req(q="Belarus")
    total = backend.search(req(q="Belarus", versions="all")).total
    assert backend.count_since(request, 0) == (total, total)
    assert backend.count_since(request, 4e10) == (0, total)
    newest = backend.newest_indexed(request, limit=3)
    assert 0 < len(newest) <= 3 and all(isinstance(n, IndexedHit) for n in newest)
    summary = backend.summarise(request, countries=2, actors=2)
    assert isinstance(summary, MatchSummary) and summary.total == total
    assert len(summary.countries) <= 2 and len(summary.actors) <= 2


def test_country_names_come_with_the_index(backend):
    assert backend.country_name("RU") == "Russia" and backend.country_name("BY") == "Belarus"
    assert backend.country_name("ZZ") == "ZZ"


@pytest.mark.parametrize("name", BACKENDS)
def test_a_missing_index_is_index_missing_not_a_crash(name, tmp_path):
    b = open_backend({"INDEX_DIR": tmp_path / "nowhere", "BACKEND": name})
    with pytest.raises(IndexMissing):
        b.search(req())
    assert b.country_name("RU") == "RU"  # a name is never worth an error


@pytest.mark.parametrize("name", BACKENDS)
def test_ready_opens_in_the_background_and_is_true_once_loaded(name, fixture_index_dir, tmp_path):
    fresh = open_backend({"INDEX_DIR": fixture_index_dir, "BACKEND": name})
    deadline = time.monotonic() + 60
    while not fresh.ready(wait=0.5):  # each call returns within its wait while the opening goes on
        assert time.monotonic() < deadline, "the index never became ready"
    assert fresh.ready() is True  # loaded: at once, and a search needs no opening
    assert fresh.search(req(q="Biden")).total > 0
    missing = open_backend({"INDEX_DIR": tmp_path / "none", "BACKEND": name})
    assert missing.ready() is True  # nothing to open: its calls say why at once
    with pytest.raises(IndexMissing):
        missing.search(req(q="Biden"))
