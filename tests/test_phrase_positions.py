"""Phrases confirmed from the posting lists' positions (issue 13) against Whoosh's own phrase matching.

The matcher reads the positions of a phrase's candidate documents straight from the posting blocks;
the documents it finds must be exactly those Whoosh's span matching finds, on one segment and on
several segments with a replaced (deleted) document, and a looser phrase still goes to Whoosh.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import FIXTURE_CORPUS
from whoosh import query as wq

from search.whoosh.codec import read_leaf_phrase_keys
from search.whoosh.engine import SearchIndex
from search.whoosh.parse import analyse_words


def whoosh_docs(snap, q) -> list[int]:
    """The live documents Whoosh itself says match ``q``."""
    with snap.lock:
        return sorted({d for d in q.docs(snap.searcher) if snap.table.live[d]})


def mine(snap, q) -> list[int]:
    return np.flatnonzero(snap.matcher.evaluate(q).mask & snap.table.live).tolist()


def phrases(snap, count: int) -> list[list[str]]:
    """Word runs of 2-4 analysed words taken from the indexed articles' bodies and titles."""
    out = []
    for line in FIXTURE_CORPUS.read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        for text in (article["title"], article["text"]):
            words = analyse_words(text)
            for size in (2, 3, 4):
                out.extend(words[i : i + size] for i in range(0, max(len(words) - size, 0), 9))
    return out[:count]


@pytest.fixture(scope="module")
def snap(fixture_index_dir):
    return SearchIndex(fixture_index_dir, cache_size=0)._snapshot()


def test_phrases_match_what_whoosh_matches(snap):
    runs = phrases(snap, 400)
    found = 0
    for words in runs:
        for field in ("body", "title"):
            q = wq.Phrase(field, words)
            assert mine(snap, q) == whoosh_docs(snap, q), (field, words)
            found += bool(whoosh_docs(snap, q))
    assert len(runs) > 100 and found > 100


def test_phrases_that_do_not_occur_in_order_match_nothing(snap):
    q = wq.Phrase("body", ["lukashenko", "presid"])  # both words in articles, never in this order
    assert whoosh_docs(snap, wq.And([wq.Term("body", "lukashenko"), wq.Term("body", "presid")]))
    assert mine(snap, q) == whoosh_docs(snap, q)
    assert (
        mine(snap, wq.Phrase("body", ["suprem", "state", "council"]))
        == whoosh_docs(snap, wq.Phrase("body", ["suprem", "state", "council"]))
        != []
    )
    assert mine(snap, wq.Phrase("body", ["state", "state"])) == whoosh_docs(snap, wq.Phrase("body", ["state", "state"]))
    assert mine(snap, wq.Phrase("body", ["suprem", "nosuchword"])) == []


def test_a_looser_phrase_is_still_whooshs(snap):
    q = wq.Phrase("body", ["suprem", "council"], slop=2)
    assert mine(snap, q) == whoosh_docs(snap, q) != []


def test_positions_are_read_only_for_wanted_documents(snap):
    sub, offset = next(iter(snap.reader.leaf_readers()))
    btext = snap.searcher.schema["body"].to_bytes("presid")
    with snap.lock:
        every = read_leaf_phrase_keys(sub.postings("body", btext), np.ones(snap.table.n, dtype=bool), offset, 0)
        none = read_leaf_phrase_keys(sub.postings("body", btext), np.zeros(snap.table.n, dtype=bool), offset, 0)
        docs = sorted({k >> 32 for k in every})
        one = np.zeros(snap.table.n, dtype=bool)
        one[docs[1]] = True
        only = read_leaf_phrase_keys(sub.postings("body", btext), one, offset, 0)
        walked = sub.postings("body", btext)
        expected = []
        while walked.is_active():
            if walked.id() + offset == docs[1]:
                expected = [((walked.id() + offset) << 32) | p for p in walked.value_as("positions")]
            walked.next()
    assert none == [] and len(docs) > 2
    assert only == expected and expected


def test_phrases_across_segments_with_a_replaced_article(build_index, tmp_path):
    lines = FIXTURE_CORPUS.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    changed = json.loads(lines[0])
    changed["text"] = "Supreme State Council members met again. " + changed["text"]
    second.write_text("\n".join(lines[20:] + [json.dumps(changed)]) + "\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index([first], index_dir, stories=False)
    summary = build_index([second], index_dir, stories=False)  # a new segment; article 0 replaced
    assert summary.updated == 1
    snap = SearchIndex(index_dir, cache_size=0)._snapshot()
    assert len(list(snap.reader.leaf_readers())) == 2 and not snap.table.live.all()
    for words in phrases(snap, 300) + [["suprem", "state", "council"]]:
        q = wq.Phrase("body", words)
        assert mine(snap, q) == whoosh_docs(snap, q), words
