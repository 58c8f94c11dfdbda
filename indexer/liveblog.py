"""Live blogs read as glued text: restore the breaks between a blog's blocks and between its sentences.

A scraped live blog (the Guardian's, say) loses the markup between its blocks, so a block's time stamp, its
heading and its first sentence run into the end of the block before: "...the claim.13.44'Many killed' in
strike on SlovyanskThe eastern Ukrainian city...", "Read moreUpdated at 23.50 GMT 24 Feb 202223.33Asked
when...". Search snippets, the article page and NER then see one long sentence ("SlovyanskThe" is no
place). ``restore_breaks`` puts a line break back at each block stamp, update footer and "Read more" link,
and where a sentence or a heading runs into the next one.

Only texts that show a glued block marker (a clock stamp or "Read more" run into a word) are touched, so
ordinary articles, and the offsets of anything already annotated in them, stay exactly as they were.
"""

from __future__ import annotations

import re
from collections import Counter

_CLOCK = r"(?:[01]?\d|2[0-3])[.:][0-5]\d"
_SPACE = r"[^\S\n]"  # a space on the line, no-break space included (the Guardian's stamps use them)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# A block's header: "24 Feb 2022" or "22h ago" run into the block's clock time ("24 Feb 202223.44").
_BLOCK_HEADER = re.compile(
    rf"{_SPACE}*(\d{{1,2}}{_SPACE}{_MONTH}{_SPACE}\d{{4}}|\d{{1,2}}[hdm]{_SPACE}ago)({_CLOCK})(?=\S)"
)
# A bare clock run into a capital or a quote: a block time or a video's length ("13.44'Many killed'").
_GLUED_CLOCK = re.compile(rf"(?<![\d.:,])({_CLOCK})(?=[A-Z\u2018\u201c'\"][\w'\u2019])")
# The footer a block carries once it was edited: "Updated at 23.50 GMT".
_UPDATED = re.compile(rf"{_SPACE}*(Updated{_SPACE}at{_SPACE}{_CLOCK}(?:{_SPACE}[A-Z]{{2,4}})?){_SPACE}*")
_READ_MORE = re.compile(rf"{_SPACE}*(Read more:?){_SPACE}*(?=\S)|(?<=\S)(Read more:?){_SPACE}*$", re.M)
# A sentence run into the next: "a reporter asked?Psaki", "he said.“We", "ruins.”The", "response”.The".
_SENTENCE_JOIN = re.compile(
    r"(?<=[a-z]{2}[.!?])(?=[A-Z\u2018\u201c]|\"[A-Z])|"
    r"(?<=[a-z][.!?][\u201d\u2019\"])(?=[A-Z\u2018\u201c])|"
    r"(?<=[a-z][\u201d\u2019\"][.!?])(?=[A-Z\u2018\u201c])"
)
# A heading or byline run into its first sentence: "strike on SlovyanskThe eastern", "Lavrov saysRussia's".
# Names written in camel case (DeSantis, BlackRock, LinkedIn) must stay whole, so a join is either a whole
# lower-case word run into a capitalised one ("saysRussia's"), or any word run into a word that opens
# sentences and is never the tail of a name ("SlovyanskThe", "ShutterstockHe"; not "In": LinkedIn).
_OPENERS = (
    "The|A|An|This|That|These|Those|There|Here|It|Its|He|His|She|Her|They|Their|We|Our|I|You|After|Before|"
    "But|And|Meanwhile|However|Earlier|Later|Today|Yesterday|Speaking|According|Asked|Some|Many"
)
_JOIN_CANDIDATE = re.compile(r"(?<=[a-z]{3})(?=[A-Z])")
_OPENER_AHEAD = re.compile(rf"(?:{_OPENERS})(?:\b|[\u2019'])")
_WORD_BEFORE = re.compile(r"[\w'\u2019\-@#/.]+$")


def _heading_joins(text: str) -> list[int]:
    """Offsets where a heading or byline runs into the next sentence (see _OPENERS)."""
    joins = []
    for m in _JOIN_CANDIDATE.finditer(text):
        at = m.start()
        if text.startswith(("Read more", "Updated at"), at):
            continue  # block markers, counted and broken on their own
        if _OPENER_AHEAD.match(text, at):
            joins.append(at)
            continue
        word = _WORD_BEFORE.search(text, max(0, at - 60), at)
        if word and word.group(0).isalpha() and word.group(0).islower() and text[at + 1 : at + 2].islower():
            joins.append(at)
    return joins


_SIGNS = {
    "block stamp": re.compile(rf"(?:(?<=\d{{4}})|(?<=ago)|(?<![\d.:,])){_CLOCK}(?=[A-Z\u2018\u201c'\"])"),
    "update footer": re.compile(
        rf"(?<=\S)Updated{_SPACE}at{_SPACE}{_CLOCK}|"
        rf"Updated{_SPACE}at{_SPACE}(?>{_CLOCK}(?:{_SPACE}[A-Z]{{2,4}})?){_SPACE}*(?=\S)"
    ),
    "read more": re.compile(r"(?<=\S)Read more|Read more:?(?=[^\s:])"),
    "sentence": _SENTENCE_JOIN,
}
# Any lower-case letters run into a capitalised word: the joins above plus names in camel case (counted only).
_CAMEL = re.compile(r"[a-z]{3}(?=[A-Z][a-z])")


def restore_breaks(text: str) -> str:
    """Return ``text`` with line breaks restored between a glued live blog's blocks and sentences."""
    if not is_glued(text):
        return text
    text = _BLOCK_HEADER.sub(lambda m: f"\n\n{m.group(1)} {m.group(2)}\n", text)
    text = _GLUED_CLOCK.sub(lambda m: f"\n\n{m.group(1)}\n", text)
    text = _UPDATED.sub(lambda m: f"\n{m.group(1)}\n", text)
    text = _READ_MORE.sub(lambda m: f"\n{m.group(1) or m.group(2)}\n", text)
    text = _SENTENCE_JOIN.sub("\n", text)
    text = _insert_breaks(text, _heading_joins(text))
    text = re.sub(rf"{_SPACE}+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _insert_breaks(text: str, offsets: list[int]) -> str:
    """``text`` with a line break at each offset."""
    pieces, last = [], 0
    for at in offsets:
        pieces.append(text[last:at])
        last = at
    pieces.append(text[last:])
    return "\n".join(pieces)


def is_glued(text: str) -> bool:
    """True when the text shows a block marker run into a word: a glued time stamp or "Read more"."""
    return bool(_BLOCK_HEADER.search(text) or _GLUED_CLOCK.search(text) or _SIGNS["read more"].search(text))


def count_glued_joins(text: str) -> Counter:
    """How many joins of each kind (block stamp, update footer, read more, sentence, heading) run together."""
    counts = Counter({kind: len(pattern.findall(text)) for kind, pattern in _SIGNS.items()})
    joins = set(_heading_joins(text))
    counts["heading"] = len(joins)
    counts["camel case (names kept)"] = sum(1 for m in _CAMEL.finditer(text) if m.end() not in joins)
    return counts
