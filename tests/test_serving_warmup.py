"""gunicorn workers open the index when they start (serving.py's post_worker_init), not at their first request.

A worker that waits for its first search to open a large index makes that search, and the ones queued
behind it, wait for the facet arrays, the alias table and did-you-mean's words (issue 13).
"""

from __future__ import annotations

import json
import time

from test_serving import get, served  # noqa: F401  (the fixture: the seed index served as `make run` does)


def test_each_worker_opens_the_index_before_any_search(served):  # noqa: F811
    base, _, _, log_path = served
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        if text.count("index warmed in") >= 2:
            break
        time.sleep(0.2)
    assert text.count("index warmed in") == 2, text[-2000:]
    assert "index not warmed" not in text
    status, _, body = get(base + "/api/search?q=Belarus")
    assert status == 200 and json.loads(body)["total"] == 2
