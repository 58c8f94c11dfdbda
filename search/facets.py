"""The facet engine: every document's facet values held as numpy arrays, loaded once per index commit.

This module knows the ``facets`` column's JSON (written by the indexer) and the numpy columns built
from it; reading the column out of the index is the backend's (``search/whoosh/facet_loader.py``).

Counting a facet over a result set is one ``np.bincount`` over the postings of the matching documents,
instead of asking Whoosh to group every hit (issue 5). The same arrays answer facet filters (as masks),
date ranges, newest/oldest order and the histogram.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from itertools import chain

import numpy as np

from .mentioned_dates import MentionedDates, merge_periods, parse_periods
from .model import FACET_KINDS
from .ranges import concat_ranges
from .stories import SegmentStories, StoryTable, merge_stories, parse_segment_stories

_KEYS = {"actor": "a", "country": "c", "org": "o"}
NO_DATE = -1
ROLE_SEP = "\x1f"  # joins name, role and country of one ``r`` entry into one key (never in names)
SPARSE_RATIO = 8  # below 1 match in 8 documents, facet counts gather postings per matching document


@dataclass
class FacetColumn:
    """All documents' values of one facet kind, CSR-like, with the inverse (value -> documents)."""

    values: list[str]  # display form, value id -> text
    lookup: dict[str, int]  # lower-cased text -> value id
    post_doc: np.ndarray  # int32[nnz], the document of each (document, value) posting
    post_val: np.ndarray  # int32[nnz], the value of each posting
    by_value: np.ndarray  # int32[nnz], posting documents ordered by value
    value_ptr: np.ndarray  # int64[len(values) + 1], offsets into by_value
    first_doc: np.ndarray  # int32[len(values)], a document carrying the value (to look up display data)
    doc_ptr: np.ndarray  # int64[n + 1]: document d's postings are post_val[doc_ptr[d]:doc_ptr[d + 1]]

    def docs_with(self, value_id: int) -> np.ndarray:
        """Return the documents carrying value ``value_id``."""
        return self.by_value[self.value_ptr[value_id] : self.value_ptr[value_id + 1]]

    @property
    def size(self) -> int:
        """How many values the facet has."""
        return len(self.values)

    def postings_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the (document, value) postings of the documents ``ids``, gathered without a full scan."""
        return gather_postings(self.doc_ptr, self.post_doc, self.post_val, ids)

    def count(self, mask: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
        """Return, per value id, how many documents in ``mask`` carry it (``ids``: the mask's documents)."""
        return count_postings(self.doc_ptr, self.post_doc, self.post_val, len(self.values), mask, ids)


@dataclass
class AllFacets:
    """Every facet kind's postings in one CSR, value ids shifted by kind (``offsets``), so a result page
    counts all its facets with one gather and one count instead of one per kind (numpy calls cost a few
    microseconds each whatever their size)."""

    offsets: dict[str, int]  # kind -> its first value id here
    size: int  # the values of all kinds
    post_doc: np.ndarray  # int32, in document order
    post_val: np.ndarray  # int32, shifted value ids
    doc_ptr: np.ndarray  # int64[n + 1]

    def postings_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return gather_postings(self.doc_ptr, self.post_doc, self.post_val, ids)

    def count(self, mask: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
        return count_postings(self.doc_ptr, self.post_doc, self.post_val, self.size, mask, ids)

    def part(self, counts: np.ndarray, kind: str, size: int) -> np.ndarray:
        """One kind's counts out of all kinds' (a view)."""
        return counts[self.offsets[kind] : self.offsets[kind] + size]


def gather_postings(
    doc_ptr: np.ndarray, post_doc: np.ndarray, post_val: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The (document, value) postings of the documents ``ids`` of a CSR, gathered without a full scan."""
    starts = doc_ptr[ids]
    index = concat_ranges(starts, doc_ptr[ids + 1] - starts)
    return post_doc[index], post_val[index]


def count_postings(
    doc_ptr: np.ndarray, post_doc: np.ndarray, post_val: np.ndarray, size: int, mask: np.ndarray, ids: np.ndarray | None
) -> np.ndarray:
    """Per value, how many documents of ``mask`` carry it (``ids``: the mask's documents, when few)."""
    if not len(post_doc):
        return np.zeros(size, dtype=np.int64)
    if ids is not None and len(ids) * SPARSE_RATIO < len(mask):
        # few matches: gather just their postings instead of testing every posting
        return np.bincount(gather_postings(doc_ptr, post_doc, post_val, ids)[1], minlength=size)
    return np.bincount(post_val[mask[post_doc]], minlength=size)


@dataclass
class _LocalColumn:
    """One facet kind of one segment: local value ids, before merging with other segments."""

    keys: list[str]  # lower-cased value per local id
    display: list[str]  # the first spelling seen per local id
    post_doc: np.ndarray  # int32, segment-local document numbers
    post_val: np.ndarray  # int32, local value ids


def _local_column(per_doc: list, n: int) -> _LocalColumn:
    """Build one segment's column from each document's list of values.

    Work per posting stays in C (chain, dict.fromkeys, map over a dict's __getitem__); Python loops only
    over the distinct spellings, which are far fewer.
    """
    counts = np.fromiter(map(len, per_doc), dtype=np.int64, count=n)
    flat = list(chain.from_iterable(per_doc))
    lookup: dict[str, int] = {}
    display: list[str] = []
    spelling_id: dict[str, int] = {}
    for spelling in dict.fromkeys(flat):  # distinct spellings, first seen first
        key = spelling.lower()
        vid = lookup.get(key)
        if vid is None:
            vid = lookup[key] = len(display)
            display.append(spelling)
        spelling_id[spelling] = vid
    post_doc = np.repeat(np.arange(n, dtype=np.int32), counts)
    post_val = np.fromiter(map(spelling_id.__getitem__, flat), dtype=np.int32, count=len(flat))
    keys = list(lookup)
    if "" in lookup:  # a blank value is no value
        keep = post_val != lookup[""]
        post_doc, post_val = post_doc[keep], post_val[keep]
    return _LocalColumn(keys, display, post_doc, post_val)


def _merge_columns(parts: list[tuple[int, _LocalColumn]], n: int) -> FacetColumn:
    """Merge segments' columns (with their document offsets) into one column with global value ids."""
    lookup: dict[str, int] = {}
    values: list[str] = []
    docs, vals = [], []
    for offset, col in parts:
        before = len(lookup)
        mapping = np.fromiter(
            (lookup.setdefault(k, len(lookup)) for k in col.keys), dtype=np.int32, count=len(col.keys)
        )
        values.extend(col.display[j] for j in np.flatnonzero(mapping >= before).tolist())
        docs.append(col.post_doc + np.int32(offset))
        vals.append(mapping[col.post_val] if len(col.post_val) else col.post_val)
    post_doc = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
    post_val = np.concatenate(vals) if vals else np.zeros(0, dtype=np.int32)
    if "" in lookup:
        keep = post_val != lookup[""]
        post_doc, post_val = post_doc[keep], post_val[keep]
    order = np.argsort(post_val, kind="stable")
    by_value = post_doc[order]
    value_ptr = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(np.bincount(post_val, minlength=len(values)), out=value_ptr[1:])
    first_doc = (
        by_value[np.minimum(value_ptr[:-1], max(len(by_value) - 1, 0))]
        if len(by_value)
        else np.zeros(len(values), dtype=np.int32)
    )
    # postings are in document order (segments in offset order, documents in order within each)
    doc_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(post_doc, minlength=n), out=doc_ptr[1:])
    return FacetColumn(values, lookup, post_doc, post_val, by_value, value_ptr, first_doc, doc_ptr)


@dataclass
class ActorRoles:
    """Per-article leader flags and roles of actors (the ``l`` and ``r`` keys of the facets column).

    A role belongs to a person in one article, so the read side can show the most recent one within a
    result set; an index built before ``r`` existed simply has no roles here.
    """

    leader_doc: np.ndarray  # int32[k]: the document of each (document, actor) where the actor is a leader
    leader_val: np.ndarray  # int32[k]: the actor value id of that leader posting
    has_leader: np.ndarray  # bool[n]: the document has at least one leader
    roles: list[tuple[str, str]]  # role id -> (role, country code)
    role_doc: np.ndarray  # int32[m]: documents giving an actor a role, ordered by actor value
    role_id: np.ndarray  # int32[m]: the role each of those documents gives
    role_ptr: np.ndarray  # int64[len(actor values) + 1]: actor v's roles are role_doc[role_ptr[v]:role_ptr[v+1]]

    def leaders_within(self, mask: np.ndarray, size: int) -> np.ndarray:
        """Return, per actor value id, whether the actor is a leader in some document of ``mask``."""
        if not len(self.leader_doc):
            return np.zeros(size, dtype=bool)
        return np.bincount(self.leader_val[mask[self.leader_doc]], minlength=size).astype(bool)

    def latest_roles(self, vids: list[int], mask: np.ndarray, day: np.ndarray) -> dict[int, tuple[str, str]]:
        """Return (role, country) of each actor in ``vids`` from its newest document in ``mask`` that gives one.

        Undated articles count as oldest; among articles of one day the later-indexed one wins.
        """
        if not vids or not len(self.role_doc):
            return {}
        role_doc, role_id = self.by_day(day)
        vid_arr = np.asarray(vids, dtype=np.int64)
        starts = self.role_ptr[vid_arr]
        lengths = self.role_ptr[vid_arr + 1] - starts
        index = concat_ranges(starts, lengths)
        kept = np.flatnonzero(mask[role_doc[index]])
        if not len(kept):
            return {}
        # each actor's roles are ordered oldest to newest: its last one kept is its newest in ``mask``
        group = np.repeat(np.arange(len(vid_arr)), lengths)[kept]
        ends_of_groups = np.r_[group[1:] != group[:-1], True]
        last, groups = kept[ends_of_groups], group[ends_of_groups]
        return {
            int(vid_arr[g]): self.roles[int(role_id[index[i]])]
            for g, i in zip(groups.tolist(), last.tolist(), strict=True)
        }

    def by_day(self, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``role_doc`` and ``role_id`` with each actor's roles ordered by (day, document), made once per
        commit (a stable sort: one document's roles keep their order), so a search sorts nothing."""
        ordered = self.__dict__.get("_ordered")
        if ordered is None:
            actor = np.repeat(np.arange(len(self.role_ptr) - 1), np.diff(self.role_ptr))
            order = np.lexsort((self.role_doc, day[self.role_doc], actor))
            ordered = self.__dict__["_ordered"] = (self.role_doc[order], self.role_id[order])
        return ordered


@dataclass
class FacetTable:
    """Facet columns, dates and liveness of every document of one index commit."""

    n: int
    live: np.ndarray  # bool[n]
    day: np.ndarray  # int32[n]: date.toordinal(), NO_DATE when the article has no date
    columns: dict[str, FacetColumn]
    actor_roles: ActorRoles  # leaders and roles per article
    mentioned: MentionedDates = field(default_factory=MentionedDates.empty)  # dates the texts mention
    stories: StoryTable | None = None  # each document's story of near-duplicates (search/stories.py)
    indexed: np.ndarray | None = None  # float64[n]: unix time first indexed (``t``), 0 when not recorded

    def all_facets(self) -> AllFacets:
        """Every facet kind's postings in one CSR (see AllFacets), made at the first use of this commit."""
        made = self.__dict__.get("_all_facets")
        if made is None:
            offsets, docs, vals, size = {}, [], [], 0
            for kind in FACET_KINDS:
                column = self.columns[kind]
                offsets[kind] = size
                docs.append(column.post_doc)
                vals.append(column.post_val + np.int32(size))
                size += len(column.values)
            post_doc = np.concatenate(docs).astype(np.int32)
            order = np.argsort(post_doc, kind="stable")  # each kind is in document order: a merge of runs
            post_doc = post_doc[order]
            doc_ptr = np.zeros(self.n + 1, dtype=np.int64)
            np.cumsum(np.bincount(post_doc, minlength=self.n), out=doc_ptr[1:])
            made = AllFacets(offsets, size, post_doc, np.concatenate(vals).astype(np.int32)[order], doc_ptr)
            self.__dict__["_all_facets"] = made
        return made

    def indexed_since(self, since: float) -> np.ndarray:
        """Return the documents first indexed at or after ``since`` (unix seconds)."""
        if self.indexed is None:
            return np.zeros(self.n, dtype=bool)
        return self.indexed >= since

    def date_mask(self, start: date | None, end: date | None) -> np.ndarray:
        """Return the documents dated within [start, end] (inclusive; open ends allowed)."""
        mask = self.day != NO_DATE
        if start is not None:
            mask &= self.day >= start.toordinal()
        if end is not None:
            mask &= self.day <= end.toordinal()
        return mask

    def value_mask(self, kind: str, value_id: int) -> np.ndarray:
        """Return the documents carrying one facet value."""
        mask = np.zeros(self.n, dtype=bool)
        mask[self.columns[kind].docs_with(value_id)] = True
        return mask


def parse_days(texts: list[str]) -> np.ndarray:
    """Turn "YYYYMMDD" strings into date ordinals (NO_DATE for blank or impossible dates), vectorised."""
    if not texts:
        return np.zeros(0, dtype=np.int32)
    # One bytes object of fixed-width digits, read as a (n, 8) digit matrix: no per-date Python parsing.
    blob = "".join(t if len(t) == 8 and t.isdigit() else "00000000" for t in texts).encode("ascii", "replace")
    digits = np.frombuffer(blob, dtype=np.uint8).reshape(-1, 8).astype(np.int64) - 48
    ints = digits @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
    year, month, day = ints // 10000, ints // 100 % 100, ints % 100
    valid = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    months = np.where(valid, (year - 1970) * 12 + month - 1, 0)
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    days = first + np.where(valid, day - 1, 0)
    # "20210230" would roll into March: such dates are not dates
    valid &= days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) == months
    return np.where(valid, days + 719163, NO_DATE).astype(np.int32)  # 719163: ordinal of 1970-01-01


@dataclass
class SegmentFacets:
    """What one (immutable) Whoosh segment contributes to a FacetTable; cached across commits."""

    n: int
    day: np.ndarray
    columns: dict[str, _LocalColumn]
    leader_col: _LocalColumn  # per document, the actors that are leaders in it
    role_col: _LocalColumn  # per document, "name\x1frole\x1fcountry" of the actors with a role
    periods: tuple = ()  # the dates mentioned: (local doc, first, last, precision) arrays
    stories: SegmentStories | None = None  # per document, its story id (``st``)
    indexed: np.ndarray | None = None  # float64[n]: first-indexed unix time, 0 when not recorded


def _indexed_times(docs: list, n: int) -> np.ndarray:
    """Return each document's first-indexed unix time (``t``); 0 for none or a malformed value."""

    def seconds(d) -> float:
        t = d.get("t") if isinstance(d, dict) else None
        return float(t) if isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t < 1e11 else 0.0

    times = np.zeros(n, dtype=np.float64)
    if len(docs) == n:
        times[:] = np.fromiter(map(seconds, docs), dtype=np.float64, count=n)
    return times


def _role_keys(entries) -> list[str]:
    """Return one article's ``r`` entries ([name, role, country]) as joined keys; malformed ones are skipped."""
    if not entries:
        return []
    keys = []
    for entry in entries:
        if (
            isinstance(entry, (list, tuple))
            and len(entry) >= 2
            and all(isinstance(x, str) for x in entry[:3])
            and entry[0]
            and entry[1]
        ):
            parts = (entry[0], entry[1], entry[2] if len(entry) > 2 else "")
            keys.append(ROLE_SEP.join(part.replace(ROLE_SEP, " ") for part in parts))
    return keys


def _merge_actor_roles(parts: list[tuple[int, SegmentFacets]], actor: FacetColumn, n: int) -> ActorRoles:
    """Map segments' leader and role postings onto the merged actor value ids."""
    size = len(actor.values)
    lead_docs, lead_vals, role_docs, role_vals, role_ids = [], [], [], [], []
    roles: list[tuple[str, str]] = []
    role_lookup: dict[tuple[str, str], int] = {}
    for offset, seg in parts:
        if len(seg.leader_col.post_doc):
            mapping = np.fromiter(
                (actor.lookup.get(k, -1) for k in seg.leader_col.keys), dtype=np.int32, count=len(seg.leader_col.keys)
            )
            vals = mapping[seg.leader_col.post_val]
            keep = vals >= 0
            lead_docs.append(seg.leader_col.post_doc[keep] + np.int32(offset))
            lead_vals.append(vals[keep])
        if len(seg.role_col.post_doc):
            to_actor = np.full(len(seg.role_col.display), -1, dtype=np.int32)
            to_role = np.zeros(len(seg.role_col.display), dtype=np.int32)
            for j, key in enumerate(seg.role_col.display):  # distinct (name, role, country): few
                name, role, country = key.split(ROLE_SEP)
                to_actor[j] = actor.lookup.get(name.lower(), -1)
                to_role[j] = role_lookup.setdefault((role, country.upper()), len(role_lookup))
                if to_role[j] == len(roles):
                    roles.append((role, country.upper()))
            vals = to_actor[seg.role_col.post_val]
            keep = vals >= 0
            role_docs.append(seg.role_col.post_doc[keep] + np.int32(offset))
            role_vals.append(vals[keep])
            role_ids.append(to_role[seg.role_col.post_val][keep])
    empty = np.zeros(0, dtype=np.int32)
    leader_doc = np.concatenate(lead_docs) if lead_docs else empty
    leader_val = np.concatenate(lead_vals) if lead_vals else empty
    has_leader = np.zeros(n, dtype=bool)
    has_leader[leader_doc] = True
    role_doc = np.concatenate(role_docs) if role_docs else empty
    role_val = np.concatenate(role_vals) if role_vals else empty
    role_id = np.concatenate(role_ids) if role_ids else empty
    order = np.argsort(role_val, kind="stable")
    role_ptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(role_val, minlength=size), out=role_ptr[1:])
    return ActorRoles(leader_doc, leader_val, has_leader, roles, role_doc[order], role_id[order], role_ptr)


def parse_segment(raw: list[bytes], deleted: frozenset = frozenset(), n: int | None = None) -> SegmentFacets:
    """Parse one segment's ``facets`` column (one JSON object per document) into its SegmentFacets.

    ``n`` is the segment's number of documents (``len(raw)`` unless the column read returned fewer).
    Deleted documents stay deleted (segments never undelete), so their values need no parsing."""
    n = len(raw) if n is None else n
    # One json.loads over the joined column is several times faster than one call per document.
    blobs = (
        [b if b and i not in deleted else b"{}" for i, b in enumerate(raw)]
        if deleted
        else [b if b else b"{}" for b in raw]
    )
    try:
        docs = json.loads(b"[" + b",".join(blobs) + b"]")
    except ValueError:
        docs = []
        for b in blobs:
            try:
                docs.append(json.loads(b))
            except ValueError:
                docs.append({})
    day = parse_days([d.get("d") or "" for d in docs])
    columns = {kind: _local_column([d.get(key) or () for d in docs], n) for kind, key in _KEYS.items()}
    columns["source"] = _local_column([(d.get("s") or "",) for d in docs], n)
    leader_col = _local_column([d.get("l") or () for d in docs], n)
    role_col = _local_column([_role_keys(d.get("r")) for d in docs], n)
    periods = parse_periods([d.get("ev") for d in docs])
    stories = parse_segment_stories([d.get("st") for d in docs]) if len(docs) == n else None
    return SegmentFacets(n, day, columns, leader_col, role_col, periods, stories, _indexed_times(docs, n))


def merge_segments(parts: list[tuple[int, SegmentFacets]], live: np.ndarray) -> FacetTable:
    """Merge segments' facets (each with its first global document number) into one FacetTable."""
    n = len(live)
    day = np.full(n, NO_DATE, dtype=np.int32)
    for offset, seg in parts:
        day[offset : offset + seg.n] = seg.day
    indexed = np.zeros(n, dtype=np.float64)
    for offset, seg in parts:
        if seg.indexed is not None:
            indexed[offset : offset + seg.n] = seg.indexed
    columns = {kind: _merge_columns([(offset, seg.columns[kind]) for offset, seg in parts], n) for kind in FACET_KINDS}
    mentioned = merge_periods([(offset, seg.periods) for offset, seg in parts if seg.periods])
    stories = merge_stories([(offset, seg.stories) for offset, seg in parts], n, live)
    return FacetTable(
        n, live, day, columns, _merge_actor_roles(parts, columns["actor"], n), mentioned, stories, indexed
    )
