"""A real browser (Debian's chromium through Playwright) against a real `flask run` server process.

Screenshots land in test-output/ (git-ignored); `UPDATE_SCREENSHOTS=1` also copies the results page
to docs/screenshot-results.png for the README.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

# OUTPUT, ROOT, browser, serve and total are also imported from here by other browser test files.
from conftest import OUTPUT, ROOT, browser, serve, total  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def facet_server(facet_index_dir):
    """The facet corpus (more than a hundred actors, leaders and non-leaders) served by `flask run`."""
    with serve(facet_index_dir, "facet-server") as base:
        yield base


def test_search_facet_chip_histogram_and_article(server, page):
    page.goto(server + "/")
    assert total(page) == 37

    # type a query
    page.get_by_label("Search the news").fill("Belarus")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Belarus"))
    all_belarus = total(page)
    assert 5 < all_belarus < 37
    assert page.locator(".hit mark").count() > 0

    # click a country facet value that narrows: the chip appears and the count drops to the facet's count
    rows = page.locator('.facet[data-facet="country"] > ul.facet-values > li.facet-value')
    counts = [int(c) for c in rows.locator(".facet-count").all_inner_texts()]
    row = rows.nth(next(i for i, count in enumerate(counts) if count < all_belarus))
    country = row.locator(".facet-name").inner_text().strip()
    expected = int(row.locator(".facet-count").inner_text())
    row.locator(".facet-link").click()
    page.wait_for_url(re.compile(r"country="))
    assert page.locator(".chip", has_text=country).count() == 1
    assert total(page) == expected
    assert page.locator(".hit").count() == min(expected, 10)

    # remove the chip: back to every Belarus article
    page.locator(".chip", has_text=country).locator(".chip-remove").click()
    page.wait_for_url(lambda url: "country=" not in url)
    assert page.locator(".chip").count() == 0
    assert total(page) == all_belarus

    # click a histogram bar: the results narrow to that period
    bar = page.locator("svg.histogram a").first
    label = bar.get_attribute("aria-label")  # e.g. "November 2021: 11 articles"
    bar_count = int(re.search(r": (\d+) article", label).group(1))
    bar.click()
    page.wait_for_url(re.compile(r"from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d"))
    assert total(page) == bar_count
    assert page.locator(".chip", has_text="From").count() == 1
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "results-period.png"), full_page=True)

    # open an article
    title = page.locator(".hit-title a").first.inner_text()
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/article/"))
    assert page.locator("h1.article-title").inner_text() == title
    assert page.locator(".article-body a.entity").count() > 0
    assert page.locator("ol.related li").count() == 5
    page.screenshot(path=str(OUTPUT / "article.png"), full_page=True)

    # back button restores the filtered results
    page.go_back()
    assert total(page) == bar_count


def test_results_page_screenshot_for_the_readme(server, page):
    page.goto(server + "/?q=Belarus")
    assert total(page) > 0
    page.screenshot(path=str(OUTPUT / "results.png"), full_page=True)
    page.screenshot(path=str(OUTPUT / "results-viewport.png"))
    assert (OUTPUT / "results-viewport.png").stat().st_size > 10_000
    # The README's copy is committed: refresh it only on request, so a test run leaves git clean.
    readme_copy = ROOT / "docs" / "screenshot-results.png"
    if not readme_copy.exists() or os.environ.get("UPDATE_SCREENSHOTS") == "1":
        readme_copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(OUTPUT / "results-viewport.png", readme_copy)


def test_facet_filter_box_and_more_values(server, page):
    page.goto(server + "/")
    countries = page.locator('.facet[data-facet="country"]')
    more = countries.locator("details.facet-more")
    assert more.count() == 1 and not more.evaluate("d => d.open")
    box = countries.locator("input.facet-filter")
    box.fill("swe")
    countries.locator("ul.facet-found .facet-value").first.wait_for()
    visible = countries.locator(".facet-value:visible")
    assert visible.count() == 1 and "Sweden" in visible.first.inner_text()
    assert not more.is_visible()  # the loaded lists give way to the values found
    box.fill("")
    more.wait_for(state="visible")
    assert countries.locator("ul.facet-found").is_hidden()


def test_filter_box_finds_a_value_beyond_those_loaded(facet_server, page):
    page.goto(facet_server + "/")
    actors = page.locator('.facet[data-facet="actor"]')
    name = "Zbigniew Wróblewski"
    assert actors.locator(".facet-value", has_text=name).count() == 0  # not among the hundred loaded
    actors.locator("input.facet-filter").fill("wrob")  # no accent, lower case
    found = actors.locator("ul.facet-found .facet-value")
    found.first.wait_for()
    assert found.count() == 1 and name in found.first.inner_text()
    page.screenshot(path=str(OUTPUT / "facet-value-search.png"), full_page=True)
    found.first.locator(".facet-link").click()
    page.wait_for_url(re.compile(r"actor=Zbigniew"))
    assert total(page) == 1
    assert page.locator(".chip", has_text=name).count() == 1


def test_leaders_toggle_narrows_results_and_actors(facet_server, page):
    page.goto(facet_server + "/")
    everything = total(page)
    actors = page.locator('.facet[data-facet="actor"]')
    first = actors.locator(".facet-value").first
    assert "Andriy Yermak" in first.inner_text() and first.locator(".leader-dot").count() == 0
    actors.get_by_role("link", name="leaders only").click()
    page.wait_for_url(re.compile(r"leaders=1"))
    assert 0 < total(page) < everything
    rows = page.locator('.facet[data-facet="actor"] .facet-value')
    assert rows.count() >= 2 and rows.locator(".leader-dot").count() == rows.count()
    assert page.locator(".facet-value", has_text="Andriy Yermak").count() == 0
    assert "Chancellor" in rows.filter(has_text="Olaf Scholz").inner_text()
    page.screenshot(path=str(OUTPUT / "leaders-only.png"), full_page=True)
    page.get_by_role("link", name="all actors").click()
    page.wait_for_url(lambda url: "leaders=" not in url)
    assert total(page) == everything


def test_phone_width_and_keyboard(server, browser):  # noqa: F811  (browser: re-exported above)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(server + "/?q=Belarus")
        # nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for chart in page.locator("svg.histogram").all():  # publication dates and dates mentioned
            assert chart.bounding_box()["width"] <= 390
        page.screenshot(path=str(OUTPUT / "results-phone.png"), full_page=True)
        page.goto(server + "/article/kremlin-67189")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(OUTPUT / "article-phone.png"), full_page=True)
    finally:
        context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server + "/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        # the search box is reachable from the keyboard and submits with Enter
        page.locator("#q").focus()
        page.keyboard.type("Tokayev")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"q=Tokayev"))
        assert total(page) == 4
        # a facet link is a real link: focus it and follow it with Enter
        link = page.locator('.facet[data-facet="source"] .facet-link').first
        link.focus()
        outline = link.evaluate("a => getComputedStyle(a).outlineStyle")
        assert outline != "none"  # a visible focus ring
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"source="))
        assert page.locator(".chip").count() == 1
    finally:
        context.close()
