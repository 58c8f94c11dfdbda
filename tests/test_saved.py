"""Saved searches and their feeds, end to end: a real index grows by a real build and the feeds tell.

The fixture corpus is split in two: the Kremlin's articles are indexed first, searches are saved through
the real Flask app, then ``python -m indexer build`` (a real process) adds the President of Ukraine's and
the Guardian's articles. The feeds are parsed by feedparser, the store is the real SQLite file.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from app import create_app
from indexer.build import read_indexed_times
from indexer.layout import current_generation_dir
from search.saved import SAVED_FILE

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "fixture_articles.jsonl"
KREMLIN = 19  # the first 19 lines are the Kremlin's; the rest come from Ukraine's president and the Guardian


def split_fixture(folder: Path) -> tuple[Path, Path]:
    """Write the fixture corpus as two files: the Kremlin's articles, and the others."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    first, second = folder / "first.jsonl", folder / "second.jsonl"
    first.write_text("\n".join(lines[:KREMLIN]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[KREMLIN:]) + "\n", encoding="utf-8")
    return first, second


def ids_of(client, **params) -> set[str]:
    """Every id /api/search returns for ``params``."""
    body = client.get("/api/search", query_string={**params, "per_page": 50}).get_json()
    assert body["total"] <= 50
    return {hit["id"] for hit in body["hits"]}


def post_json(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


def save(client, name, params) -> dict:
    response = post_json(client, "/api/saved", {"name": name, "params": params})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def feed_path(feed_url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", feed_url)


@pytest.fixture(scope="module")
def grown(build_index, tmp_path_factory):
    """An index of the Kremlin's articles, searches saved over it, then a CLI build adding the rest."""
    folder = tmp_path_factory.mktemp("grown")
    first, second = split_fixture(folder)
    index_dir = folder / "index"
    build_index([first], index_dir)
    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True})
    client = app.test_client()
    saved = {
        name: save(client, name, params)
        for name, params in (
            ("Biden calls", {"q": "Biden"}),
            ("Biden, to open", {"q": ["Biden"]}),
            ("Sweden", {"country": "SE"}),
            ("Tokayev", {"q": "Tokayev"}),
        )
    }
    before = {
        "biden": ids_of(client, q="Biden"),
        "sweden": ids_of(client, country="SE"),
        "tokayev": ids_of(client, q="Tokayev"),
    }
    feed_before = client.get(feed_path(saved["Biden calls"]["feed"])).get_data()
    started = time.time()
    cli = subprocess.run(
        [sys.executable, "-m", "indexer", "--index", str(index_dir), "build", str(second), "--quiet", "--workers", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "CRISIS_DESK_INDEX": ""},
    )
    assert cli.returncode == 0, cli.stderr
    after = {
        "biden": ids_of(client, q="Biden"),
        "sweden": ids_of(client, country="SE"),
        "tokayev": ids_of(client, q="Tokayev"),
    }
    return {
        "index_dir": index_dir,
        "app": app,
        "client": client,
        "saved": saved,
        "before": before,
        "after": after,
        "cli": cli,
        "feed_before": feed_before,
        "started": started,
    }


def test_the_build_prints_one_line_per_saved_search_with_new_matches(grown):
    lines = [line for line in grown["cli"].stdout.splitlines() if line.startswith("saved ")]
    new_biden = len(grown["after"]["biden"] - grown["before"]["biden"])
    new_sweden = len(grown["after"]["sweden"] - grown["before"]["sweden"])
    assert new_biden >= 3 and new_sweden == 2  # Biden in Ukraine's and the Guardian's articles; Sweden in two
    assert sorted(lines) == sorted(
        [
            f'saved "Biden calls": {new_biden} new',
            f'saved "Biden, to open": {new_biden} new',
            f'saved "Sweden": {new_sweden} new',
        ]
    )  # Tokayev: nothing new, no line
    assert grown["after"]["tokayev"] == grown["before"]["tokayev"]


def test_api_lists_new_and_total_and_opening_clears_new(grown):
    client = grown["client"]
    rows = {row["name"]: row for row in client.get("/api/saved").get_json()["saved"]}
    assert set(rows) == {"Biden calls", "Biden, to open", "Sweden", "Tokayev"}
    biden = rows["Biden, to open"]
    assert biden["total"] == len(grown["after"]["biden"])
    assert biden["new"] == len(grown["after"]["biden"] - grown["before"]["biden"])
    assert rows["Sweden"]["new"] == rows["Sweden"]["total"] == 2
    assert rows["Tokayev"]["new"] == 0 and rows["Tokayev"]["total"] == 4
    assert biden["feed"].endswith(f"/saved/{biden['id']}.atom")

    opened = client.get(f"/saved/{biden['id']}/open")
    assert opened.status_code == 303 and opened.headers["Location"] == "/?q=Biden"
    rows = {row["name"]: row for row in client.get("/api/saved").get_json()["saved"]}
    assert rows["Biden, to open"]["new"] == 0 and rows["Biden, to open"]["total"] == biden["total"]
    assert rows["Biden calls"]["new"] == biden["new"]  # the other one was not opened


def test_feed_is_atom_with_stable_ids_and_tells_of_new_articles(grown):
    client = grown["client"]
    path = feed_path(grown["saved"]["Biden calls"]["feed"])
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    again = feedparser.parse(client.get(path).get_data())
    before = feedparser.parse(grown["feed_before"])
    assert not feed.bozo and not before.bozo and feed.version == "atom10"
    assert feed.feed.title == "Crisis Desk: Biden calls"

    def by_id(parsed):
        return {entry.id: entry for entry in parsed.entries}

    entries = by_id(feed)
    assert [e.id for e in feed.entries] == [e.id for e in again.entries]  # stable from one fetch to the next
    assert len(entries) == len(grown["after"]["biden"])
    # an article already in the feed keeps its entry id after the build
    assert set(by_id(before)) <= set(entries) and len(by_id(before)) == len(grown["before"]["biden"])
    new_ids = {e.id for e in feed.entries} - set(by_id(before))
    new_articles = grown["after"]["biden"] - grown["before"]["biden"]
    assert {e.link.rsplit("/article/", 1)[1] for e in feed.entries if e.id in new_ids} == new_articles
    # newest indexed first: the build's articles lead, stamped no earlier than the build started
    assert {e.id for e in feed.entries[: len(new_ids)]} == new_ids
    for entry in feed.entries[: len(new_ids)]:
        assert time.mktime(entry.updated_parsed) - time.timezone >= int(grown["started"]) - 1
        assert entry.title and "<mark>" not in entry.summary and "biden" in entry.summary.lower()
    for entry in feed.entries[len(new_ids) :]:
        assert entry.updated == by_id(before)[entry.id].updated  # indexed time kept


def test_a_name_with_markup_is_escaped_in_the_feed_and_the_page(grown):
    client = grown["client"]
    name = 'Tokayev <script>alert("x")</script> & co'
    saved = save(client, name, {"q": "Tokayev"})
    feed = feedparser.parse(client.get(feed_path(saved["feed"])).get_data())
    assert not feed.bozo and feed.feed.title == f"Crisis Desk: {name}"
    assert len(feed.entries) == 4
    page = client.get("/saved").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert client.delete(f"/api/saved/{saved['id']}", content_type="application/json").status_code == 200


def test_a_saved_search_that_no_longer_parses_says_so(grown):
    client = grown["client"]
    saved = save(client, "Old dates", {"from": "2021-11"})
    with sqlite3.connect(grown["index_dir"] / SAVED_FILE) as db:  # as if saved by an older version's rules
        db.execute("UPDATE saved SET params = ? WHERE id = ?", (json.dumps({"from": ["2021-13-45"]}), saved["id"]))
    try:
        row = next(r for r in client.get("/api/saved").get_json()["saved"] if r["id"] == saved["id"])
        assert "no longer works" in row["error"] and "from is not a real date" in row["error"]
        page = client.get("/saved")
        assert page.status_code == 200 and "from is not a real date" in page.get_data(as_text=True)
        feed = feedparser.parse(client.get(feed_path(saved["feed"])).get_data())
        assert not feed.bozo and len(feed.entries) == 1
        assert feed.entries[0].title == "This saved search no longer works"
        assert "from is not a real date" in feed.entries[0].summary
    finally:
        client.delete(f"/api/saved/{saved['id']}", content_type="application/json")


def test_saving_a_search_that_does_not_parse_is_a_clear_400(grown):
    client = grown["client"]
    count = len(client.get("/api/saved").get_json()["saved"])
    for body, message in (
        ({"name": "x", "params": {"from": "2021-13"}}, "from is not a real date"),
        ({"name": "", "params": {"q": "x"}}, "give the saved search a name"),
        ({"name": "x", "params": ["q"]}, "object of URL parameters"),
        ([1, 2], "send a JSON object"),
    ):
        response = post_json(client, "/api/saved", body)
        assert response.status_code == 400 and message in response.get_json()["error"]
    assert len(client.get("/api/saved").get_json()["saved"]) == count
    assert client.get("/saved/nope.atom").status_code == 404


# --- cross-site request forgery --------------------------------------------------------------------


def test_form_posts_need_the_csrf_token(grown):
    client = grown["app"].test_client()
    count = len(client.get("/api/saved").get_json()["saved"])
    refused = client.post("/saved", data={"name": "forged", "q": "Biden"})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    page = client.get("/?q=Putin&country=BY").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    accepted = client.post(
        "/saved", data={"name": "Putin in Belarus", "q": "Putin", "country": "BY", "csrf_token": token}
    )
    assert accepted.status_code == 303 and accepted.headers["Location"] == "/saved"
    rows = client.get("/api/saved").get_json()["saved"]
    assert len(rows) == count + 1
    mine = next(r for r in rows if r["name"] == "Putin in Belarus")
    assert mine["params"] == {"q": ["Putin"], "country": ["BY"]}
    assert client.post(f"/saved/{mine['id']}/delete").status_code == 400  # no token: still there
    assert any(r["id"] == mine["id"] for r in client.get("/api/saved").get_json()["saved"])
    assert client.post(f"/saved/{mine['id']}/delete", data={"csrf_token": token}).status_code == 303
    assert not any(r["id"] == mine["id"] for r in client.get("/api/saved").get_json()["saved"])


def test_json_api_refuses_cross_site_and_non_json_posts(grown):
    client = grown["client"]
    count = len(client.get("/api/saved").get_json()["saved"])
    body = {"name": "forged", "params": {"q": "x"}}
    cross = post_json(client, "/api/saved", body, Origin="https://evil.example")
    assert cross.status_code == 403 and "cross-site" in cross.get_json()["error"]
    fetch_site = post_json(client, "/api/saved", body, **{"Sec-Fetch-Site": "cross-site"})
    assert fetch_site.status_code == 403
    form = client.post("/api/saved", data=json.dumps(body), content_type="text/plain")
    assert form.status_code == 415 and "application/json" in form.get_json()["error"]
    same = post_json(client, "/api/saved", {**body, "name": "same origin"}, Origin="http://localhost")
    assert same.status_code == 201
    assert len(client.get("/api/saved").get_json()["saved"]) == count + 1
    assert (
        client.delete(
            f"/api/saved/{same.get_json()['id']}",
            content_type="application/json",
            headers={"Origin": "https://evil.example"},
        ).status_code
        == 403
    )
    client.delete(f"/api/saved/{same.get_json()['id']}", content_type="application/json")


def test_the_secret_key_is_one_private_file_shared_by_every_app(tmp_path, monkeypatch):
    monkeypatch.delenv("CRISIS_DESK_SECRET_KEY", raising=False)
    one = create_app({"INDEX_DIR": str(tmp_path)})
    two = create_app({"INDEX_DIR": str(tmp_path)})
    key_file = tmp_path / "secret-key"
    assert one.config["SECRET_KEY"] == two.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(one.config["SECRET_KEY"]) >= 32 and key_file.stat().st_mode & 0o777 == 0o600
    assert create_app({"INDEX_DIR": str(tmp_path / "no-index-yet")}).config["SECRET_KEY"]
    assert not (tmp_path / "no-index-yet").exists()  # the app never creates an index directory
    monkeypatch.setenv("CRISIS_DESK_SECRET_KEY", "from-the-environment")
    assert create_app({"INDEX_DIR": str(tmp_path)}).config["SECRET_KEY"] == "from-the-environment"


# --- the indexer's first-indexed time ----------------------------------------------------------------


def test_first_indexed_time_survives_updates_and_rebuilds(build_index, tmp_path):
    first, second = split_fixture(tmp_path)
    index_dir = tmp_path / "index"
    summary = build_index([first], index_dir)
    kremlin = [json.loads(line)["id"] for line in first.read_text().splitlines()]
    times = read_indexed_times(current_generation_dir(index_dir), kremlin)
    assert set(times) == set(kremlin) and all(summary.started <= t <= time.time() for t in times.values())

    edited = first.read_text().replace("It was agreed to maintain contact.", "They agreed to stay in touch.", 1)
    first.write_text(edited)
    time.sleep(0.01)
    summary = build_index([first, second], index_dir)
    assert summary.updated >= 1 and summary.added == 18
    now = read_indexed_times(current_generation_dir(index_dir), kremlin)
    assert now == times  # the edited article kept its time, the others were not rewritten
    others = [json.loads(line)["id"] for line in second.read_text().splitlines()]
    added = read_indexed_times(current_generation_dir(index_dir), others)
    assert set(added) == set(others) and min(added.values()) >= summary.started > max(times.values())

    rebuilt = build_index([first, second], index_dir, rebuild=True)
    assert rebuilt.added == 37
    assert read_indexed_times(current_generation_dir(index_dir), kremlin + others) == {**times, **added}


def test_a_damaged_store_is_a_clear_503_not_a_traceback(tmp_path):
    (tmp_path / SAVED_FILE).write_bytes(b"this is not a database" * 100)
    client = create_app({"INDEX_DIR": str(tmp_path), "SECRET_KEY": "x"}).test_client()
    api = client.get("/api/saved")
    assert api.status_code == 503 and "saved searches" in api.get_json()["error"]
    page = client.get("/saved")
    assert page.status_code == 503 and "cannot be" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
