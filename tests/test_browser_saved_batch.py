"""Saved searches and batch search in a real browser (Debian's chromium through Playwright) against a
real `flask run` server over a copy of the fixture index (saving writes beside the index)."""

from __future__ import annotations

import csv
import io
import re
import shutil

import pytest
from conftest import serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def writable_server(fixture_index_dir, tmp_path_factory):
    """The fixture index, copied so that saved searches can be written beside it, served by `flask run`."""
    index_dir = tmp_path_factory.mktemp("browser-saved") / "index"
    shutil.copytree(fixture_index_dir, index_dir)
    with serve(index_dir, "saved-server") as base:
        yield base


def total(page) -> int:
    return int(page.locator(".results-meta .total").inner_text().replace(",", ""))


def test_save_a_search_and_find_it_on_the_saved_page(writable_server, page):
    page.goto(writable_server + "/?q=Tokayev")
    assert total(page) == 4
    page.locator(".save-search summary").click()
    page.locator("#save-name").fill("Kazakhstan <calls>")
    page.locator(".save-search-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/saved$"))
    row = page.locator(".saved-row", has_text="Kazakhstan <calls>")
    assert row.count() == 1
    assert row.locator(".saved-total").inner_text() == "4" and row.locator(".saved-new").inner_text() == "0"
    assert re.search(r"/saved/[\w-]+\.atom$", row.locator(".saved-feed").get_attribute("href"))

    feed = page.request.get(writable_server + row.locator(".saved-feed").get_attribute("href"))
    assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
    assert feed.text().count("<entry>") == 4

    row.locator(".saved-open").click()
    page.wait_for_url(re.compile(r"/\?q=Tokayev$"))
    assert total(page) == 4

    page.goto(writable_server + "/saved")
    page.locator(".saved-row", has_text="Kazakhstan <calls>").get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/saved$"))
    assert page.locator(".saved-row", has_text="Kazakhstan <calls>").count() == 0
    assert "No saved searches yet" in page.locator("main").inner_text()


def test_batch_page_runs_a_list_links_results_and_downloads_csv(writable_server, page, tmp_path):
    page.goto(writable_server + "/batch")
    page.get_by_label("Queries, one a line").fill("Tokayev\nBiden\ndate:[2021 TO")
    page.get_by_role("button", name="Run").click()
    rows = page.locator(".batch-row")
    rows.first.wait_for()
    assert rows.count() == 3
    assert rows.nth(0).locator(".batch-total").inner_text() == "4"
    assert "Kazakhstan" in rows.nth(0).inner_text()
    assert "cannot be parsed" in rows.nth(2).locator(".batch-error").inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    path = tmp_path / "batch.csv"
    download_info.value.save_as(path)
    table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert table[0][:2] == ["query", "total"] and [r[0] for r in table[1:]] == ["Tokayev", "Biden", "date:[2021 TO"]
    assert table[1][1] == "4"

    rows.nth(0).locator(".batch-link").click()
    page.wait_for_url(re.compile(r"/\?q=Tokayev$"))
    assert total(page) == 4

    upload = tmp_path / "names.csv"
    upload.write_text("org,person\nx,Lukashenko\ny,Tokayev\n", encoding="utf-8")
    page.goto(writable_server + "/batch")
    page.locator("#batch-file").set_input_files(str(upload))
    page.get_by_label("Column").fill("person")
    page.get_by_role("button", name="Run").click()
    page.locator(".batch-row").first.wait_for()
    assert page.locator(".batch-link").all_inner_texts() == ["Lukashenko", "Tokayev"]
