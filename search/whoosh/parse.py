"""User text -> a Whoosh query: the neutral parse of ``search/query.py``, compiled once for this engine.

``search/query.py`` decides what the user meant (``querylang`` reads the syntax; plain words, relaxed
long questions and friendly fallbacks are decided there); ``compile.py`` turns that into the Whoosh
query the matcher (``match.py``) evaluates. The functions here are those two steps together, with
this engine's analyser, for the rest of the package (search, did-you-mean, highlighting).
"""

from __future__ import annotations

from whoosh import query as wq

from .. import query as neutral
from ..query import NOTICE_UNPARSED, TEXT_FIELDS, ParsedQuery
from .compile import analyse_words, compile_parsed

__all__ = ["ParsedQuery", "analyse_words", "fallback_query", "parse_query", "relax", "word_query"]


def word_query(word: str) -> wq.Query:
    """Return the query for one analysed word in title or body."""
    return wq.Or([wq.Term(f, word) for f in TEXT_FIELDS])


def parse_query(text: str) -> ParsedQuery:
    """Parse the user's query text and compile it for Whoosh (never raises)."""
    return compile_parsed(neutral.parse_query(text, analyse_words))


def relax(parsed: ParsedQuery) -> ParsedQuery:
    """Return a plain query relaxed (see ``search.query.relax``), compiled for Whoosh."""
    return compile_parsed(neutral.relax(parsed, analyse_words))


def fallback_query(text: str, notice: str = NOTICE_UNPARSED) -> ParsedQuery:
    """Search the words of ``text`` as plain words (see ``search.query.fallback_query``), compiled."""
    return compile_parsed(neutral.fallback_query(text, analyse_words, notice))
