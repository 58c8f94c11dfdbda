"""Entity pages in a real browser (Debian's chromium through Playwright) against a real `flask run` server.

The server, browser and page fixtures are the ones of tests/conftest.py; the screenshot lands in
test-output/entity-page.png (and, with `UPDATE_SCREENSHOTS=1`, in docs/ for the README).
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
from conftest import OUTPUT, ROOT, total

pytestmark = pytest.mark.browser


def test_entity_page_from_a_result_and_back_to_a_pair_search(server, page):
    page.goto(server + "/?q=Tokayev")
    # the small link beside a person's badge opens their page
    page.locator('.hit .entity-link[href="/actor/Kassym-Jomart%20Tokayev"]').first.click()
    page.wait_for_url(re.compile(r"/actor/Kassym-Jomart%20Tokayev$"))
    assert page.locator("h1").inner_text().strip() == "Kassym-Jomart Tokayev"
    assert page.locator(".entity-meta .total").inner_text() == "4"
    roles = page.locator("table.entity-roles tbody tr")
    assert roles.count() == 1 and "President, Kazakhstan" in roles.inner_text()
    assert page.locator("svg.histogram a.bucket").count() == 3
    assert page.locator(".entity-latest .hit").count() == 4
    page.screenshot(path=str(OUTPUT / "entity-page.png"), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        shutil.copy(OUTPUT / "entity-page.png", ROOT / "docs" / "screenshot-entity.png")

    # the shared-articles count beside Vladimir Putin is the pair's search
    putin = page.locator("table.related tr", has_text="Vladimir Putin")
    assert putin.locator("td").nth(1).inner_text() == "4"
    putin.locator("td").nth(1).locator("a").click()
    page.wait_for_url(re.compile(r"actor=Kassym-Jomart\+Tokayev&actor=Vladimir\+Putin"))
    assert total(page) == 4

    # a month bar of the entity's chart narrows the entity's search to that month
    page.goto(server + "/country/kz")
    assert "Kazakhstan" in page.locator("h1").inner_text()
    page.locator("svg.histogram a.bucket").first.click()
    page.wait_for_url(re.compile(r"country=KZ&from="))
    assert total(page) >= 1

    # an unknown entity is a proper 404 page
    response = page.goto(server + "/actor/Nobody%20At%20All")
    assert response.status == 404 and "Not found" in page.content()


def test_a_value_found_by_the_filter_box_links_to_its_page(server, page):
    page.goto(server + "/")
    countries = page.locator('.facet[data-facet="country"]')
    countries.locator("input.facet-filter").fill("swe")
    found = countries.locator("ul.facet-found .facet-value")
    found.first.wait_for()
    about = found.first.locator(".entity-link")
    assert about.get_attribute("href") == "/country/SE"
    about.click()
    page.wait_for_url(re.compile(r"/country/SE$"))
    assert "Sweden" in page.locator("h1").inner_text()
    assert page.locator(".entity-meta .total").inner_text() == "2"  # fixture_counts.json: SE 2
