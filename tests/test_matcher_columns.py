"""The matcher and the facet columns on their own (issue 10).

Facet columns: the ``facets`` column's JSON of hand-written segments -> numpy columns, no index at all.
Matcher: QueryMatcher over a real index built by the real indexer, checked against Whoosh's own answers
(which documents match a query, each term's postings), and BM25 against the formula by hand.
"""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest
from whoosh import query as wq

from indexer.layout import current_generation
from search.facets import NO_DATE, merge_segments, parse_days, parse_segment
from search.whoosh.bm25 import FIELD_WEIGHTS, IDF_FLOOR, K1, B, bm25_scores
from search.whoosh.codec import read_leaf_postings
from search.whoosh.engine import SearchIndex


def blobs(*docs) -> list[bytes]:
    return [json.dumps(d).encode() if d is not None else b"" for d in docs]


# -- facet columns ----------------------------------------------------------------------------------------
@pytest.fixture()
def table():
    """Two segments: three documents, then two (the second of which is deleted)."""
    first = parse_segment(
        blobs(
            {
                "d": "20211104",
                "a": ["Vladimir Putin", "Alexander Lukashenko"],
                "c": ["RU", "BY"],
                "s": "Kremlin",
                "l": ["Vladimir Putin"],
                "r": [["Vladimir Putin", "President", "RU"]],
            },
            {
                "d": "20211109",
                "a": ["Alexander Lukashenko"],
                "c": ["BY"],
                "o": ["EU"],
                "s": "Kremlin",
                "l": ["Alexander Lukashenko"],
                "r": [["Alexander Lukashenko", "President", "BY"]],
            },
            None,  # a document without facets
        )
    )
    second = parse_segment(
        blobs(
            {
                "d": "20220224",
                "a": ["vladimir putin"],
                "c": ["RU", "UA"],
                "s": "Guardian",
                "r": [["Vladimir Putin", "Former KGB officer", "RU"]],
            },
            {"d": "20220225", "a": ["Olaf Scholz"], "c": ["DE"], "s": "Guardian"},
        ),
        deleted=frozenset({1}),
    )
    live = np.ones(5, dtype=bool)
    live[4] = False
    return merge_segments([(0, first), (3, second)], live)


def test_values_merge_across_segments_case_insensitively(table):
    actor = table.columns["actor"]
    assert actor.values == ["Vladimir Putin", "Alexander Lukashenko"]  # the deleted Scholz was never parsed
    putin = actor.lookup["vladimir putin"]
    assert actor.docs_with(putin).tolist() == [0, 3]
    assert actor.docs_with(actor.lookup["alexander lukashenko"]).tolist() == [0, 1]
    assert [v for v in table.columns["source"].values if v] == ["Kremlin", "Guardian"]  # "" carries no postings
    assert table.columns["source"].count(np.ones(5, dtype=bool))[table.columns["source"].lookup[""]] == 0
    assert table.columns["org"].docs_with(0).tolist() == [1]


def test_counts_are_the_same_dense_and_sparse(table):
    country = table.columns["country"]
    mask = np.array([True, False, True, True, False])
    dense = country.count(mask)
    sparse = country.count(mask, np.flatnonzero(mask))
    assert dense.tolist() == sparse.tolist()
    assert dict(zip(country.values, dense.tolist())) == {"RU": 2, "BY": 1, "UA": 1}
    docs, vals = country.postings_of(np.array([1, 3]))
    assert sorted(zip(docs.tolist(), [country.values[v] for v in vals.tolist()])) == [(1, "BY"), (3, "RU"), (3, "UA")]


def test_dates_masks_and_leaders(table):
    assert table.day.tolist()[:4] == [
        date(2021, 11, 4).toordinal(),
        date(2021, 11, 9).toordinal(),
        NO_DATE,
        date(2022, 2, 24).toordinal(),
    ]
    assert table.date_mask(date(2021, 11, 5), None).tolist() == [False, True, False, True, False]
    roles = table.actor_roles
    assert roles.has_leader.tolist() == [True, True, False, False, False]
    putin = table.columns["actor"].lookup["vladimir putin"]
    everything = np.ones(5, dtype=bool)
    assert roles.leaders_within(everything, 2).tolist() == [True, True]
    assert roles.leaders_within(np.array([False, True, False, True, False]), 2)[putin] == np.False_
    # the newest article giving a role states it
    assert roles.latest_roles([putin], everything, table.day) == {putin: ("Former KGB officer", "RU")}
    assert roles.latest_roles([putin], np.array([True, False, False, False, False]), table.day) == {
        putin: ("President", "RU")
    }


def test_impossible_dates_are_no_dates():
    days = parse_days(["20210230", "2021", "", "20200229", "abcdefgh"])
    assert days.tolist() == [NO_DATE, NO_DATE, NO_DATE, date(2020, 2, 29).toordinal(), NO_DATE]


def test_a_garbled_document_costs_only_its_own_values():
    seg = parse_segment([b'{"a": ["Vladimir Putin"], "d": "20211104"}', b"{not json", b'{"a": ["Olaf Scholz"]}'])
    table = merge_segments([(0, seg)], np.ones(3, dtype=bool))
    assert table.columns["actor"].values == ["Vladimir Putin", "Olaf Scholz"]
    assert table.columns["actor"].docs_with(1).tolist() == [2]


# -- the matcher -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def snap(fixture_index_dir):
    index = SearchIndex(fixture_index_dir)
    snap = index._snapshot()
    assert snap.generation == current_generation(fixture_index_dir)
    return snap


def whoosh_docs(snap, q) -> set[int]:
    """The live documents Whoosh itself says match ``q``."""
    with snap.lock:
        return {d for d in q.docs(snap.searcher) if snap.table.live[d]}


@pytest.mark.parametrize(
    "q",
    [
        wq.Term("body", "lukashenko"),
        wq.And([wq.Term("body", "belaru"), wq.Term("body", "presid")]),
        wq.Or([wq.Term("title", "telephon"), wq.Term("body", "migrant")]),
        wq.AndNot(wq.Term("body", "belaru"), wq.Term("body", "migrant")),
        wq.Phrase("body", ["suprem", "state"]),
        wq.Prefix("body", "migr"),
        wq.Term("source", "kremlin"),
    ],
    ids=repr,
)
def test_the_matcher_finds_what_whoosh_finds(snap, q):
    found = set(np.flatnonzero(snap.matcher.evaluate(q).mask & snap.table.live).tolist())
    assert found == whoosh_docs(snap, q) and found


def test_postings_read_from_the_files_equal_whooshs_own_walk(snap):
    checked = 0
    with snap.lock:
        for sub, _offset in snap.reader.leaf_readers():
            for fieldname, btext in list(sub.all_terms())[:300]:
                if fieldname not in ("body", "title"):
                    continue
                fast = read_leaf_postings(sub.postings(fieldname, btext))
                slow = sub.postings(fieldname, btext)
                ids, weights = [], []
                while slow.is_active():
                    ids.append(slow.id())
                    weights.append(slow.weight())
                    slow.next()
                assert fast[0].tolist() == ids and np.allclose(fast[1], weights)
                checked += 1
    assert checked > 50


def test_bm25_by_hand():
    weights = np.array([1.0, 3.0], dtype=np.float32)
    lengths = np.array([10.0, 40.0], dtype=np.float32)
    scores = bm25_scores("body", weights, lengths, avg=20.0, n_live=100)
    idf = math.log((100 - 2 + 0.5) / (2 + 0.5))
    expected = [idf * w * (K1 + 1) / (w + K1 * ((1 - B) + B * n / 20.0)) for w, n in zip(weights, lengths)]
    assert np.allclose(scores, expected)
    title = bm25_scores("title", weights, lengths, avg=20.0, n_live=100)
    assert np.allclose(title, np.array(expected) * FIELD_WEIGHTS["title"])
    common = bm25_scores("body", np.ones(90, dtype=np.float32), np.full(90, 20.0, dtype=np.float32), 20.0, 100)
    assert np.allclose(common, IDF_FLOOR)  # a word in most articles still counts a little


def test_scores_rank_more_occurrences_first(snap):
    m = snap.matcher.evaluate(wq.Term("body", "lukashenko"))
    ids = np.flatnonzero(m.mask)
    assert len(ids) > 1 and (m.score[ids] > 0).all() and (m.score[~m.mask] == 0).all()


def test_latest_roles_are_each_actors_newest_in_the_mask(facet_index_dir):
    """Against the rule written out by hand, over random result sets of a real index whose people change
    roles between dated articles: the newest article by (day, document) giving the actor a role wins."""
    table = SearchIndex(facet_index_dir)._snapshot(block=True).table
    roles, day = table.actor_roles, table.day
    actors = len(table.columns["actor"].values)
    with_roles = [v for v in range(actors) if roles.role_ptr[v + 1] > roles.role_ptr[v]]
    assert max(np.diff(roles.role_ptr)) >= 2  # someone is given a role in two or more articles
    rng = np.random.default_rng(3)
    for share in (1.0, 0.5, 0.1):
        for _ in range(20):
            mask = rng.random(table.n) < share
            vids = sorted(set(rng.choice(actors, size=min(actors, 60), replace=False).tolist()) | set(with_roles))
            expected = {}
            for v in vids:
                entries = [
                    (int(day[d]), int(d), i, int(r))
                    for i, (d, r) in enumerate(
                        zip(
                            roles.role_doc[roles.role_ptr[v] : roles.role_ptr[v + 1]],
                            roles.role_id[roles.role_ptr[v] : roles.role_ptr[v + 1]],
                        )
                    )
                    if mask[d]
                ]
                if entries:
                    expected[v] = roles.roles[max(entries)[3]]
            assert roles.latest_roles(vids, mask, day) == expected


def test_all_facets_counted_at_once_equal_each_kind_counted_alone(facet_index_dir):
    """A result page counts every kind in one pass over all kinds' postings: the same values and counts
    as each kind's own column, for few and many matches, by article and by story."""
    from search.model import FACET_KINDS
    from search.whoosh.facet_counts import count_facets, facet_values, repeating
    from search.whoosh.snapshot import story_table

    snap = SearchIndex(facet_index_dir)._snapshot(block=True)
    rng = np.random.default_rng(11)
    stories = story_table(snap)
    for share in (0.02, 0.1, 0.6, 1.0):  # (below 1 in 8, the counts gather the matches' postings)
        for _ in range(5):
            mask = (rng.random(snap.table.n) < share) & snap.table.live
            total = int(mask.sum())
            # a story matched twice, so that stories are counted (the index's stories are of single articles)
            per_story = stories.matching_per_story(mask)
            per_story = per_story + (per_story > 0)
            for ps in (None, per_story):
                facets, totals = count_facets(snap, mask, False, total, ps, limit=1000)
                ids = np.flatnonzero(mask) if total * 8 < len(mask) else None
                for kind in FACET_KINDS:
                    alone, alone_total = facet_values(snap, kind, mask, ids, False, limit=1000, per_story=repeating(ps))
                    assert facets[kind] == alone and totals[kind] == alone_total, (kind, share)
    assert any(facets[kind] for kind in FACET_KINDS)
