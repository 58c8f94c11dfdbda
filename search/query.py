"""What the user's query text means before any engine reads it: a ``ParsedQuery`` in the neutral form.

``parse_query`` tidies what people type, tells plain words from query syntax, parses syntax with
``querylang.parse`` (phrases, AND/OR/NOT, ``-word``, field aliases, ``migra*``, ``Lukashenka~``),
relaxes long questions and falls back to plain words, with a notice, for text that cannot be read. Each
backend compiles the result (``search/whoosh/compile.py`` for Whoosh); analysing words (stemming, stop
words) is the backend's too, so the functions here take its ``analyse`` function.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from . import querylang
from .filler_words import is_filler

TEXT_FIELDS = ("title", "body", "lead")
LONG_QUESTION_WORDS = 6
# A relaxed query requires a third of its content words (those some article has), rounded up, and at
# least two: 2 of 2 to 6, 3 of 7 to 9. Any one word alone matched most of an index (issue 11); a larger
# share cost ranking quality on TIME (bench/relevance.py: nDCG@10 0.48 at 60 %, 0.62 at half).
RELAXED_MIN_SHARE = 1 / 3
RELAXED_MIN_WORDS = 2
# A short query that no article matches whole is relaxed to half its words (at least one).
FALLBACK_MIN_SHARE = 1 / 2

NOTICE_UNPARSED = "Your query could not be parsed; searched for the words instead"
NOTICE_RELAXED = "Showing articles that match most of your words"
NOTICE_STOPWORDS = "Your query has only very common words, which are not searchable; try more specific words"
NOTICE_NOTHING = "Your query has nothing to search for; showing all articles"
NOTICE_PARTLY = (
    "Part of your query could not be read and was left out (dates are written 2021-11-30 "
    "or date:[2021-11-01 TO 2021-11-30])"
)

_SYNTAX_RE = re.compile(r'["*?~:()\[\]{}^]|(?:^|\s)[-+]\S')
_OPERATOR_RE = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
WORD_RE = re.compile(r"\w+", re.UNICODE)
_QUESTION_RE = re.compile(r"(?:(?<=\w)|(?<!\S))\?+(?=[\s\"'),.;!]|$)")


def has_syntax(text: str) -> bool:
    """True when the text uses query syntax; in ALL-CAPS text, AND/OR/NOT are just words."""
    if _SYNTAX_RE.search(text):
        return True
    return bool(_OPERATOR_RE.search(text)) and any(c.islower() for c in text)


def tidy_text(text: str) -> str:
    """Drop what people type that is not meant as syntax: a question mark ending a word or standing
    alone ("what did Putin say?"), and an unpaired double quote."""
    text = _QUESTION_RE.sub("", text or "")
    if text.count('"') % 2:
        cut = text.rfind('"')
        text = text[:cut] + " " + text[cut + 1 :]
    return text.strip()


# Tokens as the index's tokenizer cuts them ("U.S." stays one token, not "U" and "S")
_TOKEN_RE = re.compile(r"\w+(?:\.?\w+)*", re.UNICODE)


def content_text(text: str) -> str:
    """Return the words of ``text`` that are not filler words ("EU Belarus migrants" from a question)."""
    return " ".join(w for w in _TOKEN_RE.findall(text) if not is_filler(w))


_FIELD_RANGE_RE = re.compile(r"\b\w+:\s*[\[{][^\]}]*[\]}]?")
_FIELD_NAME_RE = re.compile(r"\b\w+:")


def without_field_syntax(text: str) -> str:
    """Return ``text`` without field names and ranges ("date:[garbage TO 2021] Tokayev" -> "Tokayev"): the
    words to search when the query cannot be parsed."""
    return _FIELD_NAME_RE.sub(" ", _FIELD_RANGE_RE.sub(" ", text))


Analyse = Callable[[str], list[str]]  # text -> its distinct searchable index words, in order


@dataclass
class ParsedQuery:
    """What the user's text means for the engine."""

    text: str
    # None: browse everything. From parse_query, a querylang node; a backend replaces it with its own
    # compiled query (and name widening with a wider one) before it searches.
    query: Any
    notice: str | None = None
    plain: bool = False  # only plain words, no syntax: eligible for relaxing and did-you-mean
    words: list[str] = field(default_factory=list)  # analysed (stemmed) words of a plain query
    relaxed: bool = False  # long question: rank by how many words match
    empty: bool = False  # words were given but none is searchable (stop words only)
    groups: list = field(default_factory=list)  # AND groups of a plain query, when names widened them
    also_matching: list[str] = field(default_factory=list)  # spellings added for names in the query
    content_text: str = ""  # a relaxed query's words without its filler words (names are widened in it)
    filler: list[str] = field(default_factory=list)  # a relaxed query's analysed filler words: score only


def words_query(words: list[str]) -> querylang.Node | None:
    """Return the all-words query for analysed words in the default fields (None when there are none)."""
    terms = [querylang.Term(None, w, analysed=True) for w in words]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else querylang.And(tuple(terms))


def parse_query(text: str, analyse: Analyse) -> ParsedQuery:
    """Parse the user's query text into a ParsedQuery (never raises)."""
    original = (text or "").strip()
    text = tidy_text(original)
    if not text:
        return ParsedQuery(text, None, NOTICE_NOTHING if original else None)
    if not has_syntax(text):
        words = analyse(text)
        if not words:
            return ParsedQuery(text, None, NOTICE_STOPWORDS, plain=True, empty=True)
        parsed = ParsedQuery(text, words_query(words), None, plain=True, words=words)
        if len(WORD_RE.findall(text)) >= LONG_QUESTION_WORDS and len(words) >= 2:
            return relax(parsed, analyse)
        return parsed
    try:
        node = querylang.parse(text)
    except querylang.QuerySyntaxError:
        return fallback_query(text, analyse)
    if node is None:
        return nothing_left(text, analyse)
    if not any(isinstance(leaf, querylang.Unreadable) for leaf in querylang.leaves(node)):
        return ParsedQuery(text, node, None)
    kept = querylang.drop_unreadable(node)
    if kept is None:  # "date:yesterday": nothing else to search, so its words are searched
        return fallback_query(text, analyse)
    return ParsedQuery(text, kept, NOTICE_PARTLY)  # "Tokayev date:yesterday": Tokayev, and a notice


def nothing_left(text: str, analyse: Analyse) -> ParsedQuery:
    """The answer to syntax with nothing searchable in it once analysed (``"the" OR "of"``, ``((``)."""
    if not WORD_RE.search(text):
        return ParsedQuery(text, None, NOTICE_NOTHING)
    if analyse(text):  # e.g. "-Putin" alone, or "NOT NOT x": its words are searched
        return fallback_query(text, analyse)
    return ParsedQuery(text, None, NOTICE_STOPWORDS, empty=True)


def relax(parsed: ParsedQuery, analyse: Analyse) -> ParsedQuery:
    """Return a plain query relaxed: ranked by its words, most of its content words required.

    Filler words ("what", "did", "put", "over") neither make an article match nor are highlighted; they
    still add their (small) BM25 score to articles that match, as in plain BM25 ranking. A query of nothing
    but filler words keeps them all as content.
    """
    content = content_text(parsed.text)
    words = analyse(content)
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


def fallback_query(text: str, analyse: Analyse, notice: str = NOTICE_UNPARSED) -> ParsedQuery:
    """Search the words of ``text`` as plain words (the answer to text that cannot be parsed).

    A field's range and a field's name are syntax, not words ("date:[garbage TO 2021] Tokayev" searches
    Tokayev), unless nothing else is left."""
    words = analyse(" ".join(WORD_RE.findall(without_field_syntax(text).replace("_", " "))))
    words = words or analyse(" ".join(WORD_RE.findall(text.replace("_", " "))))
    if not words:
        return ParsedQuery(text, None, NOTICE_STOPWORDS, empty=True)
    return ParsedQuery(text, words_query(words), notice, plain=True, words=words)
