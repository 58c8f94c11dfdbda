"""A real browser on the co-mention graph and the comparison page (chromium via Playwright, a real server).

Screenshots land in test-output/; `UPDATE_SCREENSHOTS=1` also refreshes docs/screenshot-network.png and
docs/screenshot-compare.png for the README.
"""

from __future__ import annotations

import os
import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import OUTPUT, ROOT, serve, total

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(fixture_index_dir):
    """The fixture corpus served by a real `flask run` process."""
    with serve(fixture_index_dir, "network-server") as base:
        yield base


def keep_for_readme(name: str) -> None:
    """Copy a screenshot to docs/ when it is missing or UPDATE_SCREENSHOTS=1 (a test run leaves git clean)."""
    target = ROOT / "docs" / f"screenshot-{name}.png"
    if not target.exists() or os.environ.get("UPDATE_SCREENSHOTS") == "1":
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(OUTPUT / f"{name}.png", target)


def test_clicking_a_node_and_an_edge_filters_the_results(server, page):
    page.goto(server + "/?q=Tokayev")
    graph = page.locator("svg.network-graph")
    graph.scroll_into_view_if_needed()
    assert graph.locator("a.node").count() == 7
    OUTPUT.mkdir(exist_ok=True)
    graph.screenshot(path=str(OUTPUT / "network.png"))
    keep_for_readme("network")

    # a node: filter by that person (Lukashenko is in one of the four Tokayev articles, by hand count)
    graph.locator('a.node[data-id="actor:Alexander Lukashenko"] circle').click()
    page.wait_for_url(re.compile(r"actor=Alexander"))
    assert total(page) == 1
    assert page.locator(".chip", has_text="Alexander Lukashenko").count() == 1

    # an edge: filter by both ends (Putin and Tokayev share all four articles)
    page.go_back()
    page.wait_for_url(lambda url: "actor=" not in url)
    edge = page.locator("svg.network-graph a.edge").first
    assert "Kassym-Jomart Tokayev and Vladimir Putin" in edge.get_attribute("aria-label")
    edge.locator("line.edge-line").click()
    page.wait_for_url(re.compile(r"actor=.*actor="))
    assert sorted(parse_qs(urlsplit(page.url).query)["actor"]) == ["Kassym-Jomart Tokayev", "Vladimir Putin"]
    assert total(page) == 4
    assert page.locator(".chip").count() == 2
    page.screenshot(path=str(OUTPUT / "network-edge-filtered.png"), full_page=True)


def test_graph_is_keyboard_reachable(server, page):
    page.goto(server + "/?q=Tokayev")
    node = page.locator('svg.network-graph a.node[data-id="actor:Vladimir Putin"]')
    node.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"actor=Vladimir"))
    assert total(page) == 4


def test_compare_page_with_the_counts_and_shares_toggle(server, page):
    page.goto(server + "/compare")
    page.get_by_label("Query 1").fill("Tokayev")
    page.get_by_label("Query 2").fill('"humanitarian law"')
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"/compare\?.*q=Tokayev"))
    chart = page.locator("svg.compare-chart")
    assert chart.locator("polyline").count() == 2
    legend = page.locator(".compare-legend li")
    assert legend.count() == 2 and "4 articles" in legend.first.inner_text()
    assert chart.locator(".grid text").last.text_content() == "2"  # the peak: two articles in one month
    page.screenshot(path=str(OUTPUT / "compare.png"), full_page=True)
    keep_for_readme("compare")

    page.get_by_role("link", name="Share of all articles").click()
    page.wait_for_url(re.compile(r"mode=share"))
    assert chart.locator("polyline").count() == 2
    assert chart.locator(".grid text").last.text_content() == "50.0%"  # 2 of 4 in January 2022 (and Nov: 2 of 14)
    assert page.locator(".compare-mode strong").inner_text() == "Share of all articles"
    assert page.get_by_label("Query 1").input_value() == "Tokayev"  # the form keeps the series
    page.screenshot(path=str(OUTPUT / "compare-shares.png"), full_page=True)

    href = page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert href.startswith("/compare.csv?") and "q=Tokayev" in href

    page.get_by_role("link", name="Article counts").click()
    page.wait_for_url(re.compile(r"mode=count"))
    assert chart.locator(".grid text").last.text_content() == "2"


def test_compare_page_refuses_six_series_with_a_notice(server, page):
    response = page.goto(server + "/compare?" + "&".join(f"q=w{i}" for i in range(6)))
    assert response.status == 400
    assert "at most 5 queries" in page.locator(".notice").inner_text()


def test_graph_and_comparison_fit_a_phone(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        for path in ("/?q=Tokayev", "/compare?q=Tokayev&q=%22humanitarian+law%22"):
            page.goto(server + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator("svg.compare-chart").bounding_box()["width"] <= 390
        page.screenshot(path=str(OUTPUT / "compare-phone.png"), full_page=True)
    finally:
        context.close()
