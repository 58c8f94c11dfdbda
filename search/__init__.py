"""Crisis Desk search: the read side behind the web app and the benchmarks.

Pipeline, one module per stage: params (request -> SearchRequest) -> query (text -> parsed query)
-> whoosh/aliases (names in the query -> all their spellings) -> whoosh/match (numpy evaluation: matching
set + BM25 scores) -> facets (counts from per-document arrays) -> stories (near-duplicates folded into one
hit) -> snippets (escaped <mark> fragments). ``search/whoosh/`` is the Whoosh backend (the only package
here that imports Whoosh); ``whoosh.engine.SearchIndex`` ties the stages together.
"""

from .errors import IndexMissing, IndexUnreadable, InvalidParameter, SearchError
from .model import (
    ArticleView,
    Bucket,
    ExportRow,
    FacetPage,
    FacetValue,
    Hit,
    SearchRequest,
    SearchResult,
    StoryMember,
    StoryView,
)
from .params import parse_request
from .whoosh import SearchIndex

__all__ = [
    "SearchIndex",
    "SearchRequest",
    "SearchResult",
    "Hit",
    "FacetValue",
    "FacetPage",
    "Bucket",
    "ArticleView",
    "ExportRow",
    "StoryView",
    "StoryMember",
    "SearchError",
    "IndexMissing",
    "IndexUnreadable",
    "InvalidParameter",
    "parse_request",
]
