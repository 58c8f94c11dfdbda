"""The normaliser's version, remembered per index, so a build with nothing to do does not parse the rules.

:func:`indexer.normaliser_version.normaliser_version` parses every rule module to follow its imports and
asks the installed packages' metadata for their versions (about half a second). The version depends only
on files under ``indexer/`` and on installed packages, so it is remembered in
``INDEX_DIR/normaliser-version.json`` (``layout.NORMALISER_MEMO_FILE``) with a hash of every file under
``indexer/`` (path and bytes: cheap, and any edit, added module or data file changes it) and the names of
every installed distribution's metadata folder (``pycountry-24.6.1.dist-info``: an install, upgrade or
removal of any package changes it), and computed again when either differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from indexer import layout

MEMO_VERSION = 2
PACKAGE_DIR = Path(__file__).resolve().parent


def tree_digest(root: Path = PACKAGE_DIR) -> str:
    """A hash of the path and bytes of every file under ``root`` (compiled caches left out)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def installed_distributions() -> list[str]:
    """The metadata folders (``name-version.dist-info``/``.egg-info``) on ``sys.path``, in order."""
    found: list[str] = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found.extend(f"{entry}/{n}" for n in sorted(names) if n.endswith((".dist-info", ".egg-info")))
    return found


def remembered_version(index_dir: str | os.PathLike) -> str:
    """The installed normaliser's version, from the index's memo when the indexer's files and the installed
    packages are the same as when it was computed."""
    path = Path(index_dir) / layout.NORMALISER_MEMO_FILE
    state = {"memo": MEMO_VERSION, "tree": tree_digest(), "packages": installed_distributions()}
    try:
        memo = json.loads(path.read_bytes())
        if {k: memo.get(k) for k in state} == state and isinstance(memo.get("version"), str):
            return memo["version"]
    except (OSError, ValueError, AttributeError):
        pass
    from indexer.normaliser_version import normaliser_version

    version = normaliser_version(PACKAGE_DIR)
    if Path(index_dir).is_dir():
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(json.dumps({**state, "version": version}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:  # only a shortcut: a full disk must not stop a build here
            tmp.unlink(missing_ok=True)
    return version
