"""Did you mean: misspelt words of a query that finds little, corrected from the index's own words."""

from __future__ import annotations

import re

import numpy as np

from ..model import SearchRequest
from .parse import ParsedQuery, analyse_words, parse_query
from .snapshot import Snapshot

DID_YOU_MEAN_BELOW = 5  # offer a correction when a query finds fewer articles than this


def did_you_mean(index, snap: Snapshot, req: SearchRequest, parsed: ParsedQuery, total: int) -> str | None:
    """Return the query with misspelt words corrected, when that finds more articles with all words."""
    # Words the index has at all are only questioned when the query found little outright.
    rare_too = total < DID_YOU_MEAN_BELOW and not parsed.relaxed
    text = req.q
    changed = False
    for raw in re.findall(r"[^\W\d_]{4,}", text):  # short words have too many neighbours
        if raw.upper() in ("AND", "OR", "NOT"):
            continue
        stems = analyse_words(raw)
        if not stems:  # a stop word
            continue
        freq = snap.matcher.doc_frequency("body", stems[0]) + snap.matcher.doc_frequency("title", stems[0])
        if freq >= DID_YOU_MEAN_BELOW or (freq and not rare_too):
            continue
        best = suggest_word(snap, raw.lower(), freq)
        if best and best != raw.lower():
            fixed = best.capitalize() if raw[:1].isupper() else best
            text = re.sub(rf"\b{re.escape(raw)}\b", fixed, text, count=1)
            changed = True
    if not changed:
        return None
    if parsed.relaxed and parse_query(req.q).relaxed:
        return text  # a long question: the corrected words are ones articles actually use
    try:
        before = all_words_total(index, snap, req, req.q)
        after = all_words_total(index, snap, req, text)
    except Exception:  # a suggestion is optional; never fail the search over it
        return None
    return text if after > before else None


def all_words_total(index, snap: Snapshot, req: SearchRequest, text: str) -> int:
    """Return how many articles match every word of ``text`` (no relaxing), within the filters."""
    parsed = parse_query(text)
    if parsed.query is None:
        return 0
    mask = snap.matcher.evaluate(parsed.query).mask & index._filter_mask(snap, req)
    return int(np.count_nonzero(mask))


def suggest_word(snap: Snapshot, word: str, freq: int) -> str | None:
    """Return the most frequent indexed word within edit distance 1 (else 2, for long words) of ``word``.

    A word no article has is corrected to any neighbour found in two or more; a rare word that does
    occur (a name like "Raisi") only to a neighbour at distance 1 that is twenty times commoner.
    """
    field = "spell_body" if "spell_body" in snap.searcher.schema else "body"
    vocabulary = snap.vocabulary.get(0)  # in memory once read; until then Whoosh walks its term file
    for maxdist in (1, 2) if freq == 0 and len(word) >= 7 else (1,):
        if vocabulary is not None:
            within = vocabulary.within(word, maxdist, prefix=1)
        else:
            with snap.lock:
                within = list(snap.reader.terms_within(field, word, maxdist, prefix=1))
        candidates = [c for c in within if c != word]
        if not candidates:
            continue
        scored = []
        for c in candidates:
            stems = analyse_words(c)
            f = snap.matcher.doc_frequency("body", stems[0]) if stems else 0
            scored.append((edit_distance(word, c), -f, c))
        scored.sort()
        _, negf, best = scored[0]
        if -negf >= (2 if freq == 0 else 20 * freq):
            return best
    return None


def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance between two words."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
