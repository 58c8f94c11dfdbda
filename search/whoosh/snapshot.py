"""One Whoosh commit of the served generation, opened: searcher, facet table, matcher, aliases, countries.

Everything derived from one commit lives on its ``Snapshot``; the engine swaps snapshots when
``CURRENT`` or the commit moves on, so a request works on one consistent commit from start to end.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from whoosh.filedb.filestore import FileStorage

from indexer.check import IndexDamaged, describe_exception, open_generation, verify_files

from .. import mentioned_dates
from ..countries import CountryNames
from ..facet_values import ValueFinder, name_ranks
from ..facets import NO_DATE, FacetTable
from ..query import TEXT_FIELDS
from ..stories import StoryTable, merge_stories
from .aliases import LazyAliases
from .export_columns import ExportColumns, load_export_columns
from .facet_loader import load_facets
from .hit_cards import hit_card, stored_entities
from .match import QueryMatcher
from .postings_sidecar import SegmentSidecars
from .read_cache import ReadCache, commit_dir
from .vocabulary import LazyVocabulary
from .wildcards import SPELLING_PREFIX

log = logging.getLogger("crisis_desk.search")

ALIAS_WAIT_SECONDS = 0.5  # how long a search waits for a new commit's alias table before going without


def _fold(text: str) -> str:
    """Fold a name for matching against this index's display names (case, dots, spaces)."""
    return " ".join(str(text).replace(".", "").lower().split())


def _match_country(key: str, aliases: dict[str, str]) -> str | None:
    """Return the code of a folded name, or of the longest name a demonym extends ("belarusian")."""
    code = aliases.get(key)
    if code is None and len(key) >= 5:
        best = max(
            (n for n in aliases if len(n) >= 4 and key.startswith(n[: max(4, len(n) - 1)])), key=len, default=None
        )
        code = aliases.get(best) if best else None
    return code


class Snapshot:
    """Everything derived from one Whoosh commit of one generation."""

    def __init__(
        self,
        generation: str,
        gen_dir: Path,
        countries: CountryNames,
        segment_cache: dict,
        spelling_cache: dict | None = None,
        verified: set | None = None,
        word_cache: dict | None = None,
        background_checksums: bool = False,
    ):
        self.generation = generation
        self.gen_dir = gen_dir
        # Plain file reads, not mmap: whoosh-reloaded copies each mmapped compound sub-file into RAM
        # (BytesIO over the map), and even without that every mapped page touched counts towards the
        # process's RSS (267 MB vs 123 MB after the bench query set on 108k articles, for ~3 ms more
        # per query). Reads share one file handle, hence the reader lock around every Whoosh call.
        # The files are checked against the generation's manifest first: sizes now, and checksums now or,
        # with ``background_checksums``, in a thread (reading every byte of a 108k-article index takes
        # about a second from a cold disk); ``damage`` then holds what that check found.
        self.damage: IndexDamaged | None = None
        self.checked = threading.Event()  # set once the checksums were compared (now or in the thread)
        self.ix = open_generation(gen_dir, known=verified, checksums=not background_checksums)
        if background_checksums:
            threading.Thread(
                target=self._check_checksums, args=(verified,), name=f"checksums-{generation}", daemon=True
            ).start()
        else:
            self.checked.set()
        self.toc = self.ix.latest_generation()
        self.searcher = self.ix.searcher()
        self.reader = self.searcher.reader()
        # what this commit derives from every document: from the read cache when an earlier opening wrote it
        self.read_cache = ReadCache(commit_dir(gen_dir.parent, generation, self.toc, self.reader))
        n = self.reader.doc_count_all()
        table = self.read_cache.get(
            "facets",
            lambda: load_facets(self.reader, segment_cache),
            accept=lambda t: isinstance(t, FacetTable) and t.n == n,
        )
        self.table: FacetTable = table
        self.countries = countries  # the generation's country names (country-names.json, else pycountry)
        # every text field's postings as plain arrays beside the index, once decoded (postings_sidecar.py)
        self.sidecars = SegmentSidecars(
            gen_dir.parent,
            generation,
            self.reader,
            [f for f in TEXT_FIELDS if f in self.searcher.schema],
            lambda: FileStorage(str(gen_dir), supports_mmap=False, readonly=True).open_index(),
            [SPELLING_PREFIX + f for f in TEXT_FIELDS if SPELLING_PREFIX + f in self.searcher.schema],
        )
        self.matcher = QueryMatcher(self.searcher, self.table, self.country_code, self.sidecars.stores)
        self.lock = self.matcher.lock
        self.sidecars.start()
        self.aliases = LazyAliases(
            self.reader, {} if spelling_cache is None else spelling_cache, self.lock, self.read_cache
        )
        self.aliases.start()  # in the background: the first searches must not wait seconds for it
        # did-you-mean's words, read in the background the first time a search needs a suggestion
        spell_field = "spell_body" if "spell_body" in self.searcher.schema else "body"
        self.vocabulary = LazyVocabulary(
            self.reader,
            self.searcher.schema[spell_field].spelling_fieldname(spell_field),
            {} if word_cache is None else word_cache,
            self.lock,
            self.read_cache,
        )
        self.articles = int(self.table.live.sum())
        self.last_commit = datetime.fromtimestamp(self.ix.last_modified(), tz=UTC)
        # month index (year * 12 + month - 1) per document, for the histogram; -1 when undated
        dated = self.table.day != NO_DATE
        self.month = np.full(self.table.n, -1, dtype=np.int32)
        epoch_days = (self.table.day[dated].astype(np.int64) - 719163).astype("datetime64[D]")  # 719163: 1970-01-01
        self.month[dated] = (epoch_days.astype("datetime64[M]").astype(np.int64) + 1970 * 12).astype(np.int32)
        self.country_names: dict[int, str] = {}
        self._country_aliases: dict[str, str] | None = None  # folded display name -> code
        self._country_codes: dict[str, str | None] = {}
        self._display: dict[str, dict[int, tuple]] = {}
        self._name_rank: dict[str, np.ndarray] = {}
        self._finders: dict[str, ValueFinder] = {}
        self.live_counts: dict[str, np.ndarray] = {}  # per facet kind, live articles per value (entity pages)
        self.surnames: dict[str, list[int]] | None = None  # lower-cased surname -> actor value ids
        self._export_columns: ExportColumns | None = None  # read at the first export
        self._export_lock = threading.Lock()

    def _check_checksums(self, verified: set | None) -> None:
        """Compare every file's checksum with the manifest (in the background); keep any damage found."""
        try:
            verify_files(self.gen_dir, checksums=True, known=verified)
        except IndexDamaged as exc:
            log.warning("%s", exc)
            self.damage = exc
        except Exception as exc:  # noqa: BLE001 - whatever stops the check, the files are not known good
            self.damage = IndexDamaged(self.generation, describe_exception(exc))
        finally:
            self.checked.set()

    @property
    def key(self) -> tuple:
        return (self.generation, self.toc)

    def stored(self, docnum: int) -> dict:
        """Return the stored fields of one document."""
        with self.lock:
            return self.searcher.stored_fields(int(docnum))

    def prepare(self) -> None:
        """Make what searches derive once per commit from the facet table now (all facets' postings, the
        timeline's bars, the actors' roles by day), not in the first searches after the commit opens."""
        self.table.all_facets()
        mentioned_dates.prepare(self.table.mentioned, self.table.n)
        self.table.actor_roles.by_day(self.table.day)

    def hit_card(self, docnum: int) -> dict:
        """Return what a hit shows of one document (hit_cards.py): from its segment's cards once they are
        made, else from its stored fields."""
        card = self.sidecars.card(int(docnum))
        return card if card is not None else hit_card(self.stored(docnum))

    def export_columns(self) -> ExportColumns:
        """Return the export rows of this commit's segments (read once, at the first export)."""
        with self._export_lock:
            if self._export_columns is None:  # (segment ids and sizes are in memory: no reader lock needed)
                self._export_columns = load_export_columns(self.reader, self.gen_dir)
            return self._export_columns

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
            names = [self.country_name(v) for v in range(len(column.values))] if kind == "country" else column.values
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
        """Return the alpha-2 code a country filter value means (code, name, demonym, capital...), or None.

        Cheapest first: a code of this index; the display names of its countries (and demonyms that
        extend them, "Belarusian"); then the generation's country reference tables."""
        key = _fold(text)
        if key in self._country_codes:
            return self._country_codes[key]
        column = self.table.columns["country"]
        code = key.upper() if len(key) == 2 and key in column.lookup else None
        if code is None:
            if self._country_aliases is None:
                self._country_aliases = {
                    _fold(self.country_name(vid)): value.upper() for vid, value in enumerate(column.values)
                }
            code = _match_country(key, self._country_aliases)
        if code is None:
            code = self.countries.code(text)
        if len(self._country_codes) < 10_000:
            self._country_codes[key] = code
        return code

    def country_name(self, vid: int) -> str:
        """Return the display name of a country value (from its first article, else the reference tables)."""
        name = self.country_names.get(vid)
        if name is None:
            code = self.table.columns["country"].values[vid]
            name = ""
            for c in stored_entities(self.stored(self.table.columns["country"].first_doc[vid])).get("countries", []):
                if str(c.get("code", "")).upper() == code.upper():
                    name = c.get("name") or ""
                    break
            if not name:
                name = self.countries.name(code.upper())
            self.country_names[vid] = name
        return name


def story_table(snap: Snapshot) -> StoryTable:
    """Return the snapshot's story table (every document a story of its own when none was loaded)."""
    stories = snap.table.stories
    if stories is None:
        stories = snap.table.stories = merge_stories([], snap.table.n, snap.table.live)
    return stories


def story_of(snap: Snapshot, docnum: int, article_id: str) -> dict:
    """Return ``{"id", "size"}`` of a document's story (an unnamed one is named after the article)."""
    stories = story_table(snap)
    name = stories.story_id(docnum)
    return {"id": name if name is not None else article_id, "size": int(stories.size[stories.key[docnum]])}
