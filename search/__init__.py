"""Crisis Desk search: the read side behind the web app and the benchmarks.

Pipeline, one module per stage: params (request -> SearchRequest) -> query (text -> Whoosh query)
-> match (numpy evaluation: matching set + BM25F scores) -> facets (counts from per-document arrays)
-> snippets (escaped <mark> fragments); ``engine.SearchIndex`` ties them together.
"""

from .engine import SearchIndex
from .errors import IndexMissing, IndexUnreadable, InvalidParameter, SearchError
from .model import ArticleView, Bucket, ExportRow, FacetValue, Hit, SearchRequest, SearchResult
from .params import parse_request

__all__ = [
    "SearchIndex", "SearchRequest", "SearchResult", "Hit", "FacetValue", "Bucket", "ArticleView", "ExportRow",
    "SearchError", "IndexMissing", "IndexUnreadable", "InvalidParameter", "parse_request",
]
