"""The contract between the web app and a search engine: ``SearchBackend``, and ``open_backend`` to pick one.

The app, the web blueprints, saved-search alerts and batch search call only these methods, and get back
only the plain dataclasses of ``search/model.py`` (and of ``entity_view``, ``network`` and ``compare``),
never an engine's own types. A second engine (django-haystack's habit: one contract, engines chosen by name
in the settings) implements the same methods and passes ``tests/test_backend_contract.py``.

Errors are ``search.errors``: ``IndexMissing`` (no index yet), ``IndexUnreadable`` (damaged, or an engine
that cannot read it: a 503), ``InvalidParameter`` (a 400 naming the parameter).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from .compare import Comparison
from .entity_view import EntityView
from .errors import InvalidParameter
from .model import (
    FACET_LIMIT,
    ArticleView,
    ExportRow,
    FacetPage,
    Hit,
    IndexedHit,
    MatchSummary,
    SearchRequest,
    SearchResult,
    StoryView,
)
from .network import MAX_EDGES, MAX_NODES, Network

DEFAULT_BACKEND = "whoosh"
BACKENDS = ("whoosh",)


@runtime_checkable
class SearchBackend(Protocol):
    """What the read side answers; every method is thread-safe and follows new index commits by itself."""

    # -- result pages --------------------------------------------------------------------------------
    def search(self, req: SearchRequest) -> SearchResult:
        """Run one search: a page of hits plus total, facets and histograms over all matches."""
        ...

    def facet_values(
        self, req: SearchRequest, kind: str, prefix: str = "", offset: int = 0, limit: int = FACET_LIMIT
    ) -> FacetPage:
        """Return a page of one facet's values over a search's matches (those with a word starting ``prefix``)."""
        ...

    def export(self, req: SearchRequest, limit: int = 10_000) -> Iterator[ExportRow]:
        """Yield up to ``limit`` matching articles in the request's order (the index is checked first)."""
        ...

    # -- single articles ------------------------------------------------------------------------------
    def article(
        self, article_id: str, max_chars: int | None = None, max_marks: int | None = None
    ) -> ArticleView | None:
        """Return one article with its entities and linkable segments, or None when there is no such id."""
        ...

    def article_text(self, article_id: str) -> str | None:
        """Return an article's whole body text, or None when there is no such id."""
        ...

    def mark_query(self, q: str, texts: list[str]) -> list[list[tuple[str, bool]]]:
        """Split each text into (piece, matched) pairs, the words query ``q`` matches on being pieces of their
        own marked True, as its snippets mark them (the article page shows a search's words this way)."""
        ...

    def more_like_this(self, article_id: str, n: int = 5) -> list[Hit]:
        """Return up to ``n`` articles most similar to one article, its own story's versions left out."""
        ...

    def story(self, story_id: str) -> StoryView | None:
        """Return a story's live versions, the first published first, or None."""
        ...

    # -- entities and analyses ------------------------------------------------------------------------
    def entity(self, kind: str, value: str) -> EntityView | None:
        """Return the page of one actor, country (code or name) or organisation; None when unknown."""
        ...

    def network(
        self,
        req: SearchRequest,
        kinds: tuple[str, ...] = ("actor",),
        max_nodes: int = MAX_NODES,
        max_edges: int = MAX_EDGES,
    ) -> Network:
        """Return the co-mention graph of a search's top actors (and countries)."""
        ...

    def compare(self, req: SearchRequest, queries: list[str]) -> Comparison:
        """Count each query's articles per period on one common axis."""
        ...

    # -- saved searches and batch search --------------------------------------------------------------
    def count_since(self, req: SearchRequest, since: float) -> tuple[int, int]:
        """Return (matches first indexed at or after ``since``, all matches) of a search."""
        ...

    def newest_indexed(self, req: SearchRequest, limit: int = 50) -> list[IndexedHit]:
        """Return up to ``limit`` matches, the most recently indexed first."""
        ...

    def summarise(self, req: SearchRequest, countries: int = 5, actors: int = 5) -> MatchSummary:
        """Return a search's total, first and last date and its top countries and actors (no hits)."""
        ...

    # -- reference data and state ---------------------------------------------------------------------
    def country_name(self, code: str) -> str:
        """Return a country's display name for an alpha-2 code ("RU" -> "Russia"); the code when unknown."""
        ...

    def health(self) -> dict:
        """Return the served generation, its number of articles, the time of its last commit and whether its
        files' checksums were compared yet (``"checksums": "ok" | "checking"``)."""
        ...

    def warm_up(self, wait: float | None = None) -> bool:
        """Open the index now and wait up to ``wait`` seconds (None: until done) for what loads in the
        background (batch runs, alerts, benchmarks); True once it has loaded."""
        ...

    def ready(self, wait: float = 0.0) -> bool:
        """True when the newest commit is open and loaded, so no call would wait on opening it; else start
        opening it in the background, wait up to ``wait`` seconds and say whether that finished. Never
        opens in the caller's thread (a batch hands itself to a background job when this is False)."""
        ...

    def pinned(self) -> AbstractContextManager[None]:
        """Answer this thread's calls inside the ``with`` block from one index commit (a batch's queries)."""
        ...


def open_backend(settings: Mapping) -> SearchBackend:
    """Return the backend ``settings["BACKEND"]`` names ("whoosh", the default) over ``settings["INDEX_DIR"]``.

    Other keys: ``QUERY_MAX_TERMS`` and ``QUERY_DEADLINE`` (the wildcard/fuzzy budget of one query) and
    ``FACET_MAX`` (values each facet of a result page lists), ``OPEN_WAIT`` (seconds a call waits for a new
    commit being opened in the background before answering from the previous one, or IndexWarming).
    Opening is cheap: the index is read on first use, so a missing index is an ``IndexMissing`` then."""
    name = str(settings.get("BACKEND") or DEFAULT_BACKEND).strip().lower()
    if name == "whoosh":
        from .budget import DEADLINE_SECONDS, MAX_EXPANDED_TERMS
        from .whoosh import SearchIndex
        from .whoosh.engine import OPEN_WAIT_SECONDS

        return SearchIndex(
            settings["INDEX_DIR"],
            max_expanded_terms=settings.get("QUERY_MAX_TERMS", MAX_EXPANDED_TERMS),
            deadline_s=settings.get("QUERY_DEADLINE", DEADLINE_SECONDS),
            facet_limit=settings.get("FACET_MAX", FACET_LIMIT),
            open_wait=settings.get("OPEN_WAIT", OPEN_WAIT_SECONDS),
        )
    raise InvalidParameter(f"unknown search backend {name!r}; use one of {', '.join(BACKENDS)}")
