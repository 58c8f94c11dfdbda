"""Escaped snippets: up to three fragments of the body with every matched word in <mark>.

Matching is by analysed (stemmed, accent-folded) form, exactly as the search matched: "migrants" marks
"migrant" and "Migrants", "erdogan" marks "Erdoğan". All article text is HTML-escaped here; the only markup in the result is our own ``<mark>``.

Whoosh's highlighter runs the whole analyser chain over every token of every body in Python, which was
most of a result page's time (issue 5). Here one C-level regex finds the few tokens that *could* stem to
a query term (they share its first letters), and only those go through the real analyser.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from whoosh.support.charset import accent_map

from indexer.schema import TEXT_ANALYZER

MAX_FRAGMENTS = 3
FRAGMENT_CHARS = 220
LEAD_CHARS = 280
SCAN_CHARS = 50_000  # long bodies: only the beginning is scanned, keeping snippet time bounded
ELLIPSIS = "…"
# The analyser's accent folding as a one-to-one character table: the folded text keeps every offset.
_FOLD = str.maketrans({chr(k): v for k, v in accent_map.items() if len(v) == 1})


def _prefixes(terms: frozenset[str]) -> tuple[str, ...]:
    """The beginnings a token must have to stem to one of ``terms``; one that starts with another is dropped
    (the shorter one finds every token the longer would). Not cached: a query's words are not remembered
    beyond its request (a few microseconds a hit)."""
    # A Porter stem is the word's beginning, give or take its last letter ("economi" <- "economy").
    kept: list[str] = []
    for p in sorted({t[:-1] if len(t) > 3 else t for t in terms if t}, key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(kept)


@lru_cache(maxsize=64)  # one query's terms serve every hit of its page: compile them once, not per hit
def _candidate_regex(prefixes: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    # From a token's start, through to the token's end, as Whoosh's tokenizer would cut it.
    return re.compile(rf"(?<![\w*])(?:{alternatives})[\w*]*(?:\.?[\w*]+)*", re.IGNORECASE)


# A token from its first character to its end, as Whoosh's tokenizer would cut it.
_TOKEN = re.compile(r"[\w*]+(?:\.?[\w*]+)*")
# Up to this many beginnings, str.find over the lowered text finds the candidates; more, and one compiled
# alternation (Python's regex compiler costs 0.1-1 ms a pattern, more than a few finds over a body) does.
FIND_MAX_PREFIXES = 8


def _candidates(text: str, prefixes: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of every token of ``text`` (accent-folded) that begins with one of ``prefixes``."""
    lowered = text.lower()
    if len(prefixes) > FIND_MAX_PREFIXES or len(lowered) != len(text):  # "İ".lower() has two characters
        return [m.span() for m in _candidate_regex(prefixes).finditer(text)]
    starts = set()
    for prefix in prefixes:
        i = lowered.find(prefix)
        while i >= 0:
            if i == 0 or not (lowered[i - 1].isalnum() or lowered[i - 1] in "_*"):  # a token's first letters
                starts.add(i)
            i = lowered.find(prefix, i + 1)
    spans, end = [], 0
    for start in sorted(starts):
        if start >= end:  # not inside the token before ("U.S" is one token)
            m = _TOKEN.match(text, start)
            if m is not None:
                end = m.end()
                spans.append((start, end))
    return spans


@lru_cache(maxsize=1 << 16)  # the analyser chain is Python per word; most words recur across hits and queries
def _stem(word: str) -> str | None:
    for token in TEXT_ANALYZER(word):
        return token.text
    return None


def find_matches(text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """Return (start, end, term) of every token of ``text`` whose analysed form is in ``terms``."""
    prefixes = _prefixes(terms)
    if not prefixes:
        return []
    out = []
    for start, end in _candidates(text.translate(_FOLD), prefixes):  # "Erdoğan" is a candidate for "erdogan"
        stem = _stem(text[start:end].lower())
        if stem in terms:
            out.append((start, end, stem))
    return out


def _fragments(text: str, matches: list[tuple[int, int, str]]) -> list[tuple[int, int, list]]:
    """Group matches into windows of about FRAGMENT_CHARS; keep the best three, in text order."""
    windows = []
    i = 0
    while i < len(matches):
        start = matches[i][0]
        group = [matches[i]]
        j = i + 1
        while j < len(matches) and matches[j][1] - start <= FRAGMENT_CHARS * 0.7:
            group.append(matches[j])
            j += 1
        windows.append(group)
        i = j
    scored = sorted(windows, key=lambda g: (-len({m[2] for m in g}), -len(g), g[0][0]))[:MAX_FRAGMENTS]
    scored.sort(key=lambda g: g[0][0])
    out = []
    for group in scored:
        first, last = group[0][0], group[-1][1]
        room = max(FRAGMENT_CHARS - (last - first), 0)
        start = max(0, first - room // 2)
        end = min(len(text), last + room - (first - start))
        if start > 0:  # begin at a word boundary
            space = text.find(" ", start, first)
            start = space + 1 if space != -1 else start
        if end < len(text):
            space = text.rfind(" ", last, end)
            end = space if space != -1 else end
        out.append((start, end, group))
    return out


def _merged(fragments: list[tuple[int, int, list]]) -> list[tuple[int, int]]:
    """Return the fragments' (start, end) spans, overlapping or touching ones joined (no text twice)."""
    spans: list[tuple[int, int]] = []
    for start, end, _group in fragments:
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def lead_paragraph(body: str, limit: int = LEAD_CHARS) -> str:
    """Return the first paragraph of ``body``, escaped, cut at a word boundary near ``limit``."""
    text = body.strip()
    para = text.split("\n\n", 1)[0].strip() or text
    para = " ".join(para.split())
    if len(para) > limit:
        cut = para.rfind(" ", 0, limit)
        para = para[: cut if cut > limit // 2 else limit].rstrip(" ,.;:") + " " + ELLIPSIS
    return escape(para, quote=False)


def make_snippet(body: str, terms: frozenset[str], lead: str = "") -> str:
    """Return escaped HTML of up to three fragments of ``body`` marking ``terms`` (analysed forms).

    When the body has none of the terms, the source's ``lead`` paragraph is tried (it may be where the
    query matched); failing that the snippet is the lead, else the body's first paragraph."""
    if not body and not lead:
        return ""
    text = body[:SCAN_CHARS]
    matches = find_matches(text, terms) if terms and body else []
    if not matches:
        if lead and terms and find_matches(lead, terms):
            return make_snippet(lead, terms)
        return lead_paragraph(lead or body)
    parts = []
    prev_end = 0
    for start, end in _merged(_fragments(text, matches)):
        if any(c.isalnum() for c in text[prev_end:start]):
            parts.append(ELLIPSIS)
        html, pos = [], start
        # every match the fragment shows is marked, not only those that chose the fragment
        for m_start, m_end, _ in matches:
            if m_start < pos or m_end > end:
                continue
            html.append(escape(text[pos:m_start], quote=False))
            html.append(f"<mark>{escape(text[m_start:m_end], quote=False)}</mark>")
            pos = m_end
        html.append(escape(text[pos:end], quote=False))
        rest = body[end:]
        if rest.strip() and not any(c.isalnum() for c in rest):  # keep the closing punctuation
            html.append(escape(rest.rstrip(), quote=False))
            end = len(body)
        parts.append(" ".join("".join(html).split()))
        prev_end = end
    if any(c.isalnum() for c in body[prev_end:]):
        parts.append(ELLIPSIS)
    return " ".join(parts)


def mark_words(text: str, terms: frozenset[str]) -> list[tuple[str, bool]]:
    """Split ``text`` into (piece, matched) pairs: the words whose analysed form is in ``terms`` are
    their own pieces, marked True (the article page marks a search's words this way; the template escapes)."""
    matches = find_matches(text, terms) if terms and text else []
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for start, end, _term in matches:
        if start > pos:
            pieces.append((text[pos:start], False))
        pieces.append((text[start:end], True))
        pos = end
    if pos < len(text) or not pieces:
        pieces.append((text[pos:], False))
    return pieces
