"""Crisis Desk search: the read side behind the web app and the benchmarks.

Pipeline, one module per stage: params (request -> SearchRequest) -> query (text -> Whoosh query)
-> aliases (names in the query -> all their spellings; wildcards over written words) -> match (numpy evaluation: matching set + BM25F scores) -> facets (counts from per-document arrays)
-> stories (near-duplicates folded into one hit) -> snippets (escaped <mark> fragments); ``engine.SearchIndex`` ties them together.
"""

from .engine import SearchIndex
from .errors import IndexMissing, IndexUnreadable, InvalidParameter, SearchError
from .model import (ArticleView, Bucket, ExportRow, FacetPage, FacetValue, Hit, SearchRequest, SearchResult,
                    StoryMember, StoryView)
from .params import parse_request

__all__ = [
    "SearchIndex", "SearchRequest", "SearchResult", "Hit", "FacetValue", "FacetPage", "Bucket", "ArticleView",
    "ExportRow", "StoryView", "StoryMember",
    "SearchError", "IndexMissing", "IndexUnreadable", "InvalidParameter", "parse_request",
]
