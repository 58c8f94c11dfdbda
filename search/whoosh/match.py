"""Evaluate a Whoosh query tree with numpy: the set of matching documents and their BM25 scores.

Whoosh's own collector walks every matching posting in Python, which is what makes broad queries slow
on a big archive (issue 5). Here each term's postings are read once per index commit into numpy arrays
(an LRU keeps the hot ones), and a query becomes a handful of vector operations over all documents:
a boolean mask (what matches: total, facets, histogram) and a float score (what ranks first).
Scoring is BM25 per field over Whoosh's own statistics (field lengths, term frequencies, field boosts):
see ``bm25.py``; the postings and lengths are read from Whoosh's files by ``codec.py``.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.util.times import long_to_datetime

from ..budget import QueryBudget
from ..facets import FacetTable
from .bm25 import bm25_scores
from .codec import read_field_lengths, read_leaf_phrase_keys, read_leaf_postings
from .expansion import describe_term, scan_terms
from .wildcards import surface_stems

MAX_EXPANSION = 256  # terms one wildcard/fuzzy/range may expand to
POSTINGS_CACHE_BYTES = 64 * 1024 * 1024
FACET_FIELDS = ("actor", "country", "org", "source")


@dataclass
class Matches:
    """A query's answer over all documents: which match, and how well (None: unscored)."""

    mask: np.ndarray
    score: np.ndarray | None = None


# What one cached entry costs beyond its arrays' data, measured with tracemalloc: the ordered dict's
# node, the key tuple and its bytes (~250 bytes), and each numpy array object (~112 bytes). Counting only
# the data (plus 100 bytes) let a cache "bounded" at 64 MB hold ~270 MB of the one-posting terms that
# wildcard and fuzzy expansions fill it with (RSS crept up under the soak, 330 MB after hostile runs).
_ENTRY_OVERHEAD = 250
_ARRAY_OVERHEAD = 112


def _entry_bytes(value: tuple) -> int:
    """Return what one cached postings entry holds in memory, overheads included."""
    return _ENTRY_OVERHEAD + sum(a.nbytes + _ARRAY_OVERHEAD for a in value)


class _LRU:
    """A byte-bounded, thread-safe LRU of term postings (bytes as allocated, not only array data)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.data: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key, value):
        nbytes = _entry_bytes(value)
        with self.lock:
            if key in self.data:
                return
            self.data[key] = value
            self.size += nbytes
            while self.size > self.max_bytes and len(self.data) > 1:
                _, old = self.data.popitem(last=False)
                self.size -= _entry_bytes(old)


class QueryMatcher:
    """Evaluates queries against one open Whoosh searcher (one index commit) and its FacetTable."""

    def __init__(self, searcher, table: FacetTable, country_code, sidecars: Sequence | None = None):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.table = table
        self.n = table.n
        # BM25's collection statistics count live documents only: replaced or removed articles stay in
        # Whoosh's segments (and in doc_count_all) until a merge, and would skew idf and lengths.
        self.n_live = max(int(table.live.sum()), 1)
        self.country_code = country_code  # user text -> alpha-2 code or None
        self.leaves = list(self.reader.leaf_readers())
        # per segment, its decoded postings (postings_sidecar.py) once loaded; None: read through Whoosh
        self.sidecars = sidecars if sidecars is not None else [None] * len(self.leaves)
        self.lock = threading.RLock()  # Whoosh file reads seek; one thread at a time
        self._postings = _LRU(POSTINGS_CACHE_BYTES)
        self._lengths: dict[str, np.ndarray] = {}
        self._avg: dict[str, float] = {}
        self._expansions: dict[str, tuple[list, bool]] = {}  # wildcard/fuzzy/range query -> (terms, complete)
        self._local = threading.local()  # the budget of the query this thread evaluates

    # -- postings and statistics ------------------------------------------------------------------
    def postings(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
        """Return the (global docnums, weights) of a term, cached."""
        if fieldname not in self.searcher.schema:  # an index from before the field existed (e.g. lead)
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        btext = text if isinstance(text, bytes) else self.searcher.schema[fieldname].to_bytes(text)
        key = (fieldname, btext)
        hit = self._postings.get(key)
        if hit is not None:
            return hit
        ids_parts, w_parts = [], []
        for (sub, offset), store in zip(self.leaves, self.sidecars):
            if store is not None and store.covers(fieldname):
                found = store.postings(fieldname, btext)
                if found is not None:
                    ids_parts.append(found[0] + offset)
                    w_parts.append(found[1])
                continue
            with self.lock:
                if (fieldname, btext) not in sub:
                    continue
                ids, weights = read_leaf_postings(sub.postings(fieldname, btext))
            ids_parts.append(ids + offset)
            w_parts.append(weights)
        if ids_parts:
            ids, weights = np.concatenate(ids_parts).astype(np.int32), np.concatenate(w_parts)
            live = self.table.live[ids]
            value = (ids, weights) if live.all() else (ids[live], weights[live])
        else:
            value = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
        self._postings.put(key, value)
        return value

    def doc_frequency(self, fieldname: str, text) -> int:
        """Return how many documents (deleted ones too, as Whoosh counts) have a term; from the sidecars
        where they are loaded, without the reader lock."""
        if fieldname not in self.searcher.schema:
            return 0
        btext = text if isinstance(text, bytes) else self.searcher.schema[fieldname].to_bytes(text)
        total = 0
        for (sub, _offset), store in zip(self.leaves, self.sidecars):
            if store is not None and store.covers(fieldname):
                total += store.doc_frequency(fieldname, btext)
            else:
                with self.lock:
                    total += sub.doc_frequency(fieldname, btext)
        return total

    def lengths(self, fieldname: str) -> np.ndarray:
        """Return every document's length in ``fieldname`` (Whoosh's one-byte approximation)."""
        arr = self._lengths.get(fieldname)
        if arr is None:
            arr = np.ones(self.n, dtype=np.float32)
            with self.lock:
                for sub, offset in self.leaves:
                    read_field_lengths(sub, fieldname, arr[offset : offset + sub.doc_count_all()])
            self._lengths[fieldname] = arr
            live = self.table.live
            self._avg[fieldname] = float(arr[live].mean()) if live.any() else 1.0
        return arr

    def term_scores(self, fieldname: str, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Return the BM25 score of each posting (weights are term frequencies times the field boost)."""
        lengths = self.lengths(fieldname)[ids]
        return bm25_scores(fieldname, weights, lengths, self._avg[fieldname], self.n_live)

    def scored_postings(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
        """Return a term's (docnums, BM25F scores), cached with its postings (scores 0: unscored field)."""
        if fieldname not in self.searcher.schema:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        btext = text if isinstance(text, bytes) else self.searcher.schema[fieldname].to_bytes(text)
        key = ("\x00scored", fieldname, btext)
        hit = self._postings.get(key)
        if hit is None:
            ids, weights = self.postings(fieldname, btext)
            scores = (
                self.term_scores(fieldname, ids, weights)
                if len(ids) and self.searcher.schema[fieldname].scorable
                else np.zeros(len(ids), dtype=np.float32)
            )
            hit = (ids, scores)
            self._postings.put(key, hit)
        return hit

    def _scored(self, fieldname: str, text, boost: float = 1.0) -> Matches:
        if getattr(self._local, "unscored", False):  # only the set is wanted: no BM25, no score array
            ids, _ = self.postings(fieldname, text)
            mask = np.zeros(self.n, dtype=bool)
            mask[ids] = True
            return Matches(mask)
        ids, scores = self.scored_postings(fieldname, text)
        mask = np.zeros(self.n, dtype=bool)
        mask[ids] = True
        score = np.zeros(self.n, dtype=np.float32)
        score[ids] = scores * boost if boost != 1.0 else scores
        return Matches(mask, score)

    # -- facet fields --------------------------------------------------------------------------
    def facet_value_id(self, kind: str, value: str) -> int | None:
        """Return the value id of a facet value as the user wrote it (country: code, name or demonym)."""
        column = self.table.columns[kind]
        vid = column.lookup.get(value.strip().lower())
        if vid is None and kind == "country":
            code = self.country_code(value)
            if code:
                vid = column.lookup.get(code.lower())
        return vid

    def facet_matches(self, kind: str, value: str) -> Matches:
        """Return the documents carrying a facet value (none when the value is unknown)."""
        vid = self.facet_value_id(kind, value)
        if vid is None:
            return Matches(np.zeros(self.n, dtype=bool))
        return Matches(self.table.value_mask(kind, vid))

    # -- the query tree ------------------------------------------------------------------------
    def evaluate(self, q: wq.Query) -> Matches:
        """Return the documents matching Whoosh query ``q`` and their scores (deleted ones included)."""
        m = self._evaluate(q)
        boost = getattr(q, "boost", 1.0)
        if m.score is not None and boost != 1.0 and not isinstance(q, (wq.Term, wq.MultiTerm)):
            m.score = m.score * boost
        return m

    def _evaluate(self, q: wq.Query) -> Matches:
        n = self.n
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return Matches(np.zeros(n, dtype=bool))
        if isinstance(q, wq.Every):
            return Matches(self.table.live.copy())
        if isinstance(q, wq.Term):
            if q.fieldname in FACET_FIELDS:
                return self.facet_matches(q.fieldname, str(q.text))
            return self._scored(q.fieldname, q.text, q.boost)
        if isinstance(q, wq.Phrase):
            return self._phrase(q)
        if isinstance(q, wq.NumericRange) and q.fieldname == "date":
            start = long_to_datetime(q.start).date() if q.start is not None else None
            end = long_to_datetime(q.end).date() if q.end is not None else None
            return Matches(self.table.date_mask(start, end))
        if isinstance(q, wq.MultiTerm) and q.field() not in FACET_FIELDS:
            return self._expand(q)
        if isinstance(q, wq.Not):
            inner = self.evaluate(q.query)
            return Matches(self.table.live & ~inner.mask)
        if isinstance(q, wq.AndNot):
            a, b = self.evaluate(q.a), self.evaluate(q.b)
            return Matches(a.mask & ~b.mask, a.score)
        if isinstance(q, wq.Require):
            a, b = self.evaluate(q.a), self.evaluate(q.b)
            return Matches(a.mask & b.mask, a.score)
        if isinstance(q, wq.AndMaybe):
            a, b = self.evaluate(q.a), self.evaluate(q.b)
            return Matches(a.mask, _add(a.score, b.score))
        if isinstance(q, wq.Otherwise):
            a = self.evaluate(q.a)
            return a if a.mask.any() else self.evaluate(q.b)
        if isinstance(q, wq.DisjunctionMax):
            parts = [self.evaluate(c) for c in q.subqueries]
            mask = np.logical_or.reduce([p.mask for p in parts]) if parts else np.zeros(n, dtype=bool)
            scores = [p.score for p in parts if p.score is not None]
            return Matches(mask, np.maximum.reduce(scores) if scores else None)
        if isinstance(q, wq.And):
            parts = [self.evaluate(c) for c in q.subqueries]
            if not parts:
                return Matches(np.zeros(n, dtype=bool))
            mask = parts[0].mask.copy()
            for p in parts[1:]:
                mask &= p.mask
            return Matches(mask, _sum([p.score for p in parts]))
        if isinstance(q, wq.Or):
            parts = [self.evaluate(c) for c in q.subqueries]
            if not parts:
                return Matches(np.zeros(n, dtype=bool))
            mask = parts[0].mask.copy()
            for p in parts[1:]:
                mask |= p.mask
            return Matches(mask, _sum([p.score for p in parts]))
        return self._whoosh_fallback(q)

    @contextmanager
    def budget(self, budget: QueryBudget) -> Iterator[QueryBudget]:
        """Charge every expansion this thread makes inside the block to ``budget``."""
        previous = getattr(self._local, "budget", None)
        self._local.budget = budget
        try:
            yield budget
        finally:
            self._local.budget = previous

    @contextmanager
    def unscored(self) -> Iterator[None]:
        """Evaluate this thread's queries inside the block for their match sets only (scores None): totals,
        facets, counts and masks need no ranking, and BM25 over every term is most of a query's cost."""
        previous = getattr(self._local, "unscored", False)
        self._local.unscored = True
        try:
            yield
        finally:
            self._local.unscored = previous

    def expand(self, q: wq.MultiTerm, cached_only: bool = False) -> list[bytes]:
        """Return the indexed terms a wildcard/prefix/fuzzy/range query stands for, within the budget.

        Without a budget in force (``budget()``) each call gets a fresh one, so no caller is unbounded;
        ``cached_only`` returns what an earlier expansion found and scans nothing."""
        budget = getattr(self._local, "budget", None) or QueryBudget.start()
        label = describe_term(q)
        key = repr(q)
        entry = self._expansions.get(key)
        if entry is None:
            if cached_only:
                return []
            if budget.terms_left <= 0 or budget.expired():
                budget.mark_cut(label)
                return []
            with self.lock:
                # the stems of the written words first (escalat* -> escalation -> "escal"), then the
                # indexed stems the pattern matches, all within this query's budget
                limit = min(MAX_EXPANSION, budget.terms_left)
                texts: list[bytes] = []
                complete = True
                terms = _SidecarTerms(self.reader, self.sidecars)
                for btext in surface_stems(terms, q):
                    if budget.expired() or len(texts) >= limit:
                        complete = False
                        break
                    if btext not in texts:
                        texts.append(btext)
                if complete and len(texts) < limit:
                    more, complete = scan_terms(q, terms, budget, limit - len(texts))
                    texts.extend(b for b in more if b not in texts)
            if len(self._expansions) >= 1000:
                self._expansions.clear()  # rare; simpler and thread-safe, unlike popping the oldest
            # a full expansion cut by the per-term cap is still the same answer next time; one cut by
            # this query's budget or clock is not, so only the former is kept
            if complete or len(texts) >= MAX_EXPANSION:
                self._expansions[key] = (texts, complete)
        else:
            texts, complete = entry
        if cached_only:
            return texts
        if len(texts) > budget.terms_left:
            texts, complete = texts[: max(budget.terms_left, 0)], False
        budget.terms_left -= len(texts)
        if not complete:
            budget.mark_cut(label)
        return texts

    def _expand(self, q: wq.MultiTerm) -> Matches:
        """Wildcards, prefixes, fuzzy terms, ranges: the best-scoring expansion counts, like one word."""
        fieldname = q.field()
        texts = self.expand(q)
        unscored = getattr(self._local, "unscored", False)
        mask = np.zeros(self.n, dtype=bool)
        score = None if unscored else np.zeros(self.n, dtype=np.float32)
        budget = getattr(self._local, "budget", None)
        for i, btext in enumerate(texts):
            if budget is not None and i % 16 == 15 and budget.expired():
                budget.mark_cut(describe_term(q))
                break
            if unscored:
                mask[self.postings(fieldname, btext)[0]] = True
                continue
            ids, scores = self.scored_postings(fieldname, btext)
            mask[ids] = True
            assert score is not None  # scored unless ``unscored``, handled above
            score[ids] = np.maximum(score[ids], scores)  # a term's postings name each document once
        return Matches(mask, None if score is None else score * q.boost)

    def _phrase(self, q: wq.Phrase) -> Matches:
        """Phrases: the words' scores, restricted to documents where the word positions confirm the phrase."""
        words = [w for w in q.words if w]
        if not words:
            return Matches(np.zeros(self.n, dtype=bool))
        parts = [self._scored(q.fieldname, w) for w in words]
        candidates = parts[0].mask.copy()
        for p in parts[1:]:
            candidates &= p.mask
        score = _sum([p.score for p in parts])
        if len(words) == 1 or not candidates.any():
            return Matches(candidates, score)
        key = ("\x00phrase", q.fieldname, tuple(words), q.slop)
        cached = self._postings.get(key)
        if cached is None:
            try:
                if q.slop == 1:
                    ids = self._adjacent(q.fieldname, words, candidates)
                else:  # a looser phrase ("a b"~3): Whoosh's span matching
                    with self.lock:
                        ids = np.fromiter(q.docs(self.searcher), dtype=np.int64)
            except Exception:  # a field without positions: fall back to all the words
                ids = np.flatnonzero(candidates)
            cached = (ids.astype(np.int32),)
            self._postings.put(key, cached)
        mask = np.zeros(self.n, dtype=bool)
        mask[cached[0]] = True
        return Matches(mask, score)

    def _adjacent(self, fieldname: str, words: list, candidates: np.ndarray) -> np.ndarray:
        """Return the candidate documents where the words stand next to each other, in order.

        What Whoosh's phrase (slop 1) matches: some position p with word k at p + k for every k. Whoosh
        walks every shared document's spans in Python; here only the candidates' positions are decoded,
        the rarest word first, and each word narrows the candidates of the next. From the postings
        sidecar where it has the field's positions, else through Whoosh under the reader lock."""
        schema = self.searcher.schema
        btexts = [w if isinstance(w, bytes) else schema[fieldname].to_bytes(w) for w in words]
        order = sorted(range(len(words)), key=lambda k: len(self.postings(fieldname, btexts[k])[0]))
        wanted = candidates
        keys = None
        for k in order:
            found: list[np.ndarray] = []
            for (sub, offset), store in zip(self.leaves, self.sidecars):
                if store is not None and store.has_positions(fieldname):
                    found.append(store.phrase_keys(fieldname, btexts[k], wanted, offset, k))
                    continue
                with self.lock:
                    if (fieldname, btexts[k]) in sub:
                        keys_k = read_leaf_phrase_keys(sub.postings(fieldname, btexts[k]), wanted, offset, k)
                        found.append(np.asarray(keys_k, dtype=np.int64))
            # (document, where the phrase starts)
            word_keys = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
            keys = word_keys if keys is None else np.intersect1d(keys, word_keys, assume_unique=True)
            if not len(keys):
                return np.zeros(0, dtype=np.int64)
            wanted = np.zeros(self.n, dtype=bool)
            wanted[keys >> 32] = True
        assert keys is not None  # the phrase has at least one word
        return np.unique(keys >> 32)

    def _whoosh_fallback(self, q: wq.Query) -> Matches:
        """Any other query type: ask Whoosh which documents match (unscored)."""
        with self.lock:
            ids = np.fromiter(q.docs(self.searcher), dtype=np.int64)
        mask = np.zeros(self.n, dtype=bool)
        mask[ids] = True
        return Matches(mask)

    def relaxed(
        self,
        words_queries: list[wq.Query],
        min_share: float = 0.0,
        min_words: int = 1,
        scored_only: Sequence[wq.Query] = (),
    ) -> Matches:
        """Match articles with at least ``min_share`` of the word groups and at least ``min_words`` of them
        (or all, when there are fewer), ranked by the sum of the matched words' scores.

        Only groups that some article matches count towards the share: a word no article has (a typo,
        "zzyzxq") cannot be required of any. ``scored_only`` groups (a question's filler words) add their
        score to matching articles but never make one match.

        Each matched word adds its score, so articles matching more (and rarer) words rank first. A
        coordination factor (score x share of words matched) was tried and lost on TIME (nDCG@10 0.72 vs
        0.77): long questions carry words that relevant articles do not use.
        """
        parts = [self.evaluate(g) for g in words_queries]
        present = [p for p in parts if p.mask.any()]
        needed = max(1, min(min_words, len(present)), math.ceil(min_share * len(present) - 1e-9))
        matched = np.zeros(self.n, dtype=np.int16)
        for p in present:
            matched += p.mask
        mask = matched >= needed
        score = _sum([p.score for p in parts] + [self.evaluate(g).score for g in scored_only])
        if score is None and not getattr(self._local, "unscored", False):
            score = np.zeros(self.n, dtype=np.float32)
        return Matches(mask, score)


class _SidecarTerms:
    """The reader as term expansion sees it: a text field's terms come from the postings sidecars when every
    segment has one (a binary search instead of Whoosh's walk of its term files); everything else, and
    every field while a sidecar is missing, from Whoosh's reader."""

    def __init__(self, reader, stores: Sequence):
        self._reader = reader
        self._stores = list(stores)

    def __getattr__(self, name):
        return getattr(self._reader, name)

    def _covered(self, fieldname: str) -> bool:
        return bool(self._stores) and all(s is not None and s.has_terms(fieldname) for s in self._stores)

    def __contains__(self, term) -> bool:
        fieldname, btext = term
        if isinstance(btext, bytes) and self._covered(fieldname):
            return any(s.find(fieldname, btext) >= 0 for s in self._stores)
        return term in self._reader

    def expand_prefix(self, fieldname: str, prefix) -> Iterator[bytes]:
        if not self._covered(fieldname):
            yield from self._reader.expand_prefix(fieldname, prefix)
            return
        bprefix = prefix if isinstance(prefix, bytes) else self._reader.schema[fieldname].to_bytes(prefix)
        last = None
        for btext in heapq.merge(*(s.terms_from(fieldname, bprefix) for s in self._stores)):
            if btext != last:  # a term in several segments is one term
                last = btext
                yield btext


def _sum(scores: list[np.ndarray | None]) -> np.ndarray | None:
    present = [s for s in scores if s is not None]
    if not present:
        return None
    total = present[0].copy()
    for s in present[1:]:
        total += s
    return total


def _add(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    return _sum([a, b])
