"""Accessibility: axe-core (bundled by axe-playwright-python) finds 0 violations on every page.

Rules: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and Deque's best practices, in Debian's chromium through
Playwright against a real `flask run` server over a copy of the fixture index (a saved search is written
beside it so that the saved-searches page has a row). axe.js comes from the installed package and is
evaluated in the page; the test also checks that no page asks for anything outside the server.
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import OUTPUT, serve

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
AXE = Axe()


@pytest.fixture(scope="module")
def axe_server(fixture_index_dir, tmp_path_factory):
    """The fixture index, copied so that a saved search can be written beside it, served by `flask run`."""
    index_dir = tmp_path_factory.mktemp("browser-axe") / "index"
    shutil.copytree(fixture_index_dir, index_dir)
    with serve(index_dir, "axe-server") as base:
        yield base


@pytest.fixture()
def axe_page(browser, axe_server):  # noqa: F811
    """A page that records every URL it asks for (to show that nothing leaves the server)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


def violations(page) -> list[str]:
    """Run axe-core on the page as it is now; return one readable line per violated rule and node."""
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(map(str, node['target']))}: {node['html'][:160]}"
        for v in results.response["violations"]
        for node in v["nodes"]
    ]


def check(page, base: str, path: str, status: int = 200, name: str = "") -> None:
    """Open ``path``, check its status, that it asked only the server, and that axe finds nothing."""
    response = page.goto(base + path)
    assert response.status == status, path
    assert violations(page) == [], path
    outside = [url for url in page.requested if not url.startswith((base, "data:"))]
    assert outside == [], outside
    if name:
        page.screenshot(path=str(OUTPUT / f"axe-{name}.png"), full_page=True)


PAGES = [
    ("landing", "/", 200),
    ("results", "/?q=Putin&country=-US&from=2021-11", 200),  # facets, chips, histogram, graph, pager
    ("results-countries", "/?q=Biden&kinds=actor,country&versions=all&per_page=20", 200),
    ("results-empty", "/?q=Tokayev&country=SE", 200),
    ("article", "/article/kremlin-67748", 200),
    ("article-searched", "/article/kremlin-67748?q=Tokayev&actor=Vladimir+Putin", 200),
    ("actor", "/actor/" + quote("Kassym-Jomart Tokayev"), 200),
    ("country", "/country/UA", 200),
    ("org", "/org/NATO", 200),
    ("compare", "/compare?q=Putin&q=Zelenskyy&q=NATO", 200),
    ("compare-shares", "/compare?q=Putin&q=Biden&mode=share", 200),
    ("compare-empty", "/compare", 200),
    ("facet", "/facet/actor?q=conversation", 200),
    ("facet-prefix", "/facet/country?prefix=bel", 200),
    ("saved", "/saved", 200),
    ("batch", "/batch", 200),
    ("not-found", "/article/no-such-article", 404),
    ("bad-request", "/?from=yesterday", 400),
    ("compare-bad", "/compare?q=a&q=b&q=c&q=d&q=e&q=f", 400),
]


@pytest.mark.parametrize("name,path,status", PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_axe_violations(axe_server, axe_page, name, path, status):
    check(axe_page, axe_server, path, status, name)


def test_pages_with_open_disclosures_and_found_values_have_no_violations(axe_server, axe_page):
    page = axe_page
    page.goto(axe_server + "/?q=conversation")
    for summary in page.locator("details > summary").all():
        summary.click()
    countries = page.locator('.facet[data-facet="actor"]')
    countries.locator("input.facet-filter").fill("vla")
    countries.locator("ul.facet-found .facet-value").first.wait_for()
    assert violations(page) == []


def test_saved_and_batch_pages_with_content_have_no_violations(axe_server, axe_page):
    page = axe_page
    page.goto(axe_server + "/?q=Tokayev")
    page.locator(".save-search summary").click()
    page.locator("#save-name").fill("Kazakhstan calls")
    page.locator(".save-search-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/saved$"))
    assert page.locator(".saved-row").count() >= 1
    assert violations(page) == []

    page.goto(axe_server + "/batch")
    page.locator("textarea").first.fill("Lukashenko\nBelarus border\nNATO")
    page.locator("form.batch-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("table").count() >= 1
    assert violations(page) == []
    page.screenshot(path=str(OUTPUT / "axe-batch-results.png"), full_page=True)


def test_the_first_start_landing_page_has_no_violations(seed_index_dir, browser):  # noqa: F811
    """The landing page of an index of only the samples, with its how-to-index section."""
    with serve(seed_index_dir, "axe-seed-server") as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        try:
            check(page, base, "/", 200, "first-start")
            assert page.locator(".first-start").count() == 1
        finally:
            context.close()


def test_a_page_with_a_violation_is_caught(axe_server, axe_page):
    """The check can fail: an image without alternative text added to a clean page is reported."""
    page = axe_page
    page.goto(axe_server + "/")
    page.evaluate("document.querySelector('main').appendChild(document.createElement('img')).src = 'data:,'")
    found = violations(page)
    assert any(line.startswith("image-alt") for line in found), found
