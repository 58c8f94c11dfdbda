"""A batch too long for one request, in a real browser: the page moves to the job's page, shows progress
while it polls the status URL, then the table and a CSV download (Debian's chromium through Playwright,
a real `flask run` server over a copy of the fixture index)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from conftest import serve  # noqa: F401  (browser and page are conftest fixtures)
from test_browser_saved_batch import writable_server  # noqa: F401

pytestmark = pytest.mark.browser

# A thousand three-word queries that match nothing as written (each is relaxed and run again): seconds of
# work, far past the 0.8 s a batch may run inside its request.
QUERIES = [f"Putin talks{i} border{i}" for i in range(999)] + ["Tokayev"]


def test_a_long_batch_runs_as_a_job_whose_page_polls_then_shows_the_table(writable_server, page, tmp_path):  # noqa: F811
    page.goto(writable_server + "/batch")
    page.get_by_label("Queries, one a line").fill("\n".join(QUERIES))
    page.get_by_role("button", name="Run").click()
    page.wait_for_url(re.compile(r"/batch/[A-Za-z0-9_-]{16}$"))
    rows = page.locator(".batch-row")
    rows.first.wait_for(timeout=180_000)  # the page reloads itself once the job is done
    assert rows.count() == 1000
    last = rows.nth(999)
    assert last.locator(".batch-link").inner_text() == "Tokayev" and last.locator(".batch-total").inner_text() == "4"

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    path = tmp_path / "batch.csv"
    download_info.value.save_as(path)
    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(table) == 1001 and table[-1][:2] == ["Tokayev", "4"]
