"""The indexer's one exception family and how the CLI reports it (issue 10): a bad command line exits 2,
another build 75, any other error 1, and a bug is never taken for a bad command line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

from indexer.build import BuildError, BuildLocked
from indexer.check import IndexDamaged
from indexer.cli import EXIT_FAILED, EXIT_LOCKED, EXIT_USAGE, report_error
from indexer.enrich import EnrichError
from indexer.entity_cache import EntityCacheError
from indexer.errors import IndexerError, UsageError
from indexer.sources import SourceError
from indexer.stories import StoryError


@pytest.mark.parametrize(
    "error", [SourceError, EnrichError, BuildError, BuildLocked, StoryError, EntityCacheError, UsageError]
)
def test_every_error_the_indexer_raises_on_purpose_is_an_indexer_error(error):
    assert issubclass(error, IndexerError)
    assert not issubclass(error, ValueError)  # an unrelated ValueError (a bug) never passes for one of these
    assert issubclass(IndexDamaged, IndexerError)


@pytest.mark.parametrize(
    "exc, code, line",
    [
        (UsageError("--workers must be at least 1"), EXIT_USAGE, "error: --workers must be at least 1"),
        (BuildLocked("another build is writing to index (pid 7)"), EXIT_LOCKED, "error: another build is writing"),
        (BuildError("no index in index"), EXIT_FAILED, "error: no index in index"),
        (SourceError("no header row\nsecond line"), EXIT_FAILED, "error: no header row second line"),
        (
            IndexDamaged("gen-000001", "MAIN.seg is missing"),
            EXIT_FAILED,
            "error: index generation gen-000001 is damaged",
        ),
        (
            FileNotFoundError(2, "No such file or directory", "corpus.csv"),
            EXIT_FAILED,
            "error: corpus.csv: No such file or directory",
        ),
        # A bug: before, any ValueError could pass for a bad command line (exit 2).
        (
            ValueError("cannot convert float NaN to integer"),
            EXIT_FAILED,
            "error: build failed: ValueError: cannot convert float NaN to integer",
        ),
        (KeyError("actors"), EXIT_FAILED, "error: build failed: KeyError: 'actors'"),
    ],
)
def test_each_error_is_one_line_with_its_exit_code(capsys, exc, code, line):
    assert report_error(exc, "build", "index") == code
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == 1, err


@pytest.mark.parametrize("value", ["nan", "-1"])
def test_an_impossible_file_size_is_a_bad_command_line(tmp_path, value):
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "build", "--max-file-mb", value, "--index", str(tmp_path / "index")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == EXIT_USAGE, result.stderr
    assert result.stderr == "error: --max-file-mb must be positive\n"
    assert not (tmp_path / "index").exists()
