"""User text -> a Whoosh query: stemmed title/body words (all required), syntax, friendly fallbacks.

The engine evaluates the resulting query tree itself (see ``match.py``), so this module only decides
what the user meant: phrases, AND/OR/NOT, ``-word``, field aliases (``actor:``, ``country:``, ``org:``,
``source:``, ``title:``, ``date:[a TO b]``), ``migra*`` and ``Lukashenka~``. Text Whoosh cannot parse
becomes plain words with a notice; long questions become a relaxed query ranked by how many words match.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from whoosh import fields
from whoosh import query as wq
from whoosh.qparser import AndGroup, FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser, PlusMinusPlugin

from indexer.schema import SCHEMA, TEXT_ANALYZER

from ..query import (
    LONG_QUESTION_WORDS,
    NOTICE_NOTHING,
    NOTICE_PARTLY,
    NOTICE_RELAXED,
    NOTICE_STOPWORDS,
    NOTICE_UNPARSED,
    TEXT_FIELDS,
    USER_FIELDS,
    content_text,
    tidy_text,
    without_field_syntax,
)
from ..query import WORD_RE as _WORD_RE
from ..query import has_syntax as _has_syntax
from .querytree import leaves


@dataclass
class ParsedQuery:
    """What the user's text means for the engine."""

    text: str
    query: wq.Query | None  # None: browse everything
    notice: str | None = None
    plain: bool = False  # only plain words, no syntax: eligible for relaxing and did-you-mean
    words: list[str] = field(default_factory=list)  # analysed (stemmed) words of a plain query
    relaxed: bool = False  # long question: rank by how many words match
    empty: bool = False  # words were given but none is searchable (stop words only)
    groups: list = field(default_factory=list)  # AND groups of a plain query, when names widened them
    also_matching: list[str] = field(default_factory=list)  # spellings added for names in the query
    content_text: str = ""  # a relaxed query's words without its filler words (names are widened in it)
    filler: list[str] = field(default_factory=list)  # a relaxed query's analysed filler words: score only


def _make_parser() -> MultifieldParser:
    schema = fields.Schema(**{name: SCHEMA[name] for name in USER_FIELDS})
    parser = MultifieldParser(list(TEXT_FIELDS), schema, group=AndGroup)
    parser.add_plugin(FuzzyTermPlugin())
    # "-word" excludes only at the start of a word, so hyphenated words ("de-escalation") stay words.
    parser.add_plugin(PlusMinusPlugin(plusexpr=r"(?:^|(?<=[\s(]))\+(?=\S)", minusexpr=r"(?:^|(?<=[\s(]))-(?=\S)"))
    parser.add_plugin(
        FieldAliasPlugin(
            {
                "actor": ["person", "people", "who"],
                "org": ["organisation", "organization"],
                "country": ["place"],
                "source": ["src"],
                "body": ["text"],
            }
        )
    )
    return parser


_PARSER = _make_parser()


def analyse_words(text: str) -> list[str]:
    """Return the distinct searchable (stemmed, stop words removed) words of ``text``, in order."""
    seen: list[str] = []
    for token in TEXT_ANALYZER(text):
        if token.text not in seen:
            seen.append(token.text)
    return seen


def word_query(word: str) -> wq.Query:
    """Return the query for one analysed word in title or body."""
    return wq.Or([wq.Term(f, word) for f in TEXT_FIELDS])


def words_query(words: list[str]) -> wq.Query | None:
    """Return the all-words query for analysed words (None when there are none)."""
    if not words:
        return None
    groups = [word_query(w) for w in words]
    return groups[0] if len(groups) == 1 else wq.And(groups)


def _tune(q: wq.Query) -> wq.Query:
    """Adjust parsed nodes: fuzzy terms keep their first letter (much faster, rarely a loss)."""
    for leaf in leaves(q):
        if isinstance(leaf, wq.FuzzyTerm):
            leaf.prefixlength = max(leaf.prefixlength, 1)
            leaf.maxdist = min(leaf.maxdist, 2)
    return q


def parse_query(text: str) -> ParsedQuery:
    """Parse the user's query text into a ParsedQuery (never raises)."""
    original = (text or "").strip()
    text = tidy_text(original)
    if not text:
        return ParsedQuery(text, None, NOTICE_NOTHING if original else None)
    plain = not _has_syntax(text)
    if plain:
        words = analyse_words(text)
        raw_words = _WORD_RE.findall(text)
        if not words:
            return ParsedQuery(text, None, NOTICE_STOPWORDS, plain=True, empty=True)
        parsed = ParsedQuery(text, words_query(words), None, plain=True, words=words)
        if len(raw_words) >= LONG_QUESTION_WORDS and len(words) >= 2:
            return relax(parsed)
        return parsed
    try:
        q = _PARSER.parse(text)
    except Exception:  # Whoosh raises assorted errors (ValueError on bad dates, ...); the user gets words.
        return fallback_query(text)
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        if not _WORD_RE.search(text):
            return ParsedQuery(text, None, NOTICE_NOTHING)
        if analyse_words(text):  # e.g. "date:yesterday": Whoosh dropped the only term
            return fallback_query(text)
        return ParsedQuery(text, None, NOTICE_STOPWORDS, empty=True)
    if _has_unreadable(q):  # "Tokayev date:yesterday": search for Tokayev and say what was dropped
        kept = _drop_unreadable(q)
        if kept is None:
            return fallback_query(text)
        return ParsedQuery(text, _tune(kept), NOTICE_PARTLY)
    return ParsedQuery(text, _tune(q), None)


def _has_unreadable(q: wq.Query) -> bool:
    """True when Whoosh put a null query where it could not read a term (e.g. ``date:yesterday``)."""
    return any(isinstance(leaf, type(wq.NullQuery)) for leaf in leaves(q))


def _drop_unreadable(q: wq.Query) -> wq.Query | None:
    """``q`` without the terms Whoosh could not read; None when nothing is left."""
    if isinstance(q, type(wq.NullQuery)):
        return None
    if isinstance(q, wq.Not):
        inner = _drop_unreadable(q.query)
        return None if inner is None else wq.Not(inner)
    if isinstance(q, wq.compound.CompoundQuery):
        subs = [sub for sub in map(_drop_unreadable, q.subqueries) if sub is not None]
        if not subs:
            return None
        return subs[0] if len(subs) == 1 else q.__class__(subs, boost=q.boost)
    if isinstance(q, wq.BinaryQuery):
        a, b = _drop_unreadable(q.a), _drop_unreadable(q.b)
        if a is None:
            return None
        return a if b is None else q.__class__(a, b)
    return q


def relax(parsed: ParsedQuery) -> ParsedQuery:
    """Return a plain query relaxed: ranked by its words, most of its content words required.

    Filler words ("what", "did", "put", "over") neither make an article match nor are highlighted; they
    still add their (small) BM25 score to articles that match, as in plain BM25 ranking. A query of nothing
    but filler words keeps them all as content.
    """
    content = content_text(parsed.text)
    words = analyse_words(content)
    if not words:
        words, content = parsed.words, ""
    filler = [w for w in parsed.words if w not in words]
    return replace(
        parsed,
        query=words_query(words),
        words=words,
        relaxed=True,
        groups=[],
        also_matching=[],
        notice=parsed.notice or NOTICE_RELAXED,
        content_text=content,
        filler=filler,
    )


def fallback_query(text: str, notice: str = NOTICE_UNPARSED) -> ParsedQuery:
    """Search the words of ``text`` as plain words (the answer to text that cannot be parsed).

    A field's range and a field's name are syntax, not words ("date:[garbage TO 2021] Tokayev" searches
    Tokayev), unless nothing else is left."""
    words = analyse_words(" ".join(_WORD_RE.findall(without_field_syntax(text).replace("_", " "))))
    words = words or analyse_words(" ".join(_WORD_RE.findall(text.replace("_", " "))))
    if not words:
        return ParsedQuery(text, None, NOTICE_STOPWORDS, empty=True)
    return ParsedQuery(text, words_query(words), notice, plain=True, words=words)
