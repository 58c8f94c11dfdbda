"""An export reads no stored records (issue 9: 10,000 rows cost ~1.4 s of CPU decompressing bodies): the
indexer writes each segment's id, title, source and URL beside it, and an older generation without those
files still exports the same rows from its stored records. Real indexer, real index, real app."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

import search.whoosh.snapshot as snapshot
from app import create_app
from indexer import check, layout
from indexer.build import remove_articles
from search import SearchIndex, SearchRequest

HOSTILE = [
    {
        "id": "=cmd|' /C calc'!A0",
        "title": '=HYPERLINK("http://evil.example","Sanctions on Minsk")',
        "source": "+Reuters",
        "url": '=HYPERLINK("http://evil.example")',
        "date": "2022-03-01",
        "body": "Belarus and Russia held talks in Minsk on Tuesday about sanctions and gas prices.",
    },
    {
        "id": "@sum",
        "title": "-2+3 Lukashenko meets Putin",
        "source": "@source",
        "url": "-http://x.example",
        "date": "2022-03-02",
        "body": "Alexander Lukashenko met Vladimir Putin in Sochi to discuss gas and the border.",
    },
]


def segment_files(index_dir):
    gen_dir = index_dir / layout.current_generation(index_dir)
    return gen_dir, sorted(p.name for p in gen_dir.glob(f"{layout.EXPORT_ROWS_PREFIX}*"))


def export_csv(index_dir) -> list[list[str]]:
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    response = client.get("/export.csv?sort=oldest")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_a_build_writes_each_segments_export_rows_and_lists_them_in_the_manifest(fixture_index_dir):
    gen_dir, files = segment_files(fixture_index_dir)
    index = SearchIndex(fixture_index_dir)
    snap = index._snapshot()
    segments = [sub.segment().segment_id() for sub, _ in snap.reader.leaf_readers()]
    assert files == sorted(layout.export_rows_name(s) for s in segments)
    manifest = json.loads((gen_dir / check.MANIFEST_FILE).read_text(encoding="utf-8"))
    assert set(files) <= set(manifest["files"])
    for sub, offset in snap.reader.leaf_readers():
        data = json.loads((gen_dir / layout.export_rows_name(sub.segment().segment_id())).read_text("utf-8"))
        assert data["docs"] == sub.doc_count_all() == len(data["rows"])
        for local, row in enumerate(data["rows"]):
            stored = snap.stored(offset + local)
            assert row == [stored.get(c) or "" for c in layout.EXPORT_ROWS_COLUMNS]


def test_an_export_reads_no_stored_record(fixture_index_dir, monkeypatch):
    index = SearchIndex(fixture_index_dir)
    expected = {r.id: r for r in index.export(SearchRequest())}

    def refuse(self, docnum):
        raise AssertionError("the export read a stored record (body included)")

    monkeypatch.setattr(snapshot.Snapshot, "stored", refuse)
    monkeypatch.setattr(snapshot.Snapshot, "country_name", lambda self, vid: f"country {vid}")
    rows = list(SearchIndex(fixture_index_dir).export(SearchRequest()))
    assert len(rows) == len(expected) == 37
    for row in rows:
        assert (row.title, row.source, row.url, row.date) == (
            expected[row.id].title,
            expected[row.id].source,
            expected[row.id].url,
            expected[row.id].date,
        )


def test_an_older_generation_without_the_files_exports_the_same_rows(fixture_index_dir, tmp_path):
    new = export_csv(fixture_index_dir)
    old_dir = tmp_path / "old"
    shutil.copytree(fixture_index_dir, old_dir)
    gen_dir, files = segment_files(old_dir)
    assert files
    for name in files:
        (gen_dir / name).unlink()
    check.write_manifest(gen_dir)  # as a generation built before the files existed
    assert export_csv(old_dir) == new and len(new) == 1 + 37


def test_a_commit_that_deletes_keeps_the_rows_right_and_the_files_in_step(fixture_index_dir, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(fixture_index_dir, index_dir)
    before = export_csv(index_dir)
    gone = before[1][0]
    assert remove_articles(index_dir, [gone])[0] == [gone]
    after = export_csv(index_dir)
    assert after == [row for row in before if row[0] != gone]
    gen_dir, files = segment_files(index_dir)
    reader = SearchIndex(index_dir)._snapshot().reader
    assert files == sorted(layout.export_rows_name(sub.segment().segment_id()) for sub, _ in reader.leaf_readers())
    assert check.verify_files(gen_dir)


@pytest.fixture(scope="module")
def hostile_index(build_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-export")
    source = folder / "hostile.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in HOSTILE) + "\n", encoding="utf-8")
    index_dir = folder / "index"
    build_index([source], index_dir)
    return index_dir


def test_formulas_stay_neutralised_in_every_column_read_from_the_files(hostile_index):
    _, files = segment_files(hostile_index)
    assert files
    rows = export_csv(hostile_index)
    assert len(rows) == 1 + len(HOSTILE)
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert {row[0] for row in rows[1:]} == {"'" + a["id"] for a in HOSTILE}
