"""Shared fixtures: the real spaCy model and real Whoosh indexes on disk, built by the real indexer."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import build_index as _build_index
from indexer.enrich import load_nlp

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"
FIXTURE_CORPUS = DATA / "fixture_articles.jsonl"


@pytest.fixture(scope="session")
def nlp():
    """The NER-only spaCy pipeline the indexer uses, loaded once per test run."""
    return load_nlp()


@pytest.fixture(scope="session")
def build_index(nlp):
    """``build_index(paths, index_dir, **options)``: the real indexer, sharing the loaded model."""

    def build(paths, index_dir, **options):
        options.setdefault("n_process", 1)
        return _build_index([str(p) for p in paths], index_dir, nlp=nlp, **options)

    return build


@pytest.fixture(scope="session")
def seed_index_dir(build_index, tmp_path_factory) -> Path:
    """An index of the two seed articles (read-only: copy it before changing it)."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index([SEEDS], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def fixture_index_dir(build_index, tmp_path_factory) -> Path:
    """An index of tests/data/fixture_articles.jsonl (read-only: copy it before changing it)."""
    index_dir = tmp_path_factory.mktemp("fixture-index")
    build_index([FIXTURE_CORPUS], index_dir)
    return index_dir


FACET_CORPUS = DATA / "facet_articles.jsonl"


@pytest.fixture(scope="session")
def facet_index_dir(build_index, tmp_path_factory) -> Path:
    """An index of tests/data/facet_articles.jsonl: more than 100 actors, a non-leader who outnumbers the
    leaders, and people whose role changes between dated articles (read-only: copy it before changing it)."""
    index_dir = tmp_path_factory.mktemp("facet-index")
    build_index([FACET_CORPUS], index_dir)
    return index_dir
