"""The saved-search store: a real SQLite file beside the index, safe under concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading

import pytest

from search.saved import MAX_NAME_CHARS, SAVED_FILE, SavedSearchError, SavedSearches, SavedSearchInvalid, clean_params


def test_create_list_get_delete(tmp_path):
    store = SavedSearches(tmp_path)
    saved = store.create("  Belarus   border ", {"q": "border", "country": ["BY", "-RU"], "page": "3", "junk": "x"})
    assert saved.name == "Belarus border"
    assert saved.params == {"q": ["border"], "country": ["BY", "-RU"]}  # page and unknown keys dropped
    assert (tmp_path / SAVED_FILE).exists()
    assert store.get(saved.id) == saved
    assert [s.id for s in store.all()] == [saved.id]
    assert store.delete(saved.id) is True
    assert store.delete(saved.id) is False
    assert store.get(saved.id) is None and store.all() == []


def test_ids_are_unguessable_and_unique(tmp_path):
    store = SavedSearches(tmp_path)
    ids = {store.create(f"s{i}", {"q": "x"}).id for i in range(50)}
    assert len(ids) == 50 and all(len(i) >= 12 for i in ids)


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("", {"q": "x"}, "give the saved search a name"),
        ("   ", {"q": "x"}, "give the saved search a name"),
        ("x" * (MAX_NAME_CHARS + 1), {"q": "x"}, "longer than"),
        (42, {"q": "x"}, "must be text"),
        ("ok", ["q", "x"], "object of URL parameters"),
        ("ok", {"q": {"nested": 1}}, "must be text"),
        ("ok", {"q": ["x"] * 101}, "too many values"),
        ("ok", {"q": "y" * 2001}, "longer than"),
    ],
)
def test_bad_names_and_params_say_why(tmp_path, name, params, message):
    with pytest.raises(SavedSearchInvalid, match=message):
        SavedSearches(tmp_path).create(name, params)
    assert SavedSearches(tmp_path).all() == []


def test_control_characters_are_dropped_from_names():
    from search.saved import clean_name

    assert clean_name("Bela\x00rus\x1b border") == "Belarus border"


def test_mark_opened_moves_last_opened(tmp_path):
    store = SavedSearches(tmp_path)
    saved = store.create("a", {"q": "x"}, now=1000.0)
    assert saved.last_opened.timestamp() == 1000.0
    store.mark_opened(saved.id, now=2000.0)
    assert store.get(saved.id).last_opened.timestamp() == 2000.0


def test_a_missing_store_reads_as_empty_and_unknown_ids_are_none(tmp_path):
    store = SavedSearches(tmp_path / "nowhere")
    assert store.all() == [] and store.get("abc") is None and store.get("") is None
    assert not (tmp_path / "nowhere" / SAVED_FILE).exists()


def test_a_damaged_file_is_one_clear_error(tmp_path):
    (tmp_path / SAVED_FILE).write_bytes(b"this is not a database" * 100)
    with pytest.raises(SavedSearchError, match="cannot be"):
        SavedSearches(tmp_path).all()


def _writer(path, n, tag):
    store = SavedSearches(path)
    for i in range(n):
        store.create(f"{tag}-{i}", {"q": f"{tag} {i}"})


def test_concurrent_writers_lose_nothing(tmp_path):
    threads = [threading.Thread(target=_writer, args=(tmp_path, 20, f"t{k}")) for k in range(4)]
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(tmp_path, 20, f"p{k}")) for k in range(2)]
    for worker in procs + threads:  # fork before any thread runs: a forked thread-holding lock deadlocks
        worker.start()
    for worker in threads + procs:
        worker.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs)
    names = {s.name for s in SavedSearches(tmp_path).all()}
    assert len(names) == 6 * 20
    with sqlite3.connect(tmp_path / SAVED_FILE) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_clean_params_keeps_numbers_as_text():
    assert clean_params({"from": 2021, "q": ["", "a"]}) == {"from": ["2021"], "q": ["a"]}
