"""Who appears with whom: G² scoring on a tiny constructed case, and /api/network and the results page's
graph on the fixture index against hand-counted co-mentions."""

from __future__ import annotations

import math
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from app import create_app
from search.network import MIN_SUPPORT, Network, Node, circle_layout, log_likelihood, pair_counts, score_edges


def g2_by_hand(both: int, a: int, b: int, n: int) -> float:
    """G² of a 2×2 table written out cell by cell (plain Python, independent of the numpy version)."""
    table = [[both, a - both], [b - both, n - a - b + both]]
    rows, cols = [a, n - a], [b, n - b]
    return 2 * sum(
        table[i][j] * math.log(table[i][j] * n / (rows[i] * cols[j])) for i in range(2) for j in range(2) if table[i][j]
    )


# --- scoring on a tiny constructed case -----------------------------------------------------------


def test_log_likelihood_of_a_perfect_pair_is_8_ln_2():
    # 4 documents, A and B both in documents 0 and 1 and in neither of 2, 3: every cell is 2 vs 1 expected,
    # so G² = 2 · 4 · (2 ln 2 / 2) = 8 ln 2.
    assert log_likelihood(np.array([2]), np.array([2]), np.array([2]), 4)[0] == pytest.approx(8 * math.log(2))
    assert g2_by_hand(2, 2, 2, 4) == pytest.approx(8 * math.log(2))


def test_log_likelihood_is_negative_below_chance_and_zero_at_chance():
    # 10 documents, A in 5, B in 5, both in 2 (2.5 expected): fewer than chance, so the sign is negative
    score = log_likelihood(np.array([2]), np.array([5]), np.array([5]), 10)[0]
    assert score < 0 and -score == pytest.approx(g2_by_hand(2, 5, 5, 10))
    # both in every document: exactly what chance predicts
    assert log_likelihood(np.array([4]), np.array([4]), np.array([4]), 4)[0] == 0


def test_pair_counts_and_edges_on_constructed_postings():
    # documents 0..5 of a result set of 6: A in 0,1,2; B in 0,1,2; C in 3; D in 2,3,4,5
    docs = [np.array([0, 1, 2]), np.array([0, 1, 2]), np.array([3]), np.array([2, 3, 4, 5])]
    pairs = pair_counts(docs)
    assert pairs.tolist() == [[3, 3, 0, 1], [3, 3, 0, 1], [0, 0, 1, 1], [1, 1, 1, 4]]
    edges = score_edges(np.array([3, 3, 1, 4]), pairs, 6)
    # only A–B shares MIN_SUPPORT (2) documents; A–D, B–D and C–D share one each
    assert MIN_SUPPORT == 2
    assert [(e.a, e.b, e.count) for e in edges] == [(0, 1, 3)]
    assert edges[0].score == pytest.approx(g2_by_hand(3, 3, 3, 6), abs=1e-3)


def test_edges_below_chance_are_dropped_and_the_strongest_come_first():
    # 10 documents: A,B share 4 of their 4 (strong); A,C share 2 of A's 4 and C's 6 (2.4 expected: below)
    a, b, c = np.arange(4), np.arange(4), np.array([2, 3, 4, 5, 6, 7])
    edges = score_edges(np.array([4, 4, 6]), pair_counts([a, b, c]), 10)
    assert [(e.a, e.b) for e in edges] == [(0, 1)]


def test_circle_layout_is_deterministic_numbers_and_scales_by_count_and_score():
    net = Network(10, [Node("actor", "A", "A", 4), Node("actor", "B", "B", 1), Node("country", "BY", "Belarus", 2)], [])
    from search.network import Edge

    net.edges = [Edge(0, 1, 2, 5.0), Edge(0, 2, 2, 1.0)]
    first, second = circle_layout(net), circle_layout(net)
    assert first == second
    radii = [float(n["r"]) for n in first["nodes"]]
    assert radii[0] > radii[2] > radii[1]  # bigger count, bigger node
    widths = [float(e["width"]) for e in first["edges"]]
    assert widths[0] > widths[1]  # stronger association, wider line
    assert first["nodes"][0]["x"] == f"{first['width'] / 2:.1f}"  # the largest node sits at the top


# --- /api/network on the fixture corpus --------------------------------------------------------------


@pytest.fixture(scope="module")
def client(fixture_index_dir):
    return create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True}).test_client()


def network(client, **params) -> dict:
    response = client.get("/api/network", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_api_network_tokayev_matches_the_hand_count(client):
    # Hand count (tests/data/fixture_articles.jsonl, searching the text): "Tokayev" is in 4 Kremlin
    # articles (kremlin-67561, -67563, -67748, -68442); every one also names Putin; only kremlin-67561
    # names Lukashenko, Rahmon, Pashinyan, Japarov and Shoigu (the CSTO call).
    result = network(client, q="Tokayev")
    assert set(result) >= {"nodes", "edges"}
    nodes = {n["label"]: n for n in result["nodes"]}
    assert nodes["Kassym-Jomart Tokayev"]["count"] == 4 and nodes["Vladimir Putin"]["count"] == 4
    for name in ("Alexander Lukashenko", "Emomali Rahmon", "Nikol Pashinyan", "Sadyr Japarov", "Sergei Shoigu"):
        assert nodes[name]["count"] == 1
    assert all(set(n) == {"id", "kind", "label", "count"} for n in result["nodes"])
    assert nodes["Vladimir Putin"]["id"] == "actor:Vladimir Putin" and nodes["Vladimir Putin"]["kind"] == "actor"
    # the others share one article with anyone (below the support of 2); Putin and Tokayev are in all 4,
    # which is exactly chance: an edge of count 4 and score 0
    assert result["edges"] == [
        {"source": "actor:Kassym-Jomart Tokayev", "target": "actor:Vladimir Putin", "count": 4, "score": 0.0}
    ]


def test_api_network_whole_corpus_scores_by_g2(client):
    # Hand count over all 37 articles (names searched in title and text): Putin in 15, Tokayev in 4, both in 4;
    # Lukashenko in 8, Merkel in 7, both in 4 (kremlin-67115, -67126, -67165, -67189); Putin with Biden: 1.
    result = network(client)
    edges = {frozenset((e["source"], e["target"])): e for e in result["edges"]}
    putin_tokayev = edges[frozenset(("actor:Vladimir Putin", "actor:Kassym-Jomart Tokayev"))]
    assert putin_tokayev["count"] == 4
    assert putin_tokayev["score"] == pytest.approx(g2_by_hand(4, 15, 4, 37), abs=1e-3)
    lukashenko_merkel = edges[frozenset(("actor:Alexander Lukashenko", "actor:Angela Merkel"))]
    assert lukashenko_merkel["count"] == 4
    assert lukashenko_merkel["score"] == pytest.approx(g2_by_hand(4, 8, 7, 37), abs=1e-3)
    assert frozenset(("actor:Vladimir Putin", "actor:Joe Biden")) not in edges  # one shared article
    scores = [e["score"] for e in result["edges"]]
    assert scores == sorted(scores, reverse=True) and scores[0] == putin_tokayev["score"]
    assert all(e["count"] >= MIN_SUPPORT and e["score"] >= 0 for e in result["edges"])
    assert len(result["nodes"]) <= 40


def test_api_network_with_countries_and_filters(client):
    result = network(client, kinds="actor,country", q="Tokayev")
    countries = {n["id"]: n for n in result["nodes"] if n["kind"] == "country"}
    assert countries["country:KZ"]["label"] == "Kazakhstan" and countries["country:KZ"]["count"] == 4
    assert any("country:KZ" in (e["source"], e["target"]) for e in result["edges"])
    # a filter narrows the set like /api/search does
    narrowed = network(client, actor="Alexander Lukashenko", q="Tokayev")
    assert {n["label"]: n["count"] for n in narrowed["nodes"]}["Vladimir Putin"] == 1


@pytest.mark.parametrize(
    "params", [{"kinds": "org"}, {"kinds": "actor,<script>"}, {"per_page": "7"}, {"from": "yesterday"}]
)
def test_api_network_bad_parameters_are_a_clean_400(client, params):
    response = client.get("/api/network", query_string=params)
    assert response.status_code == 400
    assert response.is_json and "Traceback" not in response.get_data(as_text=True)


# --- the drawing on the results page --------------------------------------------------------------------


def test_results_page_draws_the_graph_with_node_and_edge_filter_links(client):
    page = client.get("/?q=Tokayev").get_data(as_text=True)
    svg = re.search(r'<svg class="network-graph".*?</svg>', page, re.S).group(0)
    nodes = re.findall(r'<a class="node[^"]*" href="([^"]+)" aria-label="([^"]+)"', svg)
    assert len(nodes) == 7
    href = dict((unescape(label).split(":")[0], unescape(h)) for h, label in nodes)["Vladimir Putin"]
    assert parse_qs(urlsplit(href).query) == {"q": ["Tokayev"], "actor": ["Vladimir Putin"]}
    edges = re.findall(r'<a class="edge" href="([^"]+)"', svg)
    assert len(edges) == 1
    assert sorted(parse_qs(urlsplit(unescape(edges[0])).query)["actor"]) == ["Kassym-Jomart Tokayev", "Vladimir Putin"]
    assert "<text" in svg and ">Kassym-Jomart Tokayev</text>" in svg


def test_graph_links_lead_to_the_hand_counted_articles(client):
    result = client.get("/api/search", query_string={"actor": ["Kassym-Jomart Tokayev", "Vladimir Putin"]})
    assert result.get_json()["total"] == 4


def test_no_results_draw_no_graph(client):
    page = client.get("/?q=zzzzqqqq").get_data(as_text=True)
    assert 'class="network-graph"' not in page


def test_every_label_in_the_drawing_is_escaped(fixture_index_dir):
    from flask import render_template

    from app import network_chart
    from search.network import Edge

    app = create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True})
    evil = '<script>alert("x")</script>'
    net = Network(
        3, [Node("actor", evil, evil, 2), Node("actor", "O'Brien & Co", "O'Brien & Co", 2)], [Edge(0, 1, 2, 3.8)]
    )
    with app.test_request_context("/?q=x"):
        html = render_template("_network.html", network=network_chart(net), network_kinds=("actor",))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "O&#39;Brien &amp; Co" in html
    assert html.count('<a class="node') == 2 and html.count('<a class="edge"') == 1
