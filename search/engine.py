"""SearchIndex: the read side of Crisis Desk (search, facets, histogram, did-you-mean, articles, export).

One ``_Snapshot`` holds everything derived from one Whoosh commit of the served generation: the open
searcher, the numpy facet table and the query matcher with its postings cache. Each call checks cheaply
(``CURRENT`` plus the Whoosh TOC generation) whether a newer commit or generation exists and, if so,
opens it; callers never restart. Whoosh types never leave this module.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
from whoosh import index as windex
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage

from indexer.layout import current_generation

from .errors import IndexMissing, InvalidParameter
from .aliases import LazyAliases, expand_plain, expand_query
from .facet_values import MAX_PREFIX_CHARS, ValueFinder, name_ranks, order_values
from .mentioned_dates import event_dates_json, mentioned_histogram
from .facets import NO_DATE, SPARSE_RATIO, FacetTable, load_facets
from . import compare as comparing
from . import network as networks
from .match import Matches, QueryMatcher
from .model import (FACET_KINDS, ArticleView, Bucket, ExportRow, FacetPage, FacetValue, Hit, SearchRequest,
                    SearchResult)
from .query import (NOTICE_RELAXED, NOTICE_STOPWORDS, ParsedQuery, TEXT_FIELDS, analyse_words,
                    fallback_query, parse_query, word_query)
from .snippets import lead_paragraph, make_snippet

FACET_LIMIT = 100
FACET_PAGE_MAX = 500  # most values one /api/facet call returns
FACET_OFFSET_MAX = 1_000_000
RESULT_CACHE_SIZE = 256
DAY_HISTOGRAM_MAX_DAYS = 62  # a range up to about two months is drawn per day
YEAR_HISTOGRAM_MIN_MONTHS = 240  # beyond twenty years, bars are years
DID_YOU_MEAN_BELOW = 5  # offer a correction when a query finds fewer articles than this
MORE_LIKE_TERMS = 12
MAX_ARTICLE_ID = 300
ALIAS_WAIT_SECONDS = 0.5  # how long a search waits for a new commit's alias table before going without
_ID_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")


def _default_resolve_country():
    """Return a country resolver that loads the indexer's (or, failing that, pycountry's) on first use.

    Importing ``indexer.entities`` costs ~0.15 s and its gazetteer seconds more, so neither happens
    before a filter value actually needs it.
    """
    resolver = None

    def resolve(text: str):
        nonlocal resolver
        if resolver is None:
            try:
                from indexer.entities import resolve_country  # pure Python, no spaCy
                resolver = resolve_country
            except Exception:  # the module is optional for reading; any failure means "use pycountry"
                resolver = _pycountry_resolve
        return resolver(text)

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
                 spelling_cache: dict | None = None):
        self.generation = generation
        # Plain file reads, not mmap: whoosh-reloaded copies each mmapped compound sub-file into RAM
        # (BytesIO over the map), and even without that every mapped page touched counts towards the
        # process's RSS (267 MB vs 123 MB after the bench query set on 108k articles, for ~3 ms more
        # per query). Reads share one file handle, hence the reader lock around every Whoosh call.
        self.ix = FileStorage(str(gen_dir), supports_mmap=False, readonly=True).open_index()
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


class SearchIndex:
    """Searches the index served from ``index_dir``; cheap to create, thread-safe, reopens by itself."""

    def __init__(self, index_dir, resolve_country=None, cache_size: int = RESULT_CACHE_SIZE):
        self.index_dir = Path(index_dir)
        self.resolve_country = resolve_country or _default_resolve_country()
        self._snap: _Snapshot | None = None
        self._open_lock = threading.Lock()
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size
        self._segment_facets: dict = {}  # per-segment facet data, reused across commits
        self._segment_spellings: dict = {}  # per-segment entity spellings, reused across commits

    # -- opening -------------------------------------------------------------------------------
    def _snapshot(self) -> _Snapshot:
        """Return the snapshot of the newest commit, opening it when CURRENT or the TOC moved on."""
        generation = current_generation(self.index_dir)
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
                                 self._segment_facets, self._segment_spellings)
            except (windex.EmptyIndexError, OSError) as exc:
                raise IndexMissing(f"the index in {self.index_dir} cannot be opened ({exc.__class__.__name__}); "
                                   "rebuild it with `python -m indexer build`") from None
            # Old snapshots are not closed here: a request may still be reading them; they close when
            # garbage-collected.
            self._snap = snap
            with self._cache_lock:
                self._cache.clear()
            return snap

    def warm_up(self) -> None:
        """Open the index now (and load facet arrays and aliases) so the first request is fast."""
        self._snapshot().aliases.get()

    # -- search ---------------------------------------------------------------------------------
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

    def _matching(self, snap: _Snapshot, req: SearchRequest) -> tuple[ParsedQuery, np.ndarray, np.ndarray | None]:
        """Return (parsed query, final match mask, scores) for a request, relaxing when needed."""
        parsed = _widen_names(snap, parse_query(req.q))
        filt = self._filter_mask(snap, req)
        parsed, matches = self._match(snap, parsed)
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
        parsed, mask, score = self._matching(snap, req)
        total = int(np.count_nonzero(mask))
        sort = req.effective_sort
        if sort == "relevance" and score is None:
            sort = "newest"
        first = (req.page - 1) * req.per_page
        page_ids = self._order(snap, mask, score, sort, first + req.per_page)[first:]
        terms = self._highlight_terms(snap, parsed)
        hits = [self._hit(snap, int(d), float(score[d]) if score is not None else None, terms)
                for d in page_ids]
        did_you_mean = None
        if parsed.words and (total < DID_YOU_MEAN_BELOW or parsed.relaxed):
            did_you_mean = self._did_you_mean(snap, req, parsed, total)
        facets, facet_totals = self._facets(snap, mask, req.leaders, total)
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
                            event_histogram=event_histogram, event_histogram_unit=event_unit)

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
                for btext in snap.matcher.expand(q)[:64]:
                    terms.add(btext.decode("utf-8") if isinstance(btext, bytes) else btext)
            for child in q.children():
                walk(child)

        try:
            walk(parsed.query)
        except Exception:  # highlighting is best effort; the hit still shows its lead paragraph
            pass
        return frozenset(terms)

    def _facets(self, snap: _Snapshot, mask: np.ndarray, leaders_only: bool,
                total: int) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
        """Count every facet over all matches: the first FACET_LIMIT values of each (by count, then name),
        and how many values each facet has in all."""
        ids = np.flatnonzero(mask) if total * SPARSE_RATIO < len(mask) else None
        facets, totals = {}, {}
        for kind in FACET_KINDS:
            facets[kind], totals[kind] = self._facet_values(snap, kind, mask, ids, leaders_only)
        return facets, totals

    def _facet_values(self, snap: _Snapshot, kind: str, mask: np.ndarray, ids: np.ndarray | None,
                      leaders_only: bool, prefix: str = "", offset: int = 0,
                      limit: int = FACET_LIMIT) -> tuple[list[FacetValue], int]:
        """Return one page of a facet's values over ``mask`` (optionally matching ``prefix``) and their number.

        Actors carry the leader star and the role of the result set itself: a leader in some article of
        ``mask``, and the role that the newest article of ``mask`` giving one states.
        """
        column = snap.table.columns[kind]
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
        values, total_values = self._facet_values(snap, kind, mask, ids, req.leaders, prefix, offset, limit)
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
    def article(self, article_id: str) -> ArticleView | None:
        """Return one article with its entities and linkable segments, or None when there is no such id."""
        if not isinstance(article_id, str) or not article_id or len(article_id) > MAX_ARTICLE_ID \
                or not _ID_RE.match(article_id):
            return None
        snap = self._snapshot()
        docnum = snap.docnum(article_id)
        if docnum is None:
            return None
        stored = snap.stored(docnum)
        ents = _entities(stored)
        body = stored.get("body") or ""
        return ArticleView(
            id=stored.get("id", article_id), title=stored.get("title") or "(untitled)",
            title_derived=bool(stored.get("title_derived")), date=_to_date(stored.get("date")),
            source=stored.get("source") or "", url=stored.get("url") or "", body=body,
            lead=stored.get("lead") or "",
            actors=list(ents.get("actors", [])), countries=list(ents.get("countries", [])),
            orgs=list(ents.get("orgs", [])),
            segments=split_segments(body, list(ents.get("mentions", [])) + [
                [d[0], d[1], "date", d[2]] for d in ents.get("dates", []) if isinstance(d, list) and len(d) == 4]),
            event_dates=event_dates_json(body, ents.get("dates")),
        )

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
        ids = self._order(snap, mask, matches.score, "relevance", n)
        return [self._hit(snap, int(d), float(matches.score[d]), frozenset()) for d in ids]

    # -- export ------------------------------------------------------------------------------------------
    def export(self, req: SearchRequest, limit: int = 10_000) -> Iterator[ExportRow]:
        """Yield up to ``limit`` matching articles in the request's order, for CSV export."""
        snap = self._snapshot()
        parsed, mask, score = self._matching(snap, req)
        sort = req.effective_sort
        if sort == "relevance" and score is None:
            sort = "newest"
        ids = self._order(snap, mask, score, sort, limit)

        def rows():
            for d in ids:
                stored = snap.stored(int(d))
                ents = _entities(stored)
                yield ExportRow(
                    id=stored.get("id", ""), date=_to_date(stored.get("date")), title=stored.get("title") or "",
                    source=stored.get("source") or "", url=stored.get("url") or "",
                    actors=[a.get("name", "") for a in ents.get("actors", [])],
                    countries=[c.get("name") or c.get("code", "") for c in ents.get("countries", [])],
                    orgs=[o.get("name", "") for o in ents.get("orgs", [])],
                    score=round(float(score[d]), 4) if score is not None and sort == "relevance" else None,
                )

        return rows()

    def health(self) -> dict:
        """Return the served generation, its number of articles and the time of its last commit."""
        snap = self._snapshot()
        return {"generation": snap.generation, "articles": snap.articles,
                "last_commit": snap.last_commit.isoformat(timespec="seconds")}


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


def split_segments(body: str, mentions) -> list[tuple[str, str | None, str | None]]:
    """Split ``body`` at entity mentions into (text, kind, value) pieces; bad offsets are skipped."""
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
    pos = 0
    for start, end, kind, value in spans:
        if start < pos:  # overlapping mention: keep the first
            continue
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
