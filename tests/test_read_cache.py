"""The read cache (issue 13): what a commit's read side derives from every document is written once beside
the index and read back by every later opening, with the same answers; a damaged, foreign or stale part is
derived again from the index and rewritten, never trusted; a new commit gets its own and the old one goes.

Real indexes built by the real indexer; "a later opening" is a new SearchIndex, which shares no memory with
the one before (as a restarted or second worker process)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, FIXTURE_CORPUS, one_article, search_answers

from search import SearchIndex, parse_request
from search.facets import FacetTable
from search.whoosh import read_cache
from search.whoosh.facet_loader import load_facets

PARTS = {"facets", "aliases", "words"}
QUERIES = [
    {"q": ["Zelensky"]},  # widened to every spelling of the name (the alias table)
    {"q": ["Kyiv"], "sort": ["newest"]},
    {"q": ["Lukashenco"]},  # did-you-mean (the spelling words)
    {"q": [""], "country": ["UA"]},
    {"q": ["talks OR sanctions"], "from": ["2021-01-01"]},
]


def opened(alias_index: Path):
    """A new engine over ``alias_index``, warmed up (facets, alias table, spelling words), and its snapshot."""
    engine = SearchIndex(alias_index)
    assert engine.warm_up()
    snap = engine._snapshot(block=True)
    assert snap.vocabulary.get(None) is not None
    return engine, snap


def answers(engine: SearchIndex) -> list[dict]:
    return search_answers(engine, QUERIES)


def commits(alias_index: Path) -> list[Path]:
    root = alias_index / read_cache.DIRNAME
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name != read_cache.SEGMENTS_DIRNAME)


def same_table(a: FacetTable, b: FacetTable) -> None:
    """Assert two facet tables hold the same values, array by array."""

    def same(x, y, where):
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert np.array_equal(np.asarray(x), np.asarray(y)), where
            assert np.asarray(x).dtype == np.asarray(y).dtype, where
        elif hasattr(x, "__dataclass_fields__"):
            assert type(x) is type(y), where
            for name in x.__dataclass_fields__:
                if not name.startswith("_"):
                    same(getattr(x, name), getattr(y, name), f"{where}.{name}")
        elif isinstance(x, dict):
            assert x.keys() == y.keys(), where
            for k in x:
                same(x[k], y[k], f"{where}[{k!r}]")
        elif isinstance(x, (list, tuple)):
            assert type(x) is type(y) and len(x) == len(y), where
            for i, (u, v) in enumerate(zip(x, y, strict=True)):
                same(u, v, f"{where}[{i}]")
        else:
            assert x == y, where

    same(a, b, "table")


def test_a_second_opening_reads_every_part_back_and_answers_the_same(alias_index):
    first, snap = opened(alias_index)
    assert snap.read_cache.loaded == set()  # a fresh build: everything derived, then written
    expected = answers(first)
    assert expected[0]["total"] > 0 and expected[2]["did_you_mean"] == "Lukashenko"
    [commit] = commits(alias_index)
    assert {p.name for p in commit.iterdir() if not p.name.startswith(".")} == PARTS  # (and lock files)

    second, snap2 = opened(alias_index)
    assert snap2.read_cache.loaded == PARTS
    assert answers(second) == expected
    with snap2.lock:
        derived = load_facets(snap2.reader)
    same_table(snap2.table, derived)
    assert snap2.aliases.get(None) == snap.aliases.get(None)
    assert snap2.vocabulary.get(None).words == snap.vocabulary.get(None).words


def test_cached_arrays_are_not_writable_in_place_by_accident(alias_index, monkeypatch):
    monkeypatch.setattr(read_cache, "MMAP_MIN_BYTES", 0)  # map every array, as on a large index
    opened(alias_index)
    _engine, snap = opened(alias_index)
    column = snap.table.columns["actor"]
    assert isinstance(column.post_doc.base, np.memmap)  # a view of the file's map
    before = column.post_doc.copy()
    column.post_doc[0] += 1  # copy-on-write: this process's copy changes, the file does not
    _engine, snap3 = opened(alias_index)
    assert np.array_equal(snap3.table.columns["actor"].post_doc, before)


@pytest.mark.parametrize("damage", ["flip a byte of an array", "truncate the value", "garble the manifest"])
def test_a_damaged_part_is_derived_again_and_rewritten(alias_index, damage, caplog):
    first, _snap = opened(alias_index)
    expected = answers(first)
    [commit] = commits(alias_index)
    facets = commit / "facets"
    if damage == "flip a byte of an array":
        target = max(facets.glob("*.npy"), key=lambda p: p.stat().st_size)
        data = bytearray(target.read_bytes())
        data[-1] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "truncate the value":
        value = facets / "value.json"
        value.write_bytes(value.read_bytes()[:100])
    else:
        (facets / "manifest.json").write_text("{not json", encoding="utf-8")

    second, snap = opened(alias_index)
    assert "facets" not in snap.read_cache.loaded and {"aliases", "words"} <= snap.read_cache.loaded
    assert answers(second) == expected
    assert any("read cache" in r.getMessage() and "facets" in r.getMessage() for r in caplog.records)
    _third, snap3 = opened(alias_index)  # rewritten whole by the second opening
    assert snap3.read_cache.loaded == PARTS


def test_a_part_of_another_format_is_not_used(alias_index):
    opened(alias_index)
    [commit] = commits(alias_index)
    manifest = commit / "aliases" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "format": read_cache.FORMAT + 1}), encoding="utf-8")
    _engine, snap = opened(alias_index)
    assert snap.read_cache.loaded == PARTS - {"aliases"}
    assert snap.aliases.get(None).names  # derived from the index again


def test_a_new_commit_gets_its_own_cache_and_the_old_one_is_removed(alias_index, build_index, tmp_path):
    first, _snap = opened(alias_index)
    [old] = commits(alias_index)
    extra = one_article(
        tmp_path, "read-cache-extra", "Volodymyr Zelenskyy met an envoy of Alexander Lukashenko in Warsaw on Monday."
    )
    build_index([DATA / "aliases", FIXTURE_CORPUS, extra], alias_index)
    second, snap = opened(alias_index)
    assert snap.read_cache.loaded == set()
    [new] = commits(alias_index)
    assert new != old
    result = second.search(parse_request({"q": ["Zelenskiy"], "per_page": ["50"]}))
    assert "read-cache-extra" in {h.id for h in result.hits}  # the new article, and its spelling widened


def test_an_unwritable_cache_costs_nothing_but_the_cache(alias_index):
    (alias_index / read_cache.DIRNAME).write_text("not a directory", encoding="utf-8")
    first, snap = opened(alias_index)
    assert snap.read_cache.loaded == set()
    assert answers(first)[0]["total"] > 0


def test_a_change_to_the_code_that_derives_the_parts_makes_new_ones(alias_index, monkeypatch):
    opened(alias_index)
    [before] = commits(alias_index)
    monkeypatch.setattr(read_cache, "code_version", lambda: "another-version")
    _engine, snap = opened(alias_index)
    assert snap.read_cache.loaded == set()  # nothing written by the other code is used
    [after] = commits(alias_index)  # the other version's parts are removed, not left behind
    assert after != before and after.name.rsplit("-", 1)[0] == before.name.rsplit("-", 1)[0]


def test_one_process_makes_a_part_while_another_waits_and_reads_it(alias_index):
    """The second gunicorn worker, opening the same new commit, waits for the first one's facets and reads
    them back instead of deriving them again (the lock is an flock, held here as another process would)."""
    import fcntl
    import threading

    first, snap = opened(alias_index)
    expected = answers(first)
    [commit] = commits(alias_index)
    shutil.rmtree(commit / "facets")  # as if a new commit: nobody has written its facets yet
    lock = open(commit / ".facets.lock", "a+b")
    fcntl.flock(lock, fcntl.LOCK_EX)  # "another process" is making them
    result = {}
    waiting = threading.Thread(target=lambda: result.setdefault("snap", opened(alias_index)[1]))
    waiting.start()
    waiting.join(1.0)
    assert waiting.is_alive()  # it waits rather than deriving them a second time
    snap.read_cache.save("facets", snap.table)  # the other process writes its part...
    fcntl.flock(lock, fcntl.LOCK_UN)  # ...and is done
    lock.close()
    waiting.join(30)
    assert not waiting.is_alive()
    assert "facets" in result["snap"].read_cache.loaded  # read back, not derived
    assert answers(SearchIndex(alias_index)) == expected


def test_a_stuck_maker_is_not_waited_for_forever(alias_index, monkeypatch):
    import fcntl

    opened(alias_index)
    [commit] = commits(alias_index)
    shutil.rmtree(commit / "words")
    monkeypatch.setattr(read_cache, "CLAIM_WAIT_SECONDS", 0.3)
    with open(commit / ".words.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held and never released while the engine opens
        _engine, snap = opened(alias_index)
        assert snap.vocabulary.get(None).words  # derived here after the wait
        assert "words" not in snap.read_cache.loaded


def test_an_index_with_no_articles_opens_without_a_cache(build_index, tmp_path):
    """An empty file builds a generation with no segment: nothing to cache, and it must still open."""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    alias_index = tmp_path / "index"
    build_index([empty], alias_index)
    engine = SearchIndex(alias_index)
    assert engine.warm_up()
    assert engine.search(parse_request({"q": ["Kyiv"]})).total == 0
    assert engine._snapshot(block=True).read_cache.dir is None
    assert not (alias_index / read_cache.DIRNAME).exists()
