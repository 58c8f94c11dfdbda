"""SearchIndex: the Whoosh backend of Crisis Desk's read side (search, facets, histogram, did-you-mean,
articles, export, entity pages, co-mentions, comparisons).

One ``Snapshot`` (``snapshot.py``) holds everything derived from one Whoosh commit of the served
generation: the open searcher, the numpy facet table and the query matcher with its postings cache. Each
call checks cheaply (``CURRENT`` plus the Whoosh TOC generation) whether a newer commit or generation
exists and, if so, opens it; callers never restart. Whoosh types never leave this package. The pieces of
an answer live beside this module, one concept each: ``match.py`` (query tree -> matches and BM25
scores), ``facet_counts.py``, ``histogram.py``, ``spelling.py`` (did you mean) and ``views.py``
(article, story, more like this, export, entity pages).
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from whoosh import query as wq

from indexer.check import IndexDamaged, describe_exception, verify_files
from indexer.layout import CURRENT, CurrentUnreadable, current_generation

from .. import compare as comparing
from .. import entity_view
from .. import network as networks
from ..budget import DEADLINE_SECONDS, MAX_EXPANDED_TERMS, QueryBudget
from ..countries import CountryNames
from ..errors import IndexMissing, IndexUnreadable, IndexWarming, InvalidParameter, SearchError
from ..facet_values import MAX_PREFIX_CHARS, order_values
from ..facets import NO_DATE, SPARSE_RATIO
from ..mentioned_dates import event_dates_json, mentioned_histogram
from ..model import (
    FACET_KINDS,
    FACET_LIMIT,
    ArticleView,
    Bucket,
    ExportRow,
    FacetPage,
    FacetValue,
    Hit,
    IndexedHit,
    MatchSummary,
    SearchRequest,
    SearchResult,
    StoryView,
)
from ..query import (
    FALLBACK_MIN_SHARE,
    NOTICE_RELAXED,
    NOTICE_STOPWORDS,
    RELAXED_MIN_SHARE,
    RELAXED_MIN_WORDS,
    TEXT_FIELDS,
)
from ..stories import StoryTable
from . import views
from .aliases import expand_plain, expand_query
from .codec import check_version
from .expansion import check_query
from .facet_counts import FACET_OFFSET_MAX, FACET_PAGE_MAX, count_facets, facet_values, repeating, top_values
from .histogram import histogram
from .hit_cards import card_date
from .match import Matches
from .parse import ParsedQuery, fallback_query, parse_query, relax, word_query
from .querytree import leaves
from .snapshot import ALIAS_WAIT_SECONDS, Snapshot, story_of, story_table
from .snippets import lead_paragraph, make_snippet, mark_words
from .spelling import DID_YOU_MEAN_BELOW, did_you_mean

RESULT_CACHE_SIZE = 256
# What a request waits for a commit or generation being opened in the background before it is answered
# from the previous one (or, with none open yet, a 503 "opening"): opening 108k articles takes seconds.
OPEN_WAIT_SECONDS = 0.8
# Reading CURRENT and listing the generation's directory on every request cost ~0.3 ms; two stat calls
# tell that neither moved since the last full check. As git does for "racy" entries, a stamp is trusted
# only when its times are older than this: a change within the same clock tick as the stat could leave
# the same times behind.
STAMP_SETTLE_SECONDS = 1.0
NOTICE_WARMING = "The search index is being opened; try again in a few seconds"
HIGHLIGHT_TERMS = 128  # most words a snippet looks for
log = logging.getLogger("crisis_desk.search")


def _stat_stamp(current_file: str, generation_dir: str) -> tuple[int, ...] | None:
    """What a new commit or generation changes: CURRENT's inode, size and times, and the times of the
    generation's directory (a commit adds a TOC file there); None when either cannot be read."""
    try:
        cur, gen = os.stat(current_file), os.stat(generation_dir)
    except OSError:
        return None
    # the times last: _current compares them with the clock
    return (cur.st_ino, cur.st_size, gen.st_ino, cur.st_mtime_ns, cur.st_ctime_ns, gen.st_mtime_ns, gen.st_ctime_ns)


def _reading(method):
    """Turn any failure to read the index inside ``method`` into IndexUnreadable (a 503, not a 500).

    The snapshot is dropped, so the next request opens the generation again and its manifest check
    names the damaged file."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except SearchError:
            raise
        except Exception as exc:  # noqa: BLE001 - damage surfaces as EOFError, struct.error, ...
            raise self._unreadable(exc) from None

    return wrapper


class SearchIndex:
    """Searches the index served from ``index_dir``; cheap to create, thread-safe, reopens by itself."""

    def __init__(
        self,
        index_dir,
        cache_size: int = RESULT_CACHE_SIZE,
        max_expanded_terms: int = MAX_EXPANDED_TERMS,
        deadline_s: float = DEADLINE_SECONDS,
        facet_limit: int = FACET_LIMIT,
        open_wait: float | None = None,
    ):
        if not 1 <= facet_limit <= FACET_PAGE_MAX:
            raise ValueError(f"facet_limit must be from 1 to {FACET_PAGE_MAX} (got {facet_limit})")
        self.index_dir = Path(index_dir)
        self.max_expanded_terms = max_expanded_terms
        self.deadline_s = deadline_s
        self.facet_limit = facet_limit  # values each facet of a result page lists (the app's FACET_MAX)
        # None: a call opens a new commit itself, however long it takes (benchmarks, the CLI, jobs); a number:
        # a call waits that long for the opening, which runs in the background (the web app, see _snapshot)
        self.open_wait = open_wait
        self._opener: _Opener | None = None
        self._opener_lock = threading.Lock()
        # The engine reads Whoosh's private file format: with another Whoosh every request is a clear 503.
        self._version_error: IndexUnreadable | None = None
        try:
            check_version()
        except IndexUnreadable as exc:
            log.error("%s", exc)
            self._version_error = exc
        self._countries: dict[str, CountryNames] = {}  # per generation
        self._snap: Snapshot | None = None
        self._open_lock = threading.Lock()
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size
        self._segment_facets: dict = {}  # per-segment facet data, reused across commits
        self._segment_spellings: dict = {}  # per-segment entity spellings, reused across commits
        self._segment_words: dict = {}  # per-segment spelling words (did-you-mean), reused across commits
        self._verified: set = set()  # (file, size, mtime) already checked against a manifest
        self._checksum_failed: set[str] = set()  # generations checked at open (their reads or checksums failed)
        self._pinned = threading.local()  # a batch's one snapshot and filter masks, per thread (see pinned)
        self._current_file = str(self.index_dir / CURRENT)
        # (snapshot, its generation's directory, their stat stamp) when a full check found it newest
        self._unmoved: tuple[Snapshot, str, tuple[int, ...]] | None = None

    # -- opening -------------------------------------------------------------------------------
    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Answer this thread's calls inside the block from one snapshot, reusing filter masks.

        A batch of a thousand queries then checks CURRENT and the TOC once, not once per query, computes its
        shared filters once, and every query sees the same commit even if a build commits meanwhile."""
        outer = getattr(self._pinned, "snap", None)
        if outer is not None:  # already pinned by a caller: that pin holds
            yield
            return
        self._pinned.snap, self._pinned.filters = self._snapshot(), {}  # ready() first, not to wait here
        try:
            yield
        finally:
            self._pinned.snap = self._pinned.filters = None

    def _snapshot(self, block: bool = False) -> Snapshot:
        """Return the snapshot of the newest commit, opening it when CURRENT or the TOC moved on.

        With ``open_wait`` set (the web app) and not ``block``, the opening runs in a background thread and
        this call waits at most ``open_wait`` seconds for it; then it answers from the commit open before
        (a reader sees the new articles a few seconds later, rather than waiting for them), and with none
        open yet it raises IndexWarming (a 503 with Retry-After)."""
        if block or self.open_wait is None or getattr(self._pinned, "snap", None) is not None:
            return self._open_newest()
        snap = self._current()
        if snap is not None:
            return snap
        opener = self._start_opening()
        if opener.opened.wait(self.open_wait):
            if opener.error is not None:
                raise opener.error.__class__(*opener.error.args)
            if opener.snap is not None and opener.snap is self._snap:
                return opener.snap  # what a request that opened it itself would search (a newer commit: next time)
            snap = self._current()  # it was replaced or dropped meanwhile
            if snap is not None:
                return snap
        stale = self._snap
        if stale is not None and stale.damage is None:
            return stale
        raise IndexWarming(NOTICE_WARMING)

    def _newest_generation(self) -> str:
        """The generation CURRENT names; raises at once for no index, a garbled CURRENT or another Whoosh."""
        try:
            generation = current_generation(self.index_dir)
        except CurrentUnreadable as exc:
            raise IndexUnreadable(str(IndexDamaged(exc.generation, str(exc)))) from None
        if self._version_error is not None:
            raise self._version_error
        if generation is None:
            raise IndexMissing(f"no index in {self.index_dir}; build one with `python -m indexer build`")
        return generation

    def _current(self) -> Snapshot | None:
        """Return the open snapshot when it is of the newest commit (checked cheaply), else None.

        Raises what opening would raise at once: no index, a garbled CURRENT, a damaged generation."""
        snap = self._snap
        unmoved = self._unmoved
        if snap is not None and unmoved is not None and unmoved[0] is snap and snap.damage is None:
            if _stat_stamp(self._current_file, unmoved[1]) == unmoved[2]:
                return snap  # neither CURRENT nor the generation's directory changed since the full check
        stamp = _stat_stamp(self._current_file, str(self.index_dir / snap.generation)) if snap else None
        checked_at = time.time()
        generation = self._newest_generation()
        snap = self._snap
        if snap is not None and snap.generation == generation:
            if snap.damage is not None:
                raise self._damaged(snap)
            try:
                if snap.ix.latest_generation() == snap.toc:
                    if stamp is not None and max(stamp[3:]) < (checked_at - STAMP_SETTLE_SECONDS) * 1e9:
                        self._unmoved = (snap, str(self.index_dir / snap.generation), stamp)
                    return snap
            except OSError:
                pass
        return None

    def _start_opening(self) -> _Opener:
        """Return the background opening under way, starting one (which then loads aliases too) if none is."""
        with self._opener_lock:
            opener = self._opener
            # a new one too when the last has opened a snapshot that was dropped since (damage found by the
            # checksums) while it still waits for that snapshot's alias table
            if opener is None or opener.done.is_set() or (opener.opened.is_set() and opener.snap is not self._snap):
                opener = self._opener = _Opener(self)
                opener.start()
            return opener

    def ready(self, wait: float = 0.0) -> bool:
        """True when the newest commit is open with its alias table loaded, so a call needs no opening;
        else start opening it in the background, wait up to ``wait`` seconds for that, and say whether it
        finished. A missing or damaged index is "ready": its calls fail at once with the reason."""
        deadline = time.monotonic() + wait
        try:
            snap = self._current()
        except SearchError:
            return True
        if snap is None or not snap.aliases.ready:
            opener = self._start_opening()
            if not opener.done.wait(max(deadline - time.monotonic(), 0.0)):
                return False
            try:
                snap = self._current()
            except SearchError:
                return True
        return snap is not None and snap.aliases.ready

    def _open_newest(self) -> Snapshot:
        """Return the snapshot of the newest commit, opening it in this thread when needed."""
        pinned = getattr(self._pinned, "snap", None)
        if pinned is not None:
            if pinned.damage is not None:
                raise self._damaged(pinned)
            return pinned
        snap = self._current()  # (damage found by the background checksums since it opened raises)
        if snap is not None:
            return snap
        generation = self._newest_generation()
        with self._open_lock:
            snap = self._snap
            if snap is not None and snap.generation == generation and snap.ix.latest_generation() == snap.toc:
                if snap.damage is not None:
                    raise self._damaged(snap)
                return snap
            try:
                if self._snap is None or self._snap.generation != generation:
                    self._segment_facets = {}  # another generation shares no segments
                    self._segment_words = {}
                # Checksums in the background, except for a generation whose files already failed them:
                # it stays a 503 (checked now, at open) rather than answering until the check ends again.
                snap = Snapshot(
                    generation,
                    self.index_dir / generation,
                    self._country_names(generation),
                    self._segment_facets,
                    self._segment_spellings,
                    self._verified,
                    self._segment_words,
                    background_checksums=generation not in self._checksum_failed,
                )
            except IndexDamaged as exc:
                raise IndexUnreadable(str(exc)) from None
            except Exception as exc:  # noqa: BLE001 - damage surfaces as any error type while loading
                log.warning("cannot open %s: %r", generation, exc)
                self._checksum_failed.add(generation)
                try:  # the checksums name the damaged file better than the error its bytes caused
                    verify_files(self.index_dir / generation, known=self._verified)
                except IndexDamaged as damaged:
                    raise IndexUnreadable(str(damaged)) from None
                except Exception:  # noqa: BLE001 - the first error is the one to report
                    pass
                raise IndexUnreadable(str(IndexDamaged(generation, describe_exception(exc)))) from None
            # Old snapshots are not closed here: a request may still be reading them; they close when
            # garbage-collected.
            self._snap = snap
            with self._cache_lock:
                self._cache.clear()
            return snap

    def _damaged(self, snap: Snapshot) -> IndexUnreadable:
        """Forget a snapshot whose checksums failed (after it opened) and return its 503."""
        self._checksum_failed.add(snap.generation)
        if self._snap is snap:
            self._snap = None
        with self._cache_lock:
            self._cache.clear()  # answers given before the damage was found are not served again
        return IndexUnreadable(str(snap.damage))

    def _country_names(self, generation: str) -> CountryNames:
        """Return a generation's country names, read once (a generation's reference file never changes
        after its first commit under one normaliser; a new normaliser means a new ``--rebuild``)."""
        names = self._countries.get(generation)
        if names is None:
            self._countries = {generation: CountryNames.read(self.index_dir / generation)}  # only the served one
            names = self._countries[generation]
        return names

    def country_name(self, code: str) -> str:
        """Return a country's display name for an alpha-2 code ("RU" -> "Russia"); the code itself when unknown
        (or when there is no readable index yet: a name is never worth an error)."""
        snap = self._snap  # names do not change within a generation: no need to look for a newer commit
        try:
            return (snap or self._snapshot()).countries.name(code)
        except SearchError:
            return code

    def _unreadable(self, exc: BaseException) -> IndexUnreadable:
        """Return the error for a read that failed, logging it and forgetting the snapshot."""
        snap, self._snap = self._snap, None
        generation = snap.generation if snap else None
        if generation:  # its files are compared at the next open, before it answers again
            self._checksum_failed.add(generation)
        log.warning("reading %s failed: %r", generation, exc)
        if isinstance(exc, IndexDamaged):
            return IndexUnreadable(str(exc))
        return IndexUnreadable(str(IndexDamaged(generation, describe_exception(exc))))

    def warm_up(self, wait: float | None = None) -> bool:
        """Open the index now (facet arrays) and wait up to ``wait`` seconds (None: as long as it takes) for
        the alias table and did-you-mean's words, so the first request is fast; True once aliases are loaded."""
        snap = self._snapshot(block=True)
        snap.prepare()  # what searches derive once per commit: now, not in the first searches
        snap.vocabulary.start()  # read beside the alias table
        loaded = snap.aliases.get(wait) is not None
        if snap.vocabulary.get(wait) is not None and loaded:
            settle_heap(snap)
        return loaded

    def wait_sidecars(self, timeout: float | None = None) -> bool:
        """Wait until the open commit's postings sidecars and hit cards are loaded or made (they are made in
        the background after a commit opens; searches meanwhile read Whoosh); True when they are."""
        return self._snapshot(block=True).sidecars.wait(timeout)

    # -- search ---------------------------------------------------------------------------------
    @_reading
    def search(self, req: SearchRequest) -> SearchResult:
        """Run one search: a page of hits plus total, facets and histogram over all matches."""
        start = time.perf_counter()
        snap = self._snapshot()
        key = (snap.key, req.key())
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None:
            return replace(cached, took_ms=(time.perf_counter() - start) * 1000)
        result = self._search(snap, req, start)
        if not snap.aliases.ready:  # searched without widening names: do not keep that answer
            return result
        with self._cache_lock:
            self._cache[key] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def _filter_mask(self, snap: Snapshot, req: SearchRequest) -> np.ndarray:
        """Return live documents that pass the facet filters and the date range (inside ``pinned``, the
        same filters give the same array, read-only)."""
        masks = getattr(self._pinned, "filters", None)
        if masks is None or getattr(self._pinned, "snap", None) is not snap:
            return self._new_filter_mask(snap, req)
        key = (
            tuple(sorted((k, tuple(v)) for k, v in req.include.items())),
            tuple(sorted((k, tuple(v)) for k, v in req.exclude.items())),
            req.date_from,
            req.date_to,
            req.event_from,
            req.event_to,
            req.leaders,
        )
        mask = masks.get(key)
        if mask is None:
            mask = self._new_filter_mask(snap, req)
            mask.flags.writeable = False
            if len(masks) < 64:
                masks[key] = mask
        return mask

    def _new_filter_mask(self, snap: Snapshot, req: SearchRequest) -> np.ndarray:
        table = snap.table
        mask = table.live.copy()
        for kind, values in req.include.items():
            if kind not in FACET_KINDS:
                raise InvalidParameter(f"unknown filter {kind!r}")
            for value in values:
                mask &= snap.matcher.facet_matches(kind, value).mask
        for kind, values in req.exclude.items():
            if kind not in FACET_KINDS:
                raise InvalidParameter(f"unknown filter {kind!r}")
            for value in values:
                mask &= ~snap.matcher.facet_matches(kind, value).mask
        if req.date_from or req.date_to:
            mask &= table.date_mask(req.date_from, req.date_to)
        if req.event_from or req.event_to:
            mask &= table.mentioned.mask(table.n, req.event_from, req.event_to)
        if req.leaders:  # articles where at least one actor is a leader in that article
            mask &= table.actor_roles.has_leader
        return mask

    def _match(self, snap: Snapshot, parsed: ParsedQuery) -> tuple[ParsedQuery, Matches | None]:
        """Evaluate the parsed query (None: everything); unevaluable syntax falls back to words."""
        if parsed.query is None:
            if parsed.empty:
                return parsed, Matches(np.zeros(snap.table.n, dtype=bool))
            return parsed, None
        try:
            if parsed.relaxed:
                return parsed, _relaxed_matches(snap, parsed)
            return parsed, snap.matcher.evaluate(parsed.query)
        except Exception:  # e.g. a range Whoosh cannot expand: search the words instead, never a 500
            parsed = fallback_query(parsed.text)
            if parsed.query is None:
                return parsed, Matches(np.zeros(snap.table.n, dtype=bool))
            return parsed, snap.matcher.evaluate(parsed.query)

    def _matching(
        self, snap: Snapshot, req: SearchRequest, start: float | None = None, scored: bool = True
    ) -> tuple[ParsedQuery, np.ndarray, np.ndarray | None]:
        """Return (parsed query, final match mask, scores) for a request, relaxing when needed.

        The query's budget runs from ``start`` (the request's beginning) when given. ``scored=False`` is for
        callers that use only the match set (counts, facets, masks): scores are then None."""
        elapsed = time.perf_counter() - start if start is not None else 0.0
        parsed = parse_query(req.q)
        check_query(parsed.query, req.q)  # what the user typed; widening adds plain words only
        parsed = _widen_names(snap, parsed)
        filt = self._filter_mask(snap, req)
        budget = QueryBudget.start(self.max_expanded_terms, max(self.deadline_s - elapsed, 0.0))
        with snap.matcher.budget(budget), nullcontext() if scored else snap.matcher.unscored():
            parsed, matches = self._match(snap, parsed)
        if budget.notice():
            parsed = replace(parsed, notice=" ".join(filter(None, (parsed.notice, budget.notice()))))
        if matches is None:
            return parsed, filt, None
        mask = matches.mask & filt
        if not parsed.relaxed and parsed.plain and len(parsed.words) >= 2 and not mask.any():
            relaxed = _widen_names(snap, relax(parsed))
            with snap.matcher.budget(budget), nullcontext() if scored else snap.matcher.unscored():
                # a short query no article matches whole: half its words will do ("most of your words"),
                # so two words never found together still find each (a long question keeps its stricter rule)
                relaxed_matches = _relaxed_matches(snap, relaxed, min_share=FALLBACK_MIN_SHARE, min_words=1)
            if (relaxed_matches.mask & filt).any():  # else the all-words answer (nothing) stands, unrelaxed
                parsed, matches = relaxed, relaxed_matches
                mask = matches.mask & filt
        if parsed.relaxed and not mask.any() and parsed.notice:
            # "match most of your words" above no results (a filter emptied the set) would mislead
            kept = parsed.notice.replace(NOTICE_RELAXED, "").strip()
            parsed = replace(parsed, notice=kept or None)
        return parsed, mask, matches.score

    def _order(self, snap: Snapshot, mask: np.ndarray, score: np.ndarray | None, sort: str, limit: int) -> np.ndarray:
        """Return the first ``limit`` matching docnums in the requested order."""
        ids = np.flatnonzero(mask)
        if not len(ids) or limit <= 0:
            return ids[:0]
        limit = min(limit, len(ids))
        day = snap.table.day[ids].astype(np.int64)
        if sort == "relevance" and score is not None:
            s = score[ids]
            if limit < len(ids):
                part = np.argpartition(-s, limit - 1)[:limit]
                # keep every document tied with the last one, so ties break by date, not by chance
                cut = s[part].min()
                part = np.flatnonzero(s >= cut)
            else:
                part = np.arange(len(ids))
            order = np.lexsort((-ids[part], -day[part], -s[part]))[:limit]
            return ids[part][order]
        if sort == "oldest":
            key = np.where(day == NO_DATE, np.int64(1) << 40, day) * (np.int64(1) << 22) + ids
            take = np.argpartition(key, limit - 1)[:limit] if limit < len(ids) else np.arange(len(ids))
            return ids[take][np.argsort(key[take], kind="stable")]
        key = day * (np.int64(1) << 22) + ids  # newest; undated articles last
        take = np.argpartition(-key, limit - 1)[:limit] if limit < len(ids) else np.arange(len(ids))
        return ids[take][np.argsort(-key[take], kind="stable")]

    def _search(self, snap: Snapshot, req: SearchRequest, start: float) -> SearchResult:
        parsed, mask, score = self._matching(snap, req, start)
        total_articles = total = int(np.count_nonzero(mask))
        sort = req.effective_sort
        if sort == "relevance" and score is None:
            sort = "newest"
        first = (req.page - 1) * req.per_page
        stories = story_table(snap)
        per_story = stories.matching_per_story(mask)
        total_stories = int(np.count_nonzero(per_story))
        if req.collapsed:
            page_ids = self._story_page(snap, stories, mask, score, sort, first + req.per_page, total)[first:]
            total = total_stories
        else:
            page_ids = self._order(snap, mask, score, sort, first + req.per_page)[first:]
        terms = self._highlight_terms(snap, parsed)
        hits = [self._hit(snap, int(d), float(score[d]) if score is not None else None, terms) for d in page_ids]
        if req.collapsed:
            for hit, d in zip(hits, page_ids.tolist()):
                hit.other_versions = int(per_story[stories.key[d]]) - 1
        did_you_mean = None
        if parsed.words and (total_articles < DID_YOU_MEAN_BELOW or parsed.relaxed):
            did_you_mean = self._did_you_mean(snap, req, parsed, total_articles)
        facets, facet_totals = self._facets(
            snap, mask, req.leaders, total_articles, per_story if req.collapsed else None
        )
        histogram, unit = self._histogram(snap, mask, req)
        event_histogram, event_unit = mentioned_histogram(snap.table.mentioned, mask, req.event_from, req.event_to)
        notice = parsed.notice
        if parsed.empty:
            notice = NOTICE_STOPWORDS
        return SearchResult(
            query=req.q,
            total=total,
            page=req.page,
            per_page=req.per_page,
            took_ms=(time.perf_counter() - start) * 1000,
            notice=notice,
            did_you_mean=did_you_mean,
            relaxed=parsed.relaxed,
            hits=hits,
            facets=facets,
            also_matching=list(parsed.also_matching),
            histogram=histogram,
            histogram_unit=unit,
            sort=sort,
            facet_totals=facet_totals,
            event_histogram=event_histogram,
            event_histogram_unit=event_unit,
            counting="stories" if req.collapsed else "articles",
            total_articles=total_articles,
            total_stories=total_stories,
        )

    def _story_page(
        self,
        snap: Snapshot,
        stories: StoryTable,
        mask: np.ndarray,
        score: np.ndarray | None,
        sort: str,
        limit: int,
        total: int,
    ) -> np.ndarray:
        """Return the best-ranked member of each of the first ``limit`` stories, in the requested order.

        The first k matches in order are a prefix of the full order, so their first member per story is a
        prefix of the collapsed list: k grows until it holds ``limit`` stories or every match.
        """
        k = min(total, max(4 * limit, 64))
        while True:
            firsts, _ = stories.collapse(self._order(snap, mask, score, sort, k))
            if len(firsts) >= limit or k >= total:
                return firsts[:limit]
            k = min(total, 4 * k)

    # -- pieces of a result --------------------------------------------------------------------------
    def _hit(self, snap: Snapshot, docnum: int, score: float | None, terms: frozenset[str]) -> Hit:
        card = snap.hit_card(docnum)
        body, lead = card["body"], card["lead"]
        return Hit(
            id=card["id"],
            title=card["title"],
            date=card_date(card),
            source=card["source"],
            url=card["url"],
            score=round(score, 4) if score is not None else None,
            snippet_html=make_snippet(body, terms, lead) if terms else lead_paragraph(lead or body),
            actors=card["actors"],
            countries=card["countries"],
            orgs=card["orgs"],
            event_dates=event_dates_json(body, card["dates"]),
            story=story_of(snap, docnum, card["id"]),
        )

    def _highlight_terms(self, snap: Snapshot, parsed: ParsedQuery) -> frozenset[str]:
        """Return the analysed body words a query matched on (not the ones it excludes)."""
        if parsed.query is None:
            return frozenset()
        terms: set[str] = set(parsed.words)

        try:
            for q in leaves(parsed.query, matched_only=True):
                if isinstance(q, wq.Term) and q.fieldname in TEXT_FIELDS:
                    terms.add(str(q.text))
                elif isinstance(q, wq.Phrase) and q.fieldname in TEXT_FIELDS:
                    terms.update(w for w in q.words if w)
                elif isinstance(q, wq.MultiTerm) and q.field() in TEXT_FIELDS:
                    for btext in snap.matcher.expand(q, cached_only=True)[:64]:
                        if len(terms) >= HIGHLIGHT_TERMS:  # each term costs a pass over every snippet's text
                            break
                        terms.add(btext.decode("utf-8") if isinstance(btext, bytes) else btext)
        except Exception:  # highlighting is best effort; the hit still shows its lead paragraph
            pass
        return frozenset(terms)

    # -- facets ------------------------------------------------------------------------------------
    def _facets(
        self, snap: Snapshot, mask: np.ndarray, leaders_only: bool, total: int, per_story: np.ndarray | None = None
    ) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
        """Count every facet over all matches (see ``facet_counts.count_facets``)."""
        return count_facets(snap, mask, leaders_only, total, per_story, self.facet_limit)

    @_reading
    def facet_values(
        self, req: SearchRequest, kind: str, prefix: str = "", offset: int = 0, limit: int = FACET_LIMIT
    ) -> FacetPage:
        """Return a page of one facet's values over a search's matches, those with a word starting ``prefix``."""
        if kind not in FACET_KINDS:
            raise InvalidParameter(f"unknown facet {kind!r}; use one of {', '.join(FACET_KINDS)}")
        if not 1 <= limit <= FACET_PAGE_MAX:
            raise InvalidParameter(f"limit must be from 1 to {FACET_PAGE_MAX}")
        if not 0 <= offset <= FACET_OFFSET_MAX:
            raise InvalidParameter(f"offset must be from 0 to {FACET_OFFSET_MAX}")
        if len(prefix) > MAX_PREFIX_CHARS:
            raise InvalidParameter(f"prefix must be at most {MAX_PREFIX_CHARS} characters")
        snap = self._snapshot()
        _, mask, _ = self._matching(snap, req, scored=False)
        total = int(np.count_nonzero(mask))
        ids = np.flatnonzero(mask) if total * SPARSE_RATIO < len(mask) else None
        per_story = repeating(story_table(snap).matching_per_story(mask)) if req.collapsed else None
        values, total_values = facet_values(
            snap, kind, mask, ids, req.leaders, prefix, offset, limit, per_story=per_story
        )
        return FacetPage(kind, values, total_values, offset)

    def _histogram(self, snap: Snapshot, mask: np.ndarray, req: SearchRequest) -> tuple[list[Bucket], str]:
        """Count matches per month (per day for short ranges, per year for very long ones)."""
        return histogram(snap, mask, req)

    # -- who appears with whom, attention compared ---------------------------------------------------
    def network(
        self,
        req: SearchRequest,
        kinds: tuple[str, ...] = ("actor",),
        max_nodes: int = networks.MAX_NODES,
        max_edges: int = networks.MAX_EDGES,
    ) -> networks.Network:
        """Return the co-mention graph of a search's top actors (and countries), edges scored by G²."""
        snap = self._snapshot()
        _, mask, _ = self._matching(snap, req, scored=False)
        total = int(np.count_nonzero(mask))
        ids = np.flatnonzero(mask) if total * SPARSE_RATIO < len(mask) else None
        nodes, doc_lists = [], []
        for kind, quota in networks.node_quota(kinds, max_nodes).items():
            column = snap.table.columns[kind]
            counts = column.count(mask, ids)
            chosen = order_values(counts, np.flatnonzero(counts > 0), snap.name_rank(kind))[:quota].tolist()
            for vid in chosen:
                docs = column.docs_with(vid)
                doc_lists.append(docs[mask[docs]])
                value = column.values[vid]
                if kind == "country":
                    value, label = value.upper(), snap.country_name(vid)
                else:
                    label = value
                nodes.append(networks.Node(kind, value, label, int(counts[vid])))
        node_counts = np.array([n.count for n in nodes], dtype=np.int64)
        edges = networks.score_edges(node_counts, networks.pair_counts(doc_lists), total, max_edges)
        return networks.Network(total, nodes, edges)

    def compare(self, req: SearchRequest, queries: list[str]) -> comparing.Comparison:
        """Count each query's articles per period on one common axis, with its share of the period."""
        snap = self._snapshot()
        base = self._filter_mask(snap, replace(req, q=""))
        masks = [self._matching(snap, replace(req, q=q), scored=False)[1] for q in queries]
        union = np.logical_or.reduce(masks) if masks else base
        buckets, unit = self._histogram(snap, union, req)
        day = snap.table.day
        base_counts = comparing.period_counts(day[base], buckets)
        series = []
        for q, mask in zip(queries, masks):
            counts = comparing.period_counts(day[mask], buckets)
            series.append(
                comparing.Series(
                    comparing.label_of(q),
                    q,
                    int(np.count_nonzero(mask)),
                    [int(c) for c in counts],
                    comparing.shares(counts, base_counts),
                )
            )
        return comparing.Comparison(unit, buckets, [int(c) for c in base_counts], series)

    # -- did you mean -----------------------------------------------------------------------------
    def _did_you_mean(self, snap: Snapshot, req: SearchRequest, parsed: ParsedQuery, total: int) -> str | None:
        """Return the query with misspelt words corrected (see ``spelling.did_you_mean``)."""
        return did_you_mean(self, snap, req, parsed, total)

    # -- articles, stories, export, entity pages (views.py) -------------------------------------------
    @_reading
    def article(
        self, article_id: str, max_chars: int | None = None, max_marks: int | None = None
    ) -> ArticleView | None:
        """Return one article with its entities and linkable segments, or None when there is no such id."""
        return views.article(self, article_id, max_chars, max_marks)

    @_reading
    def highlight_terms(self, q: str) -> frozenset[str]:
        """Return the analysed words a query matches on, as its snippets mark them (filler words left out)."""
        snap = self._snapshot()
        parsed = parse_query(q)
        if parsed.query is None:
            return frozenset()
        return self._highlight_terms(snap, _widen_names(snap, parsed))

    def mark_query(self, q: str, texts: list[str]) -> list[list[tuple[str, bool]]]:
        """Split each text into (piece, matched) pairs, the words ``q`` matches on marked True."""
        terms = self.highlight_terms(q) if (q or "").strip() else frozenset()
        return [mark_words(text or "", terms) for text in texts]

    @_reading
    def story(self, story_id: str) -> StoryView | None:
        """Return a story's live members, the lead (first published, ties by id) first, or None."""
        return views.story(self, story_id)

    @_reading
    def article_text(self, article_id: str) -> str | None:
        """Return an article's whole body text, or None when there is no such id."""
        return views.article_text(self, article_id)

    @_reading
    def more_like_this(self, article_id: str, n: int = 5) -> list[Hit]:
        """Return up to ``n`` articles most similar to one article (by its key terms)."""
        return views.more_like_this(self, article_id, n)

    @_reading
    def export(self, req: SearchRequest, limit: int = 10_000) -> Iterator[ExportRow]:
        """Yield up to ``limit`` matching articles in the request's order, for CSV export."""
        return views.export(self, req, limit)

    @_reading
    def entity(self, kind: str, value: str) -> entity_view.EntityView | None:
        """Return the entity page of one actor, country (code or name) or organisation; None if unknown."""
        return views.entity(self, kind, value)

    @_reading
    def health(self) -> dict:
        """Return the served generation, its number of articles, the time of its last commit and whether its
        files' checksums were compared yet (``checking`` for a second or so after a new commit opens)."""
        snap = self._snapshot()
        checked = snap.checked.is_set()
        if checked and snap.damage is not None:  # the check ended since _snapshot looked
            raise self._damaged(snap)
        return {
            "generation": snap.generation,
            "articles": snap.articles,
            "last_commit": snap.last_commit.isoformat(timespec="seconds"),
            "checksums": "ok" if checked else "checking",
        }

    # -- saved searches and batch search ----------------------------------------------------------
    # These take the same path as ``search`` (``_matching``: parsing, name widening, filters, relaxing),
    # so their totals are the totals /api/search reports, without building a page of hits.
    def count_since(self, req: SearchRequest, since: float) -> tuple[int, int]:
        """Return (matches first indexed at or after ``since`` (unix seconds), all matches) of a search."""
        snap = self._snapshot()
        _, mask, _ = self._matching(snap, req, scored=False)
        total = int(np.count_nonzero(mask))
        return int(np.count_nonzero(mask & snap.table.indexed_since(since))), total

    def newest_indexed(self, req: SearchRequest, limit: int = 50) -> list[IndexedHit]:
        """Return up to ``limit`` matches, the most recently indexed first (then newest date), with snippets."""
        snap = self._snapshot()
        parsed, mask, score = self._matching(snap, req)
        ids = np.flatnonzero(mask)
        if not len(ids) or limit <= 0:
            return []
        indexed = snap.table.indexed if snap.table.indexed is not None else np.zeros(snap.table.n)
        order = np.lexsort((-ids, -snap.table.day[ids].astype(np.int64), -indexed[ids]))[:limit]
        terms = self._highlight_terms(snap, parsed)
        found = []
        for d in ids[order].tolist():
            t = float(indexed[d])
            found.append(
                IndexedHit(
                    self._hit(snap, d, float(score[d]) if score is not None else None, terms),
                    datetime.fromtimestamp(t, tz=UTC) if t else None,
                )
            )
        return found

    def summarise(self, req: SearchRequest, countries: int = 5, actors: int = 5) -> MatchSummary:
        """Return a search's total, first and last date and its top countries and actors (no hits)."""
        snap = self._snapshot()
        parsed, mask, _ = self._matching(snap, req, scored=False)
        total = int(np.count_nonzero(mask))
        days = snap.table.day[mask]
        days = days[days != NO_DATE]
        first = date.fromordinal(int(days.min())) if len(days) else None
        last = date.fromordinal(int(days.max())) if len(days) else None
        ids = np.flatnonzero(mask) if total * SPARSE_RATIO < len(mask) else None
        top_countries = self._top_values(snap, "country", mask, ids, req.leaders, countries) if total else []
        top_actors = self._top_values(snap, "actor", mask, ids, req.leaders, actors) if total else []
        notice = NOTICE_STOPWORDS if parsed.empty else parsed.notice
        return MatchSummary(total, first, last, top_countries, top_actors, notice, list(parsed.also_matching))

    def _top_values(
        self, snap: Snapshot, kind: str, mask: np.ndarray, ids: np.ndarray | None, leaders_only: bool, limit: int
    ) -> list[FacetValue]:
        """Return a facet's first ``limit`` values over ``mask`` in the sidebar's order, without roles."""
        return top_values(snap, kind, mask, ids, leaders_only, limit)


SETTLE_MIN_ARTICLES = 5_000  # below this, a commit's objects are too few for the collector to matter
_settle_lock = threading.Lock()


def settle_heap(snap: Snapshot) -> None:
    """Take what a large commit keeps alive for its whole life out of the cyclic garbage collector's scans.

    A commit's facet values, lookups, alias table and word list are hundreds of thousands of objects that
    never die while it is served, and Python's collector rescans them all in every full collection:
    250 ms on 21.6k articles, a stall of every request then in flight, seen as the slowest first-seen
    query of the speed bench (issue 13). After the commit is loaded, one full collection (freeing what
    the commit before left in cycles) then ``gc.freeze()`` moves every object alive now to the permanent
    generation, which the collector does not scan; the next large commit does the same again."""
    if snap.table.n < SETTLE_MIN_ARTICLES:
        return
    with _settle_lock:
        gc.unfreeze()  # the previous commit's objects: collectable again if they are garbage now
        gc.collect()
        gc.freeze()


class _Opener(threading.Thread):
    """Opens the newest commit of an index in the background, then waits for its alias table."""

    def __init__(self, index: SearchIndex):
        super().__init__(name="index-open", daemon=True)
        self.index = index
        self.opened = threading.Event()  # the snapshot is open (or opening failed: ``error``)
        self.done = threading.Event()  # ... and its alias table is loaded
        self.error: SearchError | None = None
        self.snap: Snapshot | None = None

    def run(self) -> None:
        try:
            snap = self.snap = self.index._open_newest()
            self.opened.set()
            snap.prepare()  # what searches derive once per commit: now, not in the first searches
            snap.aliases.get(None)  # (did-you-mean's words load when a search first needs them, as before)
            settle_heap(snap)
        except SearchError as exc:
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - reported to the request that waits, as any failed read
            self.error = self.index._unreadable(exc)
        finally:
            self.opened.set()
            self.done.set()


def _relaxed_matches(
    snap: Snapshot, parsed: ParsedQuery, min_share: float = RELAXED_MIN_SHARE, min_words: int = RELAXED_MIN_WORDS
) -> Matches:
    """Match a relaxed query: a share of its content word groups required, its filler words scored only."""
    return snap.matcher.relaxed(
        _word_groups(parsed), min_share, min_words, scored_only=[word_query(w) for w in parsed.filler]
    )


def _word_groups(parsed: ParsedQuery) -> list[wq.Query]:
    """The word groups of a plain query (names widened to their spellings where they were)."""
    return parsed.groups or [word_query(w) for w in parsed.words]


def _widen_names(snap: Snapshot, parsed: ParsedQuery) -> ParsedQuery:
    """Widen every word or phrase of the query that spells a known name to all its spellings."""
    if parsed.query is None:
        return parsed
    try:
        table = snap.aliases.get(ALIAS_WAIT_SECONDS)
        if table is None:  # still loading (a new commit of a large index): search the words as typed
            return parsed

        def frequency(term: str) -> int:
            with snap.lock:
                return max(snap.reader.doc_frequency(f, term) for f in TEXT_FIELDS)

        if parsed.plain:
            # a relaxed query widens only its content words: filler words are neither matched nor marked
            widened = expand_plain(table, parsed.content_text or parsed.text, TEXT_FIELDS, word_query, frequency)
            if not widened.also or widened.query is None:
                return parsed
            return replace(parsed, query=widened.query, groups=widened.groups, also_matching=widened.also)
        widened = expand_query(table, parsed.query, TEXT_FIELDS, frequency)
        if not widened.also:
            return parsed
        return replace(parsed, query=widened.query, also_matching=widened.also)
    except Exception:  # widening is a bonus: the query as typed still answers
        return parsed
