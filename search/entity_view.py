"""Entity pages: who or what one actor, country or organisation is, when it drew attention, and with whom.

Everything comes from arrays the read side already holds per index commit (the facet columns, the
per-article roles, the days, the spellings column's counts); only the ten latest articles read stored
fields. The pieces here are plain numpy functions so they can be tested on a tiny constructed table.

Related entities are ranked by Dunning's log-likelihood ratio G² over the 2×2 table of "article has the
entity" × "article has the other value", counting only values seen in at least ``MIN_SUPPORT`` of the
entity's articles and more often than chance would put them there (see the README, "Entity pages").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .facets import NO_DATE, ActorRoles
from .model import Bucket, Hit

ENTITY_KINDS = ("actor", "country", "org")
MIN_SUPPORT = 3  # a related value must share at least this many articles with the entity
RELATED_LIMIT = 15  # related values listed per kind
SOURCES_LIMIT = 10
LATEST_LIMIT = 10
ALIASES_LIMIT = 30
PEAK_SD = 2.0  # a period peaks when its count exceeds the mean by this many standard deviations
MAX_VALUE_CHARS = 200


@dataclass
class Related:
    """One value co-occurring with the entity: shared articles and association score (G²)."""

    value: str
    count: int
    score: float
    display: str = ""  # a country's name (its value is the code)

    def to_dict(self) -> dict:
        """Return the JSON shape of one related value."""
        return {"value": self.value, "display": self.display or self.value, "count": self.count, "score": self.score}


@dataclass
class RoleHeld:
    """One (role, country) an actor is given, with when and in how many articles."""

    role: str
    country: str
    first: date | None
    last: date | None
    articles: int

    def to_dict(self) -> dict:
        """Return the JSON shape of one role."""
        return {
            "role": self.role,
            "country": self.country,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "articles": self.articles,
        }


@dataclass
class EntityView:
    """Everything an entity page shows."""

    kind: str
    value: str  # the facet value: canonical name, or a country's alpha-2 code
    display: str
    total: int
    aliases: list[tuple[str, int]] = field(default_factory=list)
    roles: list[RoleHeld] = field(default_factory=list)
    histogram: list[Bucket] = field(default_factory=list)
    histogram_unit: str = "month"
    peaks: list[str] = field(default_factory=list)  # periods whose attention peaks
    related: dict[str, list[Related]] = field(default_factory=dict)
    sources: list[tuple[str, int]] = field(default_factory=list)
    latest: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the JSON shape of /api/entity/<kind>/<value> (issue 11)."""
        peaks = set(self.peaks)
        return {
            "kind": self.kind,
            "value": self.value,
            "display": self.display,
            # the canonical name is counted in every article about the entity (see merge_aliases)
            "aliases": [
                {"text": t, "count": c, **({"canonical": True} if t == self.value else {})} for t, c in self.aliases
            ],
            "roles": [r.to_dict() for r in self.roles],
            "total": self.total,
            "histogram": [{"period": b.period, "count": b.count, "peak": b.period in peaks} for b in self.histogram],
            "histogram_unit": self.histogram_unit,
            "peaks": list(self.peaks),
            "related": {kind: [r.to_dict() for r in rows] for kind, rows in self.related.items()},
            "sources": [{"value": v, "count": c} for v, c in self.sources],
            "latest": [hit_dict(h) for h in self.latest],
        }


def hit_dict(hit: Hit) -> dict:
    """Return ``hit.to_dict()``'s shape by a shallow copy: ``dataclasses.asdict`` deep-copies every
    mentioned date of a long article (60 % of a warm entity request on the crisis index)."""
    d = dict(vars(hit))
    d["date"] = hit.date.isoformat() if hit.date else None
    return d


def log_likelihood(together: np.ndarray, overall: np.ndarray, entity_total: int, n: int) -> np.ndarray:
    """Return Dunning's G² per value from its articles with the entity (``together``) and in all (``overall``).

    The 2×2 table per value: k11 = together, k12 = overall - together, k21 = entity_total - together,
    k22 = the rest of the ``n`` articles. G² = 2 Σ k·ln(k·n / (row·column)), with 0·ln 0 = 0.
    """
    k11 = together.astype(np.float64)
    k12 = overall.astype(np.float64) - k11
    k21 = float(entity_total) - k11
    k22 = float(n) - float(entity_total) - k12
    rows = (k11 + k12, k21 + k22)
    cols = (k11 + k21, k12 + k22)
    total = float(n)
    g2 = np.zeros_like(k11)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, r, c in (
            (k11, rows[0], cols[0]),
            (k12, rows[0], cols[1]),
            (k21, rows[1], cols[0]),
            (k22, rows[1], cols[1]),
        ):
            g2 += np.where(k > 0, k * np.log(k * total / (r * c)), 0.0)
    return np.maximum(2.0 * g2, 0.0)


def rank_related(
    together: np.ndarray,
    overall: np.ndarray,
    entity_total: int,
    n: int,
    exclude: int | None = None,
    min_support: int = MIN_SUPPORT,
    limit: int = RELATED_LIMIT,
) -> list[tuple[int, int, float]]:
    """Return (value id, shared articles, G²) of the values most associated with the entity, best first.

    Only values in at least ``min_support`` of the entity's articles, and seen with it more often than
    chance (together > overall · entity_total / n), count: G² alone also rewards avoidance.
    """
    if not len(together) or entity_total <= 0 or n <= 0:
        return []
    expected = overall.astype(np.float64) * entity_total / n
    keep = (together >= min_support) & (together > expected)
    if exclude is not None and 0 <= exclude < len(keep):
        keep[exclude] = False
    ids = np.flatnonzero(keep)
    if not len(ids):
        return []
    scores = log_likelihood(together[ids], overall[ids], entity_total, n)
    order = np.lexsort((ids, -together[ids], -scores))[:limit]
    return [(int(ids[i]), int(together[ids[i]]), round(float(scores[i]), 2)) for i in order]


def peak_periods(buckets: list[Bucket], sd: float = PEAK_SD) -> list[str]:
    """Return the periods whose count exceeds the mean of all periods by more than ``sd`` standard deviations.

    With fewer than six periods no count can (the largest possible z-score of n values is (n-1)/√n),
    so short charts mark no peak rather than a meaningless one.
    """
    if len(buckets) < 2:
        return []
    counts = np.array([b.count for b in buckets], dtype=np.float64)
    mean, std = counts.mean(), counts.std()
    if std == 0:
        return []
    return [b.period for b, c in zip(buckets, counts) if c > mean + sd * std]


def roles_held(roles: ActorRoles, vid: int, live: np.ndarray, day: np.ndarray) -> list[RoleHeld]:
    """Return each (role, country) the articles give actor ``vid``: first and last day, article count.

    Most articles first; undated articles count but set no dates.
    """
    if vid + 1 >= len(roles.role_ptr):
        return []
    lo, hi = int(roles.role_ptr[vid]), int(roles.role_ptr[vid + 1])
    docs, ids = roles.role_doc[lo:hi], roles.role_id[lo:hi]
    keep = live[docs]
    docs, ids = docs[keep], ids[keep]
    if not len(docs):
        return []
    held = []
    for rid in np.unique(ids).tolist():
        mine = docs[ids == rid]
        days = day[mine]
        days = days[days != NO_DATE]
        role, country = roles.roles[rid]
        held.append(
            RoleHeld(
                role,
                country,
                date.fromordinal(int(days.min())) if len(days) else None,
                date.fromordinal(int(days.max())) if len(days) else None,
                int(len(np.unique(mine))),
            )
        )
    held.sort(key=lambda r: (-r.articles, r.role, r.country))
    return held


def surname_index(names: list[str]) -> dict[str, list[int]]:
    """Return, per lower-cased last word of a name of two or more words, the ids of the names ending so."""
    index: dict[str, list[int]] = {}
    for vid, name in enumerate(names):
        words = name.split()
        if len(words) >= 2:
            index.setdefault(words[-1].lower(), []).append(vid)
    return index


def merge_aliases(
    spellings: dict[str, int], canonical: str | None, entity_docs: int, limit: int = ALIASES_LIMIT
) -> list[tuple[str, int]]:
    """Return an entity's spellings with the number of articles writing each, most written first.

    The spellings column lists, per article, the spellings other than the canonical name, and the read
    side counts the canonical name in every article about a person or organisation: its count is
    those articles (``entity_docs`` caps it, should an article also list it among the others).
    """
    counts = dict(spellings)
    if canonical is not None and canonical in counts:
        counts[canonical] = min(counts[canonical], entity_docs)
    rows = [(s, n) for s, n in counts.items() if n > 0 and s.strip()]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows[:limit]
