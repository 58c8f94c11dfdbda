"""A search checks for a new commit with two stat calls once CURRENT and the generation have settled
(engine._current): a commit, a new generation or a garbled CURRENT after that is still seen at once."""

from __future__ import annotations

import shutil
import time

import pytest
from conftest import one_article

from indexer import layout
from search import SearchIndex
from search.errors import IndexUnreadable
from search.params import parse_request
from search.whoosh.engine import STAMP_SETTLE_SECONDS


def total(engine: SearchIndex, q: str) -> int:
    return engine.search(parse_request({"q": [q]})).total


def settle() -> None:
    """Let the index's files grow older than the settling time, so that the next search arms the stamp."""
    time.sleep(STAMP_SETTLE_SECONDS + 0.2)


def test_the_stat_stamp_sees_each_commit_generation_and_damage_at_once(build_index, seed_index_dir, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir)
    engine = SearchIndex(index_dir)
    assert total(engine, "quokka") == 0
    assert engine._unmoved is None  # the files are fresh from the copy: a stat could miss a change
    settle()
    total(engine, "migrants")
    assert engine._unmoved is not None and engine._unmoved[0] is engine._snap  # the two-stat path is armed
    first = engine._snap
    assert total(engine, "migrants") > 0 and engine._snap is first

    # an incremental commit: a new TOC in the same generation
    build_index([one_article(tmp_path, "quokka-1", "A quokka was seen near the border crossing.")], index_dir)
    assert total(engine, "quokka") == 1
    assert engine._snap is not first

    # a new generation: CURRENT replaced by a rename
    settle()
    total(engine, "migrants")
    assert engine._unmoved is not None
    before = layout.current_generation(index_dir)
    build_index([tmp_path / "quokka-1.jsonl"], index_dir, rebuild=True)  # the seeds are not in it
    assert layout.current_generation(index_dir) != before
    assert total(engine, "quokka") == 1 and total(engine, "migrants") == 0

    # CURRENT garbled in place (same inode)
    settle()
    total(engine, "quokka")
    assert engine._unmoved is not None
    with open(index_dir / layout.CURRENT, "r+b") as fh:
        fh.write(b"garbage")
    with pytest.raises(IndexUnreadable, match="does not name a generation"):
        total(engine, "quokka")
