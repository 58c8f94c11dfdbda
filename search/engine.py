"""SearchIndex: the read side of Crisis Desk (search, facets, histogram, did-you-mean, articles, export).

One ``_Snapshot`` holds everything derived from one Whoosh commit of the served generation: the open
searcher, the numpy facet table and the query matcher with its postings cache. Each call checks cheaply
(``CURRENT`` plus the Whoosh TOC generation) whether a newer commit or generation exists and, if so,
opens it; callers never restart. Whoosh types never leave this module.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
from whoosh import query as wq

from indexer.check import IndexDamaged, describe_exception, open_generation, verify_files
from indexer.layout import CurrentUnreadable, current_generation

from .aliases import LazyAliases, expand_plain, expand_query
from .budget import DEADLINE_SECONDS, MAX_EXPANDED_TERMS, QueryBudget, check_query
from .errors import IndexMissing, IndexUnreadable, InvalidParameter, SearchError
from .facet_values import MAX_PREFIX_CHARS, ValueFinder, name_ranks, order_values
from .mentioned_dates import event_dates_json, mentioned_histogram
from .facets import NO_DATE, SPARSE_RATIO, FacetTable, load_facets
from . import entity_view
from . import compare as comparing
from . import network as networks
from .match import Matches, QueryMatcher
from .model import (FACET_KINDS, ArticleView, Bucket, ExportRow, FacetPage, FacetValue, Hit, IndexedHit,
                    MatchSummary, SearchRequest, SearchResult, StoryMember, StoryView)
from .query import (NOTICE_RELAXED, NOTICE_STOPWORDS, ParsedQuery, TEXT_FIELDS, analyse_words,
                    fallback_query, parse_query, word_query)
from .snippets import lead_paragraph, make_snippet
from .stories import StoryTable

FACET_LIMIT = 100
FACET_PAGE_MAX = 500  # most values one /api/facet call returns
FACET_OFFSET_MAX = 1_000_000
RESULT_CACHE_SIZE = 256
DAY_HISTOGRAM_MAX_DAYS = 62  # a range up to about two months is drawn per day
YEAR_HISTOGRAM_MIN_MONTHS = 240  # beyond twenty years, bars are years
DID_YOU_MEAN_BELOW = 5  # offer a correction when a query finds fewer articles than this
MORE_LIKE_TERMS = 12
HIGHLIGHT_TERMS = 128  # most words a snippet looks for
MAX_ARTICLE_ID = 300
ALIAS_WAIT_SECONDS = 0.5  # how long a search waits for a new commit's alias table before going without
_ID_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")
log = logging.getLogger("crisis_desk.search")


def _default_resolve_country():
    """Return a country resolver: the indexer's (or, failing that, pycountry's), loaded in a thread.

    Importing ``indexer.entities`` and its gazetteer takes ~0.6 s (more on a busy machine); loading
    starts when the resolver is made (at app start), so a request that needs it finds it ready or
    waits only for the rest of that load, never for a second one.
    """
    resolver = None
    done = threading.Event()

    def load():
        nonlocal resolver
        try:
            from indexer.entities import resolve_country  # pure Python, no spaCy
            resolve_country("France")  # loads the gazetteer now, not in a request
            resolver = resolve_country
        except Exception:  # the module is optional for reading; any failure means "use pycountry"
            resolver = _pycountry_resolve
        finally:
            done.set()

    threading.Thread(target=load, name="country-resolver", daemon=True).start()

    def resolve(text: str):
        done.wait()
        return (resolver or _pycountry_resolve)(text)

    return resolve


def _pycountry_resolve(text: str):
    """Resolve a country code or name with pycountry (the fallback resolver)."""
    import pycountry

    from indexer.model import Country

    try:
        c = pycountry.countries.lookup(text.strip())
    except (LookupError, AttributeError):
        return None
    return Country(code=c.alpha_2, name=getattr(c, "common_name", c.name))


def _fold(text: str) -> str:
    return " ".join(str(text).replace(".", "").lower().split())


def _match_country(key: str, aliases: dict[str, str]) -> str | None:
    """Return the code of a folded name, or of the longest name a demonym extends ("belarusian")."""
    code = aliases.get(key)
    if code is None and len(key) >= 5:
        best = max((n for n in aliases if len(n) >= 4 and key.startswith(n[:max(4, len(n) - 1)])),
                   key=len, default=None)
        code = aliases.get(best) if best else None
    return code


def _pycountry_names(code: str) -> list[str]:
    """Return pycountry's names for an alpha-2 code (name, common and official names)."""
    import pycountry

    c = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if c is None:
        return []
    return [n for n in (getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)) if n]


def _to_date(value) -> date | None:
    """Return the date of a stored datetime (or None)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _entities(stored: dict) -> dict:
    raw = stored.get("entities")
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    return raw if isinstance(raw, dict) else {}


class _Snapshot:
    """Everything derived from one Whoosh commit of one generation."""

    def __init__(self, generation: str, gen_dir: Path, resolve_country, segment_cache: dict,
                 spelling_cache: dict | None = None, verified: set | None = None):
        self.generation = generation
        self.gen_dir = gen_dir
        # Plain file reads, not mmap: whoosh-reloaded copies each mmapped compound sub-file into RAM
        # (BytesIO over the map), and even without that every mapped page touched counts towards the
        # process's RSS (267 MB vs 123 MB after the bench query set on 108k articles, for ~3 ms more
        # per query). Reads share one file handle, hence the reader lock around every Whoosh call.
        # The files are checked against the generation's manifest first (sizes and checksums).
        self.ix = open_generation(gen_dir, known=verified)
        self.toc = self.ix.latest_generation()
        self.searcher = self.ix.searcher()
        self.reader = self.searcher.reader()
        self.table: FacetTable = load_facets(self.reader, segment_cache)
        self.resolve_country = resolve_country
        self.matcher = QueryMatcher(self.searcher, self.table, self.country_code)
        self.lock = self.matcher.lock
        self.aliases = LazyAliases(self.reader, {} if spelling_cache is None else spelling_cache, self.lock)
        self.aliases.start()  # in the background: the first searches must not wait seconds for it
        self.articles = int(self.table.live.sum())
        self.last_commit = datetime.fromtimestamp(self.ix.last_modified(), tz=timezone.utc)
        # month index (year * 12 + month - 1) per document, for the histogram; -1 when undated
        dated = self.table.day != NO_DATE
        self.month = np.full(self.table.n, -1, dtype=np.int32)
        epoch_days = (self.table.day[dated].astype(np.int64) - 719163).astype("datetime64[D]")  # 719163: 1970-01-01
        self.month[dated] = (epoch_days.astype("datetime64[M]").astype(np.int64) + 1970 * 12).astype(np.int32)
        self.country_names: dict[int, str] = {}
        self._country_aliases: dict[str, str] | None = None  # folded display name -> code
        self._pycountry_aliases: dict[str, str] | None = None
        self._country_codes: dict[str, str | None] = {}
        self._display: dict[str, dict[int, tuple]] = {}
        self._name_rank: dict[str, np.ndarray] = {}
        self._finders: dict[str, ValueFinder] = {}
        self.live_counts: dict[str, np.ndarray] = {}  # per facet kind, live articles per value (entity pages)
        self.surnames: dict[str, list[int]] | None = None  # lower-cased surname -> actor value ids

    @property
    def key(self) -> tuple:
        return (self.generation, self.toc)

    def stored(self, docnum: int) -> dict:
        """Return the stored fields of one document."""
        with self.lock:
            return self.searcher.stored_fields(int(docnum))

    def docnum(self, article_id: str) -> int | None:
        """Return the live document number of an article id, or None."""
        with self.lock:
            docnum = self.searcher.document_number(id=article_id)
        if docnum is None or not self.table.live[docnum]:
            return None
        return docnum

    def facet_display(self, kind: str) -> dict:
        """Return the cache of (value, role, code, leader, country) per value id of a facet kind."""
        return self._display.setdefault(kind, {})

    def describe_value(self, kind: str, vid: int) -> tuple:
        """Return how a facet value is shown: (value, role, code, leader, country).

        An actor's role and leader flag depend on the result set; ``_facet_values`` fills them in.
        """
        value = self.table.columns[kind].values[vid]
        if kind == "country":
            return (self.country_name(vid), "", value.upper(), False, "")
        return (value, "", "", False, "")

    def name_rank(self, kind: str) -> np.ndarray:
        """Return each value's alphabetical rank (the tie-break of facet order), computed once per commit."""
        rank = self._name_rank.get(kind)
        if rank is None:
            column = self.table.columns[kind]
            names = [self.country_name(v) for v in range(len(column.values))] if kind == "country" \
                else column.values
            rank = self._name_rank[kind] = name_ranks(names)
        return rank

    def value_finder(self, kind: str) -> ValueFinder:
        """Return the word-prefix finder over every value of a facet kind (countries: name and code)."""
        finder = self._finders.get(kind)
        if finder is None:
            column = self.table.columns[kind]
            if kind == "country":
                def names(vid):
                    return f"{self.country_name(vid)} {column.values[vid]}"
            else:
                names = column.values.__getitem__
            finder = self._finders[kind] = ValueFinder(len(column.values), names)
        return finder

    def country_code(self, text: str) -> str | None:
        """Return the alpha-2 code a country filter value means (code, name or demonym), or None.

        Cheapest first: a code; the display names of this index's countries (and demonyms that extend
        them); pycountry's names; only then the indexer's resolver, whose gazetteer takes seconds to load.
        """
        key = _fold(text)
        if key in self._country_codes:
            return self._country_codes[key]
        column = self.table.columns["country"]
        code = key.upper() if len(key) == 2 and key in column.lookup else None
        if code is None:
            if self._country_aliases is None:
                self._country_aliases = {_fold(self.country_name(vid)): value.upper()
                                         for vid, value in enumerate(column.values)}
            code = _match_country(key, self._country_aliases)
        if code is None:
            if self._pycountry_aliases is None:
                self._pycountry_aliases = {_fold(name): value.upper() for value in column.values
                                           for name in _pycountry_names(value)}
            code = _match_country(key, self._pycountry_aliases)
        if code is None:
            resolved = self.resolve_country(text)
            code = resolved.code if resolved is not None else None
        if len(self._country_codes) < 10_000:
            self._country_codes[key] = code
        return code

    def country_name(self, vid: int) -> str:
        """Return the display name of a country value (from its first article, else the resolver)."""
        name = self.country_names.get(vid)
        if name is None:
            code = self.table.columns["country"].values[vid]
            name = ""
            for c in _entities(self.stored(self.table.columns["country"].first_doc[vid])).get("countries", []):
                if str(c.get("code", "")).upper() == code.upper():
                    name = c.get("name") or ""
                    break
            if not name:
                name = next(iter(_pycountry_names(code)), code)
            self.country_names[vid] = name
        return name


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

    def __init__(self, index_dir, resolve_country=None, cache_size: int = RESULT_CACHE_SIZE,
                 max_expanded_terms: int = MAX_EXPANDED_TERMS, deadline_s: float = DEADLINE_SECONDS):
        self.index_dir = Path(index_dir)
        self.max_expanded_terms = max_expanded_terms
        self.deadline_s = deadline_s
        self.resolve_country = resolve_country or _default_resolve_country()
        self._snap: _Snapshot | None = None
        self._open_lock = threading.Lock()
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size
        self._segment_facets: dict = {}  # per-segment facet data, reused across commits
        self._segment_spellings: dict = {}  # per-segment entity spellings, reused across commits
        self._verified: set = set()  # (file, size, mtime) already checked against a manifest

    # -- opening -------------------------------------------------------------------------------
    def _snapshot(self) -> _Snapshot:
        """Return the snapshot of the newest commit, opening it when CURRENT or the TOC moved on."""
        try:
            generation = current_generation(self.index_dir)
        except CurrentUnreadable as exc:
            raise IndexUnreadable(str(IndexDamaged(exc.generation, str(exc)))) from None
        if generation is None:
            raise IndexMissing(f"no index in {self.index_dir}; build one with `python -m indexer build`")
        snap = self._snap
        if snap is not None and snap.generation == generation:
            try:
                if snap.ix.latest_generation() == snap.toc:
                    return snap
            except OSError:
                pass
        with self._open_lock:
            snap = self._snap
            if snap is not None and snap.generation == generation and snap.ix.latest_generation() == snap.toc:
                return snap
            try:
                if self._snap is None or self._snap.generation != generation:
                    self._segment_facets = {}  # another generation shares no segments
                snap = _Snapshot(generation, self.index_dir / generation, self.resolve_country,
                                 self._segment_facets, self._segment_spellings, self._verified)
            except IndexDamaged as exc:
                raise IndexUnreadable(str(exc)) from None
            except Exception as exc:  # noqa: BLE001 - damage surfaces as any error type while loading
                log.warning("cannot open %s: %r", generation, exc)
                raise IndexUnreadable(str(IndexDamaged(generation, describe_exception(exc)))) from None
            # Old snapshots are not closed here: a request may still be reading them; they close when
            # garbage-collected.
            self._snap = snap
            with self._cache_lock:
                self._cache.clear()
            return snap

    def _unreadable(self, exc: BaseException) -> IndexUnreadable:
        """Return the error for a read that failed, logging it and forgetting the snapshot."""
        snap, self._snap = self._snap, None
        generation = snap.generation if snap else None
        log.warning("reading %s failed: %r", generation, exc)
        if isinstance(exc, IndexDamaged):
            return IndexUnreadable(str(exc))
        return IndexUnreadable(str(IndexDamaged(generation, describe_exception(exc))))

    def warm_up(self) -> None:
        """Open the index now (and load facet arrays and aliases) so the first request is fast."""
        self._snapshot().aliases.get()

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

    def _filter_mask(self, snap: _Snapshot, req: SearchRequest) -> np.ndarray:
        """Return live documents that pass the facet filters and the date range."""
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

    def _match(self, snap: _Snapshot, parsed: ParsedQuery) -> tuple[ParsedQuery, Matches | None]:
        """Evaluate the parsed query (None: everything); unevaluable syntax falls back to words."""
        if parsed.query is None:
            if parsed.empty:
                return parsed, Matches(np.zeros(snap.table.n, dtype=bool))
            return parsed, None
        try:
            if parsed.relaxed:
                return parsed, snap.matcher.relaxed(_word_groups(parsed))
            return parsed, snap.matcher.evaluate(parsed.query)
        except Exception:  # e.g. a range Whoosh cannot expand: search the words instead, never a 500
            parsed = fallback_query(parsed.text)
            if parsed.query is None:
                return parsed, Matches(np.zeros(snap.table.n, dtype=bool))
            return parsed, snap.matcher.evaluate(parsed.query)

    def _matching(self, snap: _Snapshot, req: SearchRequest,
                  start: float | None = None) -> tuple[ParsedQuery, np.ndarray, np.ndarray | None]:
        """Return (parsed query, final match mask, scores) for a request, relaxing when needed.

        The query's budget runs from ``start`` (the request's beginning) when given."""
        elapsed = time.perf_counter() - start if start is not None else 0.0
        parsed = parse_query(req.q)
        check_query(parsed.query, req.q)  # what the user typed; widening adds plain words only
        parsed = _widen_names(snap, parsed)
        filt = self._filter_mask(snap, req)
        budget = QueryBudget.start(self.max_expanded_terms, max(self.deadline_s - elapsed, 0.0))
        with snap.matcher.budget(budget):
            parsed, matches = self._match(snap, parsed)
        if budget.notice():
            parsed = replace(parsed, notice=" ".join(filter(None, (parsed.notice, budget.notice()))))
        if matches is None:
            return parsed, filt, None
        mask = matches.mask & filt
        if (not parsed.relaxed and parsed.plain and len(parsed.words) >= 2 and not mask.any()):
            relaxed = snap.matcher.relaxed(_word_groups(parsed))
            parsed = replace(parsed, relaxed=True, notice=parsed.notice or NOTICE_RELAXED)
            matches = relaxed
            mask = matches.mask & filt
        return parsed, mask, matches.score

    def _order(self, snap: _Snapshot, mask: np.ndarray, score: np.ndarray | None, sort: str,
               limit: int) -> np.ndarray:
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

    def _search(self, snap: _Snapshot, req: SearchRequest, start: float) -> SearchResult:
        parsed, mask, score = self._matching(snap, req, start)
        total_articles = total = int(np.count_nonzero(mask))
        sort = req.effective_sort
        if sort == "relevance" and score is None:
            sort = "newest"
        first = (req.page - 1) * req.per_page
        stories = _stories(snap)
        per_story = stories.matching_per_story(mask)
        total_stories = int(np.count_nonzero(per_story))
        if req.collapsed:
            page_ids = self._story_page(snap, stories, mask, score, sort, first + req.per_page, total)[first:]
            total = total_stories
        else:
            page_ids = self._order(snap, mask, score, sort, first + req.per_page)[first:]
        terms = self._highlight_terms(snap, parsed)
        hits = [self._hit(snap, int(d), float(score[d]) if score is not None else None, terms)
                for d in page_ids]
        if req.collapsed:
            for hit, d in zip(hits, page_ids.tolist()):
                hit.other_versions = int(per_story[stories.key[d]]) - 1
        did_you_mean = None
        if parsed.words and (total_articles < DID_YOU_MEAN_BELOW or parsed.relaxed):
            did_you_mean = self._did_you_mean(snap, req, parsed, total_articles)
        facets, facet_totals = self._facets(snap, mask, req.leaders, total_articles,
                                            per_story if req.collapsed else None)
        histogram, unit = self._histogram(snap, mask, req)
        event_histogram, event_unit = mentioned_histogram(snap.table.mentioned, mask, req.event_from, req.event_to)
        notice = parsed.notice
        if parsed.empty:
            notice = NOTICE_STOPWORDS
        return SearchResult(query=req.q, total=total, page=req.page, per_page=req.per_page,
                            took_ms=(time.perf_counter() - start) * 1000, notice=notice,
                            did_you_mean=did_you_mean, relaxed=parsed.relaxed, hits=hits, facets=facets,
                            also_matching=list(parsed.also_matching), histogram=histogram,
                            histogram_unit=unit, sort=sort, facet_totals=facet_totals,
                            event_histogram=event_histogram, event_histogram_unit=event_unit,
                            counting="stories" if req.collapsed else "articles", total_articles=total_articles,
                            total_stories=total_stories)

    def _story_page(self, snap: _Snapshot, stories: StoryTable, mask: np.ndarray, score: np.ndarray | None,
                    sort: str, limit: int, total: int) -> np.ndarray:
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
    def _hit(self, snap: _Snapshot, docnum: int, score: float | None, terms: frozenset[str]) -> Hit:
        stored = snap.stored(docnum)
        ents = _entities(stored)
        body = stored.get("body") or ""
        lead = stored.get("lead") or ""
        return Hit(
            id=stored.get("id", ""), title=stored.get("title") or "(untitled)", date=_to_date(stored.get("date")),
            source=stored.get("source") or "", url=stored.get("url") or "",
            score=round(score, 4) if score is not None else None,
            snippet_html=make_snippet(body, terms, lead) if terms else lead_paragraph(lead or body),
            actors=[a.get("name", "") for a in ents.get("actors", []) if a.get("name")],
            countries=[{"code": c.get("code", ""), "name": c.get("name", "")} for c in ents.get("countries", [])],
            orgs=[o.get("name", "") for o in ents.get("orgs", []) if o.get("name")],
            event_dates=event_dates_json(body, ents.get("dates")),
            story=_story_of(snap, docnum, stored.get("id", "")),
        )

    def _highlight_terms(self, snap: _Snapshot, parsed: ParsedQuery) -> frozenset[str]:
        """Return the analysed body words a query matched on (not the ones it excludes)."""
        if parsed.query is None:
            return frozenset()
        terms: set[str] = set(parsed.words)

        def walk(q):
            if isinstance(q, (wq.Not,)):
                return
            if isinstance(q, (wq.AndNot, wq.Require, wq.AndMaybe)):
                walk(q.a)
                if not isinstance(q, wq.AndNot):
                    walk(q.b)
                return
            if isinstance(q, wq.Term) and q.fieldname in TEXT_FIELDS:
                terms.add(str(q.text))
            elif isinstance(q, wq.Phrase) and q.fieldname in TEXT_FIELDS:
                terms.update(w for w in q.words if w)
            elif isinstance(q, wq.MultiTerm) and q.field() in TEXT_FIELDS:
                for btext in snap.matcher.expand(q, cached_only=True)[:64]:
                    if len(terms) >= HIGHLIGHT_TERMS:  # each term costs a pass over every snippet's text
                        return
                    terms.add(btext.decode("utf-8") if isinstance(btext, bytes) else btext)
            for child in q.children():
                walk(child)

        try:
            walk(parsed.query)
        except Exception:  # highlighting is best effort; the hit still shows its lead paragraph
            pass
        return frozenset(terms)

    def _facets(self, snap: _Snapshot, mask: np.ndarray, leaders_only: bool,
                total: int, per_story: np.ndarray | None = None) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
        """Count every facet over all matches: the first FACET_LIMIT values of each (by count, then name),
        and how many values each facet has in all. With ``per_story`` (matches per story key), a value
        counts stories, not articles."""
        ids = np.flatnonzero(mask) if total * SPARSE_RATIO < len(mask) else None
        facets, totals = {}, {}
        for kind in FACET_KINDS:
            facets[kind], totals[kind] = self._facet_values(snap, kind, mask, ids, leaders_only,
                                                            per_story=per_story)
        return facets, totals

    def _facet_values(self, snap: _Snapshot, kind: str, mask: np.ndarray, ids: np.ndarray | None,
                      leaders_only: bool, prefix: str = "", offset: int = 0,
                      limit: int = FACET_LIMIT, per_story: np.ndarray | None = None) -> tuple[list[FacetValue], int]:
        """Return one page of a facet's values over ``mask`` (optionally matching ``prefix``) and their number.

        Actors carry the leader star and the role of the result set itself: a leader in some article of
        ``mask``, and the role that the newest article of ``mask`` giving one states.
        """
        column = snap.table.columns[kind]
        if per_story is not None and len(per_story) and per_story.max() > 1:  # some story matches twice or more
            stories = _stories(snap)
            if ids is None:  # many matches: walk the postings presorted by story
                counts = stories.count_stories_dense(kind, column.post_doc, column.post_val, mask,
                                                     len(column.values))
            else:
                docs, vals = column.postings_of(ids)
                counts = stories.distinct_story_postings(docs, vals, per_story, len(column.values))
        else:
            counts = column.count(mask, ids)
        found = counts > 0
        roles = snap.table.actor_roles
        lead = None
        if kind == "actor":
            lead = roles.leaders_within(mask, len(column.values))
            if leaders_only:
                found &= lead
        if prefix:
            matching = snap.value_finder(kind).matching(prefix)
            if matching is not None:
                found &= matching
        nz = np.flatnonzero(found)
        chosen = order_values(counts, nz, snap.name_rank(kind))[offset:offset + limit].tolist()
        latest = roles.latest_roles(chosen, mask, snap.table.day) if kind == "actor" else {}
        display = snap.facet_display(kind)
        values = []
        for vid in chosen:
            shown = display.get(vid)
            if shown is None:
                shown = display[vid] = snap.describe_value(kind, vid)
            fv = FacetValue(shown[0], int(counts[vid]), *shown[1:])
            if kind == "actor":
                fv.leader = bool(lead[vid])
                fv.role, fv.country = latest.get(vid, ("", ""))
            values.append(fv)
        return values, len(nz)

    def facet_values(self, req: SearchRequest, kind: str, prefix: str = "", offset: int = 0,
                     limit: int = FACET_LIMIT) -> FacetPage:
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
        _, mask, _ = self._matching(snap, req)
        total = int(np.count_nonzero(mask))
        ids = np.flatnonzero(mask) if total * SPARSE_RATIO < len(mask) else None
        per_story = _stories(snap).matching_per_story(mask) if req.collapsed else None
        values, total_values = self._facet_values(snap, kind, mask, ids, req.leaders, prefix, offset, limit,
                                                  per_story=per_story)
        return FacetPage(kind, values, total_values, offset)

    def _histogram(self, snap: _Snapshot, mask: np.ndarray, req: SearchRequest) -> tuple[list[Bucket], str]:
        """Count matches per month (per day for short ranges, per year for very long ones)."""
        days = snap.table.day[mask]
        days = days[days != NO_DATE]
        if not len(days):
            return [], "month"
        lo, hi = int(days.min()), int(days.max())
        if req.date_from and req.date_to:  # the requested range decides the scale when it is given
            lo, hi = req.date_from.toordinal(), req.date_to.toordinal()
            days = days[(days >= lo) & (days <= hi)]
        if hi - lo <= DAY_HISTOGRAM_MAX_DAYS:
            counts = np.bincount(days - lo, minlength=hi - lo + 1)
            buckets = []
            for i, c in enumerate(counts):
                d = date.fromordinal(lo + i)
                buckets.append(Bucket(d.isoformat(), int(c), d, d))
            return buckets, "day"
        months = snap.month[mask]
        months = months[months >= 0]
        if req.date_from and req.date_to:
            m_lo = req.date_from.year * 12 + req.date_from.month - 1
            m_hi = req.date_to.year * 12 + req.date_to.month - 1
            months = months[(months >= m_lo) & (months <= m_hi)]
        else:
            m_lo, m_hi = int(months.min()), int(months.max())
        if m_hi - m_lo >= YEAR_HISTOGRAM_MIN_MONTHS:
            years = months // 12
            y_lo, y_hi = m_lo // 12, m_hi // 12
            counts = np.bincount(years - y_lo, minlength=y_hi - y_lo + 1)
            return [Bucket(str(y_lo + i), int(c), date(y_lo + i, 1, 1), date(y_lo + i, 12, 31))
                    for i, c in enumerate(counts)], "year"
        counts = np.bincount(months - m_lo, minlength=m_hi - m_lo + 1)
        buckets = []
        for i, c in enumerate(counts):
            y, m = divmod(m_lo + i, 12)
            first = date(y, m + 1, 1)
            last = date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1).toordinal() - 1
            buckets.append(Bucket(f"{y:04d}-{m + 1:02d}", int(c), first, date.fromordinal(last)))
        return buckets, "month"

    # -- who appears with whom, attention compared ---------------------------------------------------
    def network(self, req: SearchRequest, kinds: tuple[str, ...] = ("actor",),
                max_nodes: int = networks.MAX_NODES, max_edges: int = networks.MAX_EDGES) -> networks.Network:
        """Return the co-mention graph of a search's top actors (and countries), edges scored by G²."""
        snap = self._snapshot()
        _, mask, _ = self._matching(snap, req)
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
        masks = [self._matching(snap, replace(req, q=q))[1] for q in queries]
        union = np.logical_or.reduce(masks) if masks else base
        buckets, unit = self._histogram(snap, union, req)
        day = snap.table.day
        base_counts = comparing.period_counts(day[base], buckets)
        series = []
        for q, mask in zip(queries, masks):
            counts = comparing.period_counts(day[mask], buckets)
            series.append(comparing.Series(comparing.label_of(q), q, int(np.count_nonzero(mask)),
                                           [int(c) for c in counts], comparing.shares(counts, base_counts)))
        return comparing.Comparison(unit, buckets, [int(c) for c in base_counts], series)

    # -- did you mean -----------------------------------------------------------------------------
    def _did_you_mean(self, snap: _Snapshot, req: SearchRequest, parsed: ParsedQuery, total: int) -> str | None:
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
            with snap.lock:
                freq = snap.reader.doc_frequency("body", stems[0]) + snap.reader.doc_frequency("title", stems[0])
            if freq >= DID_YOU_MEAN_BELOW or (freq and not rare_too):
                continue
            best = self._suggest_word(snap, raw.lower(), freq)
            if best and best != raw.lower():
                fixed = best.capitalize() if raw[:1].isupper() else best
                text = re.sub(rf"\b{re.escape(raw)}\b", fixed, text, count=1)
                changed = True
        if not changed:
            return None
        if parsed.relaxed and parse_query(req.q).relaxed:
            return text  # a long question: the corrected words are ones articles actually use
        try:
            before = self._all_words_total(snap, req, req.q)
            after = self._all_words_total(snap, req, text)
        except Exception:  # a suggestion is optional; never fail the search over it
            return None
        return text if after > before else None

    def _all_words_total(self, snap: _Snapshot, req: SearchRequest, text: str) -> int:
        """Return how many articles match every word of ``text`` (no relaxing), within the filters."""
        parsed = parse_query(text)
        if parsed.query is None:
            return 0
        mask = snap.matcher.evaluate(parsed.query).mask & self._filter_mask(snap, req)
        return int(np.count_nonzero(mask))

    def _suggest_word(self, snap: _Snapshot, word: str, freq: int) -> str | None:
        """Return the most frequent indexed word within edit distance 1 (else 2, for long words) of ``word``.

        A word no article has is corrected to any neighbour found in two or more; a rare word that does
        occur (a name like "Raisi") only to a neighbour at distance 1 that is twenty times commoner.
        """
        field = "spell_body" if "spell_body" in snap.searcher.schema else "body"
        for maxdist in ((1, 2) if freq == 0 and len(word) >= 7 else (1,)):
            with snap.lock:
                candidates = [c for c in snap.reader.terms_within(field, word, maxdist, prefix=1) if c != word]
                if not candidates:
                    continue
                scored = []
                for c in candidates:
                    stems = analyse_words(c)
                    f = snap.reader.doc_frequency("body", stems[0]) if stems else 0
                    scored.append((_edit_distance(word, c), -f, c))
            scored.sort()
            _, negf, best = scored[0]
            if -negf >= (2 if freq == 0 else 20 * freq):
                return best
        return None

    # -- articles --------------------------------------------------------------------------------------
    @_reading
    def article(self, article_id: str, max_chars: int | None = None,
                max_marks: int | None = None) -> ArticleView | None:
        """Return one article with its entities and linkable segments, or None when there is no such id.

        ``max_chars`` cuts the body (at a word) and ``max_marks`` the linked mentions, so one huge
        article cannot make a page of megabytes; ``truncated`` says so and ``article_text`` has it all."""
        found = self._locate(article_id)
        if found is None:
            return None
        snap, docnum, stored = found
        ents = _entities(stored)
        whole = stored.get("body") or ""
        body = whole
        if max_chars is not None and len(body) > max_chars:
            cut = body.rfind(" ", max(0, max_chars - 200), max_chars)
            body = body[:cut if cut > 0 else max_chars]
        dates = [[d[0], d[1], "date", d[2]] for d in ents.get("dates", []) if isinstance(d, list) and len(d) == 4]
        segments = split_segments(body, list(ents.get("mentions", [])) + dates, max_marks)
        marks = sum(1 for s in segments if s[1])
        marks_cut = max_marks is not None and marks >= max_marks and _mention_count(ents, len(body)) > marks
        return ArticleView(
            id=stored.get("id", article_id), title=stored.get("title") or "(untitled)",
            title_derived=bool(stored.get("title_derived")), date=_to_date(stored.get("date")),
            source=stored.get("source") or "", url=stored.get("url") or "", body=body,
            lead=stored.get("lead") or "",
            actors=list(ents.get("actors", [])), countries=list(ents.get("countries", [])),
            orgs=list(ents.get("orgs", [])), segments=segments,
            truncated=len(body) < len(whole) or marks_cut, total_chars=len(whole),
            event_dates=event_dates_json(body, ents.get("dates")),
            story=_story_of(snap, docnum, stored.get("id", article_id)),
        )

    # -- stories ----------------------------------------------------------------------------------------
    @_reading
    def story(self, story_id: str) -> StoryView | None:
        """Return a story's live members, the lead (first published, ties by id) first, or None."""
        if not isinstance(story_id, str) or not story_id or len(story_id) > MAX_ARTICLE_ID \
                or not _ID_RE.match(story_id):
            return None
        snap = self._snapshot()
        stories = _stories(snap)
        docs = stories.members(story_id, snap.table.live).tolist()
        if not docs:  # an article without a named story is a story of its own, named after it
            docnum = snap.docnum(story_id)
            if docnum is None or stories.story_id(docnum) is not None:
                return None
            docs = [docnum]
        rows = []
        for d in docs:
            stored = snap.stored(d)
            rows.append((stored, _to_date(stored.get("date")), stored.get("date")))
        # first published first: undated last, ties by id (as the indexer names the lead)
        rows.sort(key=lambda r: (r[2] is None, r[2].timestamp() if isinstance(r[2], datetime) else 0,
                                 str(r[0].get("id", ""))))
        lead_length = len(rows[0][0].get("body") or "")
        members = []
        for stored, day, _ in rows:
            length = len(stored.get("body") or "")
            members.append(StoryMember(id=stored.get("id", ""), title=stored.get("title") or "(untitled)",
                                       date=day, source=stored.get("source") or "", url=stored.get("url") or "",
                                       length=length, length_delta=length - lead_length))
        return StoryView(story_id, members)

    @_reading
    def article_text(self, article_id: str) -> str | None:
        """Return an article's whole body text, or None when there is no such id."""
        stored = self._stored_article(article_id)
        return None if stored is None else (stored.get("body") or "")

    def _locate(self, article_id: str) -> tuple[_Snapshot, int, dict] | None:
        """Return (snapshot, document number, stored fields) of a live article id, or None."""
        if not isinstance(article_id, str) or not article_id or len(article_id) > MAX_ARTICLE_ID \
                or not _ID_RE.match(article_id):
            return None
        snap = self._snapshot()
        docnum = snap.docnum(article_id)
        return None if docnum is None else (snap, docnum, snap.stored(docnum))

    def _stored_article(self, article_id: str) -> dict | None:
        found = self._locate(article_id)
        return None if found is None else found[2]

    @_reading
    def more_like_this(self, article_id: str, n: int = 5) -> list[Hit]:
        """Return up to ``n`` articles most similar to one article (by its key terms)."""
        if not isinstance(article_id, str) or len(article_id) > MAX_ARTICLE_ID:
            return []
        snap = self._snapshot()
        docnum = snap.docnum(article_id)
        if docnum is None:
            return []
        stored = snap.stored(docnum)
        text = f"{stored.get('title') or ''}\n\n{(stored.get('body') or '')[:20000]}"
        with snap.lock:
            key_terms = [t for t, _ in snap.searcher.key_terms_from_text("body", text, numterms=MORE_LIKE_TERMS)]
        if not key_terms:
            return []
        matches = snap.matcher.relaxed([word_query(t) for t in key_terms])
        mask = matches.mask & snap.table.live
        mask[docnum] = False
        stories = _stories(snap)
        mask &= stories.key != stories.key[docnum]  # its other versions are listed as the story's, not as related
        ids = self._order(snap, mask, matches.score, "relevance", n)
        return [self._hit(snap, int(d), float(matches.score[d]), frozenset()) for d in ids]

    # -- export ------------------------------------------------------------------------------------------
    @_reading
    def export(self, req: SearchRequest, limit: int = 10_000) -> Iterator[ExportRow]:
        """Yield up to ``limit`` matching articles in the request's order, for CSV export.

        The generation's file sizes are checked before the first row; a read that fails later raises
        IndexUnreadable from the iterator, so the caller can mark the output incomplete."""
        snap = self._snapshot()
        verify_files(snap.gen_dir, checksums=False)
        parsed, mask, score = self._matching(snap, req)
        sort = req.effective_sort
        if sort == "relevance" and score is None:
            sort = "newest"
        ids = self._order(snap, mask, score, sort, limit)

        table = snap.table
        kinds = {kind: table.columns[kind] for kind in ("actor", "country", "org")}

        def names(kind: str, d: int) -> list[str]:
            # the facet arrays hold every document's values in the order the article lists them, so a
            # row needs no parse of the stored entities (the JSON of every mention: most of a row's cost)
            column = kinds[kind]
            vids = column.post_val[column.doc_ptr[d]:column.doc_ptr[d + 1]].tolist()
            if kind == "country":
                return [snap.country_name(v) for v in vids]
            return [column.values[v] for v in vids]

        def rows():
            for d in ids.tolist():
                try:
                    stored = snap.stored(d)  # id, title, source, url: the one stored read of a row
                except Exception as exc:  # noqa: BLE001 - see _reading
                    raise self._unreadable(exc) from None
                day = int(table.day[d])
                yield ExportRow(
                    id=stored.get("id", ""), date=date.fromordinal(day) if day != NO_DATE else None,
                    title=stored.get("title") or "", source=stored.get("source") or "",
                    url=stored.get("url") or "", actors=names("actor", d), countries=names("country", d),
                    orgs=names("org", d),
                    score=round(float(score[d]), 4) if score is not None and sort == "relevance" else None,
                )

        return rows()

    # -- entity pages ----------------------------------------------------------------------------------
    @_reading
    def entity(self, kind: str, value: str) -> entity_view.EntityView | None:
        """Return the entity page of one actor, country (code or name) or organisation; None if unknown."""
        if kind not in entity_view.ENTITY_KINDS or not isinstance(value, str):
            return None
        value = value.strip()
        if not value or len(value) > entity_view.MAX_VALUE_CHARS or not _ID_RE.match(value):
            return None
        snap = self._snapshot()
        table = snap.table
        column = table.columns[kind]
        key = value.lower()
        if kind == "country" and key not in column.lookup:
            code = snap.country_code(value)
            key = code.lower() if code else ""
        vid = column.lookup.get(key)
        if vid is None and kind == "actor":  # "/actor/Tokayev": the person most written about with that surname
            if snap.surnames is None:
                snap.surnames = entity_view.surname_index(column.values)
            candidates = snap.surnames.get(key, [])
            if candidates:
                sizes = column.value_ptr[1:] - column.value_ptr[:-1]
                vid = max(candidates, key=lambda v: (int(sizes[v]), -v))
        if vid is None:
            return None
        mask = table.live.copy()
        entity_docs = column.docs_with(vid)
        only = np.zeros(table.n, dtype=bool)
        only[entity_docs] = True
        mask &= only
        total = int(np.count_nonzero(mask))
        if not total:
            return None
        ids = np.flatnonzero(mask)
        canonical = column.values[vid]
        display = snap.country_name(vid) if kind == "country" else canonical
        histogram, unit = self._histogram(snap, mask, SearchRequest())
        related = {}
        for other in entity_view.ENTITY_KINDS:
            col = table.columns[other]
            overall = snap.live_counts.get(other)
            if overall is None:
                overall = snap.live_counts[other] = col.count(table.live)
            ranked = entity_view.rank_related(col.count(mask, ids), overall, total, snap.articles,
                                              exclude=vid if other == kind else None)
            related[other] = [entity_view.Related(
                col.values[v], count, score, snap.country_name(v) if other == "country" else "")
                for v, count, score in ranked]
        sources_col = table.columns["source"]
        source_counts = sources_col.count(mask, ids)
        top = np.flatnonzero(source_counts)
        top = top[np.lexsort((top, -source_counts[top]))][:entity_view.SOURCES_LIMIT]
        aliases = []
        alias_table = snap.aliases.get(ALIAS_WAIT_SECONDS)
        if alias_table is not None:
            kind_key = {"actor": "a", "country": "c", "org": "o"}[kind]
            written = alias_table.spellings.get((kind_key, canonical), {})
            aliases = entity_view.merge_aliases(written, canonical if kind != "country" else None, total)
        latest = [self._hit(snap, int(d), None, frozenset())
                  for d in self._order(snap, mask, None, "newest", entity_view.LATEST_LIMIT)]
        return entity_view.EntityView(
            kind=kind, value=canonical.upper() if kind == "country" else canonical, display=display, total=total,
            aliases=aliases,
            roles=entity_view.roles_held(table.actor_roles, vid, table.live, table.day) if kind == "actor" else [],
            histogram=histogram, histogram_unit=unit, peaks=entity_view.peak_periods(histogram),
            related=related, sources=[(sources_col.values[v], int(source_counts[v])) for v in top.tolist()],
            latest=latest)

    @_reading
    def health(self) -> dict:
        """Return the served generation, its number of articles and the time of its last commit."""
        snap = self._snapshot()
        return {"generation": snap.generation, "articles": snap.articles,
                "last_commit": snap.last_commit.isoformat(timespec="seconds")}

    # -- saved searches and batch search ----------------------------------------------------------
    # These take the same path as ``search`` (``_matching``: parsing, name widening, filters, relaxing),
    # so their totals are the totals /api/search reports, without building a page of hits.
    def count_since(self, req: SearchRequest, since: float) -> tuple[int, int]:
        """Return (matches first indexed at or after ``since`` (unix seconds), all matches) of a search."""
        snap = self._snapshot()
        _, mask, _ = self._matching(snap, req)
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
            found.append(IndexedHit(
                self._hit(snap, d, float(score[d]) if score is not None else None, terms),
                datetime.fromtimestamp(t, tz=timezone.utc) if t else None))
        return found

    def summarise(self, req: SearchRequest, countries: int = 5, actors: int = 5) -> MatchSummary:
        """Return a search's total, first and last date and its top countries and actors (no hits)."""
        snap = self._snapshot()
        parsed, mask, _ = self._matching(snap, req)
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

    def _top_values(self, snap: _Snapshot, kind: str, mask: np.ndarray, ids: np.ndarray | None,
                    leaders_only: bool, limit: int) -> list[FacetValue]:
        """Return a facet's first ``limit`` values over ``mask`` in the sidebar's order, without the actors'
        roles and stars (a batch shows names and counts only, and roles cost a pass over the role postings)."""
        if limit <= 0:
            return []
        column = snap.table.columns[kind]
        counts = column.count(mask, ids)
        found = counts > 0
        if kind == "actor" and leaders_only:
            found &= snap.table.actor_roles.leaders_within(mask, len(column.values))
        chosen = order_values(counts, np.flatnonzero(found), snap.name_rank(kind))[:limit].tolist()
        display = snap.facet_display(kind)
        values = []
        for vid in chosen:
            shown = display.get(vid)
            if shown is None:
                shown = display[vid] = snap.describe_value(kind, vid)
            values.append(FacetValue(shown[0], int(counts[vid]), code=shown[2]))
        return values


def _stories(snap: _Snapshot) -> StoryTable:
    """Return the snapshot's story table (every document a story of its own when none was loaded)."""
    stories = snap.table.stories
    if stories is None:
        from .stories import merge_stories
        stories = snap.table.stories = merge_stories([], snap.table.n, snap.table.live)
    return stories


def _story_of(snap: _Snapshot, docnum: int, article_id: str) -> dict:
    """Return ``{"id", "size"}`` of a document's story (an unnamed one is named after the article)."""
    stories = _stories(snap)
    name = stories.story_id(docnum)
    return {"id": name if name is not None else article_id, "size": int(stories.size[stories.key[docnum]])}


def _word_groups(parsed: ParsedQuery) -> list[wq.Query]:
    """The word groups of a plain query (names widened to their spellings where they were)."""
    return parsed.groups or [word_query(w) for w in parsed.words]


def _widen_names(snap: _Snapshot, parsed: ParsedQuery) -> ParsedQuery:
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
            widened = expand_plain(table, parsed.text, TEXT_FIELDS, word_query, frequency)
            if not widened.also or widened.query is None:
                return parsed
            return replace(parsed, query=widened.query, groups=widened.groups, also_matching=widened.also)
        widened = expand_query(table, parsed.query, TEXT_FIELDS, frequency)
        if not widened.also:
            return parsed
        return replace(parsed, query=widened.query, also_matching=widened.also)
    except Exception:  # widening is a bonus: the query as typed still answers
        return parsed


def _mention_count(ents: dict, length: int) -> int:
    """Return how many stored mentions end within the first ``length`` characters."""
    count = 0
    for m in ents.get("mentions") or []:
        try:
            count += int(m[1]) <= length
        except (TypeError, ValueError, IndexError):
            continue
    return count


def split_segments(body: str, mentions, max_marks: int | None = None) -> list[tuple[str, str | None, str | None]]:
    """Split ``body`` at entity mentions into (text, kind, value) pieces; bad offsets are skipped.

    After ``max_marks`` linked mentions the rest of the body is one plain piece."""
    spans = []
    for m in mentions or []:
        try:
            start, end, kind, value = int(m[0]), int(m[1]), str(m[2]), str(m[3])
        except (TypeError, ValueError, IndexError):
            continue
        if 0 <= start < end <= len(body) and kind in ("actor", "country", "org", "date"):
            spans.append((start, end, kind, value))
    spans.sort()
    segments: list[tuple[str, str | None, str | None]] = []
    pos = marked = 0
    for start, end, kind, value in spans:
        if start < pos:  # overlapping mention: keep the first
            continue
        if max_marks is not None and marked >= max_marks:
            break
        marked += 1
        if start > pos:
            segments.append((body[pos:start], None, None))
        segments.append((body[start:end], kind, value))
        pos = end
    if pos < len(body) or not segments:
        segments.append((body[pos:], None, None))
    return segments


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
