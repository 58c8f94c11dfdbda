"""SearchIndex against real indexes on disk built by the real indexer (fixture corpus, seeds, tmp builds).

Counts come from tests/data/fixture_counts.json (hand-counted) or from an independent count over the
stored articles, never from the facet engine itself.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from search import IndexMissing, SearchIndex, SearchRequest, parse_request
from search.query import NOTICE_RELAXED, NOTICE_STOPWORDS, NOTICE_UNPARSED

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = json.loads((DATA / "fixture_counts.json").read_text(encoding="utf-8"))
ARTICLES = [
    json.loads(line)
    for line in (DATA / "fixture_articles.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def idx(fixture_index_dir):
    return SearchIndex(fixture_index_dir)


def search(idx, **args):
    return idx.search(parse_request({k: v if isinstance(v, list) else [str(v)] for k, v in args.items()}))


def every_id(idx, **args) -> list[str]:
    """All matching ids in order, 50 per page."""
    out, page = [], 1
    while True:
        res = search(idx, per_page=50, page=page, **args)
        out += [h.id for h in res.hits]
        if page * 50 >= res.total:
            return out
        page += 1


def texts_with(pattern: str) -> set[str]:
    """Ids of fixture articles whose title or text matches a regex (an independent count)."""
    rx = re.compile(pattern, re.IGNORECASE)
    return {a["id"] for a in ARTICLES if rx.search(a["title"] + "\n" + a["text"])}


# --- queries -----------------------------------------------------------------------------------


def test_empty_query_browses_everything_newest_first(idx):
    res = search(idx)
    assert res.total == GOLDEN["total"] == len(ARTICLES)
    assert res.sort == "newest"
    dates = [h.date for h in res.hits]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("query", sorted(GOLDEN["query"]))
def test_words_and_phrases_find_the_hand_counted_articles(idx, query):
    assert set(every_id(idx, q=query)) == set(GOLDEN["query"][query])


def test_plain_words_match_stemmed_forms_in_title_and_body(idx):
    assert set(every_id(idx, q="migrants")) == texts_with(r"\bmigrants?\b")


def test_all_words_are_required(idx):
    both = set(every_id(idx, q="Tokayev CSTO"))
    assert both and both == set(every_id(idx, q="Tokayev")) & set(every_id(idx, q="CSTO"))


def test_boolean_operators_and_minus(idx):
    tokayev, raisi, csto = (set(every_id(idx, q=w)) for w in ("Tokayev", "Raisi", "CSTO"))
    assert set(every_id(idx, q="Tokayev OR Raisi")) == tokayev | raisi
    assert set(every_id(idx, q="Tokayev NOT CSTO")) == tokayev - csto
    assert set(every_id(idx, q="Tokayev -CSTO")) == tokayev - csto
    assert set(every_id(idx, q="Tokayev AND CSTO")) == tokayev & csto


def test_field_queries_agree_with_filters(idx):
    assert search(idx, q='actor:"Vladimir Putin"').total == search(idx, actor="Vladimir Putin").total > 0
    assert search(idx, q="country:Belarus").total == search(idx, country="BY").total > 0
    assert search(idx, q="source:Kremlin").total == GOLDEN["source"]["Kremlin"]
    assert search(idx, q="org:NATO").total == search(idx, org="NATO").total > 0
    titles = set(every_id(idx, q="title:Tokayev"))
    assert titles == {a["id"] for a in ARTICLES if "Tokayev" in a["title"]}


def test_date_range_in_the_query(idx):
    assert search(idx, q="date:[2021-11-01 TO 2021-11-30]").total == GOLDEN["month"]["2021-11"]


def test_wildcard_and_fuzzy(idx):
    assert set(every_id(idx, q="migra*")) == texts_with(r"\bmigra\w*")
    assert set(every_id(idx, q="Lukashenka~")) == set(every_id(idx, q="Lukashenko")) != set()


def test_long_question_is_relaxed_and_ranked_by_matching_words(idx):
    res = search(idx, q="what pressure did the EU put on Belarus over migrants")
    assert res.relaxed and res.notice == NOTICE_RELAXED
    assert res.total > 0
    top = {a["id"]: a for a in ARTICLES}[res.hits[0].id]
    assert re.search(r"belarus", top["text"], re.I) and re.search(r"migra", top["text"], re.I)
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)


def test_all_words_without_a_hit_fall_back_to_most_words(idx):
    res = search(idx, q="Tokayev zzyzxq")
    assert res.relaxed and res.notice == NOTICE_RELAXED
    assert {h.id for h in res.hits} == set(GOLDEN["query"]["Tokayev"])


def test_unparseable_query_is_searched_as_words(idx):
    res = search(idx, q="date:[garbage TO never] Tokayev")
    assert res.notice == NOTICE_UNPARSED


@pytest.mark.parametrize(
    "query, total, notice",
    [
        ("the of and", 0, NOTICE_STOPWORDS),
        ('"', len(ARTICLES), "Your query has nothing to search for; showing all articles"),
        ("*", len(ARTICLES), None),
        ("<script>alert(1)</script>", 0, None),
    ],
)
def test_awkward_queries_get_a_result_not_an_error(idx, query, total, notice):
    res = search(idx, q=query)
    assert (res.total, res.notice) == (total, notice)


def test_did_you_mean_corrects_a_misspelt_name(idx):
    res = search(idx, q="Lukashenco")
    assert res.total == 0 and res.did_you_mean == "Lukashenko"
    assert search(idx, q="Lukashenko").did_you_mean is None


# --- facets, filters, histogram ---------------------------------------------------------------------


def test_facets_count_the_whole_result_set_not_the_page(idx):
    res = search(idx, per_page=10)
    assert len(res.hits) == 10
    assert {v.value: v.count for v in res.facets["source"]} == GOLDEN["source"]
    countries = {v.code: v.count for v in res.facets["country"]}
    for code, count in GOLDEN["country"].items():
        assert countries[code] == count


def test_every_facet_count_equals_the_total_of_its_filter(idx):
    res = search(idx, q="Belarus")
    for kind in ("actor", "country", "org", "source"):
        for value in res.facets[kind][:3]:
            filtered = search(idx, q="Belarus", **{kind: value.code or value.value})
            assert filtered.total == value.count, (kind, value)


def test_country_filter_accepts_code_name_and_demonym(idx):
    totals = {v: search(idx, country=v).total for v in ("BY", "Belarus", "Belarusian", "by")}
    assert len(set(totals.values())) == 1 and totals["BY"] > 0
    assert search(idx, country="Atlantis").total == 0


def test_filters_combine_with_and_and_exclusion_removes(idx):
    kremlin = search(idx, source="Kremlin").total
    assert search(idx, source="-Kremlin").total == len(ARTICLES) - kremlin
    both = set(every_id(idx, country=["BY", "PL"]))
    assert both == set(every_id(idx, country="BY")) & set(every_id(idx, country="PL"))
    without = set(every_id(idx, country=["BY", "-PL"]))
    assert without == set(every_id(idx, country="BY")) - set(every_id(idx, country="PL"))


def test_actor_facet_orders_by_count_with_leaders_starred_in_place(idx):
    actors = search(idx).facets["actor"]
    keys = [(-a.count, a.value.lower()) for a in actors]
    assert keys == sorted(keys)  # by count, ties by name: no leaders-first cut
    leaders = [a.leader for a in actors]
    assert any(leaders) and not all(leaders)
    assert leaders != sorted(leaders, reverse=True)  # a non-leader ranks above some leader
    putin = next(a for a in actors if a.value == "Vladimir Putin")
    assert putin.leader and putin.role
    only = search(idx, leaders=1).facets["actor"]
    assert only and all(a.leader for a in only)


def test_histogram_per_month_and_per_day(idx):
    res = search(idx)
    assert res.histogram_unit == "month"
    months = {b.period: b.count for b in res.histogram}
    assert {k: v for k, v in months.items() if v} == GOLDEN["month"]
    nov = next(b for b in res.histogram if b.period == "2021-11")
    assert (nov.start, nov.end) == (date(2021, 11, 1), date(2021, 11, 30))
    short = search(idx, **{"from": "2021-11", "to": "2021-11"})
    assert short.histogram_unit == "day" and len(short.histogram) == 30
    assert {b.period: b.count for b in short.histogram if b.count} == GOLDEN["day_2021_11"]
    assert short.total == GOLDEN["month"]["2021-11"]


def test_sorting_and_paging(idx):
    newest = every_id(idx, sort="newest")
    oldest = every_id(idx, sort="oldest")
    assert len(newest) == len(set(newest)) == len(ARTICLES)
    by_id = {a["id"]: a["date"] for a in ARTICLES}
    assert [by_id[i] for i in newest] == sorted(by_id.values(), reverse=True)
    assert [by_id[i] for i in oldest] == sorted(by_id.values())
    pages = [h.id for p in (1, 2, 3, 4) for h in search(idx, page=p, per_page=10).hits]
    assert pages == newest
    assert search(idx, page=9).hits == []


def test_result_to_dict_has_the_api_shape(idx):
    d = search(idx, q="Belarus").to_dict()
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
    } <= set(d)
    assert set(d["facets"]) == {"actor", "country", "org", "source"}
    assert {"value", "code", "count"} <= set(d["facets"]["country"][0])
    assert {"id", "title", "date", "source", "url", "score", "snippet_html", "actors", "countries", "orgs"} <= set(
        d["hits"][0]
    )
    json.dumps(d)


def test_snippets_mark_stemmed_matches_escaped(idx):
    for hit in search(idx, q="migrants").hits:
        assert re.search(r"<mark>migrants?</mark>", hit.snippet_html, re.I), hit.snippet_html
        assert set(re.findall(r"</?(\w+)", hit.snippet_html)) <= {"mark"}


# --- articles, more like this, export, health -------------------------------------------------------


def test_article_with_entities_and_segments(idx):
    art = idx.article("kremlin-67126")
    assert art is not None and "Lukashenko" in art.title
    assert "".join(text for text, _, _ in art.segments) == art.body
    linked = [(text, kind, value) for text, kind, value in art.segments if kind]
    assert ("Belarus", "country", "BY") in linked
    assert any(kind == "actor" and value == "Alexander Lukashenko" for _, kind, value in linked)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "", "nope", "x" * 5000, "a\x00b"])
def test_unknown_article_ids_are_none(idx, bad):
    assert idx.article(bad) is None
    assert idx.more_like_this(bad) == []


def test_more_like_this(idx):
    similar = idx.more_like_this("kremlin-67126", n=5)
    assert len(similar) == 5 and "kremlin-67126" not in {h.id for h in similar}
    texts = {a["id"]: a["text"] for a in ARTICLES}
    assert sum("Belarus" in texts[h.id] for h in similar) >= 3


def test_export_streams_all_rows_in_order(idx):
    rows = list(idx.export(SearchRequest(sort="oldest")))
    assert len(rows) == len(ARTICLES)
    assert [r.date for r in rows] == sorted(r.date for r in rows)
    assert len(list(idx.export(SearchRequest(q="Tokayev"), limit=2))) == 2


def test_health(idx):
    health = idx.health()
    assert health["generation"].startswith("gen-") and health["articles"] == len(ARTICLES)
    assert re.match(r"\d{4}-\d\d-\d\dT", health["last_commit"])


# --- index lifecycle -------------------------------------------------------------------------------


def test_missing_index_raises_index_missing(tmp_path):
    with pytest.raises(IndexMissing, match="python -m indexer build"):
        SearchIndex(tmp_path / "nowhere").search(SearchRequest())


def test_script_in_article_text_is_escaped(build_index, tmp_path):
    src = tmp_path / "evil.jsonl"
    src.write_text(
        json.dumps(
            {
                "id": "evil-1",
                "title": "Border <b>crisis</b>",
                "date": "2021-11-20",
                "source": "Test",
                "text": "Migrants <script>alert(1)</script> waited at the border of Belarus & Poland.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    build_index([src], tmp_path / "index")
    hit = SearchIndex(tmp_path / "index").search(parse_request({"q": ["script migrants"]})).hits[0]
    assert "<script>" not in hit.snippet_html
    assert "&lt;<mark>script</mark>&gt;" in hit.snippet_html and "<mark>Migrants</mark>" in hit.snippet_html
    assert hit.title == "Border <b>crisis</b>"  # plain text; the template escapes it


def test_new_commit_and_new_generation_are_picked_up(build_index, seed_index_dir, tmp_path):
    index_dir = tmp_path / "live"
    shutil.copytree(seed_index_dir, index_dir)
    live = SearchIndex(index_dir)
    before = live.health()
    assert search(live, q="Tokayev").total == 0
    build_index([DATA / "fixture_articles.jsonl"], index_dir)  # a new commit in the same generation
    assert live.health()["articles"] == before["articles"] + len(ARTICLES)
    assert search(live, q="Tokayev").total == len(GOLDEN["query"]["Tokayev"])
    # facets merged from the cached old segment and the new one equal those of a fresh reader
    assert search(live).facets == search(SearchIndex(index_dir)).facets
    build_index([DATA / "fixture_articles.jsonl"], index_dir, rebuild=True)  # a new generation
    after = live.health()
    assert after["generation"] != before["generation"] and after["articles"] == len(ARTICLES)


@pytest.mark.parametrize(
    "query, suggestion",
    [
        ("Nato sumit", "Nato summit"),  # relaxed to most words, still corrected
        ("Lukashenco migrants", "Lukashenko migrants"),
        (
            "what did Lukashenco say about the migrants at the border",
            "what did Lukashenko say about the migrants at the border",
        ),
    ],
)
def test_did_you_mean_in_multi_word_and_relaxed_queries(idx, query, suggestion):
    assert search(idx, q=query).did_you_mean == suggestion


@pytest.mark.parametrize("query", ["Raisi", "Japarov", "what pressure did the EU put on Belarus over migrants"])
def test_no_correction_for_rare_but_real_words(idx, query):
    assert search(idx, q=query).did_you_mean is None


@pytest.mark.parametrize("query", ["Tokayev", "Belarus", ""])  # few matches (sparse counting) to all
def test_facet_counts_equal_a_count_over_the_exported_articles(idx, query):
    from collections import Counter

    rows = list(idx.export(SearchRequest(q=query)))
    res = search(idx, q=query)
    assert len(rows) == res.total
    expected = {
        "actor": Counter(a for r in rows for a in set(r.actors)),
        "country": Counter(c for r in rows for c in set(r.countries)),
        "org": Counter(o for r in rows for o in set(r.orgs)),
        "source": Counter(r.source for r in rows),
    }
    for kind, values in res.facets.items():
        got = {v.value: v.count for v in values}
        assert got == {value: expected[kind][value] for value in got}, kind
        assert len(got) == min(len(expected[kind]), 100)


def test_postings_read_in_bulk_equal_whooshs_own(idx):
    """The engine decodes posting lists itself; they must equal what Whoosh's matcher yields."""
    snap = idx._snapshot()
    reader = snap.reader
    checked = 0
    with snap.lock:  # (reentrant) Whoosh reads seek a shared file: the background loaders read it too
        for field in ("title", "body"):
            for term in list(reader.lexicon(field))[::7]:
                ids, weights = snap.matcher.postings(field, term)
                m = reader.postings(field, term)
                expected_ids, expected_weights = [], []
                while m.is_active():
                    expected_ids.append(m.id())
                    expected_weights.append(m.weight())
                    m.next()
                assert ids.tolist() == expected_ids and weights.tolist() == pytest.approx(expected_weights)
                checked += 1
    assert checked > 100
