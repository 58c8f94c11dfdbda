"""Snippets mark every matched word they show, and never show a stretch of text twice (issue 11).

A snippet's fragments are chosen by groups of nearby matches, but a fragment shows more text than its
group: a matched word of a neighbouring group that falls inside it must be marked too ("the
<mark>migrant</mark> <mark>crisis</mark>", not "the <mark>migrant</mark> crisis"), and two fragments
that overlap are shown as one.
"""

from __future__ import annotations

import random
import re

from search.whoosh.parse import analyse_words
from search.whoosh.snippets import ELLIPSIS, make_snippet


def unmarked(snippet: str, words: list[str]) -> list[str]:
    plain = re.sub(r"<mark>.*?</mark>", " ", snippet)
    return [m.group(0) for w in words for m in re.finditer(rf"\b{w}\w*", plain, re.I)]


FILLER = "the of border talks in on a officials met again situation said".split()


def layouts(n: int, seed: int = 1):
    """Texts of filler with the query's words in pairs and alone, at random distances (seeded)."""
    rng = random.Random(seed)
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(4, 9)):
            parts.append(" ".join(rng.choice(FILLER) for _ in range(rng.randint(3, 40))))
            parts.append(rng.choice(["migrant crisis", "crisis", "migrant", "migrant crisis"]))
        yield " ".join(parts) + "."


def test_every_shown_match_is_marked_and_no_text_repeats():
    terms = frozenset(analyse_words("migrant crisis"))
    for text in layouts(300):
        snippet = make_snippet(text, terms)
        assert unmarked(snippet, ["migrant", "crisis"]) == [], snippet
        # each fragment is a piece of the text, in order, and no piece overlaps the one before
        position = 0
        for piece in (p.strip() for p in re.sub(r"</?mark>", "", snippet).split(ELLIPSIS)):
            if piece:
                found = text.find(piece, position)
                assert found >= position, (piece, snippet)
                position = found + len(piece)


def test_the_issue_example():
    snippet = make_snippet(
        "Since June the migrant crisis escalated along the whole border.", frozenset(analyse_words("migrant crisis"))
    )
    assert "the <mark>migrant</mark> <mark>crisis</mark> escalated" in snippet
