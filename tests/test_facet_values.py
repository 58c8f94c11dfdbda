"""Facets people can reach (issue 8): order, leaders, roles in time and the value search, on real indexes.

tests/data/facet_articles.jsonl is a small hand-written corpus: Andriy Yermak, named without a title, in
five articles (a non-leader who outnumbers every leader); Angela Merkel as "Chancellor" in 2021 and
"Former Chancellor" in 2022; Olaf Scholz as "Finance Minister" in 2021 and "Chancellor" in 2022; and
twenty-four "Vienna hearing" articles naming about 140 witnesses, plus "Zbigniew Wróblewski" on the last
day, so the actor facet has more than a hundred values and his sorts after the first hundred.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as windex

from app import create_app
from indexer.build import make_document
from indexer.layout import current_generation_dir
from indexer.model import Actor, Article, Entities
from search import InvalidParameter, SearchIndex, parse_request

DATA = Path(__file__).resolve().parent / "data"
ARTICLES = [
    json.loads(line)
    for line in (DATA / "facet_articles.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
YERMAK_ARTICLES = {a["id"] for a in ARTICLES if "Andriy Yermak" in a["text"]}
MERKEL_2021, MERKEL_2022 = "facets-001", "facets-002"
SCHOLZ_2021, SCHOLZ_2022 = "facets-003", "facets-004"
LATE_NAME = "Zbigniew Wróblewski"


def request(**args):
    return parse_request({k: v if isinstance(v, list) else [str(v)] for k, v in args.items()})


def ids(idx, **args) -> set[str]:
    out, page = set(), 1
    while True:
        res = idx.search(request(per_page=50, page=page, **args))
        out |= {h.id for h in res.hits}
        if page * 50 >= res.total:
            return out
        page += 1


def actor(values, name):
    return next(v for v in values if v.value == name)


@pytest.fixture(scope="module")
def idx(facet_index_dir):
    return SearchIndex(facet_index_dir)


@pytest.fixture(scope="module")
def client(facet_index_dir):
    return create_app({"TESTING": True, "INDEX_DIR": str(facet_index_dir)}).test_client()


# --- order and leaders ----------------------------------------------------------------------------


def test_hand_counts_of_the_corpus_hold():
    assert len(YERMAK_ARTICLES) == 5
    assert "Chancellor Angela Merkel" in ARTICLES[0]["text"] and "Former Chancellor" in ARTICLES[1]["text"]


def test_actor_values_are_ordered_by_count_then_name_with_a_non_leader_first(idx):
    actors = idx.search(request()).facets["actor"]
    assert actors[0].value == "Andriy Yermak" and actors[0].count == len(YERMAK_ARTICLES)
    assert not actors[0].leader  # reachable although he is no leader: no leaders-first cut
    assert actor(actors, "Olaf Scholz").leader and actor(actors, "Olaf Scholz").count == 2
    keys = [(-v.count, v.value.lower()) for v in actors]
    assert keys == sorted(keys)
    assert len(actors) == 100  # the sidebar's first hundred of more than a hundred values
    assert idx.search(request()).facet_totals["actor"] > 100


def test_leaders_toggle_filters_results_to_articles_with_a_leader_in_them(idx):
    everything = ids(idx)
    leaders = ids(idx, leaders=1)
    assert {MERKEL_2021, SCHOLZ_2021, SCHOLZ_2022} <= leaders
    assert MERKEL_2022 not in leaders  # "Former Chancellor": a leader in 2021, not in this article
    assert not leaders & YERMAK_ARTICLES
    # independently: the articles whose own stored entities flag a leader
    flagged = {aid for aid in everything if any(a.get("leader") for a in idx.article(aid).actors)}
    assert leaders == flagged
    assert idx.search(request(leaders=1)).total == len(flagged)


def test_leaders_toggle_narrows_the_actor_facet_to_leaders_of_the_result_set(idx):
    actors = idx.search(request(leaders=1)).facets["actor"]
    assert {v.value for v in actors} >= {"Angela Merkel", "Olaf Scholz"}
    assert all(v.leader for v in actors)
    assert "Andriy Yermak" not in {v.value for v in actors}
    # within 2022 Merkel is only ever "former": she is no leader of that result set
    in_2022 = idx.search(request(leaders=1, **{"from": "2022"})).facets["actor"]
    assert "Angela Merkel" not in {v.value for v in in_2022}
    assert "Olaf Scholz" in {v.value for v in in_2022}


def test_leader_star_belongs_to_the_articles_of_the_result_set(idx):
    assert actor(idx.search(request(to="2021")).facets["actor"], "Angela Merkel").leader
    later = actor(idx.search(request(**{"from": "2022"})).facets["actor"], "Angela Merkel")
    assert later.count == 1 and not later.leader


# --- roles in time --------------------------------------------------------------------------------


def test_role_shown_is_the_newest_within_the_result_set(idx):
    assert actor(idx.search(request()).facets["actor"], "Olaf Scholz").role == "Chancellor"
    assert actor(idx.search(request(to="2021")).facets["actor"], "Olaf Scholz").role == "Finance Minister"
    assert actor(idx.search(request(q="budget")).facets["actor"], "Olaf Scholz").role == "Finance Minister"
    assert actor(idx.search(request(q="Munich")).facets["actor"], "Olaf Scholz").role == "Chancellor"
    # the value search shows the same role as the sidebar for the same result set
    found = idx.facet_values(request(to="2021"), "actor", prefix="scholz").values
    assert [(v.value, v.role) for v in found] == [("Olaf Scholz", "Finance Minister")]


def test_actors_without_a_role_show_none(idx):
    assert actor(idx.search(request()).facets["actor"], "Andriy Yermak").role == ""


def test_make_document_keeps_each_actors_role_in_the_facets_column():
    article = Article(id="a1", title="t", text="Chancellor Olaf Scholz spoke.", date=datetime(2022, 2, 20))
    ents = Entities(actors=[Actor("Olaf Scholz", 2, "Chancellor", "DE", True), Actor("Andriy Yermak", 1)])
    facets = json.loads(make_document(article, ents, "x")["facets"])
    assert facets["r"] == [["Olaf Scholz", "Chancellor", "DE"]]
    assert facets["l"] == ["Olaf Scholz"]


def test_an_index_written_before_roles_were_kept_still_serves(facet_index_dir, tmp_path):
    """Older indexes have no "r" in the facets column: their actors show no role, nothing crashes."""
    copy = tmp_path / "index"
    shutil.copytree(facet_index_dir, copy)
    idx = SearchIndex(copy)
    # the newest article of the facet corpus that gives her a role calls her a former chancellor
    assert actor(idx.search(request()).facets["actor"], "Angela Merkel").role == "Former Chancellor"
    article = Article(
        id="old-1",
        title="Kohl remembered",
        text="Chancellor Helmut Kohl and Chancellor Angela Merkel were remembered in Bonn.",
        date=datetime(2023, 1, 5),
        source="Old",
    )
    ents = Entities(
        actors=[Actor("Helmut Kohl", 1, "Chancellor", "DE", True), Actor("Angela Merkel", 1, "Chancellor", "DE", True)]
    )
    doc = make_document(article, ents, "old")
    facets = json.loads(doc["facets"])
    del facets["r"]  # what a build before this change wrote
    doc["facets"] = json.dumps(facets).encode("utf-8")
    damaged = make_document(
        Article(id="old-2", title="Kohl", text="Helmut Kohl.", date=None),
        Entities(actors=[Actor("Helmut Kohl", 1)]),
        "damaged",
    )
    damaged["facets"] = json.dumps({"a": ["Helmut Kohl"], "r": [["Helmut Kohl"], 5, None, ["", "x", "y"]]}).encode()
    ix = windex.open_dir(str(current_generation_dir(copy)))
    with ix.writer() as writer:
        writer.add_document(**doc)
        writer.add_document(**damaged)  # malformed "r" entries are skipped, not fatal
    res = idx.search(request())
    kohl = actor(res.facets["actor"], "Helmut Kohl")
    assert (kohl.count, kohl.role, kohl.leader) == (2, "", True)  # the leader flag ("l") was always written
    merkel = actor(res.facets["actor"], "Angela Merkel")
    assert merkel.count == 3 and merkel.role == "Former Chancellor"  # the newest article that gives a role
    assert actor(idx.facet_values(request(), "actor", prefix="kohl").values, "Helmut Kohl").role == ""


# --- the value search ------------------------------------------------------------------------------


def test_prefix_search_reaches_values_beyond_the_first_hundred(idx):
    first_hundred = {v.value for v in idx.search(request()).facets["actor"]}
    assert LATE_NAME not in first_hundred
    for prefix in ("wrob", "WRÓB", "Wrób", "zbig", "zbigniew wro"):
        page = idx.facet_values(request(), "actor", prefix=prefix)
        assert [v.value for v in page.values] == [LATE_NAME] and page.total_values == 1, prefix


def test_prefix_matches_the_start_of_any_word_only(idx):
    assert [v.value for v in idx.facet_values(request(), "actor", prefix="yerm").values] == ["Andriy Yermak"]
    assert [v.value for v in idx.facet_values(request(), "actor", prefix="andriy").values] == ["Andriy Yermak"]
    assert idx.facet_values(request(), "actor", prefix="ermak").values == []
    annas = idx.facet_values(request(), "actor", prefix="anna")
    assert annas.total_values == len(annas.values) > 1
    assert all(v.value.split()[0] == "Anna" for v in annas.values)


def test_prefix_search_counts_within_the_result_set(idx):
    page = idx.facet_values(request(q="Berlin"), "actor", prefix="")
    assert {v.value for v in page.values} == {"Angela Merkel", "Olaf Scholz"}
    assert idx.facet_values(request(q="Berlin"), "actor", prefix="yerm").total_values == 0
    leaders = idx.facet_values(request(leaders=1), "actor", prefix="a")
    assert [v.value for v in leaders.values] == ["Angela Merkel"]


def test_value_pages_list_every_value_once_in_order(idx):
    first = idx.facet_values(request(), "actor", limit=100)
    rest = idx.facet_values(request(), "actor", offset=100, limit=100)
    assert first.total_values == rest.total_values > 100
    assert len(rest.values) == first.total_values - 100
    names = [v.value for v in first.values + rest.values]
    assert len(names) == len(set(names)) == first.total_values
    assert [v.value for v in first.values] == [v.value for v in idx.search(request()).facets["actor"]]
    assert LATE_NAME in {v.value for v in rest.values}
    keys = [(-v.count, v.value.lower()) for v in first.values + rest.values]
    assert keys == sorted(keys)


def test_value_search_on_crisis_coverage_folds_accents_and_finds_every_zelensk(fixture_index_dir):
    idx = SearchIndex(fixture_index_dir)
    found = {v.value for v in idx.facet_values(request(), "actor", prefix="zelensk").values}
    assert "Volodymyr Zelenskyy" in found and all("zelensk" in v.lower() for v in found)
    countries = idx.facet_values(request(), "country", prefix="swe").values
    assert [(v.code, v.value) for v in countries] == [("SE", "Sweden")]


@pytest.mark.parametrize(
    "kind, args",
    [
        ("nope", {}),
        ("actor", {"limit": 0}),
        ("actor", {"limit": 10_000}),
        ("actor", {"offset": -1}),
        ("actor", {"prefix": "x" * 300}),
    ],
)
def test_bad_value_search_arguments_are_refused(idx, kind, args):
    with pytest.raises(InvalidParameter):
        idx.facet_values(request(), kind, **args)


# --- the web app ------------------------------------------------------------------------------------


def test_api_facet_returns_the_search_facet_shape(client):
    search_rows = client.get("/api/search").get_json()["facets"]
    for kind in ("actor", "country", "org", "source"):
        body = client.get(f"/api/facet/{kind}").get_json()
        assert body["kind"] == kind and body["total_values"] >= len(body["values"])
        assert body["values"][: len(search_rows[kind])] == search_rows[kind]
    found = client.get("/api/facet/actor?prefix=yerm").get_json()
    assert found["values"] == [{"value": "Andriy Yermak", "count": 5, "role": "", "leader": False, "country": ""}]
    assert found["total_values"] == 1


def test_api_facet_takes_the_search_parameters(client):
    body = client.get("/api/facet/actor?q=Munich&prefix=ch").get_json()
    assert body["values"] == []  # "ch" starts no word of the one actor of that result set
    scholz = client.get("/api/facet/actor?to=2021&prefix=olaf").get_json()["values"]
    assert [(v["value"], v["role"], v["count"]) for v in scholz] == [("Olaf Scholz", "Finance Minister", 1)]
    leaders = client.get("/api/facet/actor?leaders=1&limit=500").get_json()
    assert leaders["values"] and all(v["leader"] for v in leaders["values"])


def test_api_facet_pages_with_offset(client):
    first = client.get("/api/facet/actor?limit=100").get_json()
    rest = client.get("/api/facet/actor?limit=100&offset=100").get_json()
    assert len(first["values"]) == 100 and len(rest["values"]) == first["total_values"] - 100
    assert LATE_NAME in {v["value"] for v in rest["values"]}


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/facet/people", 404),
        ("/api/facet/actor?limit=100000", 400),
        ("/api/facet/actor?limit=ten", 400),
        ("/api/facet/actor?offset=-5", 400),
        ("/api/facet/actor?per_page=7", 400),
        ("/api/facet/actor?from=2021-13", 400),
    ],
)
def test_api_facet_errors_are_one_json_line(client, url, status):
    response = client.get(url)
    assert response.status_code == status and response.is_json
    body = response.get_json()
    assert body["status"] == status and body["error"] and "\n" not in body["error"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_results_page_links_to_every_value_and_finds_values_without_javascript(client):
    page = client.get("/?q=Vienna").get_data(as_text=True)
    actors = page[page.index('id="facet-actor"') : page.index('id="facet-country"')]
    assert 'action="/facet/actor"' in actors and 'name="prefix"' in actors
    assert '<input type="hidden" name="q" value="Vienna">' in actors  # the box searches these results
    every = client.get("/api/facet/actor?q=Vienna&limit=1").get_json()["total_values"]
    assert every > 100 and 'href="/facet/actor?q=Vienna"' in actors and f"All {every} actors" in actors
    found = client.get("/facet/actor?q=Vienna&prefix=wrob").get_data(as_text=True)
    assert LATE_NAME in found and "1 value" in found
    assert 'href="/?q=Vienna&amp;actor=Zbigniew+Wr%C3%B3blewski"' in found


def test_facet_page_pages_past_the_first_hundred(client):
    first = client.get("/facet/actor").get_data(as_text=True)
    assert LATE_NAME not in first and 'href="/facet/actor?offset=100"' in first and "1–100 shown" in first
    second = client.get("/facet/actor?offset=100").get_data(as_text=True)
    assert LATE_NAME in second and 'rel="prev" href="/facet/actor"' in second and 'rel="next"' not in second
    assert client.get("/facet/people").status_code == 404
    assert client.get("/facet/actor?offset=x").status_code == 400


def test_leaders_toggle_on_the_results_page(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/?leaders=1"' in page and ">leaders only<" in page
    leaders = client.get("/?leaders=1").get_data(as_text=True)
    total = client.get("/api/search?leaders=1").get_json()["total"]
    assert f'<strong class="total">{total}</strong>' in leaders and total < len(ARTICLES)
    actors = leaders[leaders.index('id="facet-actor"') : leaders.index('id="facet-country"')]
    names = actors.count('<span class="facet-name">')
    assert names >= 2 and actors.count('class="leader-dot"') == names and "Andriy Yermak" not in actors
    chip = leaders[leaders.index('<ul class="chips">') :]
    assert "Leaders only" in chip[: chip.index("</ul>")] and 'href="/"' in chip[: chip.index("</ul>")]


def test_order_values_is_count_then_name_with_or_without_a_limit():
    """The one-key sort (and its partition for a page) against the rule written out: count, then name."""
    from search.facet_values import order_values

    rng = np.random.default_rng(5)
    for _ in range(500):
        size = int(rng.integers(1, 2000))
        counts = rng.integers(0, int(rng.choice([3, 50, 100_000])), size=size)
        rank = rng.permutation(size).astype(np.int64)
        vids = np.flatnonzero(counts > 0)
        expected = sorted(vids.tolist(), key=lambda v: (-counts[v], rank[v]))
        assert order_values(counts, vids, rank).tolist() == expected
        limit = int(rng.integers(0, 300))
        assert order_values(counts, vids, rank, limit).tolist() == expected[:limit]
