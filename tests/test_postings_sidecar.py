"""The postings sidecar (issue 13): every text field's postings of a segment, decoded once and kept beside the
index, give exactly what Whoosh's files give, term by term and search by search, and so do the hit cards
made with them (hit_cards.py), document by document; a damaged or foreign sidecar is decoded again, never
trusted; a new commit decodes only its new segment; a large segment is decoded in the background while
searches read Whoosh.

Real indexes built by the real indexer; "a later opening" is a new SearchIndex (as a restarted worker)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, FIXTURE_CORPUS, one_article, search_answers

from search import SearchIndex, parse_request
from search.whoosh import hit_cards, postings_sidecar, read_cache
from search.whoosh.codec import read_leaf_phrase_keys, read_leaf_postings

QUERIES = [
    {"q": ["Zelensky"]},
    {"q": ["Kyiv"], "sort": ["newest"]},
    {"q": ["talks OR sanctions"], "from": ["2021-01-01"]},
    {"q": ['"border guards"']},
    {"q": ["migra*"]},
    {"q": ["what did Lukashenko say about the migrants at the border"]},
    {"q": ["Lukashenco"]},
    {"q": ["title:Belarus -Poland"]},
]


def opened(alias_index: Path):
    engine = SearchIndex(alias_index)
    assert engine.warm_up()
    assert engine.wait_sidecars(60)
    return engine, engine._snapshot(block=True)


def sidecar_dirs(alias_index: Path) -> list[Path]:
    root = alias_index / read_cache.DIRNAME / read_cache.SEGMENTS_DIRNAME
    return sorted(root.iterdir()) if root.is_dir() else []


def answers(engine: SearchIndex) -> list[dict]:
    return search_answers(engine, QUERIES)


def without_sidecars(engine: SearchIndex) -> list[dict]:
    """The same searches with every posting and hit read through Whoosh (a fresh engine, sidecars detached)."""
    snap = engine._snapshot(block=True)
    snap.matcher.sidecars = [None] * len(snap.matcher.leaves)
    snap.sidecars.cards = [None] * len(snap.sidecars.cards)
    return answers(engine)


def test_every_term_has_the_postings_whoosh_reads(alias_index):
    _engine, snap = opened(alias_index)
    stores = snap.sidecars.stores
    assert stores and all(s is not None for s in stores)
    checked = 0
    for (sub, _offset), store in zip(snap.matcher.leaves, stores):
        # (a field without terms in the segment is kept, empty); the spelling fields for their words only
        assert store.fields == ["title", "body", "lead", "spell_title", "spell_body", "spell_lead"]
        assert store.word_fields == ["spell_title", "spell_body", "spell_lead"]
        for field in store.fields:
            whoosh_terms = list(sub.lexicon(field))
            lo, hi = store.bounds[store.fields.index(field)], store.bounds[store.fields.index(field) + 1]
            assert [store._terms[i] for i in range(lo, hi)] == whoosh_terms
            prefix = whoosh_terms[len(whoosh_terms) // 2][:3] if whoosh_terms else b"x"
            assert list(store.terms_from(field, prefix)) == list(sub.expand_prefix(field, prefix))
            assert store.has_terms(field) and store.covers(field) == (field not in store.word_fields)
            if field in store.word_fields:
                assert whoosh_terms or field == "spell_lead"  # (the sample has no lead paragraphs)
                continue
            assert store.has_positions(field)  # (title, body and lead keep positions)
            wanted = np.random.default_rng(len(whoosh_terms)).random(snap.reader.doc_count_all()) < 0.5
            for shift, term in enumerate(whoosh_terms):
                assert store.doc_frequency(field, term) == sub.doc_frequency(field, term)
                for mask in (wanted, ~wanted):  # the phrase keys (document, position - shift) Whoosh's positions give
                    keys = store.phrase_keys(field, term, mask, _offset, shift % 3)
                    want_keys = read_leaf_phrase_keys(sub.postings(field, term), mask, _offset, shift % 3)
                    assert keys.tolist() == sorted(want_keys), (field, term)
                ids, weights = store.postings(field, term)
                want_ids, want_weights = read_leaf_postings(sub.postings(field, term))
                assert np.array_equal(ids, want_ids) and np.array_equal(weights, want_weights), (field, term)
                checked += 1
            assert store.postings(field, b"zzzz-not-a-term") is None
            assert store.doc_frequency(field, b"zzzz-not-a-term") == 0
            assert store.postings(field, b"") is None
    assert checked > 1000
    for term in (b"zelenskyy", b"border", b"lukashenko", b"zzzz-not-a-term"):  # summed over the segments
        assert snap.matcher.doc_frequency("body", term) == snap.reader.doc_frequency("body", term)


def test_every_document_has_the_card_its_stored_fields_give(alias_index, monkeypatch):
    made = []
    for module in (postings_sidecar, hit_cards):
        monkeypatch.setattr(module, "derive", lambda *a, _derive=module.derive: made.append(_derive(*a)) or made[-1])
    _engine, snap = opened(alias_index)
    # made just now, then read back from its files: a process maps those (shared, for large arrays) rather
    # than keeping what it decoded
    store, cards = snap.sidecars.stores[0], snap.sidecars.cards[0]
    assert len(made) == 2 and store is not made[0] and cards is not made[1]
    assert np.array_equal(store.positions, made[0].positions) and np.array_equal(cards.blob, made[1].blob)
    assert snap.sidecars.cards and all(c is not None for c in snap.sidecars.cards)
    documents = 0
    for docnum in range(snap.reader.doc_count_all()):
        card, stored = snap.sidecars.card(docnum), snap.stored(docnum)
        assert card == hit_cards.hit_card(stored) and card["id"], docnum
        assert (card["id"], card["body"], card["url"]) == (
            stored["id"],
            stored.get("body") or "",
            stored.get("url") or "",
        )
        documents += 1
    assert documents > 40
    assert any(card["actors"] and card["dates"] for card in map(snap.sidecars.card, range(documents)))


def test_searches_give_the_same_answers_as_whoosh(alias_index):
    engine, _snap = opened(alias_index)
    with_sidecars = answers(engine)
    assert all(r["total"] > 0 for r in with_sidecars[:6])
    assert without_sidecars(SearchIndex(alias_index)) == with_sidecars


def test_a_later_opening_reads_the_sidecar_back(alias_index, monkeypatch):
    first, _ = opened(alias_index)
    [made] = sidecar_dirs(alias_index)
    assert (made / postings_sidecar.PART / "manifest.json").is_file()

    def no_decoding(*args):
        raise AssertionError("decoded again")

    monkeypatch.setattr(postings_sidecar, "derive", no_decoding)
    monkeypatch.setattr(hit_cards, "derive", no_decoding)
    second, snap = opened(alias_index)
    assert sidecar_dirs(alias_index) == [made]
    assert all(s is not None for s in snap.sidecars.stores) and all(c is not None for c in snap.sidecars.cards)
    assert answers(second) == answers(first)


@pytest.mark.parametrize("part_name", [postings_sidecar.PART, hit_cards.PART])
def test_a_damaged_sidecar_is_decoded_again(alias_index, caplog, part_name):
    first, _ = opened(alias_index)
    expected = answers(first)
    [made] = sidecar_dirs(alias_index)
    part = made / part_name
    manifest = json.loads((part / "manifest.json").read_text(encoding="utf-8"))
    biggest = max(manifest["files"], key=lambda name: (part / name).stat().st_size)
    data = bytearray((part / biggest).read_bytes())
    data[-1] ^= 0xFF
    (part / biggest).write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="crisis_desk.search"):
        second, snap = opened(alias_index)
    assert any("fails its checksum" in r.getMessage() for r in caplog.records)
    assert all(s is not None for s in snap.sidecars.stores) and all(c is not None for c in snap.sidecars.cards)
    assert answers(second) == expected
    third, snap = opened(alias_index)  # replaced on disk: read back without a warning
    assert answers(third) == expected


@pytest.mark.parametrize("part_name", [postings_sidecar.PART, hit_cards.PART])
def test_a_sidecar_that_does_not_fit_its_segment_is_refused(alias_index, caplog, part_name):
    opened(alias_index)
    [made] = sidecar_dirs(alias_index)
    cache = read_cache.ReadCache(made, prune=False)
    value = cache.load(part_name)
    assert value is not None
    value.docs += 1  # a value of another segment size: well-formed files, wrong contents
    cache.refuse(part_name)  # (so that save replaces the part on disk)
    assert cache.save(part_name, value)
    with caplog.at_level(logging.WARNING, logger="crisis_desk.search"):
        engine, snap = opened(alias_index)
    assert any(f"{part_name} sidecar of segment" in r.getMessage() for r in caplog.records)
    for store, cards, (sub, _offset) in zip(snap.sidecars.stores, snap.sidecars.cards, snap.matcher.leaves):
        assert store is not None and store.docs == sub.doc_count_all()
        assert cards is not None and cards.docs == sub.doc_count_all()
    assert answers(engine)[0]["total"] > 0


@pytest.mark.parametrize("damage", ["a position pointer goes back", "a document number past the segment"])
def test_a_sidecar_whose_arrays_do_not_hold_together_is_refused(alias_index, caplog, monkeypatch, damage):
    """Checksums pass (the files are what was saved), but the arrays would index the wrong postings."""
    monkeypatch.setattr(read_cache, "CHECK_CHUNK", 4)  # the checks read in chunks: the fault lies across one
    opened(alias_index)
    [made] = sidecar_dirs(alias_index)
    cache = read_cache.ReadCache(made, prune=False)
    value = cache.load(postings_sidecar.PART)
    assert value is not None and len(value.ids) > 10
    if damage == "a position pointer goes back":
        value.pos_ptr = value.pos_ptr.copy()
        rises = np.flatnonzero(np.diff(value.pos_ptr) > 0) + 1
        at = int(rises[(rises % 4 == 0) & (rises >= 4)][0])  # the first element of a chunk but the first
        value.pos_ptr[at] = value.pos_ptr[at - 1] - 1
    else:
        value.ids = value.ids.copy()
        value.ids[9] = value.docs
    cache.refuse(postings_sidecar.PART)
    assert cache.save(postings_sidecar.PART, value)
    with caplog.at_level(logging.WARNING, logger="crisis_desk.search"):
        engine, snap = opened(alias_index)
    assert any(f"{postings_sidecar.PART} sidecar of segment" in r.getMessage() for r in caplog.records)
    assert all(s is not None and s.well_formed(s.docs) for s in snap.sidecars.stores)
    assert answers(engine)[0]["total"] > 0


def resident_kb(path: Path) -> int:
    """This process's resident kB of its maps of ``path`` (Linux's /proc/self/smaps)."""
    total, current = 0, None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and not head[0].endswith(":"):
            current = head[-1] if len(head) >= 6 else None
        elif head and head[0] == "Rss:" and current == str(path):
            total += int(head[1])
    return total


def test_checking_a_sidecar_read_back_leaves_none_of_its_pages_in_the_process(alias_index, monkeypatch):
    """The checks read every posting's pointer and document number; on a large index that would keep
    hundreds of MB resident in every worker. The pages are released after the checks."""
    monkeypatch.setattr(read_cache, "MMAP_MIN_BYTES", 0)  # map every array, as on a large index
    opened(alias_index)
    _engine, snap = opened(alias_index)
    [store] = snap.sidecars.stores
    [made] = sidecar_dirs(alias_index)
    manifest = json.loads((made / postings_sidecar.PART / "manifest.json").read_text(encoding="utf-8"))
    files = [made / postings_sidecar.PART / name for name in manifest["files"] if name.endswith(".npy")]
    assert isinstance(store.ids.base, np.memmap) and isinstance(store.pos_ptr.base, np.memmap)
    mapped = {Path(a.base.filename) for a in (store.ids, store.pos_ptr)}
    assert mapped <= set(files)
    assert [resident_kb(f) for f in sorted(mapped)] == [0, 0]
    assert int(store.ids.sum()) > 0  # touched again: read back from the page cache
    assert resident_kb(Path(store.ids.base.filename)) > 0


def test_sidecars_are_decoded_in_the_background_and_read_back_at_once(alias_index, monkeypatch):
    engine = SearchIndex(alias_index)
    engine.warm_up()
    snap = engine._snapshot(block=True)
    assert snap.sidecars._thread is not None  # not decoded while the commit opened
    assert snap.sidecars.wait(60)
    assert all(s is not None for s in snap.sidecars.stores) and all(c is not None for c in snap.sidecars.cards)
    assert answers(engine) == without_sidecars(SearchIndex(alias_index))
    again = SearchIndex(alias_index)._snapshot(block=True)  # a small segment's sidecar: read while opening
    assert again.sidecars._thread is None and all(s is not None for s in again.sidecars.stores)
    assert all(c is not None for c in again.sidecars.cards)
    monkeypatch.setattr(postings_sidecar, "SYNC_LOAD_MAX_DOCS", 0)  # a large one's: in the background
    later = SearchIndex(alias_index)._snapshot(block=True)
    assert later.sidecars._thread is not None
    assert later.sidecars.wait(60) and all(s is not None for s in later.sidecars.stores)


def test_a_new_commit_decodes_only_its_new_segment(alias_index, build_index, tmp_path):
    opened(alias_index)
    [old] = sidecar_dirs(alias_index)
    extra = one_article(
        tmp_path, "sidecar-extra", "Volodymyr Zelenskyy met an envoy of Alexander Lukashenko in Warsaw about quokkas."
    )
    build_index([DATA / "aliases", FIXTURE_CORPUS, extra], alias_index)
    engine, snap = opened(alias_index)
    dirs = sidecar_dirs(alias_index)
    assert old in dirs and len(dirs) == len(snap.matcher.leaves) == 2
    hits = engine.search(parse_request({"q": ["quokkas"]})).hits
    assert [h.id for h in hits] == ["sidecar-extra"]


def test_sidecars_of_a_generation_that_is_gone_are_removed(alias_index):
    opened(alias_index)
    [made] = sidecar_dirs(alias_index)
    stale = made.parent / "gen-999999-MAIN_gone-0123456789abcdef"
    stale.mkdir()
    other_code = made.parent / (made.name.rsplit("-", 1)[0] + "-fedcba9876543210")
    other_code.mkdir()
    postings_sidecar.prune(alias_index, made)
    assert sidecar_dirs(alias_index) == [made]


def test_the_commit_cache_leaves_the_segment_sidecars_alone(alias_index, monkeypatch):
    first, _ = opened(alias_index)
    expected = answers(first)
    [made] = sidecar_dirs(alias_index)

    def no_decoding(*args):
        raise AssertionError("decoded again")

    # other read-side code changed (every commit part is derived again), not the sidecar's own: it is kept
    monkeypatch.setattr(read_cache, "code_version", lambda: "another-version")
    monkeypatch.setattr(postings_sidecar, "derive", no_decoding)
    monkeypatch.setattr(hit_cards, "derive", no_decoding)
    engine, snap = opened(alias_index)
    assert sidecar_dirs(alias_index) == [made]
    assert all(s is not None for s in snap.sidecars.stores) and all(c is not None for c in snap.sidecars.cards)
    assert answers(engine) == expected
    # its own code changed: made again under a new key, the other version removed
    monkeypatch.undo()
    monkeypatch.setattr(postings_sidecar, "_SOURCE", "another-source")
    engine, snap = opened(alias_index)
    [now] = sidecar_dirs(alias_index)
    assert now != made
    assert all(s is not None for s in snap.sidecars.stores)
    assert answers(engine) == expected


def test_an_unreadable_card_is_read_from_the_stored_fields(alias_index, caplog):
    _engine, snap = opened(alias_index)
    good = snap.sidecars.cards[0]
    assert good is not None
    records = [b"{not json"] + [bytes(good._view[good.ptr[d] : good.ptr[d + 1]]) for d in range(1, good.docs)]
    lengths = np.array([len(r) for r in records], dtype=np.int64)
    snap.sidecars.cards[0] = hit_cards.SegmentCards(
        good.segment,
        good.docs,
        np.frombuffer(b"".join(records), dtype=np.uint8).copy(),
        np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
    )
    with caplog.at_level(logging.WARNING, logger="crisis_desk.search"):
        assert snap.hit_card(0) == hit_cards.hit_card(snap.stored(0))
    assert any("hit card of document 0 unreadable" in r.getMessage() for r in caplog.records)
    assert snap.hit_card(1) == good.card(1)
