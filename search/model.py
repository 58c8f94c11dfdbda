"""Plain data crossing the search interface (no Whoosh types), shared by app.py and bench/."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import lru_cache

FACET_KINDS = ("actor", "country", "org", "source")
SORTS = ("relevance", "newest", "oldest")
PER_PAGE_CHOICES = (10, 20, 50)
FACET_LIMIT = 100  # values each facet of a result page lists by default (the app's FACET_MAX setting)


@dataclass
class SearchRequest:
    """One validated search: query text, facet filters, date range, order and page."""

    q: str = ""
    include: dict[str, list[str]] = field(default_factory=dict)
    exclude: dict[str, list[str]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    leaders: bool = False
    event_from: date | None = None  # articles that mention a date in this range (dates in the text)
    event_to: date | None = None
    versions: str = "stories"  # "stories": one hit per story of near-duplicates; "all": every version

    def key(self) -> tuple:
        """Return a hashable form of the request (for result caches)."""

        def frozen(d):
            return tuple(sorted((k, tuple(v)) for k, v in d.items() if v))

        return (
            self.q,
            frozen(self.include),
            frozen(self.exclude),
            self.date_from,
            self.date_to,
            self.sort,
            self.page,
            self.per_page,
            self.leaders,
            self.event_from,
            self.event_to,
            self.versions,
        )

    @property
    def collapsed(self) -> bool:
        """Whether results show one member per story (the default) rather than every version."""
        return self.versions != "all"

    @property
    def effective_sort(self) -> str:
        """The order actually used: an empty query has no relevance, so it browses newest first."""
        if self.sort == "relevance" and not self.q.strip():
            return "newest"
        return self.sort


# A timeline's bars repeat from search to search: their days' ISO text is made once (a few hundred a page).
_iso = lru_cache(maxsize=1 << 16)(date.isoformat)


@dataclass
class Hit:
    """One article on a result page."""

    id: str
    title: str
    date: date | None
    source: str
    url: str
    score: float | None
    snippet_html: str  # escaped text with our own <mark>…</mark>
    actors: list[str] = field(default_factory=list)
    countries: list[dict] = field(default_factory=list)  # [{"code": "BY", "name": "Belarus"}]
    orgs: list[str] = field(default_factory=list)
    event_dates: list[dict] = field(default_factory=list)  # [{"text", "date", "precision"}] the text mentions
    story: dict | None = None  # {"id": story id, "size": live articles in the story}
    other_versions: int = 0  # other matching versions folded into this hit (collapsed results only)

    def to_dict(self) -> dict:
        """Return the JSON API shape of this hit."""
        # Field by field, not dataclasses.asdict: its recursive deep copy of the lists of dicts cost
        # more than building the hit (issue 13). Each list and dict is still a copy of its own.
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source,
            "url": self.url,
            "score": self.score,
            "snippet_html": self.snippet_html,
            "actors": list(self.actors),
            "countries": [dict(c) for c in self.countries],
            "orgs": list(self.orgs),
            "event_dates": [dict(e) for e in self.event_dates],
            "story": dict(self.story) if self.story is not None else None,
            "other_versions": self.other_versions,
        }


@dataclass(slots=True)  # a result page makes a few hundred of these
class FacetValue:
    """One value of a facet with the number of matching articles that carry it."""

    value: str
    count: int
    role: str = ""
    code: str = ""
    leader: bool = False
    country: str = ""

    def to_dict(self, kind: str) -> dict:
        """Return the JSON API shape of this value: role, leader and country for actors, code for countries."""
        return facet_dicts(kind, [self])[0]


def facet_dicts(kind: str, values: list[FacetValue]) -> list[dict]:
    """The JSON API shape of a facet's values (see FacetValue.to_dict), one comprehension per kind: a page
    shows a few hundred values, and a method call each cost a third of building the response."""
    if kind == "actor":
        return [
            {"value": v.value, "count": v.count, "role": v.role, "leader": v.leader, "country": v.country}
            for v in values
        ]
    if kind == "country":
        return [{"value": v.value, "count": v.count, "code": v.code} for v in values]
    return [{"value": v.value, "count": v.count} for v in values]


@dataclass
class FacetPage:
    """One page of a facet's values over a result set, optionally those matching a word prefix."""

    kind: str
    values: list[FacetValue]
    total_values: int  # how many values (matching the prefix) the result set has in all
    offset: int = 0

    def to_dict(self) -> dict:
        """Return the JSON shape of /api/facet/<kind>."""
        return {
            "kind": self.kind,
            "values": facet_dicts(self.kind, self.values),
            "total_values": self.total_values,
            "offset": self.offset,
        }


@dataclass(slots=True)  # a result page has a few hundred bars
class Bucket:
    """One bar of the attention-over-time histogram; start/end are inclusive."""

    period: str
    count: int
    start: date
    end: date


@dataclass
class ArticleView:
    """One article with its entities, for the article page."""

    id: str
    title: str
    title_derived: bool
    date: date | None
    source: str
    url: str
    body: str
    lead: str = ""  # the source's own lead paragraph (summary, standfirst), shown above the body
    actors: list[dict] = field(default_factory=list)
    countries: list[dict] = field(default_factory=list)
    orgs: list[dict] = field(default_factory=list)
    # The body split at entity mentions: (text, kind | None, value | None), so a template can link them.
    segments: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    event_dates: list[dict] = field(default_factory=list)  # [{"text", "date", "precision"}] the text mentions
    story: dict | None = None  # {"id": story id, "size": live articles in the story}
    truncated: bool = False  # the body or its entity links were cut to bound the page
    total_chars: int = 0  # the length of the whole body

    def to_dict(self) -> dict:
        """Return the JSON API shape of this article."""
        d = asdict(self)
        d["date"] = self.date.isoformat() if self.date else None
        d["segments"] = [list(s) for s in self.segments]
        return d


@dataclass
class ExportRow:
    """One CSV export row; actors/countries/orgs are display names."""

    id: str
    date: date | None
    title: str
    source: str
    url: str
    actors: list[str]
    countries: list[str]
    orgs: list[str]
    score: float | None


@dataclass
class SearchResult:
    """Everything one result page shows: hits, total, facets over all matches, histogram."""

    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    notice: str | None
    did_you_mean: str | None
    relaxed: bool
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    histogram: list[Bucket]
    histogram_unit: str
    sort: str = "relevance"  # the order actually used
    facet_totals: dict[str, int] = field(default_factory=dict)  # values per facet, beyond those listed
    also_matching: list[str] = field(default_factory=list)  # other spellings of names in the query
    # "dates mentioned": matching articles per period of the dates their text mentions
    event_histogram: list[Bucket] = field(default_factory=list)
    event_histogram_unit: str = "month"
    counting: str = "articles"  # what total, pages and facet counts count: "stories" or "articles"
    total_articles: int = 0  # matching articles, whatever ``counting`` says
    total_stories: int = 0  # matching stories (near-duplicates counted once)

    def to_dict(self) -> dict:
        """Return the JSON API shape (issue 3)."""
        facets = {kind: facet_dicts(kind, values) for kind, values in self.facets.items()}
        return {
            "query": self.query,
            "total": self.total,
            "counting": self.counting,
            "total_articles": self.total_articles,
            "total_stories": self.total_stories,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": round(self.took_ms, 2),
            "notice": self.notice,
            "did_you_mean": self.did_you_mean,
            "relaxed": self.relaxed,
            "sort": self.sort,
            "also_matching": self.also_matching,
            "hits": [h.to_dict() for h in self.hits],
            "facets": facets,
            "histogram": [
                {"period": b.period, "count": b.count, "start": _iso(b.start), "end": _iso(b.end)}
                for b in self.histogram
            ],
            "histogram_unit": self.histogram_unit,
            "event_histogram": [
                {"period": b.period, "count": b.count, "start": _iso(b.start), "end": _iso(b.end)}
                for b in self.event_histogram
            ],
            "event_histogram_unit": self.event_histogram_unit,
        }


@dataclass
class StoryMember:
    """One article of a story, for /api/story/<id> and the article page."""

    id: str
    title: str
    date: date | None
    source: str
    url: str
    length: int  # characters of the body
    length_delta: int  # length minus the lead's length

    def to_dict(self) -> dict:
        """Return the JSON API shape of this member."""
        d = asdict(self)
        d["date"] = self.date.isoformat() if self.date else None
        return d


@dataclass
class StoryView:
    """A story of near-duplicate articles: its members, lead (first published) first."""

    id: str
    members: list[StoryMember]

    @property
    def size(self) -> int:
        """Return the number of live articles in the story."""
        return len(self.members)

    def to_dict(self) -> dict:
        """Return the JSON shape of /api/story/<id>."""
        return {
            "id": self.id,
            "size": self.size,
            "lead": self.members[0].id if self.members else None,
            "members": [m.to_dict() for m in self.members],
        }


@dataclass
class IndexedHit:
    """A match with the time its article first entered the index (feeds of saved searches)."""

    hit: Hit
    indexed: datetime | None  # None for articles indexed before the time was recorded


@dataclass
class MatchSummary:
    """What a batch search reports per query: total, date span, top countries and co-mentioned actors."""

    total: int
    first: date | None
    last: date | None
    countries: list[FacetValue]
    actors: list[FacetValue]
    notice: str | None = None
    also_matching: list[str] = field(default_factory=list)
