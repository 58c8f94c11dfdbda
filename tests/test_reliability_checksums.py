"""Issue 13 meets issue 9: an index opens after checking its files' sizes; their checksums are compared in a
background thread, and damage found there turns every later read into a clean 503 naming the generation,
for good (never back to answers), in the web app and through the search API alike."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from test_reliability_index import URLS, segment, zero_block

import indexer.check as check
from app import create_app
from indexer import layout
from search import IndexUnreadable, SearchIndex, SearchRequest


@pytest.fixture()
def index_copy(fixture_index_dir, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(fixture_index_dir, index_dir)
    return index_dir


def wait_checked(client, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while (health := client.get("/healthz")).status_code == 200 and health.get_json()["checksums"] == "checking":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return health


def test_opening_an_index_reads_no_checksum_in_the_request(index_copy, monkeypatch):
    """The request that opens the index checks sizes only; every file's CRC is read on another thread."""
    threads = []
    real = check.file_crc

    def recording(path):
        threads.append(threading.current_thread().name)
        return real(path)

    monkeypatch.setattr(check, "file_crc", recording)
    client = create_app({"INDEX_DIR": str(index_copy)}).test_client()
    assert client.get("/api/search?q=Belarus").status_code == 200
    assert wait_checked(client).get_json()["checksums"] == "ok"
    generation = layout.current_generation(index_copy)
    assert threads and set(threads) == {f"checksums-{generation}"}, threads


def zero_at(path, fraction: float, size: int = 2048) -> None:
    data = bytearray(path.read_bytes())
    start = int(len(data) * fraction)
    data[start : start + size] = bytes(size)
    path.write_bytes(bytes(data))


def test_damage_found_after_opening_is_a_503_for_every_later_read(fixture_index_dir, tmp_path):
    """Bytes zeroed where opening and the first search do not read: that search answers, the checksums
    then find the damage, and from then on every read is a 503 naming the generation and the file."""
    generation = layout.current_generation(fixture_index_dir)
    for tenth in range(5, 100, 5):
        index_dir = tmp_path / f"index-{tenth}"
        shutil.copytree(fixture_index_dir, index_dir)
        zero_at(segment(index_dir), tenth / 100)  # same size: only the checksums can tell
        client = create_app({"INDEX_DIR": str(index_dir)}).test_client()
        if client.get("/api/search?q=Belarus").status_code == 200:  # the damage was not read yet
            break
        shutil.rmtree(index_dir)
    else:
        pytest.fail("every place zeroed was read by the first search")
    assert wait_checked(client).status_code == 503
    for _ in range(2):  # and it stays so: the generation is checked at open from now on
        for url in URLS:
            response = client.get(url)
            body = response.get_data(as_text=True)
            assert response.status_code == 503, (url, body[:300])
            assert generation in body and "does not match its checksum" in body and "--rebuild" in body
            assert "Traceback" not in body


def test_a_healthy_index_passes_the_background_check_and_answers(index_copy):
    index = SearchIndex(index_copy)
    before = index.search(SearchRequest(q="Belarus")).total
    assert index.health()["checksums"] in ("checking", "ok")
    index._snapshot().checked.wait(60)
    assert index.health()["checksums"] == "ok"
    assert index.search(SearchRequest(q="Belarus")).total == before > 0


def test_a_batch_meets_damage_found_mid_batch_as_one_clean_error(index_copy):
    """A pinned batch stops with the 503's message instead of answering from files known bad."""
    zero_block(segment(index_copy))
    index = SearchIndex(index_copy)
    with pytest.raises(IndexUnreadable, match="does not match its checksum"):
        with index.pinned():  # opens the index: sizes pass
            index._snapshot().checked.wait(60)
            index.summarise(SearchRequest(q="Belarus"))
