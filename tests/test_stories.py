"""Stories: crafted near-copies of real Kremlin releases grouped, distinct releases kept apart,
story ids in the index's facets and stable across incremental builds and rebuilds."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from conftest import ROOT
from whoosh import index as whoosh_index

from indexer import layout
from indexer.build import remove_articles
from indexer.model import Article
from indexer.stories import StoryParams, StoryStore, assign_stories, read_stories

DATA = Path(__file__).resolve().parent / "data" / "stories"
RELEASES = DATA / "kremlin-releases.jsonl"


def load_releases() -> dict[str, Article]:
    """The four real releases, by id."""
    articles = {}
    for line in RELEASES.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        articles[r["id"]] = Article(
            id=r["id"],
            title=r["title"],
            text=r["text"],
            source=r["source"],
            url=r["url"],
            date=datetime.fromisoformat(r["date"].rstrip("Z")),
        )
    return articles


def sentences(text: str) -> list[str]:
    return [s if s.endswith(".") else s + "." for s in text.split(". ") if s]


def crafted_copies(a: Article, other: Article) -> list[Article]:
    """Versions of ``a`` as re-publishers make them; ``other`` lends a paragraph to append."""
    sents = sentences(a.text)
    words = a.text.split()
    edited = a.text.replace("emphasised", "stressed").replace("possible", "feasible").replace(" also", "")
    return [
        replace(a, id=f"{a.id}-edited", text=edited),
        replace(
            a,
            id=f"{a.id}-retitled",
            title="Putin and Macron speak again",
            source="tass",
            text="MOSCOW (TASS) - " + a.text,
        ),
        replace(a, id=f"{a.id}-truncated", text=" ".join(words[: int(len(words) * 0.7)])),
        replace(a, id=f"{a.id}-appended", text=a.text + "\n\n" + " ".join(sentences(other.text)[:2])),
        replace(a, id=f"{a.id}-reordered", text=" ".join([sents[1], sents[0]] + sents[2:])),
    ]


def write_jsonl(path: Path, articles: list[Article]) -> Path:
    """Write articles as a JSONL file the indexer reads."""
    with path.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(
                json.dumps(
                    {
                        "id": a.id,
                        "title": a.title,
                        "text": a.text,
                        "source": a.source,
                        "url": a.url,
                        "date": a.date.isoformat() if a.date else "",
                    }
                )
                + "\n"
            )
    return path


def story_facets(index_dir: Path) -> dict[str, str]:
    """id -> the "st" key of its document's facets column, read from the served generation."""
    ix = whoosh_index.open_dir(str(layout.current_generation_dir(index_dir)))
    with ix.reader() as reader:
        column = reader.column_reader("facets")
        return {fields["id"]: json.loads(column[docnum]).get("st") for docnum, fields in reader.iter_docs()}


# --- detection -------------------------------------------------------------------------------------


def test_crafted_copies_of_a_real_release_are_one_story():
    rel = load_releases()
    original = rel["kremlin-macron-2022-02-28"]
    copies = crafted_copies(original, rel["kremlin-treaty-donetsk"])
    stories = assign_stories([original, *copies])
    assert {stories[c.id] for c in copies} == {stories[original.id]}
    assert stories[original.id] == original.id  # named after its first-seen member


def test_distinct_releases_on_one_topic_are_separate_stories():
    rel = load_releases()
    stories = assign_stories(list(rel.values()))
    # two calls with Macron three days apart
    assert stories["kremlin-macron-2022-02-28"] != stories["kremlin-macron-2022-03-03"]
    # one template, 86 % of shingles shared, but Donetsk in one and Lugansk in the other
    assert stories["kremlin-treaty-donetsk"] != stories["kremlin-treaty-lugansk"]
    assert len(set(stories.values())) == 4


def test_copies_and_distinct_releases_together():
    rel = load_releases()
    copies = crafted_copies(rel["kremlin-treaty-donetsk"], rel["kremlin-macron-2022-03-03"])
    stories = assign_stories([*rel.values(), *copies])
    assert {stories[c.id] for c in copies} == {"kremlin-treaty-donetsk"}
    assert stories["kremlin-treaty-lugansk"] == "kremlin-treaty-lugansk"


def test_a_long_article_does_not_chain_two_stories():
    rel = load_releases()
    a, b = rel["kremlin-macron-2022-02-28"], rel["kremlin-macron-2022-03-03"]
    both = replace(a, id="both", text=a.text + "\n\n" + b.text, date=b.date.replace(day=5))
    stories = assign_stories([a, b, both])
    assert stories[a.id] != stories[b.id]
    assert stories["both"] in (stories[a.id], stories[b.id])


def test_verbatim_copies_are_compared_once_per_body(monkeypatch):
    """A wire filed verbatim by many outlets: each new copy has every earlier one as a candidate, but the
    copies share one body, so it is compared once per distinct body (not once per copy: n^2 for n outlets)."""
    import indexer.stories as stories_module

    rel = load_releases()
    original, other = rel["kremlin-macron-2022-02-28"], rel["kremlin-macron-2022-03-03"]
    outlets = [replace(original, id=f"outlet-{i}", source=f"outlet-{i}") for i in range(12)]
    calls = []
    real = stories_module.match_score

    def counted(*args, **kwargs):
        calls.append(args[1].shingles.size)
        return real(*args, **kwargs)

    monkeypatch.setattr(stories_module, "match_score", counted)
    stories = assign_stories([original, *outlets, other])
    assert {stories[a.id] for a in outlets} == {original.id}
    assert stories[other.id] == other.id
    assert len(calls) <= len(outlets) + 1  # one per new copy (the rest are the same body); n(n+1)/2 before


def test_an_empty_body_is_a_story_of_its_own():
    rel = load_releases()
    a = rel["kremlin-macron-2022-02-28"]
    stories = assign_stories([a, replace(a, id="empty", text=""), replace(a, id="empty2", text="")])
    assert len(set(stories.values())) == 3


def test_changed_settings_start_the_store_afresh(tmp_path):
    rel = load_releases()
    path = tmp_path / "stories.sqlite"
    assign_stories(list(rel.values()), path=path)
    assign_stories([rel["kremlin-treaty-donetsk"]], StoryParams(shingle=5), path=path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id FROM article").fetchall() == [("kremlin-treaty-donetsk",)]


# --- the build -------------------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path):
    """The four releases and two copies of the 28 February call, as a JSONL file."""
    rel = load_releases()
    copies = crafted_copies(rel["kremlin-macron-2022-02-28"], rel["kremlin-treaty-lugansk"])[:2]
    return write_jsonl(tmp_path / "releases.jsonl", [*rel.values(), *copies])


def test_build_puts_the_story_id_into_the_facets(build_index, corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    st = story_facets(index_dir)
    lead = "kremlin-macron-2022-02-28"
    assert st[f"{lead}-edited"] == st[f"{lead}-retitled"] == st[lead] == lead
    assert len({st[i] for i in st if not i.startswith(lead)}) == 3
    assert (index_dir / layout.STORIES_FILE).exists()


def test_incremental_build_keeps_story_ids_and_a_new_earlier_copy_becomes_the_lead(build_index, corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    before = story_facets(index_dir)
    rel = load_releases()
    early = replace(
        rel["kremlin-macron-2022-02-28"],
        id="wire-copy",
        source="interfax",
        date=datetime(2022, 2, 28, 9, 0),
        text=" ".join(rel["kremlin-macron-2022-02-28"].text.split()[:120]),
    )
    late = crafted_copies(rel["kremlin-treaty-lugansk"], rel["kremlin-macron-2022-03-03"])[0]
    extra = write_jsonl(tmp_path / "more.jsonl", [early, late])

    summary = build_index([corpus, extra], index_dir)

    assert (summary.added, summary.updated, summary.unchanged) == (2, 0, len(before))
    after = story_facets(index_dir)
    assert {k: after[k] for k in before} == before
    assert after["wire-copy"] == before["kremlin-macron-2022-02-28"] == "kremlin-macron-2022-02-28"
    assert after[late.id] == "kremlin-treaty-lugansk"
    members = read_stories(index_dir)["kremlin-macron-2022-02-28"]
    assert [m.id for m in members][0] == "wire-copy"  # first published, although seen last
    assert len(members) == 4


def test_rebuild_keeps_story_ids(build_index, corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    before = story_facets(index_dir)
    build_index([corpus], index_dir, rebuild=True)
    assert story_facets(index_dir) == before


def test_a_changed_article_is_matched_again_and_a_removed_one_forgotten(build_index, corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    rel = load_releases()
    lines = corpus.read_text(encoding="utf-8").splitlines()
    # the retitled copy now carries the Lugansk treaty's text; the edited copy is gone
    changed = []
    for line in lines:
        r = json.loads(line)
        if r["id"].endswith("-retitled"):
            r["text"] = rel["kremlin-treaty-lugansk"].text
        if not r["id"].endswith("-edited"):
            changed.append(json.dumps(r))
    corpus.write_text("\n".join(changed) + "\n", encoding="utf-8")

    summary = build_index([corpus], index_dir, prune=True)

    assert (summary.updated, summary.removed) == (1, 1)
    st = story_facets(index_dir)
    assert st["kremlin-macron-2022-02-28-retitled"] == "kremlin-treaty-lugansk"
    stored = {m.id for members in read_stories(index_dir).values() for m in members}
    assert stored == set(st)


def test_build_without_stories_leaves_the_facets_as_before(build_index, corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, stories=False)
    assert set(story_facets(index_dir).values()) == {None}
    assert not (index_dir / layout.STORIES_FILE).exists()


def test_story_store_rolls_back_when_not_committed(tmp_path):
    rel = load_releases()
    path = tmp_path / "stories.sqlite"
    with StoryStore(path) as store:
        store.assign(list(rel.values()))
    with StoryStore(path) as store:
        assert store.stories() == {}


def test_remove_forgets_the_articles_signatures(build_index, corpus, tmp_path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    removed, unknown = remove_articles(index_dir, ["kremlin-treaty-lugansk", "nope"])
    assert (removed, unknown) == (["kremlin-treaty-lugansk"], ["nope"])
    stored = {m.id for members in read_stories(index_dir).values() for m in members}
    assert stored == set(story_facets(index_dir)) and "kremlin-treaty-lugansk" not in stored


def test_a_damaged_story_store_is_one_line_and_the_index_is_kept(corpus, tmp_path):
    index_dir = tmp_path / "index"

    def run():
        return subprocess.run(
            [sys.executable, "-m", "indexer", "--index", str(index_dir), "build", str(corpus), "--quiet"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    before = story_facets(index_dir)
    (index_dir / layout.STORIES_FILE).write_bytes(b"this is not a database" * 100)
    # A new article, so the build has stories to assign (a build with nothing new leaves the store alone,
    # and whether an unchanged file counts as unchanged depends on how long ago it was written).
    record = json.loads(corpus.read_text(encoding="utf-8").splitlines()[0])
    record["id"] += "-new"
    with corpus.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    second = run()
    assert second.returncode == 1
    assert "Traceback" not in second.stderr
    assert second.stderr.strip().splitlines()[-1].startswith("error: cannot open the story store")
    assert story_facets(index_dir) == before
