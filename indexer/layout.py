"""Where things live inside an index directory.

``INDEX_DIR/CURRENT`` names the generation being served (a sub-directory holding one Whoosh index,
e.g. ``gen-000001``). ``--rebuild`` writes a new generation beside it and then replaces ``CURRENT``
atomically, so a reader switches from one complete index to another. Everything the search side
needs about entity spellings (aliases) is inside the Whoosh index itself, in the per-document
``spellings`` column (see ``schema.py``): no sidecar file can fall out of step with a commit. Also in ``INDEX_DIR``:
``ner-cache.sqlite`` (spaCy results by text hash), ``entity-cache.sqlite`` (normalised entities by
text hash, NER model and normaliser version; see ``indexer/entity_cache.py``), ``stories.sqlite`` (each
article's story id and near-duplicate signature, keyed by article id and body hash, so story ids outlive
rebuilds and an incremental build matches new articles without re-reading old texts; see
``indexer.stories``), ``build.lock`` (one writer at a time) and ``last-build.json`` (the summary of the
last build, for ``status``).
"""

from __future__ import annotations

import os
from pathlib import Path

CURRENT = "CURRENT"
GENERATION_PREFIX = "gen-"
CACHE_FILE = "ner-cache.sqlite"
ENTITY_CACHE_FILE = "entity-cache.sqlite"
STORIES_FILE = "stories.sqlite"
LOCK_FILE = "build.lock"
LAST_BUILD_FILE = "last-build.json"


def current_generation(index_dir: str | os.PathLike) -> str | None:
    """Return the name of the generation being served, or None when there is no index."""
    try:
        name = (Path(index_dir) / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not name.startswith(GENERATION_PREFIX) or "/" in name or not (Path(index_dir) / name).is_dir():
        return None
    return name


def current_generation_dir(index_dir: str | os.PathLike) -> Path | None:
    """Return the directory of the Whoosh index being served, or None when there is none."""
    name = current_generation(index_dir)
    return Path(index_dir) / name if name else None


def generation_name(number: int) -> str:
    """Return the directory name of generation ``number``."""
    return f"{GENERATION_PREFIX}{number:06d}"


def generation_number(name: str) -> int:
    """Return the number in a generation directory name (0 when it is not one)."""
    try:
        return int(name[len(GENERATION_PREFIX):]) if name.startswith(GENERATION_PREFIX) else 0
    except ValueError:
        return 0


def switch_generation(index_dir: str | os.PathLike, name: str) -> None:
    """Point ``CURRENT`` at generation ``name`` in one atomic rename."""
    tmp = Path(index_dir) / f".{CURRENT}.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, Path(index_dir) / CURRENT)
