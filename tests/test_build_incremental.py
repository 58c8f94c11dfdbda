"""Incremental builds from the catalogue (issue 13): a run with nothing to do reads no stored document and
no unchanged source file; changed, added and removed articles are still found; first-indexed times are
kept; a generation without a catalogue (or with a stale one) still works; a rebuild of an unchanged corpus
serves the same documents."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_CORPUS
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3

import indexer.build as build_module
from indexer import catalogue, check, layout
from indexer.build import read_indexed_times, remove_articles

FIXTURE_ARTICLES = sum(1 for line in FIXTURE_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.fixture()
def reads(monkeypatch):
    """Count stored-document reads (Whoosh's per-document stored fields) and source files read."""
    counts = {"stored": 0, "files": []}
    one, every = whoosh3.W3PerDocReader.stored_fields, whoosh3.W3PerDocReader.all_stored_fields

    def stored_fields(self, docnum):
        counts["stored"] += 1
        return one(self, docnum)

    def all_stored_fields(self):
        for fields in every(self):
            counts["stored"] += 1
            yield fields

    real_read = build_module.read_articles

    def read_articles(paths, **options):
        counts["files"].extend(str(p) for p in paths)
        return real_read(paths, **options)

    monkeypatch.setattr(whoosh3.W3PerDocReader, "stored_fields", stored_fields)
    monkeypatch.setattr(whoosh3.W3PerDocReader, "all_stored_fields", all_stored_fields)
    monkeypatch.setattr(build_module, "read_articles", read_articles)
    return counts


@pytest.fixture()
def settle_now(monkeypatch):
    """Files written by the test count as settled at once (instead of after SETTLE_SECONDS)."""
    monkeypatch.setattr(catalogue, "SETTLE_SECONDS", -1.0)


def stored(index_dir: Path) -> dict[str, dict]:
    ix = whoosh_index.open_dir(str(layout.current_generation_dir(index_dir)))
    with ix.searcher() as searcher:
        return {fields["id"]: fields for fields in searcher.all_stored_fields()}


def times(index_dir: Path, ids) -> dict[str, float]:
    return read_indexed_times(layout.current_generation_dir(index_dir), list(ids))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def row(doc_id: str, text: str, date: str = "2021-11-10") -> dict:
    return {"id": doc_id, "title": f"Report {doc_id}", "date": date, "text": text}


A_ROWS = [
    row("a1", "Polish Prime Minister Mateusz Morawiecki visited the border with Belarus."),
    row("a2", "Lithuania declared a state of emergency on its border with Belarus."),
]
B_ROWS = [
    row("b1", "Angela Merkel spoke to Alexander Lukashenko by telephone about the migrants."),
    row("b2", "Vladimir Putin said Russia had nothing to do with the crisis on the Polish border."),
]


def test_a_run_with_nothing_to_do_reads_no_stored_document_and_no_source(
    build_index, fixture_index_dir, tmp_path, reads
):
    index_dir = tmp_path / "index"
    shutil.copytree(fixture_index_dir, index_dir)
    before = stored(index_dir)
    reads["stored"] = 0
    summary = build_index([FIXTURE_CORPUS], index_dir)
    assert (summary.added, summary.updated, summary.removed) == (0, 0, 0)
    assert summary.unchanged == summary.read == FIXTURE_ARTICLES
    assert reads == {"stored": 0, "files": []}
    assert summary.generation == layout.current_generation(index_dir)
    assert stored(index_dir) == before


def test_changed_added_and_removed_articles_are_found_and_first_indexed_times_kept(
    build_index, tmp_path, reads, settle_now
):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", A_ROWS)
    write_jsonl(corpus / "b.jsonl", B_ROWS)
    first = build_index([corpus], index_dir)
    assert first.added == 4
    stamped = times(index_dir, ["a1", "a2", "b1", "b2"])
    assert set(stamped) == {"a1", "a2", "b1", "b2"}

    changed = row("a1", "Polish Prime Minister Mateusz Morawiecki visited the border with Belarus and Lithuania.")
    write_jsonl(corpus / "a.jsonl", [changed, row("a3", "Emmanuel Macron called Vladimir Putin about Ukraine.")])
    reads["files"].clear()
    reads["stored"] = 0
    second = build_index([corpus], index_dir, prune=True)
    assert (second.added, second.updated, second.unchanged, second.removed) == (1, 1, 2, 1)
    assert reads["files"] == [str((corpus / "a.jsonl").resolve())]  # b.jsonl is unchanged: not read again
    # none of the documents already indexed: only the two this commit wrote, whose id, title, source and
    # URL go into their segment's export rows (indexer/export_rows.py)
    assert reads["stored"] == 2
    docs = stored(index_dir)
    assert set(docs) == {"a1", "a3", "b1", "b2"}
    assert "Lithuania" in docs["a1"]["body"]
    now = times(index_dir, docs)
    assert {k: now[k] for k in ("a1", "b1", "b2")} == {k: stamped[k] for k in ("a1", "b1", "b2")}
    assert now["a3"] >= second.started - 1

    reads["files"].clear()
    reads["stored"] = 0
    third = build_index([corpus], index_dir, prune=True)
    assert (third.added, third.updated, third.unchanged, third.removed) == (0, 0, 4, 0)
    assert reads == {"stored": 0, "files": []}


def test_a_touched_file_is_read_again_and_a_freshly_written_one_is_never_trusted(
    build_index, tmp_path, reads, monkeypatch
):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", A_ROWS)
    name = str((corpus / "a.jsonl").resolve())
    # modified shortly before it was read: its times could still change within one clock tick, so it is
    # read every time
    monkeypatch.setattr(catalogue, "SETTLE_SECONDS", 3600.0)
    build_index([corpus], index_dir)
    reads["files"].clear()
    build_index([corpus], index_dir)
    assert reads["files"] == [name]
    monkeypatch.setattr(catalogue, "SETTLE_SECONDS", -1.0)
    build_index([corpus], index_dir)
    reads["files"].clear()
    build_index([corpus], index_dir)
    assert reads["files"] == []
    old = (corpus / "a.jsonl").stat().st_mtime - 3600
    os.utime(corpus / "a.jsonl", (old, old))  # a changed stat: read again, nothing to write
    summary = build_index([corpus], index_dir)
    assert reads["files"] == [name]
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 2)


def test_a_generation_without_a_catalogue_or_with_a_stale_one_still_builds_right(
    build_index, tmp_path, reads, settle_now
):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", A_ROWS + B_ROWS)
    build_index([corpus], index_dir)
    generation = layout.current_generation(index_dir)
    stamped = times(index_dir, ["a1", "a2", "b1", "b2"])
    # as written by a Crisis Desk before catalogues: the stored documents say what is there
    layout.catalogue_path(index_dir, generation).unlink()
    reads["stored"] = 0
    summary = build_index([corpus], index_dir)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 4)
    assert reads["stored"] == 4
    assert layout.catalogue_path(index_dir, generation).exists()  # written again for the next run
    # `remove` commits without a catalogue: the one there describes an older commit and is not trusted
    assert remove_articles(index_dir, ["b2"]) == (["b2"], [])
    reads["stored"] = 0
    summary = build_index([corpus], index_dir)
    assert (summary.added, summary.unchanged) == (1, 3)
    assert reads["stored"] > 0
    assert set(stored(index_dir)) == {"a1", "a2", "b1", "b2"}
    now = times(index_dir, ["a1", "a2", "b1", "b2"])
    assert {k: now[k] for k in ("a1", "a2", "b1")} == {k: stamped[k] for k in ("a1", "a2", "b1")}
    # a garbled catalogue is ignored too
    layout.catalogue_path(index_dir, generation).write_text("{not json", encoding="utf-8")
    summary = build_index([corpus], index_dir)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 4)


def test_warnings_and_duplicate_ids_are_reported_on_every_run(build_index, tmp_path, reads, settle_now):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(json.dumps(A_ROWS[0]) + "\n", encoding="utf-8")
    write_jsonl(corpus / "b.jsonl", [B_ROWS[0], dict(A_ROWS[0], text="A copy of a1 with another text.")])
    (corpus / "c.jsonl").write_text(json.dumps(B_ROWS[1]) + "\n{broken\n", encoding="utf-8")
    for run in range(2):
        problems = []
        reads["files"].clear()
        summary = build_index(
            [corpus], index_dir, on_problem=lambda loc, reason, seen=problems: seen.append((loc, reason))
        )
        assert sum("malformed JSON" in reason for _, reason in problems) == 1
        assert [loc for loc, _ in problems if "malformed JSON" in _] == [f"{(corpus / 'c.jsonl').resolve()}:2"]
        assert any("duplicate id 'a1'" in reason for _, reason in problems)
        assert summary.indexed == 3
        # a and b share an id, so both are read every time; c only once, its warning is given again
        assert reads["files"] == [
            str((corpus / name).resolve())
            for name in (("a.jsonl", "b.jsonl", "c.jsonl") if run == 0 else ("a.jsonl", "b.jsonl"))
        ]
    assert stored(index_dir)["a1"]["body"] == "A copy of a1 with another text."


def test_a_rebuild_of_an_unchanged_corpus_serves_the_same_documents_and_times(build_index, tmp_path, settle_now):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", A_ROWS + B_ROWS)
    build_index([corpus], index_dir)
    before, stamped = stored(index_dir), times(index_dir, ["a1", "a2", "b1", "b2"])
    summary = build_index([corpus], index_dir, rebuild=True)
    assert summary.added == 4 and summary.ner_runs == 0 and summary.generation == "gen-000002"
    assert layout.current_generation(index_dir) == "gen-000002"
    assert stored(index_dir) == before and times(index_dir, stamped) == stamped
    assert check.verify_files(index_dir / "gen-000002")
    # an incremental change after it, then a rebuild: every document written again, still the same times
    write_jsonl(corpus / "a.jsonl", A_ROWS + B_ROWS + [row("c1", "Josep Borrell met Jens Stoltenberg.")])
    build_index([corpus], index_dir)
    rebuilt = build_index([corpus], index_dir, rebuild=True)
    assert rebuilt.added == 5 and rebuilt.normalised == 0
    assert times(index_dir, stamped) == stamped
    assert set(stored(index_dir)) == {"a1", "a2", "b1", "b2", "c1"}


def test_a_rebuild_never_reuses_a_damaged_generation(build_index, tmp_path, settle_now):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write_jsonl(corpus / "a.jsonl", A_ROWS + B_ROWS)
    build_index([corpus], index_dir)
    generation = layout.current_generation_dir(index_dir)
    segment = max(generation.glob("*.seg"), key=lambda p: p.stat().st_size)
    data = bytearray(segment.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 512] = bytes(512)
    segment.write_bytes(bytes(data))
    build_index([corpus], index_dir, rebuild=True)
    fresh = layout.current_generation_dir(index_dir)
    assert fresh != generation and check.verify_files(fresh)
    assert check.check_index(index_dir)["articles"] == 4
    assert set(stored(index_dir)) == {"a1", "a2", "b1", "b2"}


def test_a_new_generation_written_by_two_processes_holds_the_same_documents(
    build_index, fixture_index_dir, tmp_path, monkeypatch
):
    from whoosh.writing import SegmentWriter

    monkeypatch.setattr(build_module, "PARALLEL_WRITE_MIN", 10)
    steps = []  # this process's (the parent's) steps; the forked helper appends to its own copy
    finalize, result = SegmentWriter._finalize_segment, build_module.SegmentHelper.result
    monkeypatch.setattr(SegmentWriter, "_finalize_segment", lambda w: steps.append("flush") or finalize(w))
    monkeypatch.setattr(build_module.SegmentHelper, "result", lambda h: steps.append("wait") or result(h))
    index_dir = tmp_path / "index"
    summary = build_index([FIXTURE_CORPUS], index_dir, n_process=2)
    assert summary.added == FIXTURE_ARTICLES
    assert steps == ["flush", "wait"]  # the parent sorts and writes its postings while the helper does its own
    ix = whoosh_index.open_dir(str(layout.current_generation_dir(index_dir)))
    assert len(ix._segments()) == 2  # one segment from each process, committed together
    assert check.verify_files(layout.current_generation_dir(index_dir))

    def comparable(docs):
        return {doc_id: {k: v for k, v in fields.items() if k != "path"} for doc_id, fields in docs.items()}

    assert comparable(stored(index_dir)) == comparable(stored(fixture_index_dir))
    with ix.searcher() as searcher:
        ids = [searcher.stored_fields(n)["id"] for n in range(searcher.doc_count_all())]
    assert ids == [
        json.loads(line)["id"] for line in FIXTURE_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


# Where the rules ran: each forked worker leaves a file named by its process id (module level, so the pool
# can send it to the workers by name).
_MARKS: list[Path] = []


def _normalise_chunk_marked(chunk):
    (_MARKS[0] / str(os.getpid())).touch()
    return _REAL_NORMALISE_CHUNK(chunk)


_REAL_NORMALISE_CHUNK = build_module._normalise_chunk


def test_with_every_ner_span_cached_the_rules_run_in_two_processes_and_give_the_same_documents(
    build_index, fixture_index_dir, tmp_path, monkeypatch
):
    monkeypatch.setattr(build_module, "PARALLEL_NORMALISE_MIN", 10)
    monkeypatch.setattr(build_module, "NORMALISE_CHUNK", 4)
    monkeypatch.setattr(build_module, "_normalise_chunk", _normalise_chunk_marked)
    marks = tmp_path / "marks"
    marks.mkdir()
    _MARKS[:] = [marks]
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    # the NER spans of the fixture's texts, not their normalised entities: every article goes through the rules
    shutil.copy(fixture_index_dir / layout.CACHE_FILE, index_dir / layout.CACHE_FILE)
    summary = build_index([FIXTURE_CORPUS], index_dir, n_process=2)
    assert (summary.ner_runs, summary.normalised, summary.added) == (0, FIXTURE_ARTICLES, FIXTURE_ARTICLES)
    workers = {int(p.name) for p in marks.iterdir()}
    assert workers and os.getpid() not in workers  # the rules ran in forked processes, not here

    def comparable(docs):
        return {doc_id: {k: v for k, v in fields.items() if k != "path"} for doc_id, fields in docs.items()}

    assert comparable(stored(index_dir)) == comparable(stored(fixture_index_dir))
