"""Who appears with whom: the co-mention graph of a result set's top actors (and countries).

Everything is counted from the FacetTable's CSR postings (value -> documents), never from stored fields.
An edge joins two values mentioned in the same article; its ``score`` is Dunning's log-likelihood ratio
G² over the result set's documents (how much more often than chance the two appear together), kept only
when they share at least ``MIN_SUPPORT`` articles and co-occur at least as often as chance predicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import InvalidParameter

NETWORK_KINDS = ("actor", "country")
MAX_NODES = 40
MAX_EDGES = 80
MIN_SUPPORT = 2  # articles a pair must share before it can be an edge
COUNTRY_SHARE = 3  # with countries too, at most a third of the nodes are countries


@dataclass
class Node:
    """One actor or country of the graph: ``value`` is the filter value (a country's code)."""

    kind: str
    value: str
    label: str
    count: int

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.value}"

    def to_dict(self) -> dict:
        """Return the JSON API shape of this node."""
        return {"id": self.id, "kind": self.kind, "label": self.label, "count": self.count}


@dataclass
class Edge:
    """Two nodes (indexes into the node list) that share ``count`` articles, with their G² score."""

    a: int
    b: int
    count: int
    score: float


@dataclass
class Network:
    """The co-mention graph of one result set of ``documents`` articles."""

    documents: int
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the JSON API shape: nodes and edges (source/target are node ids)."""
        return {
            "documents": self.documents,
            "measure": "G2",
            "min_support": MIN_SUPPORT,
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [
                {"source": self.nodes[e.a].id, "target": self.nodes[e.b].id, "count": e.count, "score": e.score}
                for e in self.edges
            ],
        }


def parse_kinds(text: str) -> tuple[str, ...]:
    """Parse ``kinds=actor[,country]`` (blank means actors); anything else is an InvalidParameter."""
    kinds = tuple(dict.fromkeys(k.strip().lower() for k in (text or "actor").split(",") if k.strip()))
    if not kinds or any(k not in NETWORK_KINDS for k in kinds):
        raise InvalidParameter(f"kinds must be actor or actor,country, not {text[:40]!r}")
    return kinds


def log_likelihood(both: np.ndarray, a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Return Dunning's G² for pairs: ``both`` articles with both, ``a``/``b`` with each, of ``n`` articles.

    G² = 2 Σ O ln(O / E) over the 2×2 table (both, a only, b only, neither), E from the margins; a cell
    with O = 0 adds nothing. Negative when the pair co-occurs less often than chance (signed).
    """
    both, a, b = (np.asarray(x, dtype=np.float64) for x in (both, a, b))
    cells = (both, a - both, b - both, n - a - b + both)
    expect = (a * b / n, a * (n - b) / n, (n - a) * b / n, (n - a) * (n - b) / n)
    g2 = np.zeros_like(both)
    for o, e in zip(cells, expect):
        with np.errstate(divide="ignore", invalid="ignore"):
            g2 += np.where(o > 0, o * np.log(np.where(o > 0, o, 1) / np.where(e > 0, e, 1)), 0.0)
    g2 = np.maximum(2 * g2, 0.0)
    return np.where(both * n >= a * b, g2, -g2)


def pair_counts(doc_lists: list[np.ndarray]) -> np.ndarray:
    """Return the symmetric matrix of how many documents each pair of the given document lists shares.

    Pairs are enumerated per document (k nodes in a document give k² codes, counted by one bincount), so
    the work grows with the postings, not with documents × nodes²; no BLAS call, whose threads stall on
    a busy machine.
    """
    size = len(doc_lists)
    lengths = np.fromiter((len(d) for d in doc_lists), dtype=np.int64, count=size)
    if not size or not lengths.sum():
        return np.zeros((size, size), dtype=np.int64)
    docs = np.concatenate(doc_lists).astype(np.int64)
    nodes = np.repeat(np.arange(size, dtype=np.int64), lengths)
    order = np.argsort(docs, kind="stable")
    docs, nodes = docs[order], nodes[order]
    first = np.r_[True, docs[1:] != docs[:-1]]
    starts = np.flatnonzero(first)
    per_doc = np.diff(np.r_[starts, len(docs)])
    k = np.repeat(per_doc, per_doc)  # how many nodes the document of each posting has
    start = np.repeat(starts, per_doc)  # where that document's postings begin
    left = np.repeat(np.arange(len(docs)), k)
    offset = np.arange(len(left)) - np.repeat(np.cumsum(k) - k, k)
    right = np.repeat(start, k) + offset
    codes = nodes[left] * size + nodes[right]
    return np.bincount(codes, minlength=size * size).reshape(size, size)


def score_edges(counts: np.ndarray, pairs: np.ndarray, n: int, max_edges: int = MAX_EDGES) -> list[Edge]:
    """Keep the strongest pairs: support ≥ MIN_SUPPORT, not below chance, by G² then shared count."""
    size = len(counts)
    if size < 2 or n <= 0:
        return []
    a_idx, b_idx = np.triu_indices(size, k=1)
    both = pairs[a_idx, b_idx]
    keep = both >= MIN_SUPPORT
    a_idx, b_idx, both = a_idx[keep], b_idx[keep], both[keep]
    scores = log_likelihood(both, counts[a_idx], counts[b_idx], n)
    keep = scores >= 0
    a_idx, b_idx, both, scores = a_idx[keep], b_idx[keep], both[keep], scores[keep]
    order = np.lexsort((b_idx, a_idx, -both, -np.round(scores, 6)))[:max_edges]
    return [Edge(int(a_idx[i]), int(b_idx[i]), int(both[i]), round(float(scores[i]), 3)) for i in order.tolist()]


def node_quota(kinds: tuple[str, ...], max_nodes: int) -> dict[str, int]:
    """Return how many nodes each kind may take: countries at most a third when actors are asked too."""
    if kinds == ("country",):
        return {"country": max_nodes}
    if "country" not in kinds:
        return {"actor": max_nodes}
    countries = max(1, max_nodes // COUNTRY_SHARE)
    return {"actor": max_nodes - countries, "country": countries}


def circle_layout(network: Network, width: int = 760, height: int = 520) -> dict:
    """Lay the graph out on a circle (largest node at the top, then clockwise by count), as numbers.

    Deterministic by construction: the same result set always draws the same picture. Labels sit
    outside the circle, anchored away from it, so they never cross the edges.
    """
    cx, cy = width / 2, height / 2
    radius = min(width * 0.28, height * 0.36)
    peak = max((node.count for node in network.nodes), default=1) or 1
    top = max((e.score for e in network.edges), default=0.0)
    total = len(network.nodes)
    points = []
    for i, node in enumerate(network.nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / max(total, 1)
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        r = 4 + 12 * math.sqrt(node.count / peak)
        lx, ly = cx + (radius + r + 6) * math.cos(angle), cy + (radius + r + 6) * math.sin(angle)
        anchor = "middle" if abs(math.cos(angle)) < 0.2 else ("start" if math.cos(angle) > 0 else "end")
        network_label = node.label if len(node.label) <= 28 else node.label[:27] + "…"
        node_row = {
            "x": f"{x:.1f}",
            "y": f"{y:.1f}",
            "r": f"{r:.1f}",
            "lx": f"{lx:.1f}",
            "ly": f"{ly + (4 if abs(math.cos(angle)) >= 0.2 else (14 if math.sin(angle) > 0 else -4)):.1f}",
            "anchor": anchor,
            "label": network_label,
            "node": node,
        }
        points.append((x, y, node_row))
    edges = []
    for edge in network.edges:
        (x1, y1, _), (x2, y2, _) = points[edge.a], points[edge.b]
        strength = edge.score / top if top > 0 else 0.0
        edges.append(
            {
                "x1": f"{x1:.1f}",
                "y1": f"{y1:.1f}",
                "x2": f"{x2:.1f}",
                "y2": f"{y2:.1f}",
                "width": f"{1 + 5 * strength:.1f}",
                "edge": edge,
                "a": network.nodes[edge.a],
                "b": network.nodes[edge.b],
            }
        )
    return {"width": width, "height": height, "nodes": [p[2] for p in points], "edges": edges}
