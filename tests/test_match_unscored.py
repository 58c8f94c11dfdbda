"""Counting paths (batch summaries, facet pages, network, compare, alerts) match without BM25: the same
sets as the scored search, with no score arrays built."""

from __future__ import annotations

import numpy as np
import pytest

from search import SearchIndex, SearchRequest
from search.whoosh.parse import parse_query

QUERIES = [
    "Belarus",
    "Putin Biden",
    '"humanitarian law"',
    "escalat*",
    "Lukashenco~1",
    "Putin OR -Biden",
    "what did Putin tell Macron about the security guarantees",
    "country:SE",
    "date:[2022 TO]",
    "nonexistentwordxyz other",
]


@pytest.fixture(scope="module")
def index(fixture_index_dir):
    index = SearchIndex(fixture_index_dir)
    index.warm_up()
    return index


@pytest.mark.parametrize("q", QUERIES)
def test_unscored_matching_gives_the_scored_set_and_no_scores(index, q):
    snap = index._snapshot()
    parsed = parse_query(q)
    if parsed.query is None:
        pytest.skip("nothing to evaluate")
    scored = snap.matcher.evaluate(parsed.query)
    with snap.matcher.unscored():
        bare = snap.matcher.evaluate(parsed.query)
    assert np.array_equal(bare.mask, scored.mask)
    assert bare.score is None


@pytest.mark.parametrize("q", QUERIES)
def test_summaries_count_what_the_search_counts(index, q):
    req = SearchRequest(q=q, versions="all")
    assert index.summarise(req).total == index.search(req).total
