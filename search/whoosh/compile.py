"""The neutral parsed query (``search/querylang.py``) -> a Whoosh query tree, with each field's analysis.

Words are analysed here, by the field they search: title, body and lead stem them and drop stop words,
keyword fields (actor, country, org, source) lower-case the whole value, dates arrive resolved. A word
the analyser splits ("de-escalation") needs all its pieces; one it drops (a stop word) leaves its
group. The result is normalised as Whoosh's parser normalised it, so the matcher sees the same trees.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from whoosh import query as wq
from whoosh.util.times import datetime_to_long

from indexer.schema import SCHEMA, TEXT_ANALYZER

from .. import querylang as ql
from ..query import TEXT_FIELDS, ParsedQuery, fallback_query, nothing_left
from .querytree import leaves

_NULL = type(wq.NullQuery)


def analyse_words(text: str) -> list[str]:
    """Return the distinct searchable (stemmed, stop words removed) words of ``text``, in order."""
    seen: list[str] = []
    for token in TEXT_ANALYZER(text):
        if token.text not in seen:
            seen.append(token.text)
    return seen


def _terms(fieldname: str, text: str, cls, boost: float, tokenize: bool) -> wq.Query | None:
    """One typed value in one field: a term, several when the analyser splits it, None when it drops it."""
    field = SCHEMA[fieldname]
    texts = list(field.process_text(text, mode="query", tokenize=tokenize, removestops=tokenize))
    if not texts:
        return None
    if len(texts) == 1:
        return cls(fieldname, texts[0], boost=boost)
    spec = field.multitoken_query.lower()
    if spec == "first":
        return cls(fieldname, texts[0], boost=boost)
    if spec == "phrase":
        return wq.Phrase(fieldname, texts, boost=boost)
    group = wq.Or if spec == "or" else wq.And  # "default" and "and": every piece
    return group([cls(fieldname, t, boost=boost) for t in texts])


def _phrase(fieldname: str, node: ql.Phrase, boost: float) -> wq.Query:
    field = SCHEMA[fieldname]
    if field.analyzer:
        words = [t.text for t in field.tokenize(node.text, mode="query", chars=True)]
    else:
        words = list(field.process_text(node.text, mode="query"))
    return wq.Phrase(fieldname, words, slop=node.slop, boost=boost)


def _single(fieldname: str, text: str | None) -> str | None:
    """A range bound as the field indexes it (not split, stop words kept)."""
    if not text:
        return text
    for token in SCHEMA[fieldname].process_text(text, mode="query", tokenize=False, removestops=False):
        return token
    return None


def _long(iso: str | None) -> int | None:
    return None if iso is None else datetime_to_long(datetime.fromisoformat(iso))


def _leaf(node, fieldname: str, boost: float) -> wq.Query | None:
    """Compile a leaf for one field."""
    if isinstance(node, ql.Term):
        if node.analysed:
            return wq.Term(fieldname, node.text, boost=boost)
        if fieldname in ql.DATE_FIELDS:  # resolved by the parser to one instant
            return wq.Term(fieldname, datetime.fromisoformat(node.text), boost=boost)
        return _terms(fieldname, node.text, wq.Term, boost, tokenize=True)
    if isinstance(node, ql.Phrase):
        return _phrase(fieldname, node, boost)
    if isinstance(node, ql.Prefix):
        return _terms(fieldname, node.text, wq.Prefix, boost, tokenize=False)
    if isinstance(node, ql.Wildcard):
        return _terms(fieldname, node.text, wq.Wildcard, boost, tokenize=False)
    if isinstance(node, ql.Fuzzy):
        q = _terms(fieldname, node.text, wq.FuzzyTerm, boost, tokenize=False)
        if q is None:  # nothing left to be near: the query cannot be read (its words are searched)
            raise ql.QuerySyntaxError(f"{node.text!r}~ has no word")
        q.maxdist, q.prefixlength = node.maxdist, node.prefix
        return q
    if isinstance(node, ql.Range):
        if fieldname in ql.DATE_FIELDS:
            return wq.NumericRange(fieldname, _long(node.start), _long(node.end), boost=boost)
        start, end = _single(fieldname, node.start), _single(fieldname, node.end)
        return wq.TermRange(fieldname, start, end, node.startexcl, node.endexcl, boost=boost)
    raise TypeError(f"cannot compile {node!r}")


def compile_node(node: ql.Node | None) -> wq.Query | None:
    """Return the Whoosh query for a neutral tree, before normalising (None where analysis left nothing)."""
    if node is None:
        return None
    if isinstance(node, (ql.And, ql.Or)):
        subs = [q for q in map(compile_node, node.items) if q is not None]
        return (wq.And if isinstance(node, ql.And) else wq.Or)(subs, boost=node.boost)
    if isinstance(node, ql.Not):
        inner = compile_node(node.item)
        return wq.Not(inner) if inner else None  # an empty group negates nothing
    if isinstance(node, (ql.AndNot, ql.AndMaybe, ql.Require)):
        a, b = compile_node(node.a), compile_node(node.b)
        if a is None and b is None:
            return wq.NullQuery
        if a is None or b is None:
            return a if b is None else b
        cls = {ql.AndNot: wq.AndNot, ql.AndMaybe: wq.AndMaybe, ql.Require: wq.Require}[type(node)]
        return cls(a, b)
    if isinstance(node, ql.Every):
        return wq.Every(node.field, boost=node.boost)
    if isinstance(node, ql.Unreadable):
        raise ql.QuerySyntaxError(f"{node.field}:{node.text} cannot be read")
    if node.field is None:  # the default fields, each unboosted, under one OR that carries the boost
        subs = [q for q in (_leaf(node, f, 1.0) for f in TEXT_FIELDS) if q is not None]
        return wq.Or(subs, boost=node.boost)
    return _leaf(node, node.field, node.boost)


def _tune(q: wq.Query) -> wq.Query:
    """Fuzzy terms keep their first letter and at most two edits (also those a split word made)."""
    for leaf in leaves(q):
        if isinstance(leaf, wq.FuzzyTerm):
            leaf.prefixlength = max(leaf.prefixlength, ql.MIN_FUZZY_PREFIX)
            leaf.maxdist = min(leaf.maxdist, ql.MAX_FUZZY_DISTANCE)
    return q


def compile_query(node: ql.Node | None, plain: bool = False) -> wq.Query | None:
    """Return the Whoosh query for a neutral tree, normalised (None: nothing searchable is left).

    A plain query's words are already analysed and distinct; it is built as it always was, unnormalised."""
    q = compile_node(node)
    if plain:
        return q
    if not q:
        return None
    # Whoosh's normalising, as its parser applied it: nested groups merge, duplicates and empty groups go,
    # and an AND holding *:* becomes *:* ("*:* Putin" finds every article, as it always did).
    q = q.normalize()
    if q is wq.NullQuery or isinstance(q, _NULL):
        return None
    return _tune(q)


def compile_parsed(parsed: ParsedQuery) -> ParsedQuery:
    """Compile a parsed query for Whoosh; what cannot be compiled falls back as ``parse_query`` says."""
    if parsed.query is None:
        return parsed
    try:
        q = compile_query(parsed.query, parsed.plain)
    except Exception:  # e.g. a fuzzy term of nothing: search the words instead, as the parser would
        return compile_parsed(fallback_query(parsed.text, analyse_words))
    if q is None:
        return compile_parsed(nothing_left(parsed.text, analyse_words))
    return replace(parsed, query=q)
