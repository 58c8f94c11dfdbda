"""`make run`'s production server: gunicorn with the project's serving.py, as a real process.

Two worker processes answer (both cores), no response names a server version, a new generation
written by the indexer is served without a restart, and clients that stall cannot hold the workers.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_run_command() -> list[str]:
    """The gunicorn command line of the Makefile's `run` target, with this interpreter."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "the Makefile has no run target"
    assert "-m gunicorn --config serving.py" in recipe.group(1), "make run does not serve with gunicorn"
    assert "--threads" not in recipe.group(1), "serving.py's workers are single-threaded"
    return [sys.executable, "-m", "gunicorn", "--config", "serving.py", "--workers", "2"]


def get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture
def served(build_index, tmp_path, request):
    """Serve a copy of the seed index the way `make run` does; yield (base URL, index dir, process).
    Marked ``client_timeout(N)``: client sockets time out after N seconds (serving.CLIENT_TIMEOUT)."""
    index_dir = tmp_path / "index"
    build_index([ROOT / "seeds"], index_dir)
    port = free_port()
    log_path = tmp_path / "server.log"
    env = {**os.environ, "CRISIS_DESK_INDEX": str(index_dir)}
    marker = request.node.get_closest_marker("client_timeout")
    if marker:
        env["CRISIS_DESK_CLIENT_TIMEOUT"] = str(marker.args[0])
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*make_run_command(), "--bind", f"127.0.0.1:{port}", "app:create_app()"],
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
                    if get(base + "/healthz")[0] == 200:
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"gunicorn did not start: {log_path.read_text(errors='replace')[-2000:]}")
                    time.sleep(0.2)
            yield base, index_dir, process, log_path
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def test_two_workers_answer_and_no_version_is_disclosed(served):
    base, _, process, _ = served
    workers = psutil.Process(process.pid).children()
    assert len(workers) == 2
    status, headers, body = get(base + "/api/search?q=Belarus")
    assert status == 200 and json.loads(body)["total"] == 2
    server = headers.get("Server", "")
    assert not re.search(r"\d", server), f"Server header discloses a version: {server!r}"
    assert "Werkzeug" not in server and "Python" not in server


def test_new_generation_is_served_without_restart(served, build_index):
    base, index_dir, _, _ = served
    before = json.loads(get(base + "/healthz")[2])
    assert before == {**before, "articles": 2, "generation": "gen-000001"}
    build_index([DATA / "fixture_articles.jsonl"], index_dir, rebuild=True)
    # both workers must move on: ask enough times that each one answers
    seen = {json.loads(get(base + "/healthz")[2])["generation"] for _ in range(8)}
    assert seen == {"gen-000002"}
    assert json.loads(get(base + "/api/search?q=")[2])["total"] > 2


@pytest.mark.client_timeout(1)
def test_clients_that_stall_are_cut_off_and_never_hold_the_workers(served):
    """Each worker takes one request at a time, so a client that sends half a request (or stops reading
    its answer) would hold it until gunicorn killed it after 30 s. Here, with both workers held that way,
    a real request is answered as soon as the stalled sockets time out, in one log line each."""
    base, _, _, log_path = served
    port = int(base.rsplit(":", 1)[1])
    stalled = []
    for _ in range(4):  # more than there are workers
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /api/search?q=Belarus HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        stalled.append(sock)
    try:
        started = time.monotonic()
        status, _, body = get(base + "/api/search?q=Belarus")
        waited = time.monotonic() - started
        assert status == 200 and json.loads(body)["total"] == 2
        assert waited < 10, f"a stalled client held the workers for {waited:.1f} s"
    finally:
        for sock in stalled:
            sock.close()
    log = log_path.read_text(errors="replace")
    assert "client made no progress for 1 s: connection closed" in log
    assert "Traceback" not in log, log[-2000:]


def test_a_client_timeout_that_is_not_a_positive_number_is_reported_and_the_default_stands(capsys):
    import serving

    assert serving.client_timeout(None) == 10 and serving.client_timeout("  ") == 10
    assert serving.client_timeout("2.5") == 2.5
    for bad in ("ten", "0", "-3", "inf", "nan"):
        assert serving.client_timeout(bad) == 10
        out = capsys.readouterr().out
        assert out.count("\n") == 1 and f"CRISIS_DESK_CLIENT_TIMEOUT={bad!r} ignored" in out
