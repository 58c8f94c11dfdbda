"""``python -m indexer`` as a user runs it: exit codes, one-line messages, interrupts and kills."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import DATA, ROOT, SEEDS

from indexer import layout


def indexer(*args: str, check_clean: bool = True) -> subprocess.CompletedProcess:
    """Run the CLI from the project root; no traceback may ever reach the user."""
    result = subprocess.run(
        [sys.executable, "-m", "indexer", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if check_clean:
        assert "Traceback" not in result.stderr, result.stderr
    return result


def test_build_status_remove_round_trip(tmp_path):
    index = str(tmp_path / "index")
    built = indexer("build", "--index", index)  # default path: seeds/
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("gen-000001: added 2, updated 0, unchanged 0, removed 0, skipped 0 in ")
    status = indexer("status", "--index", index)
    assert status.returncode == 0
    assert "articles    2" in status.stdout and "2021-11-17 to 2021-11-25" in status.stdout
    assert "Vladimir Putin (2)" in status.stdout
    steps = re.search(r"^  its steps (.+)$", status.stdout, re.M)  # where the build's time went
    assert steps and [part.split()[0] for part in steps.group(1).split(", ")] == [
        "read",
        "stories",
        "entities",
        "resolve",
        "renames",
        "write",
        "finish",
        "catalogue",
    ]
    as_json = json.loads(indexer("status", "--index", index, "--json").stdout)
    assert as_json["articles"] == 2 and as_json["generation"] == "gen-000001"
    phases = as_json["last_build"]["phases"]
    assert all(seconds >= 0 for seconds in phases.values())
    assert phases["entities"] > 0 and sum(phases.values()) <= as_json["last_build"]["seconds"]
    removed = indexer("remove", "--index", index, "003_0e92e75e7bff483c", "nope")
    assert removed.returncode == 0 and "removed 1 article" in removed.stdout
    assert "no article with id 'nope'" in removed.stderr
    assert indexer("remove", "--index", index, "nope").returncode == 1


def test_exit_code_is_nonzero_only_when_nothing_could_be_indexed(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.jsonl").write_bytes(b"\x00\x01\x02")
    nothing = indexer("build", str(tmp_path), "--index", str(tmp_path / "i1"))
    assert nothing.returncode == 1
    assert f"warning: {tmp_path / 'empty.txt'}: empty file" in nothing.stderr
    assert "binary file" in nothing.stderr
    assert "error: nothing could be indexed" in nothing.stderr
    some = indexer("build", str(tmp_path), str(SEEDS), "--index", str(tmp_path / "i2"))
    assert some.returncode == 0 and "added 2" in some.stdout and "skipped 2" in some.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["build", "--map", "nonsense"], "expected FIELD=COLUMN"),
        (["build", "--map", "colour=Col"], "unknown field 'colour'"),
        (["build", "--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_options_get_one_line_and_exit_2(tmp_path, args, message):
    result = indexer(*args, "--index", str(tmp_path / "index"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr


def test_status_of_a_missing_index_says_how_to_build_one(tmp_path):
    result = indexer("status", "--index", str(tmp_path / "none"))
    assert result.returncode == 1
    assert "no index in" in result.stderr and "python -m indexer build" in result.stderr


def test_second_writer_is_refused_while_a_build_runs(tmp_path):
    index = tmp_path / "index"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from indexer.build import writer_lock\n"
            "with writer_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)",
            str(index),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        refused = indexer("build", "--index", str(index))
        assert refused.returncode == 75
        assert f"another build is writing to {index} (pid {holder.pid})" in refused.stderr
    finally:
        holder.kill()
        holder.wait()
    assert indexer("build", "--index", str(index)).returncode == 0  # a dead holder frees the lock


def slow_corpus(tmp_path: Path) -> Path:
    """Enough distinct articles that NER takes several seconds (so a signal lands mid-build)."""
    rows = [json.loads(line) for line in open(DATA / "fixture_articles.jsonl", encoding="utf-8")]
    path = tmp_path / "slow.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for copy in range(12):
            for row in rows:
                fh.write(json.dumps(dict(row, id=f"{row['id']}-{copy}", text=f"{row['text']} Copy {copy}.")) + "\n")
    return path


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_rebuild_leaves_the_index_as_it_was(tmp_path, how):
    index = tmp_path / "index"
    assert indexer("build", "--index", str(index)).returncode == 0
    before = sorted(p.name for p in index.iterdir())
    build = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "indexer",
            "build",
            str(slow_corpus(tmp_path)),
            "--rebuild",
            "--workers",
            "2",
            "--index",
            str(index),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    workers = []
    while time.time() < deadline and not workers:  # wait until NER runs in its worker processes
        time.sleep(0.1)
        workers = psutil.Process(build.pid).children(recursive=True)
    assert workers, "the build should be running NER in worker processes"
    assert (index / layout.LOCK_FILE).read_text().strip() == str(build.pid)
    time.sleep(1.0)  # well inside the several seconds of NER
    build.send_signal(how)
    out, err = build.communicate(timeout=60)
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []  # no orphaned NER workers, even after kill -9 of their parent
    assert "Traceback" not in err
    if how != signal.SIGKILL:
        assert build.returncode == 130
        assert "interrupted; the index is as it was before this build" in err
    assert layout.current_generation(index) == "gen-000001"
    status = json.loads(indexer("status", "--index", str(index), "--json").stdout)
    assert status["articles"] == 2
    # Nothing is left half-written except what a kill cannot clean: never a second served generation.
    after = sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))
    assert after[0] == "gen-000001" and "gen-000001" in before
    assert indexer("build", "--index", str(index)).returncode == 0  # the lock is free again


def test_a_build_whose_texts_are_all_cached_never_loads_spacy(tmp_path):
    index = str(tmp_path / "index")
    assert indexer("build", "--index", index).returncode == 0
    script = (
        "import sys; from indexer.cli import main; code = main(['build', '--rebuild', '--index', sys.argv[1]]);"
        "print('spacy loaded' if 'spacy' in sys.modules else 'spacy not loaded'); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, index], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "(0 texts through NER)" in result.stdout and "spacy not loaded" in result.stdout


def test_progress_bar_on_a_terminal_and_silence_otherwise(tmp_path):
    import pty

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"a{i}",
                    "title": f"Border {i}",
                    "date": "2021-11-09",
                    "text": f"Poland closed crossing {i} on the border with Belarus.",
                }
            )
            + "\n"
            for i in range(40)
        ),
        encoding="utf-8",
    )
    quiet = indexer("build", str(corpus), "--index", str(tmp_path / "i1"))
    assert quiet.returncode == 0 and "articles/s" not in quiet.stderr and quiet.stderr == ""
    leader, follower = pty.openpty()
    build = subprocess.Popen(
        [sys.executable, "-m", "indexer", "build", str(corpus), "--index", str(tmp_path / "i2")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )
    os.close(follower)
    out, _ = build.communicate(timeout=120)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal is closed once the build has exited
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert build.returncode == 0 and "added 40" in out
    assert "recognising" in terminal and "writing" in terminal and "40/40" in terminal
    assert re.search(r"recognising: 100% 40/40 \[[0-9:<]+, +[0-9.]+ articles/s\]", terminal)  # rate and ETA
