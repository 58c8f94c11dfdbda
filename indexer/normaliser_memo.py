"""The normaliser's version, remembered per index, so a build with nothing to do does not parse the rules.

:func:`indexer.normaliser_version.normaliser_version` parses every rule module to follow its imports
(about half a second). The version depends only on files under ``indexer/`` and on the installed versions
of the packages the rules import, so it is remembered in ``INDEX_DIR/normaliser-version.json``
(``layout.NORMALISER_MEMO_FILE``) with a hash of every file under ``indexer/`` (path and bytes: cheap,
and any edit, added module or data file changes it) and those packages' versions, and computed again
when either differs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from indexer import layout
from indexer import normaliser_version as rules

MEMO_VERSION = 1


def tree_digest(root: Path = rules.PACKAGE_DIR) -> str:
    """A hash of the path and bytes of every file under ``root`` (compiled caches left out)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def remembered_version(index_dir: str | os.PathLike) -> str:
    """The installed normaliser's version, from the index's memo when the rules and packages are the same."""
    path = Path(index_dir) / layout.NORMALISER_MEMO_FILE
    tree = tree_digest()
    try:
        memo = json.loads(path.read_bytes())
        if (memo.get("memo") == MEMO_VERSION and memo.get("tree") == tree
                and rules._package_versions(set(memo["external"])) == memo["pins"]):
            return str(memo["version"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    _, external = rules.rule_files()
    version = rules.normaliser_version()
    memo = {"memo": MEMO_VERSION, "tree": tree, "external": sorted(external),
            "pins": rules._package_versions(external), "version": version}
    if Path(index_dir).is_dir():
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(json.dumps(memo), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:  # only a shortcut: a full disk must not stop a build here
            tmp.unlink(missing_ok=True)
    return version
