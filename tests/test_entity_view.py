"""Entity pages (issue 11): /actor, /country, /org and /api/entity on the real fixture index.

Hand counts, from tests/data/fixture_articles.jsonl (read with the eye, ids listed so they can be re-read):
"Kassym-Jomart Tokayev" is written in exactly four articles, all from the Kremlin, each calling him
"President of Kazakhstan" and each naming Vladimir Putin and Kazakhstan:
  kremlin-67561 2022-01-07, kremlin-67563 2022-01-08, kremlin-67748 2022-02-10, kremlin-68442 2022-05-19.
So: total 4; months 2022-01: 2, 2022-02: 1, 2022-03: 0, 2022-04: 0, 2022-05: 1; one role (President, KZ)
first seen 2022-01-07, last 2022-05-19, in 4 articles; sources Kremlin 4; latest newest first 68442, 67748,
67563, 67561; Putin and Kazakhstan each share all 4 articles with him.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from app import create_app
from search.entity_view import log_likelihood, peak_periods, rank_related
from search.model import Bucket

TOKAYEV_IDS = ["kremlin-68442", "kremlin-67748", "kremlin-67563", "kremlin-67561"]


@pytest.fixture(scope="module")
def client(fixture_index_dir):
    """The app serving the fixture index."""
    return create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True}).test_client()


def g2_by_hand(k11: int, k12: int, k21: int, k22: int) -> float:
    """Dunning's G² written out cell by cell (independent of the numpy version)."""
    n = k11 + k12 + k21 + k22
    rows, cols = (k11 + k12, k21 + k22), (k11 + k21, k12 + k22)
    cells = ((k11, rows[0], cols[0]), (k12, rows[0], cols[1]), (k21, rows[1], cols[0]), (k22, rows[1], cols[1]))
    return 2 * sum(k * math.log(k * n / (r * c)) for k, r, c in cells if k)


def test_actor_json_matches_hand_counts(client):
    response = client.get("/api/entity/actor/Kassym-Jomart%20Tokayev")
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) >= {
        "kind",
        "value",
        "display",
        "aliases",
        "roles",
        "total",
        "histogram",
        "related",
        "sources",
        "latest",
    }
    assert (data["kind"], data["value"], data["display"]) == ("actor", "Kassym-Jomart Tokayev", "Kassym-Jomart Tokayev")
    assert data["total"] == 4
    assert [(b["period"], b["count"]) for b in data["histogram"]] == [
        ("2022-01", 2),
        ("2022-02", 1),
        ("2022-03", 0),
        ("2022-04", 0),
        ("2022-05", 1),
    ]
    assert data["peaks"] == []  # five periods: no count can be two standard deviations above the mean
    assert data["roles"] == [
        {"role": "President", "country": "KZ", "first": "2022-01-07", "last": "2022-05-19", "articles": 4}
    ]
    assert data["sources"] == [{"value": "Kremlin", "count": 4}]
    assert [h["id"] for h in data["latest"]] == TOKAYEV_IDS
    assert {"text": "Kassym-Jomart Tokayev", "count": 4, "canonical": True} in data["aliases"]
    actors = {r["value"]: r for r in data["related"]["actor"]}
    assert actors["Vladimir Putin"]["count"] == 4
    assert "Kassym-Jomart Tokayev" not in actors  # never related to itself
    countries = {r["value"]: r for r in data["related"]["country"]}
    assert countries["KZ"]["count"] == 4 and countries["KZ"]["display"] == "Kazakhstan"
    assert data["related"]["country"][0]["value"] == "KZ"  # every article of his, and few others: strongest


def test_related_score_is_g2_of_the_index_counts(client):
    """The score beside Putin is G² of (4 together, Putin's articles in all, 4 Tokayev articles, 37 in all)."""
    data = client.get("/api/entity/actor/kassym-jomart tokayev").get_json()
    putin_total = client.get("/api/entity/actor/Vladimir Putin").get_json()["total"]
    n = 37  # fixture_counts.json: 37 articles
    putin = next(r for r in data["related"]["actor"] if r["value"] == "Vladimir Putin")
    expected = g2_by_hand(4, putin_total - 4, 0, n - 4 - (putin_total - 4))
    assert putin["score"] == pytest.approx(expected, abs=0.01)


def test_values_are_case_insensitive_and_countries_take_codes_or_names(client):
    by_code = client.get("/api/entity/country/kz").get_json()
    assert by_code["value"] == "KZ" and by_code["display"] == "Kazakhstan"
    assert client.get("/api/entity/country/Kazakhstan").get_json()["value"] == "KZ"
    assert client.get("/api/entity/country/KAZAKHSTAN").get_json()["total"] == by_code["total"]
    assert client.get("/api/entity/actor/KASSYM-JOMART TOKAYEV").get_json()["total"] == 4
    assert client.get("/api/entity/actor/Tokayev").get_json()["value"] == "Kassym-Jomart Tokayev"  # surname
    # Sweden: the two Guardian pieces on Sweden and Finland joining Nato (fixture_counts.json)
    assert client.get("/api/entity/country/SE").get_json()["total"] == 2


def test_unknown_entities_are_404(client):
    for url in (
        "/api/entity/actor/Nobody%20Atall",
        "/api/entity/country/XX",
        "/api/entity/org/No%20Such%20Body",
        "/api/entity/person/Vladimir%20Putin",
        "/api/entity/actor/%00",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.is_json and response.get_json()["status"] == 404
    for url in ("/actor/Nobody%20Atall", "/country/Atlantis", "/org/No%20Such%20Body"):
        response = client.get(url)
        assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)


def test_entity_page_shows_roles_chart_related_and_links(client):
    page = client.get("/actor/Kassym-Jomart%20Tokayev").get_data(as_text=True)
    assert "<h1" in page and "Kassym-Jomart Tokayev" in page
    assert "President, Kazakhstan" in page and 'datetime="2022-01-07"' in page and 'datetime="2022-05-19"' in page
    # three months with articles are bars that filter; the two empty ones are drawn but link nowhere
    assert page.count('<a href="/?actor=Kassym-Jomart+Tokayev&amp;from=') == 3
    assert page.count('class="bucket empty"') == 2
    assert 'href="/?actor=Kassym-Jomart+Tokayev&amp;from=2022-01-01&amp;to=2022-01-31"' in page
    # a related person links to the pair's articles and to their own page
    assert 'href="/?actor=Kassym-Jomart+Tokayev&amp;actor=Vladimir+Putin"' in page
    assert 'href="/actor/Vladimir%20Putin"' in page
    assert 'href="/?actor=Kassym-Jomart+Tokayev&amp;country=KZ"' in page
    assert 'class="entity-search" href="/?actor=Kassym-Jomart+Tokayev"' in page
    for article_id in TOKAYEV_IDS:
        assert f'href="/article/{article_id}"' in page
    country = client.get("/country/kz").get_data(as_text=True)
    assert "Kazakhstan" in country and 'href="/?country=KZ"' in country


def test_names_on_results_article_and_sidebar_link_to_entity_pages(client):
    results = client.get("/?q=Tokayev").get_data(as_text=True)
    # badges keep filtering; the small link beside each opens the entity page
    assert 'class="badge badge-actor" href="/?q=Tokayev&amp;actor=' in results
    assert 'class="entity-link" href="/actor/Kassym-Jomart%20Tokayev"' in results
    assert 'class="entity-link" href="/country/KZ"' in results
    assert 'class="entity-link" href="/org/CSTO"' in results  # sidebar organisations
    article = client.get("/article/kremlin-67563").get_data(as_text=True)
    for href in ("/actor/Kassym-Jomart%20Tokayev", "/country/KZ", "/org/CSTO"):
        assert f'class="entity-link" href="{href}"' in article
    for href in ("/actor/Kassym-Jomart%20Tokayev", "/country/KZ", "/org/CSTO"):
        assert client.get(href).status_code == 200


def test_peaks_are_periods_two_standard_deviations_above_the_mean():
    from datetime import date

    counts = [2, 3, 2, 2, 30, 3, 2, 2, 3, 2]
    buckets = [
        Bucket(f"2022-{i + 1:02d}", c, date(2022, i + 1, 1), date(2022, i + 1, 28)) for i, c in enumerate(counts)
    ]
    assert peak_periods(buckets) == ["2022-05"]
    assert peak_periods(buckets[:4]) == []  # flat
    assert peak_periods(buckets[3:6]) == []  # three periods: no z-score can exceed 2


def test_association_ranking_on_a_constructed_table():
    """100 articles, the entity in 10 of them; five other values with known counts.

    A: in 10 articles, 5 with the entity (far above the 1 expected)   -> kept
    E: in 20 articles, 6 with the entity (2 expected)                  -> kept, more shared articles than A
    B: in 90 articles, 9 with the entity (exactly the 9 expected)       -> dropped: not above chance
    C: in 2 articles, both with the entity                              -> dropped: support 2 < 3
    D: in 40 articles, 4 with the entity (exactly the 4 expected)       -> dropped
    """
    together = np.array([5, 9, 2, 4, 6])
    overall = np.array([10, 90, 2, 40, 20])
    ranked = rank_related(together, overall, entity_total=10, n=100)
    assert [v for v, _, _ in ranked] == [0, 4]  # A before E: rarer elsewhere, so more telling, despite fewer
    g2_a, g2_e = g2_by_hand(5, 5, 5, 85), g2_by_hand(6, 14, 4, 76)
    assert g2_a > g2_e
    assert ranked[0] == (0, 5, round(g2_a, 2)) and ranked[1] == (4, 6, round(g2_e, 2))
    assert log_likelihood(np.array([9]), np.array([90]), 10, 100)[0] == pytest.approx(0.0, abs=1e-9)
    # the entity itself is never its own relation; min_support is a parameter
    assert [v for v, _, _ in rank_related(together, overall, 10, 100, exclude=0)] == [4]
    assert [v for v, _, _ in rank_related(together, overall, 10, 100, min_support=2)] == [0, 2, 4]


@pytest.fixture(scope="module")
def hostile_client(build_index, tmp_path_factory):
    """An index whose article title and source are HTML attacks, about a real person and country."""
    folder = tmp_path_factory.mktemp("entity-hostile")
    corpus = folder / "hostile.jsonl"
    corpus.write_text(
        json.dumps(
            {
                "id": "hostile-1",
                "date": "2022-03-01",
                "source": "<b>Evil</b> Wire",
                "url": "javascript:alert(1)",
                "title": "<script>alert('title')</script> Talks in Minsk",
                "text": "President Alexander Lukashenko met officials in Minsk, Belarus. <img src=x onerror=alert(1)> "
                "The talks on migrants went on <i>late</i> & ended.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    build_index([corpus], folder / "index")
    return create_app({"INDEX_DIR": str(folder / "index")}).test_client()


def test_hostile_text_and_names_are_escaped(hostile_client):
    page = hostile_client.get("/country/BY").get_data(as_text=True)
    assert "Belarus" in page
    assert "<script>alert" not in page and "<b>Evil" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;b&gt;Evil&lt;/b&gt; Wire" in page
    for url in ("/actor/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/org/%3Cimg%20src=x%20onerror=alert(1)%3E"):
        response = hostile_client.get(url)
        assert response.status_code == 404 and "<script>alert" not in response.get_data(as_text=True)
        assert "<img src=x" not in response.get_data(as_text=True)
    api = hostile_client.get("/api/entity/actor/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert api.status_code == 404 and api.mimetype == "application/json"
