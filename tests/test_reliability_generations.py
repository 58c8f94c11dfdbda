"""Issue 9, cases 6 and 7: generations are kept by state, and a full disk leaves nothing behind.

The disk-full tests mount a small tmpfs (root only); where mounting is not permitted they skip and say so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app import create_app
from indexer import layout
from indexer.build import BuildError

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURE = Path(__file__).resolve().parent / "data" / "fixture_articles.jsonl"


def generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("gen-"))


def fake_orphan(index_dir: Path, number: int) -> Path:
    """What a killed ``--rebuild`` leaves: a generation directory with half-written files, never switched to."""
    orphan = index_dir / layout.generation_name(number)
    orphan.mkdir()
    (orphan / "MAIN_half.seg").write_bytes(b"\0" * 4096)
    return orphan


def test_a_killed_rebuild_leaves_an_orphan_that_the_next_build_removes_keeping_the_served_one(
    build_index, fixture_index_dir, tmp_path
):
    index_dir = tmp_path / "index"
    shutil.copytree(fixture_index_dir, index_dir)
    served = layout.current_generation(index_dir)  # gen-000001
    fake_orphan(index_dir, 2)
    build_index([FIXTURE], index_dir, rebuild=True)
    # the new generation is served, the one it replaced is kept for readers, the orphan is gone
    new = layout.current_generation(index_dir)
    assert new != served and generations(index_dir) == sorted([served, new])
    assert layout.previous_generation(index_dir) == served
    assert not list(index_dir.rglob("MAIN_half.seg"))


def test_orphans_do_not_pile_up(build_index, fixture_index_dir, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(fixture_index_dir, index_dir)
    for number in (2, 3, 4, 5):
        fake_orphan(index_dir, number)
    build_index([FIXTURE], index_dir)  # an incremental build also clears them before it writes
    assert generations(index_dir) == [layout.current_generation(index_dir)]


# --- a full disk -----------------------------------------------------------------------------------


@pytest.fixture()
def small_disk(tmp_path):
    """A 32 MB tmpfs at tmp_path/disk, unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root; not root here")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(disk)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here ({done.stderr.strip()})")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` up to ``leave`` free bytes; return the filler file."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as fh:
        fh.truncate(0)
    with open(filler, "wb") as fh:
        remaining = max(free - leave, 0)
        while remaining > 0:
            chunk = min(remaining, 1 << 20)
            fh.write(b"\0" * chunk)
            remaining -= chunk
    return filler


def big_batch(folder: Path, count: int = 20) -> Path:
    """New articles whose index needs a few MB (distinct words, so postings and stored text grow)."""
    path = folder / "more.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(count):
            words = " ".join(f"word{i}x{j}" for j in range(1500))
            fh.write(
                json.dumps(
                    {
                        "id": f"more-{i}",
                        "title": f"Report {i}",
                        "date": "2022-01-02",
                        "text": f"Minsk officials said on Monday. {words}",
                    }
                )
                + "\n"
            )
    return path


def file_state(gen_dir: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in gen_dir.iterdir()}


@pytest.mark.parametrize("rebuild", [False, True], ids=["incremental", "rebuild"])
def test_a_full_disk_cleans_up_says_so_and_the_next_build_succeeds(
    build_index, fixture_index_dir, small_disk, tmp_path, rebuild
):
    index_dir = small_disk / "index"
    shutil.copytree(fixture_index_dir, index_dir)
    served = layout.current_generation(index_dir)
    before = file_state(index_dir / served)
    batch = big_batch(tmp_path)
    filler = fill(small_disk, leave=256 << 10)
    with pytest.raises(BuildError) as failure:
        build_index([FIXTURE, batch] if rebuild else [batch], index_dir, rebuild=rebuild)
    message = str(failure.value)
    assert "no space left on device" in message and "needs about" in message and "MB free" in message
    assert "NER cache" not in message
    # the served generation is exactly as it was, nothing else was left behind, and it still answers
    assert layout.current_generation(index_dir) == served
    assert file_state(index_dir / served) == before
    assert generations(index_dir) == [served]
    client = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    assert client.get("/api/search?q=Belarus").status_code == 200
    # space is back: the same build now succeeds
    filler.unlink()
    leftovers = sorted(p.name for p in small_disk.rglob("*") if p.is_file())
    assert shutil.disk_usage(small_disk).free > 20 * 2**20, leftovers
    summary = build_index([FIXTURE, batch] if rebuild else [batch], index_dir, rebuild=rebuild)
    assert summary.added == (37 + 20 if rebuild else 20)
    assert client.get("/api/search", query_string={"q": "word7x12"}).get_json()["total"] == 1


def test_a_completely_full_disk_is_not_blamed_on_the_ner_cache(build_index, fixture_index_dir, small_disk, tmp_path):
    index_dir = small_disk / "index"
    shutil.copytree(fixture_index_dir, index_dir)
    (index_dir / layout.CACHE_FILE).unlink()  # the cache must be created (and written) on the full disk
    batch = tmp_path / "one.jsonl"
    batch.write_text(
        json.dumps({"id": "one", "title": "One", "date": "2022-01-02", "text": "Officials in Minsk met on Monday."})
        + "\n",
        encoding="utf-8",
    )
    filler = fill(small_disk, leave=0)
    with pytest.raises(BuildError) as failure:
        build_index([batch], index_dir)
    message = str(failure.value)
    assert "no space left on device" in message and "delete it" not in message
    filler.unlink()
    assert build_index([batch], index_dir).added == 1
