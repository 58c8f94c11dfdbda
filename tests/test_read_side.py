"""The read side's seams (issue 10): what comes with the index, what app.py and search/ may import, and a
Whoosh other than the one the engine reads giving a clear 503."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from indexer import layout
from indexer.check import read_manifest
from indexer.normalise.places import fold
from search.backend import SearchBackend, open_backend
from search.countries import CountryNames
from search.errors import InvalidParameter
from search.params import parse_request

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports (absolute names; relative ones with their leading dots)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


# -- layering --------------------------------------------------------------------------------------------
def test_app_and_web_never_import_the_indexer_or_a_concrete_engine():
    for path in [ROOT / "app.py", *sorted((ROOT / "web").glob("*.py"))]:
        modules = imported_modules(path)
        assert not {m for m in modules if m == "indexer" or m.startswith("indexer.")}, path
        assert not {m for m in modules if m.startswith("search.whoosh") or m == "whoosh" or m.startswith("whoosh.")}, (
            path
        )


def test_only_the_whoosh_package_imports_whoosh_in_search():
    outside = []
    for path in sorted((ROOT / "search").rglob("*.py")):
        if "whoosh" in path.relative_to(ROOT / "search").parts[:-1]:
            continue
        if any(m == "whoosh" or m.startswith("whoosh.") for m in imported_modules(path)):
            outside.append(path.name)
    assert outside == []


def test_private_whoosh_reads_live_in_the_codec_only():
    private = (
        "_postfile",
        "_startoffset",
        "_dbfile",
        "_btexts",
        "_basepos",
        "_perdoc",
        "W3LeafMatcher",
        "_get_pattern",
        "_find_prefix",
    )
    for path in sorted((ROOT / "search").rglob("*.py")):
        if path.name == "codec.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not [p for p in private if p in text], path


def test_search_never_imports_the_normaliser():
    allowed = {"indexer.layout", "indexer.schema", "indexer.check"}  # the index format's public surface
    for path in sorted((ROOT / "search").rglob("*.py")):
        used = {m for m in imported_modules(path) if m == "indexer" or m.startswith("indexer.")}
        assert used <= allowed, (path, used - allowed)


# -- the backend contract's wiring -------------------------------------------------------------------------
def test_open_backend_chooses_by_name(fixture_index_dir):
    backend = open_backend({"INDEX_DIR": fixture_index_dir})
    assert isinstance(backend, SearchBackend)
    assert (
        open_backend({"INDEX_DIR": fixture_index_dir, "BACKEND": "Whoosh"}).search(parse_request({})).total
        == backend.search(parse_request({})).total
        > 0
    )
    with pytest.raises(InvalidParameter, match="unknown search backend 'lucene'; use one of whoosh"):
        open_backend({"INDEX_DIR": fixture_index_dir, "BACKEND": "lucene"})


def test_facet_max_passes_the_old_hard_limit_of_100(facet_index_dir):
    """The sidebar lists as many values as FACET_MAX says, also past the engine's former fixed 100."""
    req = parse_request({})
    wide = open_backend({"INDEX_DIR": facet_index_dir, "FACET_MAX": 150}).search(req)
    narrow = open_backend({"INDEX_DIR": facet_index_dir}).search(req)
    assert wide.facet_totals["actor"] > 100
    assert len(narrow.facets["actor"]) == 100
    assert len(wide.facets["actor"]) == min(150, wide.facet_totals["actor"])
    assert [v.value for v in wide.facets["actor"][:100]] == [v.value for v in narrow.facets["actor"]]


def test_facet_max_reaches_the_sidebar(facet_index_dir):
    from app import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(facet_index_dir), "FACET_MAX": 120}).test_client()
    actors = client.get("/api/search").get_json()["facets"]["actor"]
    total = open_backend({"INDEX_DIR": facet_index_dir}).search(parse_request({})).facet_totals["actor"]
    assert len(actors) == min(120, total) > 100


# -- what comes with the index: country names ---------------------------------------------------------------
def test_each_generation_carries_its_country_names(fixture_index_dir):
    gen = fixture_index_dir / layout.current_generation(fixture_index_dir)
    path = gen / layout.COUNTRIES_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == layout.COUNTRIES_FORMAT and data["normaliser"]
    assert data["display"]["RU"] == "Russia" and data["display"]["GB"] == "United Kingdom"
    assert layout.COUNTRIES_FILE in read_manifest(gen)["files"]  # checked on open like the Whoosh files
    names = CountryNames.read(gen)
    assert names.source == str(path)
    cases = {
        "BY": "BY",
        "Belarus": "BY",
        "Belarusian": "BY",
        "Swedes": "SE",
        "the Kremlin": "RU",
        "Minsk": "BY",
        "U.S.": "US",
        "Britain": "GB",
        "Côte d’Ivoire": "CI",
    }
    assert {text: names.code(text) for text in cases} == cases
    assert names.code("EDO") is None  # an acronym is not a capital or a place
    assert names.code("Atlantis") is None and names.code("") is None
    assert names.name("KZ") == "Kazakhstan" and names.name("ZZ") == "ZZ"


def test_country_keys_fold_like_the_gazetteer():
    for text in (
        "The Côte d’Ivoire",
        "U.S.",
        "Britain's",
        "São Tomé and Príncipe",
        "  the   Gambia ",
        "Bosnia-Herzegovina",
        "Guinea-Bissau (West Africa)",
    ):
        assert layout.fold_country_key(text) == fold(text)


def test_a_generation_without_the_file_reads_countries_with_pycountry(fixture_index_dir, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(fixture_index_dir, copy)
    gen = copy / layout.current_generation(copy)
    (gen / layout.COUNTRIES_FILE).unlink()
    manifest = json.loads((gen / "MANIFEST.json").read_text(encoding="utf-8"))
    del manifest["files"][layout.COUNTRIES_FILE]  # as a generation built before the file existed
    (gen / "MANIFEST.json").write_text(json.dumps(manifest), encoding="utf-8")
    names = CountryNames.read(gen)
    assert names.source == "pycountry"
    assert names.code("Sweden") == "SE" and names.code("se") == "SE" and names.code("Minsk") is None
    backend = open_backend({"INDEX_DIR": copy})
    by_code = backend.search(parse_request({"country": ["SE"]})).total
    assert by_code > 0
    assert backend.search(parse_request({"country": ["Sweden"]})).total == by_code
    assert backend.country_name("SE") == "Sweden"


def test_a_garbled_country_file_costs_only_the_extras(tmp_path):
    (tmp_path / layout.COUNTRIES_FILE).write_text('{"format": 1, "display": [', encoding="utf-8")
    names = CountryNames.read(tmp_path)
    assert names.source == "pycountry" and names.code("Belarus") == "BY"


def test_an_incremental_build_keeps_the_file_written_by_the_same_rules(build_index, tmp_path):
    index_dir = tmp_path / "index"
    build_index([ROOT / "seeds"], index_dir)
    gen = index_dir / layout.current_generation(index_dir)
    before = (gen / layout.COUNTRIES_FILE).stat().st_mtime_ns
    extra = tmp_path / "more.jsonl"
    extra.write_text(
        json.dumps(
            {
                "id": "extra-1",
                "title": "Talks in Minsk",
                "date": "2021-11-20",
                "text": "Belarus and Poland held talks in Minsk on Saturday.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    build_index([extra], index_dir)
    assert (gen / layout.COUNTRIES_FILE).stat().st_mtime_ns == before
    assert layout.COUNTRIES_FILE in read_manifest(gen)["files"]


def test_the_app_shows_country_names_from_the_index(fixture_index_dir):
    from app import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(fixture_index_dir)}).test_client()
    html = client.get("/?country=BY").get_data(as_text=True)
    assert "Belarus" in html


# -- a Whoosh the engine cannot read --------------------------------------------------------------------------
def test_another_whoosh_version_is_a_clear_503(fixture_index_dir, monkeypatch):
    from search.whoosh import codec

    codec.check_version()  # the installed one is the pinned one
    with pytest.raises(codec.WhooshVersionMismatch) as err:
        codec.check_version("2.7.4")
    message = str(err.value)
    assert "\n" not in message and "whoosh-reloaded==2.7.5" in message and "2.7.4 is installed" in message

    monkeypatch.setattr(codec, "installed_version", lambda: "2.7.4")
    from app import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(fixture_index_dir)}).test_client()
    res = client.get("/api/search?q=Putin")
    assert res.status_code == 503
    assert "2.7.4 is installed" in res.get_json()["error"]
    page = client.get("/?q=Putin")
    assert page.status_code == 503 and "Traceback" not in page.get_data(as_text=True)
