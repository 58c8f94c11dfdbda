"""Crisis Desk's query language, parsed into a small engine-neutral tree that any backend compiles.

The language is the one users have had since the first version, when Whoosh's MultifieldParser read it
(with its fuzzy-term, plus/minus and field-alias plug-ins): words are all required; ``AND``, ``OR``,
``NOT``, ``ANDNOT``, ``ANDMAYBE`` and ``REQUIRE`` (upper case); parentheses; ``"phrases"~slop`` and
``'quoted words'``; ``+word`` and ``-word`` (a minus only at the start of a word, so "de-escalation"
stays a word); ``field:value``, ``field:"phrase"`` and ``field:(a OR b)`` with aliases (``person:``,
``place:``, ``src:`` ...); ranges ``[a TO b]``, ``{a TO b}`` with open ends; ``migra*`` and ``mi?ra``;
``Lukashenka~`` and ``~2``; ``^2`` boosts; ``*:*``.

This module keeps that language exactly, odd corners included, so that nobody's saved search changes
meaning: the tokenizer uses the same patterns in the same order of preference, and the passes below
(brackets, boosts, fuzziness, wildcards, field names, plus/minus, operators) do what Whoosh's did, in
its order. Where the result is odd, a comment says so; ``tests/test_querylang.py`` compares every
answer with Whoosh's own parser over a few hundred queries. Analysis (stemming, stop words) is the
backend's: a ``Term`` holds the text as typed. Date values are resolved here, to ISO bounds any engine
can use.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from dataclasses import field as _field
from datetime import datetime
from typing import TypeAlias

# The fields a user may name and the names they may use for them (the index's own names need no alias).
FIELD_ALIASES = {
    "person": "actor",
    "people": "actor",
    "who": "actor",
    "organisation": "org",
    "organization": "org",
    "place": "country",
    "src": "source",
    "text": "body",
}
# Fields a user may name in the query; everything else in the schema stays internal ("ym:" is a word).
KNOWN_FIELDS = ("title", "body", "lead", "actor", "country", "org", "source", "date")
DATE_FIELDS = ("date",)
MAX_FUZZY_DISTANCE = 2  # edits: beyond two a fuzzy term matches too much and costs too much
MIN_FUZZY_PREFIX = 1  # a fuzzy term keeps its first letter: much faster, rarely a loss


class QuerySyntaxError(ValueError):
    """Text the query language cannot read as a whole (the caller searches its words instead)."""


# -- the parsed form -----------------------------------------------------------------------------------
# ``field=None`` means the default text fields (title, body and lead).


@dataclass(frozen=True)
class Term:
    """One word (or a few, if the analyser splits it) as typed; ``analysed``: already an index word."""

    field: str | None
    text: str
    boost: float = 1.0
    analysed: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words in order, at most ``slop`` positions apart (the text as typed; the backend splits it)."""

    field: str | None
    text: str
    slop: int = 1
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    """Words starting with ``text`` (``migra*``)."""

    field: str | None
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Wildcard:
    """Words matching a pattern of ``*`` (any run of letters) and ``?`` (one letter)."""

    field: str | None
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Fuzzy:
    """Words within ``maxdist`` edits of ``text`` that share its first ``prefix`` letters."""

    field: str | None
    text: str
    maxdist: int = 1
    prefix: int = 0
    boost: float = 1.0


@dataclass(frozen=True)
class Range:
    """Values from ``start`` to ``end`` (None: open). On a date field both are ISO datetimes, inclusive."""

    field: str | None
    start: str | None
    end: str | None
    startexcl: bool = False
    endexcl: bool = False
    boost: float = 1.0


@dataclass(frozen=True)
class Every:
    """Every article (``*:*``), or every article with a value in ``field``."""

    field: str | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class Unreadable:
    """A value the field cannot read (``date:yesterday``): left out of the search, with a notice."""

    field: str
    text: str


@dataclass(frozen=True)
class And:
    """All of ``items``."""

    items: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Or:
    """Any of ``items``."""

    items: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Not:
    """Articles that do not match ``item``."""

    item: Node


@dataclass(frozen=True)
class AndNot:
    """``a`` but not ``b`` (``a ANDNOT b``, ``a -b``)."""

    a: Node | None
    b: Node | None


@dataclass(frozen=True)
class AndMaybe:
    """``a``, ranked higher when ``b`` matches too (``+a b``)."""

    a: Node | None
    b: Node | None


@dataclass(frozen=True)
class Require:
    """``a`` where ``b`` also matches, scored by ``a`` only (``a REQUIRE b``)."""

    a: Node | None
    b: Node | None


Node: TypeAlias = (
    Term
    | Phrase
    | Prefix
    | Wildcard
    | Fuzzy
    | Range
    | Every
    | Unreadable
    | And
    | Or
    | Not
    | AndNot
    | AndMaybe
    | Require
)
LEAVES = (Term, Phrase, Prefix, Wildcard, Fuzzy, Range, Every, Unreadable)


def children(node: Node) -> tuple[Node, ...]:
    """Return the sub-queries of a node (none for a leaf)."""
    if isinstance(node, (And, Or)):
        return node.items
    if isinstance(node, Not):
        return (node.item,)
    if isinstance(node, (AndNot, AndMaybe, Require)):
        return tuple(n for n in (node.a, node.b) if n is not None)
    return ()


def leaves(node: Node):
    """Yield the leaves of a tree, depth first."""
    subs = children(node)
    if not subs and isinstance(node, LEAVES):
        yield node
    for sub in subs:
        yield from leaves(sub)


def drop_unreadable(node: Node | None) -> Node | None:
    """Return the tree without its unreadable values; None when nothing is left."""
    if node is None or isinstance(node, Unreadable):
        return None
    if isinstance(node, Not):
        inner = drop_unreadable(node.item)
        return None if inner is None else Not(inner)
    if isinstance(node, (And, Or)):
        subs = tuple(s for s in map(drop_unreadable, node.items) if s is not None)
        if not subs:
            return None
        return subs[0] if len(subs) == 1 else node.__class__(subs, node.boost)
    if isinstance(node, (AndNot, AndMaybe, Require)):
        a, b = drop_unreadable(node.a), drop_unreadable(node.b)
        if a is None:
            return None
        return a if b is None else node.__class__(a, b)
    return node


# -- dates ---------------------------------------------------------------------------------------------
def date_bounds(text: str) -> tuple[datetime, datetime] | datetime:
    """Read ``YYYY[MM[DD[hh[mm[ss[uuuuuu]]]]]]`` (``-``, ``.`` and spaces ignored): the first and last
    instant it names, or the one instant when it is complete to the microsecond. Raises ValueError."""
    s = text.replace(" ", "").replace("-", "").replace(".", "")
    cuts = ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14))
    parts: list[int | None] = [int(s[a:b]) if len(s) >= b else None for a, b in cuts]
    # int() as Whoosh used it: "2021_" or "２０２１" are numbers to it too; kept so old links mean the same
    parts.append(int(s[14:]) if len(s) == 20 else None)
    year, month, day, hour, minute, second, micro = parts
    if all(p is None for p in parts):
        raise ValueError(f"{text!r} is not a date")
    if month is not None and not 1 <= month <= 12:
        raise ValueError("month must be in 1..12")
    if day is not None and day < 1:
        raise ValueError("day must be at least 1")
    if year is not None and month is not None and day is not None and day > calendar.monthrange(year, month)[1]:
        raise ValueError("day is out of range for month")
    for value, top in ((hour, 23), (minute, 59), (second, 59), (micro, 999999)):
        if value is not None and not 0 <= value <= top:
            raise ValueError("time out of range")
    if None not in parts:
        return datetime(*parts)  # type: ignore[arg-type]
    assert year is not None  # a string of four or more characters always starts with a year
    m_lo, m_hi = month or 1, month or 12
    low = datetime(year, m_lo, day or 1, hour or 0, minute or 0, second or 0, micro or 0)
    high = datetime(
        year,
        m_hi,
        day or calendar.monthrange(year, m_hi)[1],
        23 if hour is None else hour,
        59 if minute is None else minute,
        59 if second is None else second,
        999999 if micro is None else micro,
    )
    return low, high


def _date_value(fieldname: str, text: str, boost: float) -> Node:
    """A date typed as a term (``date:2021-11``): the range it names, or Unreadable."""
    try:
        bounds = date_bounds(text)
    except (ValueError, OverflowError):
        return Unreadable(fieldname, text)
    if isinstance(bounds, datetime):
        return Term(fieldname, bounds.isoformat(), boost)
    return Range(fieldname, bounds[0].isoformat(), bounds[1].isoformat(), boost=boost)


def _date_range(fieldname: str, start: str | None, end: str | None, boost: float) -> Node:
    """A date range: inclusive, from the first instant of ``start`` to the last of ``end``.

    ``{a TO b}`` is inclusive too, as it always was (Whoosh's date field ignores the brackets' kind);
    a bound that is not a date makes the whole query unreadable, so its words are searched instead."""
    if start is None and end is None:
        return Every(fieldname, boost)
    iso: list[str | None] = []
    for value, side in ((start, 0), (end, 1)):
        if value is None:
            iso.append(None)
            continue
        bounds = date_bounds(value)  # ValueError: the caller searches the words instead
        if isinstance(bounds, datetime):
            raise QuerySyntaxError(f"{value!r}: a range bound to the microsecond")  # as Whoosh: unreadable
        iso.append(bounds[side].isoformat())
    return Range(fieldname, iso[0], iso[1], boost=boost)


# -- tokens and the passes over them --------------------------------------------------------------------
_TEXT_KINDS = frozenset({"word", "phrase", "wild", "prefix", "fuzzy"})
_FIELD_KINDS = _TEXT_KINDS | {"range", "fieldname"}
_BOOST_KINDS = _TEXT_KINDS | {"range", "and", "or", "not", "multi"}
_GROUP_KINDS = frozenset({"and", "or", "not", "andnot", "andmaybe", "require", "multi"})
_BINARY = frozenset({"andnot", "andmaybe", "require"})
_QMARKS = "?\u055e\u061f\u1367"


@dataclass(eq=False)
class _Tok:
    """One piece of the query while it is being parsed (a word, an operator, a bracket, a group...)."""

    kind: str
    text: str = ""
    original: str = ""  # what was typed, for tokens that turn back into words
    field: str | None = None
    boost: float = 1.0
    slop: int = 1
    maxdist: int = 1
    prefix: int = 0
    start: str | None = None
    end: str | None = None
    startexcl: bool = False
    endexcl: bool = False
    op: str = ""  # for operators: the group kind it makes
    nodes: list[_Tok] = _field(default_factory=list)  # for groups

    def set_field(self, name: str, override: bool = False) -> None:
        if self.kind in _GROUP_KINDS:
            for node in self.nodes:
                node.set_field(name, override)
        elif self.kind in _FIELD_KINDS and (self.field is None or override):
            self.field = name


def _word(original: str) -> _Tok:
    return _Tok("word", text=original, original=original)


def _fuzziness(m: re.Match) -> _Tok:
    maxdist = int(m.group("maxdist")) if m.group("maxdist") else 1
    prefix = int(m.group("prefix")) if m.group("prefix") else 0
    return _Tok("fuzziness", original=m.group(0), maxdist=maxdist, prefix=prefix)


def _boost(m: re.Match) -> _Tok:
    try:
        return _Tok("boost", original=m.group(0), boost=float(m.group("boost")))
    except ValueError:  # a lone "^" is a word
        return _word(m.group(0))


def _range(m: re.Match) -> _Tok:
    start, end = m.group("start"), m.group("end")
    if start:
        start = start.rstrip()
        if start.startswith("'") and start.endswith("'"):
            start = start[1:-1]
    if end:
        end = end.lstrip()
        if end.startswith("'") and end.endswith("'"):
            end = end[1:-1]
    return _Tok("range", start=start, end=end, startexcl=m.group("open") == "{", endexcl=m.group("close") == "}")


def _phrase(m: re.Match) -> _Tok:
    return _Tok("phrase", text=m.group("text"), slop=int(m.group("slop")) if m.group("slop") else 1)


def _op(kind: str):
    return lambda m: _Tok("op", original=m.group(0), op=kind)


_RANGE_RE = r"""
    (?P<open>\{|\[)
    (?P<start>('[^']*?'\s+)|([^\]}]+?(?=[Tt][Oo])))?
    [Tt][Oo]
    (?P<end>(\s+'[^']*?')|([^\]}]+?))?
    (?P<close>}|])
"""
# In the order they are tried at each position (the first that matches wins); text no pattern
# matches is a word. The patterns and their order are Whoosh's, so every query reads as it did.
_TAGGERS: list[tuple[re.Pattern, object]] = [
    (re.compile(r"(?<=\s)ANDNOT(?=\s)"), _op("andnot")),
    (re.compile(r"(?<=\s)ANDMAYBE(?=\s)"), _op("andmaybe")),
    (re.compile(r"[*]:[*]"), lambda m: _Tok("every")),
    (re.compile(r"(^|(?<=\W))'(?P<text>.*?)'(?=\s|\]|[)}]|$)"), lambda m: _word(m.group("text"))),
    (re.compile(r"(?P<text>\w+|[*]):"), lambda m: _Tok("fieldname", text=m.group("text"), original=m.group(0))),
    (re.compile(f"(?P<text>[*{_QMARKS}])"), lambda m: _Tok("wild", text=m.group("text"))),
    (re.compile(r'"(?P<text>.*?)"(~(?P<slop>[1-9][0-9]*))?'), _phrase),
    (re.compile(r"[(]"), lambda m: _Tok("open")),
    (re.compile(r"[)]"), lambda m: _Tok("close")),
    (re.compile(r"(^|(?<=(\s|[()])))NOT(?=\s)"), _op("not")),
    (re.compile(r"(?<=\s)AND(?=\s)"), _op("and")),
    (re.compile(r"(?<=\s)OR(?=\s)"), _op("or")),
    (re.compile(r"(^|(?<=\s))REQUIRE(?=\s)"), _op("require")),
    (re.compile(r"\^(?P<boost>[0-9]*(\.[0-9]+)?)($|(?=[ \t\r\n)]))"), _boost),
    (re.compile(r"(?<=\S)~(?P<maxdist>[0-9])?(/(?P<prefix>[1-9][0-9]*))?"), _fuzziness),
    (re.compile(r"(?:^|(?<=[\s(]))\+(?=\S)"), lambda m: _Tok("plus")),
    (re.compile(r"(?:^|(?<=[\s(]))-(?=\S)"), lambda m: _Tok("minus")),
    (re.compile(_RANGE_RE, re.VERBOSE), _range),
    (re.compile(r"\s+"), lambda m: _Tok("ws")),
]


def tokenize(text: str) -> list[_Tok]:
    """Cut query text into tokens; the text between two recognised tokens is one word."""
    out: list[_Tok] = []
    pos = prev = 0
    while pos < len(text):
        for pattern, make in _TAGGERS:
            m = pattern.match(text, pos)
            if m and m.end() > pos:
                if prev < pos:
                    out.append(_word(text[prev:pos]))
                out.append(make(m))  # type: ignore[operator]
                prev = pos = m.end()
                break
        else:
            pos += 1
    if prev < len(text):
        out.append(_word(text[prev:]))
    return out


def _group_brackets(tokens: list[_Tok]) -> _Tok:
    """Nest the tokens between brackets; a bracket without its partner is ignored."""
    stack = [_Tok("and")]
    for tok in tokens:
        if tok.kind == "open":
            stack.append(_Tok("and"))
        elif tok.kind == "close":
            if len(stack) > 1:
                last = stack.pop()
                stack[-1].nodes.append(last)
        else:
            stack[-1].nodes.append(tok)
    top = stack[0]
    for unclosed in stack[1:]:
        top.nodes.extend(unclosed.nodes)
    if len(top.nodes) == 1 and top.nodes[0].kind in _GROUP_KINDS:
        top = top.nodes[0]  # "(a -b)" is read as the whole query, so its minus works
    return top


def _clean_boosts(group: _Tok) -> None:
    # Only the outermost level, before spaces are dropped: "Putin ^2" searches "2" too, while inside
    # brackets the later pass attaches it ("(Putin ^2)" boosts Putin) -- Whoosh's oddity, kept.
    for i, tok in enumerate(group.nodes):
        if tok.kind == "boost" and (not i or group.nodes[i - 1].kind not in _BOOST_KINDS):
            group.nodes[i] = _word(tok.original)


def _attach_fuzziness(group: _Tok) -> None:
    out: list[_Tok] = []
    i = 0
    nodes = group.nodes
    while i < len(nodes):
        tok = nodes[i]
        if i < len(nodes) - 1 and tok.kind == "word" and nodes[i + 1].kind == "fuzziness":
            nxt = nodes[i + 1]
            tok = _Tok("fuzzy", text=tok.text, field=tok.field, boost=tok.boost, maxdist=nxt.maxdist, prefix=nxt.prefix)
            i += 1
        if tok.kind == "fuzziness":
            tok = _word(tok.original)
        if tok.kind in _GROUP_KINDS:
            _attach_fuzziness(tok)
        out.append(tok)
        i += 1
    group.nodes = out


def _join_wildcards(group: _Tok) -> None:
    nodes = group.nodes
    i = 0
    while i < len(nodes):
        tok = nodes[i]
        if tok.kind == "wild":
            if i < len(nodes) - 1 and nodes[i + 1].kind in _TEXT_KINDS:
                tok.text += nodes.pop(i + 1).text
            if i > 0 and nodes[i - 1].kind in _TEXT_KINDS:
                tok.text = nodes.pop(i - 1).text + tok.text
            else:
                i += 1
        else:
            if tok.kind in _GROUP_KINDS:
                _join_wildcards(tok)
            i += 1
    for i, tok in enumerate(nodes):
        text = tok.text
        if (
            tok.kind == "wild"
            and len(text) > 1
            and not any(q in text for q in _QMARKS)
            and text.find("*") == len(text) - 1
        ):
            nodes[i] = _Tok("prefix", text=text[:-1])


def _apply_aliases(group: _Tok) -> None:
    for tok in group.nodes:
        if tok.kind in _GROUP_KINDS:
            _apply_aliases(tok)
        elif tok.kind == "fieldname" and tok.text in FIELD_ALIASES:
            tok.text = FIELD_ALIASES[tok.text]


def _apply_fieldnames(group: _Tok) -> None:
    # An unknown field name is text: glued to the next word ("foo:bar" searches the words foo and bar),
    # or a word of its own. Two unknown ones in a row lose the first ("a:b:c" is "b:c"), as in Whoosh.
    kept: list[_Tok] = []
    pending: _Tok | None = None
    for tok in group.nodes:
        if tok.kind == "fieldname" and tok.text not in KNOWN_FIELDS:
            pending = tok
            continue
        if pending is not None:
            if tok.kind in _TEXT_KINDS:
                tok.text = pending.original + tok.text
            else:
                kept.append(_word(pending.original))
            pending = None
        kept.append(tok)
    if pending is not None:
        kept.append(_word(pending.original))
    out: list[_Tok] = []
    i = len(kept)
    while i > 0:  # right to left: a known field name applies to the token right after it
        i -= 1
        tok = kept[i]
        if tok.kind == "fieldname":
            tok = _word(tok.original)  # "title:" with nothing after it is the word "title:"
        elif tok.kind in _GROUP_KINDS:
            _apply_fieldnames(tok)
        if i > 0 and tok.kind != "ws" and kept[i - 1].kind == "fieldname":
            tok.set_field(kept[i - 1].text)
            i -= 1
        out.append(tok)
    out.reverse()
    group.nodes = out


def _default_fields(group: _Tok) -> None:
    # A token with no field searches the default fields; it is wrapped in an OR group because Whoosh's
    # multi-field plug-in did so, and later operators merge into that group ("x^2 OR y" boosts y too).
    for i, tok in enumerate(group.nodes):
        if tok.kind in _GROUP_KINDS:
            _default_fields(tok)
        elif tok.kind in _FIELD_KINDS and tok.field is None:
            group.nodes[i] = _Tok("multi", nodes=[tok])


def _drop_spaces(group: _Tok) -> None:
    group.nodes = [tok for tok in group.nodes if tok.kind != "ws"]
    for tok in group.nodes:
        if tok.kind in _GROUP_KINDS:
            _drop_spaces(tok)


def _apply_boosts(group: _Tok) -> None:
    out: list[_Tok] = []
    for tok in group.nodes:
        if tok.kind in _GROUP_KINDS:
            _apply_boosts(tok)
        elif tok.kind == "boost":
            if out and out[-1].kind in _BOOST_KINDS:
                out[-1].boost = tok.boost
                continue
            tok = _word(tok.original)
        out.append(tok)
    group.nodes = out


def _plus_minus(group: _Tok) -> _Tok:
    # Only at the outermost level: "x (y -z)" cannot be read (its words are searched), as before.
    required, optional, banned = _Tok("and"), _Tok("and"), _Tok("or")
    target = optional
    for tok in group.nodes:
        if tok.kind == "plus":
            target = required
        elif tok.kind == "minus":
            target = banned
        else:
            target.nodes.append(tok)
            target = optional
    result = optional
    if required.nodes:
        result = _Tok("andmaybe", nodes=[required, result])
    if banned.nodes:
        result = _Tok("andnot", nodes=[result, banned])
    return result


# Binding order: NOT, then AND, OR, ANDNOT, ANDMAYBE, REQUIRE; words side by side bind last.
_OPERATORS = ("not", "and", "or", "andnot", "andmaybe", "require")
_MERGING = frozenset({"and", "or", "multi"})


def _apply_operators(group: _Tok) -> None:
    nodes = group.nodes
    for kind in _OPERATORS:
        i = 0
        while i < len(nodes):
            tok = nodes[i]
            if tok.kind != "op" or tok.op != kind:
                i += 1
                continue
            if kind == "not":  # prefix operator: wraps whatever follows, even another operator
                length = len(nodes)
                del nodes[i]
                if i < length - 1:
                    nodes[i] = _Tok("not", nodes=[nodes[i]])
                continue
            if 0 < i < len(nodes) - 1:
                left, right = nodes[i - 1], nodes[i + 1]
                # a group of the same kind takes the right side in, even one the user bracketed (or a
                # field's OR group): "(x y)^2 AND z" boosts z too -- kept as it was
                if kind in _MERGING and (left.kind == kind or (kind == "or" and left.kind == "multi")):
                    left.nodes.append(right)
                    del nodes[i : i + 2]
                else:
                    nodes[i - 1 : i + 2] = [_Tok(kind, nodes=[left, right])]
            else:
                del nodes[i]  # an operator at either end is ignored
    for tok in nodes:
        if tok.kind in _GROUP_KINDS:
            _apply_operators(tok)


def _to_node(tok: _Tok) -> Node | None:
    kind = tok.kind
    if kind in ("and", "or", "multi"):
        if kind == "multi" and len(tok.nodes) == 1:  # one term in the default fields
            only = _to_node(tok.nodes[0])
            return None if only is None else _with_boost(only, tok.boost)
        items = tuple(n for n in map(_to_node, tok.nodes) if n is not None)
        return _simplified(And if kind == "and" else Or, items, tok.boost)
    if kind == "not":
        if not tok.nodes:
            raise QuerySyntaxError("NOT with nothing to negate")
        inner = _to_node(tok.nodes[0])
        return None if inner is None else Not(inner)
    if kind in _BINARY:
        if len(tok.nodes) != 2:
            raise QuerySyntaxError(f"{kind} needs two sides")
        # each side as parsed, unsimplified: a side whose words all analyse away is an empty group,
        # which matches nothing, where no side at all would leave the other side standing alone
        a, b = _side(tok.nodes[0]), _side(tok.nodes[1])
        if a is None or b is None:
            return a if b is None else b
        if kind == "andnot":
            return AndNot(a, b)
        return AndMaybe(a, b) if kind == "andmaybe" else Require(a, b)
    if kind == "every":
        return Every()
    f = tok.field
    if f in DATE_FIELDS:
        if kind == "range":
            return _date_range(f, tok.start, tok.end, tok.boost)
        if kind in ("word", "prefix", "wild", "fuzzy"):  # a date field reads these as dates ("date:2021*")
            return _date_value(f, tok.text, tok.boost)
    if kind == "word":
        return Term(f, tok.text, tok.boost)
    if kind == "phrase":
        return Phrase(f, tok.text, tok.slop, tok.boost)
    if kind == "prefix":
        return Prefix(f, tok.text, tok.boost)
    if kind == "wild":
        return Wildcard(f, tok.text, tok.boost)
    if kind == "fuzzy":
        maxdist, prefix = min(tok.maxdist, MAX_FUZZY_DISTANCE), max(tok.prefix, MIN_FUZZY_PREFIX)
        return Fuzzy(f, tok.text, maxdist, prefix, tok.boost)
    if kind == "range":
        return Range(f, tok.start, tok.end, tok.startexcl, tok.endexcl, tok.boost)
    # a "+" or "-" inside brackets, or anything else left over: the query cannot be read
    raise QuerySyntaxError(f"unexpected {kind!r}")


def _side(tok: _Tok) -> Node | None:
    if tok.kind in ("and", "or"):
        items = tuple(n for n in map(_to_node, tok.nodes) if n is not None)
        return (And if tok.kind == "and" else Or)(items, tok.boost)
    return _to_node(tok)


def _simplified(cls: type[And] | type[Or], items: tuple[Node, ...], boost: float) -> Node:
    """``cls(items, boost)`` without redundant nesting: unboosted groups of the same kind are merged into
    it, and an unboosted group of one is that one. (Not below ANDNOT and the like, where an empty group
    and no group differ: see ``_to_node``.)"""
    flat: list[Node] = []
    for item in items:
        if isinstance(item, cls) and item.boost == 1.0:
            flat.extend(item.items)
        else:
            flat.append(item)
    if len(flat) == 1 and boost == 1.0 and not isinstance(flat[0], cls):
        return flat[0]  # (a boosted group of the same kind stays wrapped: Whoosh spreads its boost)
    return cls(tuple(flat), boost)


def _with_boost(node: Node, boost: float) -> Node:
    if boost == 1.0 or not hasattr(node, "boost"):
        return node
    return replace(node, boost=boost)  # type: ignore[arg-type]


def parse(text: str) -> Node | None:
    """Parse query text into the neutral tree (None: nothing in it). Raises QuerySyntaxError."""
    try:
        top = _group_brackets(tokenize(text))
        _clean_boosts(top)
        _attach_fuzziness(top)
        _join_wildcards(top)
        _apply_aliases(top)
        _apply_fieldnames(top)
        _default_fields(top)
        _drop_spaces(top)
        _apply_boosts(top)
        top = _plus_minus(top)
        _apply_operators(top)
        return _to_node(top)
    except QuerySyntaxError:
        raise
    except (ValueError, IndexError, OverflowError) as exc:  # a bound that is not a date, ...
        raise QuerySyntaxError(str(exc)) from exc
