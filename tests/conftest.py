"""Shared fixtures: the real spaCy model and real Whoosh indexes on disk, built by the real indexer; the web app
over the fixture index (`app`, `client`) with helpers for its API; a real `flask run` server and Debian's
chromium through Playwright for the browser tests (`serve`, `server`, `browser`, `page`)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import create_app
from indexer.build import build_index as _build_index
from indexer.enrich import load_nlp

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"
FIXTURE_CORPUS = DATA / "fixture_articles.jsonl"
# Hand counts of the fixture corpus (how they were counted is written in the file).
GOLDEN = json.loads((DATA / "fixture_counts.json").read_text(encoding="utf-8"))


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


# --- the web app over the fixture index ------------------------------------------------------------


@pytest.fixture(scope="session")
def alias_index_source(build_index, tmp_path_factory) -> Path:
    """An index of the aliases sample and the fixture corpus (read-only: tests take ``alias_index``)."""
    index_dir = tmp_path_factory.mktemp("alias-index-source")
    build_index([DATA / "aliases", FIXTURE_CORPUS], index_dir)
    return index_dir


@pytest.fixture()
def alias_index(alias_index_source, tmp_path) -> Path:
    """A copy of ``alias_index_source`` without any read cache: each test starts from a fresh build's state."""
    from search.whoosh import read_cache

    target = tmp_path / "index"
    shutil.copytree(alias_index_source, target, ignore=shutil.ignore_patterns(read_cache.DIRNAME))
    return target


def search_answers(engine, queries) -> list[dict]:
    """Each query's whole answer (50 hits, facets, histograms...) as the API gives it, without its timing."""
    from search import parse_request

    out = []
    for params in queries:
        result = engine.search(parse_request({**params, "per_page": ["50"]})).to_dict()
        result.pop("took_ms", None)
        out.append(result)
    return out


def one_article(folder: Path, article_id: str, body: str) -> Path:
    """A JSONL file of one article naming Zelenskyy and Lukashenko (an incremental commit's new segment)."""
    path = folder / f"{article_id}.jsonl"
    record = {
        "id": article_id,
        "title": "Zelenskyy meets Lukashenko's envoy in Warsaw",
        "body": body,
        "published": "2022-03-01",
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def app(fixture_index_dir):
    """The app serving the fixture index."""
    return create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True})


@pytest.fixture()
def client(app):
    """Flask's test client of ``app``."""
    return app.test_client()


def api(client, **params):
    """GET /api/search with ``params`` (lists repeat a parameter) and return the JSON body."""
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def ids(result) -> set[str]:
    """The ids of one page of hits."""
    return {hit["id"] for hit in result["hits"]}


def all_ids(client, **params) -> list[str]:
    """Every matching id, in order, fetched 50 at a time through the API."""
    found, page = [], 1
    while True:
        result = api(client, per_page=50, page=page, **params)
        found += [hit["id"] for hit in result["hits"]]
        if page * 50 >= result["total"]:
            return found
        page += 1


def facet(result, kind) -> dict[str, int]:
    """Map facet value (code for countries) to count."""
    return {
        (v.get("code") or v["value"]) if kind == "country" else v["value"]: v["count"] for v in result["facets"][kind]
    }


def assert_clean_error(response, status):
    """A bad request gets its status and a one-line message, never a traceback."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert "Traceback" not in body and 'File "' not in body


# --- a real server and a real browser --------------------------------------------------------------

OUTPUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def wait_done(client, url, seconds=120):
    """Poll a batch job's status URL until it is done or failed (or ``seconds`` pass); return its state."""
    deadline = time.monotonic() + seconds
    while True:
        state = client.get(url).get_json()
        if state["status"] in ("done", "failed") or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(index_dir: Path, name: str, settings: dict[str, object] | None = None):
    """Serve ``index_dir`` the way `make run` does, on a free port; yield its base URL. ``settings`` are
    given to the app as ``CRISIS_DESK_<NAME>`` variables."""
    port = free_port()
    env = {**os.environ, "CRISIS_DESK_INDEX": str(index_dir)}
    env.update({f"CRISIS_DESK_{name}": str(value) for name, value in (settings or {}).items()})
    log_path = OUTPUT / f"{name}.log"
    OUTPUT.mkdir(exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"server did not start: {log_path.read_text(errors='replace')[-2000:]}")
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(fixture_index_dir):
    """The fixture corpus served by a real `flask run` process."""
    with serve(fixture_index_dir, "server") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright (skips when it is missing), one per test module."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing (`make browser` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh page in its own context; fails the test on any JavaScript error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors  # no JavaScript errors on any page


def total(page) -> int:
    """The total shown above the results."""
    return int(page.locator(".results-meta .total").inner_text().replace(",", ""))
