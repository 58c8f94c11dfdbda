"""Did-you-mean's in-memory spelling words (issue 13) against Whoosh's own look-up, on a real index.

The words of the spelling field are read per segment into a sorted list; the words within an edit
distance must be exactly those Whoosh's automaton finds in its term file, and a search must suggest the
same correction whether or not the list has been read yet (or could not be read at all).
"""

from __future__ import annotations

import shutil

import pytest
from conftest import FIXTURE_CORPUS

from search.params import parse_request
from search.whoosh.engine import SearchIndex
from search.whoosh.spelling import suggest_word
from search.whoosh.vocabulary import LazyVocabulary, Vocabulary, read_words


@pytest.fixture(scope="module")
def snap(fixture_index_dir):
    # The snapshot loads its alias table on a thread of its own through the same reader, whose files are
    # shared seek-and-read handles: every read here takes the reader's lock, as the engine's own reads do.
    return SearchIndex(fixture_index_dir, cache_size=0)._snapshot()


def misspellings(word: str) -> list[str]:
    """A few one- and two-letter edits of ``word`` (dropped, doubled, swapped and replaced letters)."""
    out = [word, word[:-1], word + word[-1], word[:2] + "x" + word[3:], word[:1] + word[2] + word[1] + word[3:]]
    out.append(word[:1] + "q" + word[2:-1])
    return [w for w in out if w]


def test_words_are_the_spelling_fields_sorted_and_distinct(snap):
    words = read_words(snap.reader, "spell_body", lock=snap.lock)
    with snap.lock:
        expected = sorted({snap.searcher.schema["spell_body"].from_bytes(b) for b in snap.reader.lexicon("spell_body")})
    assert words == expected and len(words) > 100
    assert "lukashenko" in words  # unstemmed, folded words


def test_words_within_a_distance_are_whooshs(snap):
    vocabulary = Vocabulary(read_words(snap.reader, "spell_body", lock=snap.lock))
    checked = found = 0
    for word in vocabulary.words[::7][:60]:
        if len(word) < 4:
            continue
        for wrong in misspellings(word):
            for maxdist in (1, 2):
                mine = vocabulary.within(wrong, maxdist, prefix=1)
                with snap.lock:
                    whoosh = sorted(set(snap.reader.terms_within("body", wrong, maxdist, prefix=1)))
                assert mine == whoosh, (wrong, maxdist)
                checked += 1
                found += bool(mine)
    assert checked > 100 and found > 50
    assert vocabulary.within("", 1, 1) == [] and Vocabulary([]).within("word", 2, 1) == []


def test_segments_are_read_once_and_merged_away_segments_forgotten(snap):
    cache: dict = {}
    first = read_words(snap.reader, "spell_body", cache, snap.lock)
    assert len(cache) == len(list(snap.reader.leaf_readers()))
    key = next(iter(cache))
    cache[key] = ["only", "these"]  # a kept segment is not read again
    assert read_words(snap.reader, "spell_body", cache, snap.lock) == ["only", "these"]
    cache[("gone", 1)] = ["old"]  # a segment no longer in the commit is dropped
    read_words(snap.reader, "spell_body", cache, snap.lock)
    assert ("gone", 1) not in cache and first


def test_two_segments_merge_into_one_sorted_list(build_index, tmp_path):
    lines = FIXTURE_CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(lines[:15]), encoding="utf-8")
    second.write_text("".join(lines[15:]), encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index([first], index_dir, stories=False)
    build_index([second], index_dir, stories=False)  # a second commit: a second segment
    snap = SearchIndex(index_dir, cache_size=0)._snapshot()
    leaves = list(snap.reader.leaf_readers())
    assert len(leaves) == 2
    words = read_words(snap.reader, "spell_body", lock=snap.lock)
    assert words == sorted(set(words))
    for sub, _ in leaves:  # under the reader's lock: the alias table loads from the same files meanwhile
        with snap.lock:
            lexicon = {sub.schema["spell_body"].from_bytes(b) for b in sub.lexicon("spell_body")}
        assert lexicon <= set(words)


def test_a_search_suggests_the_same_before_during_and_without_the_word_list(fixture_index_dir, tmp_path):
    wrongs = ["lukashenkko", "presidnet", "migrnats", "belaruss", "telephne"]
    index = SearchIndex(fixture_index_dir, cache_size=0)
    snap = index._snapshot()
    loaded = snap.vocabulary.get(None)
    assert loaded is not None and loaded.words
    with_list = [suggest_word(snap, w, 0) for w in wrongs]
    assert with_list.count(None) <= 1 and "lukashenko" in with_list

    # a word list that cannot be read (its reader is closed): Whoosh answers, the same words
    closed = snap.ix.reader()
    closed.close()
    snap.vocabulary = LazyVocabulary(closed, "spell_body", {}, snap.lock)
    assert snap.vocabulary.get(None) is None
    assert [suggest_word(snap, w, 0) for w in wrongs] == with_list

    # through the search itself, from a fresh index object (the list not read yet), then again
    copy = tmp_path / "copy"
    shutil.copytree(fixture_index_dir, copy)
    fresh = SearchIndex(copy, cache_size=0)
    first = fresh.search(parse_request({"q": ["presidnet lukashenkko"]})).did_you_mean
    fresh._snapshot().vocabulary.get(None)
    again = fresh.search(parse_request({"q": ["presidnet lukashenkko"]})).did_you_mean
    assert first == again and first and "lukashenko" in first.lower()
