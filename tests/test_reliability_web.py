"""Issue 9, cases 2, 4, 8 and 10: hostile records and requests against the real app over a real index."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RECORDS = [
    {
        "id": "=csv-0",
        "title": "Plain title",
        "date": "2022-03-01",
        "source": "Wire",
        "url": '=HYPERLINK("http://evil.example")',
        "text": "Officials met in Minsk, Belarus, on Tuesday.",
    },
    {
        "id": "ipv6",
        "title": "Broken URL",
        "date": "2022-03-02",
        "source": "=cmd|' /C calc'!A0",
        "url": "http://[::1",
        "text": "Officials met in Kyiv, Ukraine, on Wednesday.",
    },
    {
        "id": "long",
        "title": "Long \u0000report",
        "date": "2022-03-03",
        "source": "Wire",
        "url": "@evil",
        "text": " ".join(["President Vladimir Putin spoke with Alexander Lukashenko about Belarus and Ukraine."] * 40),
    },
]


@pytest.fixture(scope="module")
def hostile_index(build_index, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-records")
    corpus = folder / "records.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    build_index([corpus], folder / "index")
    return folder / "index"


@pytest.fixture(scope="module")
def client(hostile_index):
    return create_app({"INDEX_DIR": str(hostile_index), "TESTING": True}).test_client()


def test_export_neutralises_formulas_in_every_column(client):
    response = client.get("/export.csv", query_string={"q": "Officials OR Putin"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1 + len(RECORDS)
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), row
    ids = {row[0] for row in rows[1:]}
    assert "'=csv-0" in ids  # kept, quoted, not dropped
    assert '\'=HYPERLINK("http://evil.example")' in {row[4] for row in rows[1:]}


def test_an_article_whose_url_urlsplit_rejects_is_shown_without_a_link(client):
    page = client.get("/article/ipv6")
    assert page.status_code == 200
    assert "[::1" not in page.get_data(as_text=True)  # no link to a URL that cannot be parsed
    assert client.get("/api/article/ipv6").status_code == 200
    assert client.get("/", query_string={"q": "Kyiv"}).status_code == 200


def test_titles_are_stored_without_nul_bytes(client):
    article = client.get("/api/article/long").get_json()
    assert article["title"] == "Long report"


def test_the_host_header_cannot_turn_a_double_slash_into_an_open_redirect(client):
    for path in ("/article//ipv6", "//article/ipv6", "/api//search?q=x", "//"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code in (200, 404), (path, response.status_code)
        assert "evil.example" not in response.headers.get("Location", "")


def test_the_article_page_and_api_cap_body_and_entity_links_with_a_show_all_path(hostile_index):
    client = create_app(
        {"INDEX_DIR": str(hostile_index), "ARTICLE_MAX_CHARS": 1000, "ARTICLE_MAX_MARKS": 5}
    ).test_client()
    full = client.get("/api/article/long").get_json()
    assert full["truncated"] is True and full["total_chars"] > 3000
    assert len(full["body"]) <= 1000
    assert sum(1 for s in full["segments"] if s[1]) <= 5
    page = client.get("/article/long").get_data(as_text=True)
    assert len(re.findall(r'class="entity entity-', page)) <= 5
    link = re.search(r'href="(/text/long)"[^>]*>Show the full text', page)
    assert link, "the page links to the full text"
    text = client.get(link.group(1))
    assert text.status_code == 200 and text.mimetype == "text/plain"
    assert text.get_data(as_text=True) == RECORDS[2]["text"]
    # a short article is whole and says nothing about it
    short = client.get("/api/article/ipv6").get_json()
    assert short["truncated"] is False and "Show the full text" not in client.get("/article/ipv6").get_data(
        as_text=True
    )
    assert client.get("/text/no-such-article").status_code == 404


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_served_pages_do_not_name_server_or_python_versions(hostile_index):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port)],
        cwd=ROOT,
        env={"CRISIS_DESK_INDEX": str(hostile_index), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start")
        server_header = response.headers.get("Server", "")
        assert "Werkzeug" not in server_header and "Python" not in server_header
        assert not re.search(r"\d+\.\d+", server_header)
    finally:
        server.terminate()
        server.wait(timeout=10)
