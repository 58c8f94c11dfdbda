"""What the user's query text means before any engine reads it: notices, tidying, the fields a user may name.

The text is parsed by the backend (``search/whoosh/parse.py`` for Whoosh: phrases, AND/OR/NOT,
``-word``, field aliases, ``migra*``, ``Lukashenka~``, relaxed long questions, friendly fallbacks);
the notices it shows, the tidying of what people type and the test for query syntax are the same
whichever engine answers, so they live here.
"""

from __future__ import annotations

import re

from .filler_words import is_filler

TEXT_FIELDS = ("title", "body", "lead")
# Fields a user may name in the query; everything else in the schema stays internal.
USER_FIELDS = ("title", "body", "lead", "actor", "country", "org", "source", "date")
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
