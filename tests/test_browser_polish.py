"""Everyday polish (issue 11) in a real browser (Debian's chromium through Playwright) against `flask run`.

The exclude control is reached and used with the keyboard, the article page keeps the search and leads
back to it, "compare with…" on an entity page opens a comparison, and a refused ``per_page`` is clamped.
Screenshots land in test-output/.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import OUTPUT, total

pytestmark = pytest.mark.browser


def test_the_exclude_control_is_reached_and_used_with_the_keyboard(server, page):  # noqa: F811
    page.goto(server + "/?q=Tokayev")
    # a link whose accessible name says what it leaves out (the minus sign is decoration)
    target = page.get_by_role("link", name="Exclude Vladimir Putin", exact=True)
    assert target.count() == 1 and "facet-exclude" in target.get_attribute("class")
    assert target.inner_text().splitlines()[:2] == ["−", "Exclude"] or target.inner_text().startswith("− Exclude")
    box = target.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24  # WCAG 2.2 target size
    page.locator("#q").focus()
    for _ in range(300):  # Tab through the page until the control has the focus
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement.classList.contains('facet-exclude') && "
            "document.activeElement.closest('.facet-value').textContent.includes('Vladimir Putin')"
        ):
            break
    else:
        pytest.fail("the exclude control of Vladimir Putin is not in the tab order")
    assert page.evaluate("document.activeElement.getAttribute('href')") == target.get_attribute("href")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"actor=-Vladimir\+Putin"))
    assert total(page) == 0  # every Tokayev article of the fixture names Putin
    assert page.locator(".chip-excluded", has_text="Vladimir Putin").count() == 1
    assert page.locator(".notice", has_text="most of your words").count() == 0


def test_the_article_page_keeps_the_search_and_leads_back(server, page):  # noqa: F811
    page.goto(server + "/?q=Tokayev+cooperation&country=KZ")
    results_url = page.url
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/article/"))
    assert page.locator("#q").input_value() == "Tokayev cooperation"
    marks = [m.lower() for m in page.locator(".article-body mark, .article-title mark").all_inner_texts()]
    assert marks and set(marks) <= {"tokayev", "cooperation"} and "cooperation" in marks
    assert page.locator(".entity-legend mark").count() == 1
    page.screenshot(path=str(OUTPUT / "article-searched.png"), full_page=True)
    # a new query from the article keeps the country filter
    page.locator(".back-to-results a").click()
    page.wait_for_url(results_url)
    assert parse_qs(urlsplit(page.url).query) == {"q": ["Tokayev cooperation"], "country": ["KZ"]}
    assert total(page) >= 1


def test_compare_with_from_an_entity_page(server, page):  # noqa: F811
    page.goto(server + "/actor/Kassym-Jomart%20Tokayev")
    page.locator("#compare-with").fill("Lukashenko")
    page.locator("#compare-with").press("Enter")
    page.wait_for_url(re.compile(r"/compare\?"))
    assert parse_qs(urlsplit(page.url).query)["q"] == ['actor:"Kassym-Jomart Tokayev"', "Lukashenko"]
    legend = page.locator(".compare-legend li")
    assert legend.count() == 2
    assert legend.nth(0).inner_text().split() == ['actor:"Kassym-Jomart', 'Tokayev"', "4", "articles"]
    assert page.locator("svg.compare-chart polyline").count() == 2
    page.screenshot(path=str(OUTPUT / "compare-from-entity.png"), full_page=True)
    # the ready-made comparison with the strongest associate
    page.go_back()
    page.locator(".entity-compare-quick a").first.click()
    page.wait_for_url(re.compile(r"/compare\?"))
    assert page.locator(".compare-legend li").count() == 2


def test_a_refused_per_page_is_clamped_on_the_page(server, page):  # noqa: F811
    response = page.goto(server + "/?q=conversation&per_page=100")
    assert response.status == 200
    assert "Showing 50 a page" in page.locator(".notice").first.inner_text()
    assert page.locator("#per_page").input_value() == "50"
    assert page.locator(".hit").count() == min(50, total(page))
