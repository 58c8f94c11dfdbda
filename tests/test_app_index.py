"""The app and its index: no index is a 503 that says how to build one, where the index comes from, new
generations served without a restart, and a web app that never loads spaCy.

The web app through Flask's test client (fixtures `app` and `client` in conftest.py), over a real
index of tests/data built by the real indexer; counts are checked against tests/data/fixture_counts.json,
counted by hand from the fixture corpus (how is written in the file).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import DATA, GOLDEN, api, assert_clean_error

from app import create_app


def test_missing_index_is_a_503_that_says_how_to_build_it(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "no-index")}).test_client()
    page = client.get("/")
    assert_clean_error(page, 503)
    assert "python -m indexer build" in page.get_data(as_text=True)
    for url in ("/api/search?q=x", "/healthz", "/export.csv", "/api/article/x"):
        response = client.get(url)
        assert_clean_error(response, 503)
        assert "python -m indexer build" in response.get_json()["error"]
    assert_clean_error(client.get("/article/kremlin-67189"), 503)


def test_index_dir_comes_from_the_environment_unless_the_test_config_says_otherwise(monkeypatch, tmp_path):
    monkeypatch.setenv("CRISIS_DESK_INDEX", str(tmp_path / "from-env"))
    assert create_app().config["INDEX_DIR"] == str(tmp_path / "from-env")
    assert create_app({"INDEX_DIR": "elsewhere"}).config["INDEX_DIR"] == "elsewhere"
    monkeypatch.delenv("CRISIS_DESK_INDEX")
    assert create_app().config["INDEX_DIR"] == "index"


def test_any_setting_comes_from_the_environment_as_its_type_and_a_bad_value_is_logged_and_ignored(
    monkeypatch, tmp_path, caplog
):
    monkeypatch.setenv("CRISIS_DESK_BATCH_INLINE_SECONDS", " 0.05 ")
    monkeypatch.setenv("CRISIS_DESK_EXPORT_LIMIT", "25")
    monkeypatch.setenv("CRISIS_DESK_BATCH_JOBS_DIR", str(tmp_path / "jobs"))
    monkeypatch.setenv("CRISIS_DESK_FACET_SHOWN", "many")
    config = create_app({"INDEX_DIR": str(tmp_path / "index")}).config
    assert config["BATCH_INLINE_SECONDS"] == 0.05 and config["EXPORT_LIMIT"] == 25
    assert config["BATCH_JOBS_DIR"] == str(tmp_path / "jobs")
    assert config["FACET_SHOWN"] == 8  # the default stands
    assert "CRISIS_DESK_FACET_SHOWN='many' ignored: not int" in caplog.text
    assert create_app({"INDEX_DIR": str(tmp_path / "index"), "EXPORT_LIMIT": 3}).config["EXPORT_LIMIT"] == 3


def test_new_commits_and_generations_are_served_without_restart(build_index, seed_index_dir, tmp_path):
    index_dir = tmp_path / "live"
    shutil.copytree(seed_index_dir, index_dir)
    client = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    before = client.get("/healthz").get_json()
    # a new commit in the served generation
    build_index([DATA / "fixture_articles.jsonl"], index_dir)
    assert client.get("/healthz").get_json()["articles"] == before["articles"] + GOLDEN["total"]
    assert api(client, q="Tokayev")["total"] == len(GOLDEN["query"]["Tokayev"])
    # a rebuilt generation holding only the fixture
    build_index([DATA / "fixture_articles.jsonl"], index_dir, rebuild=True)
    after = client.get("/healthz").get_json()
    assert after["generation"] != before["generation"] and after["articles"] == GOLDEN["total"]
    assert client.get("/").status_code == 200


def test_the_web_app_never_loads_spacy(fixture_index_dir):
    # A fresh interpreter: this test process has spaCy loaded for the index fixtures.
    script = (
        "import sys, app\n"
        f"client = app.create_app({{'INDEX_DIR': {str(fixture_index_dir)!r}}}).test_client()\n"
        "for url in ('/?q=Belarus', '/article/kremlin-67189', '/api/search?q=Tokayev', '/export.csv'):\n"
        "    assert client.get(url).status_code == 200, url\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
