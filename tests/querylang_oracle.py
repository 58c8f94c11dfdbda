"""The query parser Crisis Desk used before issue 10 (Whoosh's MultifieldParser and plug-ins), kept only
as the oracle of ``tests/test_querylang.py``: the neutral parser must give the same answers."""

from __future__ import annotations

from dataclasses import replace

from whoosh import fields
from whoosh import query as wq
from whoosh.qparser import AndGroup, FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser, PlusMinusPlugin

from indexer.schema import SCHEMA
from search.query import (
    LONG_QUESTION_WORDS,
    NOTICE_NOTHING,
    NOTICE_PARTLY,
    NOTICE_RELAXED,
    NOTICE_STOPWORDS,
    NOTICE_UNPARSED,
    TEXT_FIELDS,
    WORD_RE,
    ParsedQuery,
    content_text,
    has_syntax,
    tidy_text,
    without_field_syntax,
)
from search.querylang import KNOWN_FIELDS as USER_FIELDS
from search.whoosh.parse import analyse_words, word_query
from search.whoosh.querytree import leaves


def _make_parser() -> MultifieldParser:
    schema = fields.Schema(**{name: SCHEMA[name] for name in USER_FIELDS})
    parser = MultifieldParser(list(TEXT_FIELDS), schema, group=AndGroup)
    parser.add_plugin(FuzzyTermPlugin())
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


def words_query(words):
    """The old all-words query."""
    if not words:
        return None
    groups = [word_query(w) for w in words]
    return groups[0] if len(groups) == 1 else wq.And(groups)


def _tune(q):
    for leaf in leaves(q):
        if isinstance(leaf, wq.FuzzyTerm):
            leaf.prefixlength = max(leaf.prefixlength, 1)
            leaf.maxdist = min(leaf.maxdist, 2)
    return q


def old_parse_query(text: str) -> ParsedQuery:
    """The old parse_query, line for line."""
    original = (text or "").strip()
    text = tidy_text(original)
    if not text:
        return ParsedQuery(text, None, NOTICE_NOTHING if original else None)
    plain = not has_syntax(text)
    if plain:
        words = analyse_words(text)
        raw_words = WORD_RE.findall(text)
        if not words:
            return ParsedQuery(text, None, NOTICE_STOPWORDS, plain=True, empty=True)
        parsed = ParsedQuery(text, words_query(words), None, plain=True, words=words)
        if len(raw_words) >= LONG_QUESTION_WORDS and len(words) >= 2:
            return old_relax(parsed)
        return parsed
    try:
        q = _PARSER.parse(text)
    except Exception:
        return old_fallback_query(text)
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        if not WORD_RE.search(text):
            return ParsedQuery(text, None, NOTICE_NOTHING)
        if analyse_words(text):
            return old_fallback_query(text)
        return ParsedQuery(text, None, NOTICE_STOPWORDS, empty=True)
    if any(isinstance(leaf, type(wq.NullQuery)) for leaf in leaves(q)):
        kept = _drop_unreadable(q)
        if kept is None:
            return old_fallback_query(text)
        return ParsedQuery(text, _tune(kept), NOTICE_PARTLY)
    return ParsedQuery(text, _tune(q), None)


def _drop_unreadable(q):
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


def old_relax(parsed: ParsedQuery) -> ParsedQuery:
    """The old relax."""
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


def old_fallback_query(text: str, notice: str = NOTICE_UNPARSED) -> ParsedQuery:
    """The old fallback_query."""
    words = analyse_words(" ".join(WORD_RE.findall(without_field_syntax(text).replace("_", " "))))
    words = words or analyse_words(" ".join(WORD_RE.findall(text.replace("_", " "))))
    if not words:
        return ParsedQuery(text, None, NOTICE_STOPWORDS, empty=True)
    return ParsedQuery(text, words_query(words), notice, plain=True, words=words)
