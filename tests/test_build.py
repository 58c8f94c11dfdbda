"""The index writer: seed facets, formats, incremental updates, prune, rebuild, cache, lock."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import DATA, SEEDS
from whoosh import index as whoosh_index
from whoosh.query import Term

from indexer import layout
from indexer.build import BuildLocked, index_status, remove_articles, writer_lock


def stored_docs(index_dir: Path) -> dict[str, dict]:
    """id -> stored fields of every article in the served generation."""
    ix = whoosh_index.open_dir(str(layout.current_generation_dir(index_dir)))
    with ix.searcher() as searcher:
        return {fields["id"]: fields for fields in searcher.all_stored_fields()}


def entities_of(fields: dict) -> dict:
    return json.loads(fields["entities"])


def copy_seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


def test_seed_facets_read_as_the_issue_asks(seed_index_dir):
    docs = stored_docs(seed_index_dir)
    assert len(docs) == 2
    actors, countries = set(), set()
    for fields in docs.values():
        ents = entities_of(fields)
        actors |= {a["name"] for a in ents["actors"]}
        countries |= {c["name"] for c in ents["countries"]}
    assert {"Vladimir Putin", "Charles Michel", "Alexander Lukashenko", "Angela Merkel", "Dmitry Peskov"} <= actors
    assert not actors & {"Putin", "Twitter", "Belarus", "Lukashenko", "Merkel", "Michel"}
    assert {
        "Russia",
        "Belarus",
        "Ukraine",
        "Poland",
        "Lithuania",
        "Latvia",
        "Armenia",
        "Azerbaijan",
        "Germany",
    } <= countries


def test_seed_documents_are_searchable_by_facet_fields(seed_index_dir):
    ix = whoosh_index.open_dir(str(layout.current_generation_dir(seed_index_dir)))
    with ix.searcher() as searcher:
        assert searcher.search(Term("actor", "vladimir putin")).scored_length() == 2
        assert searcher.search(Term("country", "by")).scored_length() == 2
        assert searcher.search(Term("country", "am")).scored_length() == 1
        assert searcher.search(Term("source", "tass")).scored_length() == 1
        assert searcher.search(Term("ym", "2021-11")).scored_length() == 2
        tass = searcher.document(id="003_0e92e75e7bff483c")
    mention = entities_of(tass)["mentions"][0]
    start, end, kind, value = mention
    assert kind in {"actor", "country", "org"} and tass["body"][start:end].strip()


def test_all_three_formats_index_together(build_index, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(SEEDS / "000_04ea6c0700b9ba97.txt", folder)
    (folder / "wire.jsonl").write_text(
        json.dumps(
            {
                "id": "j1",
                "title": "Poland seals border",
                "date": "2021-11-09",
                "text": "Polish Prime Minister Mateusz Morawiecki said Warsaw would defend the border with Belarus.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    (folder / "press.csv").write_text(
        "headline,date,body,link\n"
        '"Call with Emmanuel Macron",2021-11-18T10:00:00Z,"Vladimir Putin had a telephone conversation with '
        'President of France Emmanuel Macron about the migrants on the Belarus border.",http://en.kremlin.ru/1\n',
        encoding="utf-8",
    )
    summary = build_index([folder], tmp_path / "index")
    assert (summary.added, summary.skipped) == (3, [])
    docs = stored_docs(tmp_path / "index")
    assert docs["j1"]["title"] == "Poland seals border"
    csv_doc = next(d for d in docs.values() if d["url"] == "http://en.kremlin.ru/1")
    assert csv_doc["source"] == "en.kremlin.ru"
    assert "FR" in {c["code"] for c in entities_of(csv_doc)["countries"]}


def test_changing_one_file_updates_one_article_and_runs_ner_once(build_index, tmp_path):
    folder = copy_seeds(tmp_path)
    index_dir = tmp_path / "index"
    first = build_index([folder], index_dir)
    assert (first.added, first.ner_runs) == (2, 2)
    again = build_index([folder], index_dir)
    assert (again.added, again.updated, again.unchanged, again.ner_runs) == (0, 0, 2, 0)
    seed = folder / "003_0e92e75e7bff483c.txt"
    seed.write_text(
        seed.read_text(encoding="utf-8") + "\n\nLithuania's President Gitanas Nauseda agreed.", encoding="utf-8"
    )
    changed = build_index([folder], index_dir)
    assert (changed.added, changed.updated, changed.unchanged, changed.ner_runs) == (0, 1, 1, 1)
    docs = stored_docs(index_dir)
    assert len(docs) == 2 and "Nauseda" in docs["003_0e92e75e7bff483c"]["body"]
    assert layout.current_generation(index_dir) == "gen-000001"  # updated in place


def test_rebuild_of_unchanged_corpus_hits_the_ner_cache(build_index, tmp_path):
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    rebuilt = build_index([SEEDS], index_dir, rebuild=True)
    assert (rebuilt.added, rebuilt.ner_runs) == (2, 0)
    assert layout.current_generation(index_dir) == "gen-000002"


def test_prune_removes_articles_whose_source_is_gone(build_index, tmp_path):
    folder = copy_seeds(tmp_path)
    index_dir = tmp_path / "index"
    build_index([folder], index_dir)
    (folder / "000_04ea6c0700b9ba97.txt").unlink()
    kept = build_index([folder], index_dir)
    assert kept.removed == 0 and len(stored_docs(index_dir)) == 2  # without --prune nothing is removed
    pruned = build_index([folder], index_dir, prune=True)
    assert pruned.removed == 1
    assert set(stored_docs(index_dir)) == {"003_0e92e75e7bff483c"}


def test_rebuild_switches_generations_while_a_reader_keeps_the_old_one(build_index, tmp_path):
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    old = whoosh_index.open_dir(str(layout.current_generation_dir(index_dir)))
    reader = old.searcher()
    try:
        extra = tmp_path / "extra.jsonl"
        extra.write_text(
            json.dumps(
                {
                    "id": "x",
                    "title": "Lithuania declares emergency",
                    "date": "2021-11-09",
                    "text": "Lithuania declared a state of emergency on its border with Belarus.",
                }
            )
            + "\n",
            encoding="utf-8",
        )
        build_index([SEEDS, extra], index_dir, rebuild=True)
        # The old searcher still answers from the old generation ...
        assert reader.doc_count() == 2
        assert reader.search(Term("country", "by")).scored_length() == 2
        # ... while the served generation has the new article.
        assert layout.current_generation(index_dir) == "gen-000002"
        assert set(stored_docs(index_dir)) == {"000_04ea6c0700b9ba97", "003_0e92e75e7bff483c", "x"}
    finally:
        reader.close()
    build_index([SEEDS], index_dir, rebuild=True)
    build_index([SEEDS], index_dir, rebuild=True)
    gens = sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-"))
    assert gens == ["gen-000003", "gen-000004"]  # the served one and the one before it


def test_writer_lock_refuses_a_second_writer(build_index, tmp_path):
    index_dir = tmp_path / "index"
    with writer_lock(index_dir):
        with pytest.raises(BuildLocked, match="another build is writing"):
            build_index([SEEDS], index_dir)
    assert layout.current_generation(index_dir) is None
    assert build_index([SEEDS], index_dir).added == 2  # free again once the holder is gone


def test_failed_write_leaves_the_index_as_it_was(build_index, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        json.dumps({"id": "x", "title": "T", "date": "2021-11-09", "text": "Minsk said no."}) + "\n", encoding="utf-8"
    )

    import indexer.build as build_module

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "make_document", broken)
    for rebuild in (False, True):
        with pytest.raises(KeyboardInterrupt):
            build_index([SEEDS, extra], index_dir, rebuild=rebuild)
        assert set(stored_docs(index_dir)) == {"000_04ea6c0700b9ba97", "003_0e92e75e7bff483c"}
        assert layout.current_generation(index_dir) == "gen-000001"
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-")) == ["gen-000001"]


def test_bad_inputs_are_skipped_and_the_rest_indexed(build_index, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(SEEDS / "003_0e92e75e7bff483c.txt", folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "bad.jsonl").write_text("{oops\n", encoding="utf-8")
    summary = build_index([folder], tmp_path / "index")
    assert summary.added == 1
    assert sorted(reason.split(" (")[0] for _, reason in summary.skipped) == ["empty file", "malformed JSON"]


def test_remove_and_status(build_index, tmp_path):
    index_dir = tmp_path / "index"
    build_index([SEEDS, DATA / "fixture_articles.jsonl"], index_dir)
    status = index_status(index_dir)
    assert status["articles"] == 2 + sum(1 for line in open(DATA / "fixture_articles.jsonl") if line.strip())
    assert status["first_date"] <= "2021-11-17" <= status["last_date"]
    assert status["top"]["actors"][0][0] in {"Vladimir Putin", "Volodymyr Zelenskyy"}
    removed, unknown = remove_articles(index_dir, ["003_0e92e75e7bff483c", "no-such-id"])
    assert (removed, unknown) == (["003_0e92e75e7bff483c"], ["no-such-id"])
    assert "003_0e92e75e7bff483c" not in stored_docs(index_dir)
    assert index_status(index_dir)["articles"] == status["articles"] - 1


def test_rebuild_from_nothing_readable_keeps_the_served_generation(build_index, tmp_path):
    from indexer.build import BuildError

    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(BuildError, match="served generation is kept"):
        build_index([tmp_path / "empty.txt"], index_dir, rebuild=True)
    assert layout.current_generation(index_dir) == "gen-000001" and len(stored_docs(index_dir)) == 2


@pytest.mark.parametrize("rebuild", [True, False])
def test_surname_only_mentions_resolve_across_the_corpus(build_index, tmp_path, rebuild):
    """The article that only says "Peskov" gets the full name another article gives (second commit)."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {
                    "id": "full",
                    "title": "Kremlin on the border",
                    "date": "2021-11-09",
                    "text": "Kremlin Spokesman Dmitry Peskov said Moscow had nothing to do with the crisis.",
                },
                {
                    "id": "short",
                    "title": "Minsk responds",
                    "date": "2021-11-10",
                    "text": "Peskov told reporters that Moscow was not involved.",
                },
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    index_dir = tmp_path / "index"
    if not rebuild:
        build_index([SEEDS], index_dir)  # then an incremental update adds the two articles
    build_index([corpus], index_dir, rebuild=rebuild)
    docs = stored_docs(index_dir)
    short = {a["name"] for a in entities_of(docs["short"])["actors"]}
    assert "Dmitry Peskov" in short and "Peskov" not in short
    ix = whoosh_index.open_dir(str(layout.current_generation_dir(index_dir)))
    with ix.searcher() as searcher:
        assert searcher.search(Term("actor", "dmitry peskov")).scored_length() == (2 if rebuild else 3)
        # No replaced copies linger: deleted documents would still count in BM25's statistics.
        assert searcher.doc_count() == searcher.doc_count_all() == len(docs)
