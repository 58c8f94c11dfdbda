"""A real browser on collapsed stories: one result per story with "+N versions", the toggle to every
version kept through sorting and filtering, and the versions listed on the article page."""

from __future__ import annotations

import re

import pytest
from conftest import OUTPUT, serve, total
from test_story_results import story_index_dir  # noqa: F401 (the story index fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def story_server(story_index_dir):  # noqa: F811
    """The story corpus (11 articles in 4 stories) served by a real `flask run` process."""
    with serve(story_index_dir, "story-server") as base:
        yield base


def test_collapsed_results_and_the_versions_toggle(story_server, page):
    page.goto(story_server + "/?q=Macron")
    meta = page.locator(".results-meta")
    assert total(page) == 3 and "stories" in meta.inner_text() and "(8 articles)" in meta.inner_text()
    assert page.locator(".hit").count() == 3
    assert "stories" in page.locator(".facet-counting").inner_text()
    versions = page.locator(".hit-versions")
    assert versions.count() == 1 and versions.inner_text() == "+5 versions"
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "stories-collapsed.png"), full_page=True)

    # every version: the choice is in the URL and survives a new sort and a filter
    page.locator(".versions-toggle").click()
    page.wait_for_url(re.compile(r"versions=all"))
    assert total(page) == 8 and "(3 stories)" in meta.inner_text()
    assert page.locator(".hit").count() == 8 and page.locator(".hit-versions").count() == 0
    page.screenshot(path=str(OUTPUT / "stories-all-versions.png"), full_page=True)
    page.select_option("#sort", "oldest")
    page.locator(".result-controls button").click()
    page.wait_for_url(re.compile(r"sort=oldest"))
    assert "versions=all" in page.url and total(page) == 8
    page.locator('.facet[data-facet="source"] .facet-value', has_text="tass").locator(".facet-link").click()
    page.wait_for_url(re.compile(r"source=tass"))
    assert "versions=all" in page.url and total(page) == 2

    # back to one result per story
    page.locator(".versions-toggle").click()
    page.wait_for_url(lambda url: "versions=" not in url)
    assert total(page) == 2 and "stories" in meta.inner_text()


def test_plus_versions_leads_to_the_story_on_the_article_page(story_server, page):
    page.goto(story_server + "/?q=Macron")
    page.locator(".hit-versions").click()
    page.wait_for_url(re.compile(r"/article/.*#story-versions"))
    block = page.locator("#story-versions")
    assert block.locator("h2").text_content() == "6 versions of this story"
    assert block.locator("li").count() == 6 and block.locator("li a").count() == 5
    lead = block.locator("li").first.inner_text()  # the truncated copy, published an hour before the rest
    assert lead.startswith("Telephone conversation with President of France") and "(first published)" in lead
    page.screenshot(path=str(OUTPUT / "stories-article.png"), full_page=True)
    block.locator("li a").first.click()
    page.wait_for_url(re.compile(r"/article/"))
    assert page.locator("#story-versions h2").text_content() == "6 versions of this story"
    assert page.locator("#story-versions li[aria-current]").count() == 1
    assert page.locator("#story-versions li[aria-current] a").count() == 0  # this version is not a link
