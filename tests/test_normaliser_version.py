"""The normaliser's version is part of the index's identity (issue 8 item 6): computed from the rule
files, cached with the normalised entities, re-normalising every article after a rule edit without NER."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEEDS

from indexer import layout
from indexer.build import index_status
from indexer.normaliser_version import PACKAGE_DIR, normaliser_version, rule_files


def copy_rules(tmp_path: Path) -> Path:
    """A copy of the indexer package whose rule files a test may edit."""
    root = tmp_path / "indexer"
    shutil.copytree(PACKAGE_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_rule_files_are_what_the_normaliser_imports(tmp_path):
    files, external = rule_files()
    names = {p.name for p in files}
    assert {"entities.py", "people.py", "roles.py", "places.py", "reference.py", "spellings.py"} <= names
    assert {p.parent.name for p in files if p.name == "people.py"} == {"normalise"}  # the whole package counts
    assert {"honorifics.txt", "country-aliases.csv", "role-words.json"} <= names  # and every reference table
    assert not names & {"build.py", "cli.py", "schema.py", "sources.py", "enrich.py"}  # not rules
    assert "pycountry" in external  # its tables are reference data too


def test_editing_any_rule_or_table_changes_the_version(tmp_path):
    root = copy_rules(tmp_path)
    base = normaliser_version(root)
    assert base == normaliser_version(root) == normaliser_version()  # stable, and a copy is the same rules
    with open(root / "normalise" / "roles.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a rule edit\n")
    edited = normaliser_version(root)
    assert edited != base
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "demonyms.tsv").write_text("Kyivan\tUA\n", encoding="utf-8")
    with_table = normaliser_version(root)
    assert with_table != edited
    # a module the rules start importing counts from then on; one they do not import never counts
    (root / "titles.py").write_text("TITLES = ['Chancellor']\n", encoding="utf-8")
    assert normaliser_version(root) == with_table
    with open(root / "normalise" / "people.py", "a", encoding="utf-8") as fh:
        fh.write("\nfrom indexer.titles import TITLES  # noqa\n")
    imported = normaliser_version(root)
    (root / "titles.py").write_text("TITLES = ['Chancellor', 'Premier']\n", encoding="utf-8")
    assert normaliser_version(root) != imported


def test_a_rule_edit_renormalises_every_article_from_the_ner_cache(build_index, tmp_path):
    index_dir = tmp_path / "index"
    first = build_index([SEEDS], index_dir)
    assert first.added == 2 and first.ner_runs == 2 and first.normalised == 2
    assert first.normaliser == normaliser_version()
    same = build_index([SEEDS], index_dir)
    assert same.unchanged == 2 and same.updated == 0 and same.normalised == 0

    root = copy_rules(tmp_path)
    with open(root / "normalise" / "places.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a gazetteer edit\n")
    edited = normaliser_version(root)
    after = build_index([SEEDS], index_dir, normaliser=edited)
    assert after.updated == 2 and after.unchanged == 0
    assert after.ner_runs == 0 and after.normalised == 2  # the rules ran again, spaCy did not
    status = index_status(index_dir)
    assert status["normaliser"] == {"index": {edited: 2}, "installed": normaliser_version()}

    # a rebuild under the same rules takes every article's entities from the cache
    rebuilt = build_index([SEEDS], index_dir, normaliser=edited, rebuild=True)
    assert rebuilt.added == 2 and rebuilt.ner_runs == 0 and rebuilt.normalised == 0
    with sqlite3.connect(index_dir / layout.ENTITY_CACHE_FILE) as db:
        versions = {v for (v,) in db.execute("SELECT DISTINCT version FROM normalised")}
    assert versions == {edited}  # the old version's rows were dropped


def test_status_names_the_normaliser_and_says_when_the_installed_one_differs(build_index, tmp_path):
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir, normaliser="0123456789abcdef")

    def status() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "indexer", "status", "--index", str(index_dir)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return next(line for line in done.stdout.splitlines() if line.startswith("normaliser"))

    line = status()
    assert "0123456789abcdef (2 articles)" in line
    assert f"installed rules are {normaliser_version()}" in line and "re-normalises" in line
    build_index([SEEDS], index_dir)
    assert status() == f"normaliser  {normaliser_version()} (2 articles); the installed rules are the same"
    last = json.loads((index_dir / layout.LAST_BUILD_FILE).read_text(encoding="utf-8"))
    assert last["normaliser"] == normaliser_version()


def test_a_spurious_ast_recursion_error_is_parsed_again(monkeypatch):
    """CPython 3.11's AST recursion counter is shared by threads (python/cpython#106905): a parse that fails
    with that SystemError while another thread reads a .npy header is tried again, with the same result."""
    import ast

    from indexer import normaliser_version as nv

    real = ast.parse
    failures = []

    def flaky(source, *args, **kwargs):
        if not failures:
            failures.append(True)
            raise SystemError("AST constructor recursion depth mismatch (before=156, after=40)")
        return real(source, *args, **kwargs)

    expected = rule_files(PACKAGE_DIR)
    monkeypatch.setattr(nv.ast, "parse", flaky)
    assert rule_files(PACKAGE_DIR) == expected and failures
