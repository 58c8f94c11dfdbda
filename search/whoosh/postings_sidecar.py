"""Every posting list of a segment's text fields, decoded once and kept beside the index.

A query the engine has not seen before spent about a fifth of its time finding and decoding its words'
postings in Whoosh's files: a hash-table lookup per segment through Whoosh's file layer, then a pickle
and a zlib call per block of 128 postings (issue 13). A segment never changes once written, so its text
fields' postings are decoded once, in one walk of its term dictionary, and kept in the read cache as
plain arrays:

- ``term_bytes`` and ``term_ptr``: every term of the segment's text fields, in Whoosh's byte order, one
  after another (field by field: ``bounds`` says where each field's terms start);
- ``post_ptr``, ``ids`` and ``weights``: each term's postings (segment document numbers, weights as
  Whoosh stores them), in the same order.

Finding a term is a binary search over the memory-mapped terms; its postings are two array slices. The
files are memory-mapped copy-on-write, so the workers of one machine share their pages.

The same walk of a segment makes its hit cards (``hit_cards.py``: what a result page shows of each
document, read without Whoosh's stored-field pickles), a second part beside the postings.

Layout: ``<index>/read-cache/segments/<generation>-<segment id>-<digest>/{postings,cards}/``, one
directory per segment, so a new commit decodes only its new segments. The digest covers the code that
decodes and stores it (this module, hit_cards.py, codec.py, read_cache.py) and the segment's size, not
the rest of the read side's code; each part has the read cache's CRC-32 manifest and atomic rename, and
a part that fails its checks is derived again. Decoding runs in a
background thread with its own file handles (never while the commit opens), during which the engine
reads those postings and hits through Whoosh as before: the answers are the same, only slower.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..ranges import concat_ranges
from . import codec, hit_cards, read_cache
from .codec import read_segment_postings
from .hit_cards import SegmentCards
from .read_cache import ReadCache

log = logging.getLogger("crisis_desk.search")

PART = "postings"
SAMPLE = 32  # every this many terms, one is kept in memory to start a lookup from
SYNC_LOAD_MAX_DOCS = 2_000  # sidecars of segments up to this size are read back while the commit opens


@dataclass
class SegmentPostings:
    """The decoded postings of one segment's text fields (see the module's docstring)."""

    segment: str
    docs: int  # the segment's document count (deleted ones included)
    fields: list[str]
    bounds: list[int]  # term index where each field's terms start, then the number of terms
    word_fields: list[str]  # the fields of ``fields`` kept for their terms only (no postings: wildcards' words)
    position_fields: list[str]  # the fields whose postings' positions are here (for phrases)
    pos_ptr: np.ndarray  # int64, one more than the postings: posting j's positions are positions[pos_ptr[j]:...]
    positions: np.ndarray  # int32, each posting's word positions, in posting order
    term_bytes: np.ndarray  # uint8
    term_ptr: np.ndarray  # int64, one more than the terms
    post_ptr: np.ndarray  # int64, one more than the terms
    ids: np.ndarray  # int32, segment document numbers
    weights: np.ndarray  # float32

    def __post_init__(self) -> None:
        self._terms = _Terms(self.term_bytes, self.term_ptr)
        self._field_range = {f: (self.bounds[i], self.bounds[i + 1]) for i, f in enumerate(self.fields)}
        # every SAMPLE-th term of each field as a Python list: a lookup bisects it in C, then a few terms
        # of the maps (20 -> about 6 us per segment on 21.6k articles)
        self._samples = {
            f: [self._terms[i] for i in range(lo, hi, SAMPLE)] for f, (lo, hi) in self._field_range.items()
        }

    def covers(self, fieldname: str) -> bool:
        """Whether the segment's postings of the field are here."""
        return fieldname in self._field_range and fieldname not in self.word_fields

    def has_positions(self, fieldname: str) -> bool:
        """Whether the segment's positions of the field are here."""
        return fieldname in self.position_fields

    def has_terms(self, fieldname: str) -> bool:
        """Whether the segment's terms of the field are here (with or without their postings)."""
        return fieldname in self._field_range

    def find(self, fieldname: str, btext: bytes) -> int:
        """Return the index of a term, or -1 when the segment does not have it."""
        lo, hi = self._field_range[fieldname]
        block = bisect.bisect_right(self._samples[fieldname], btext) - 1
        if block < 0:
            return -1
        lo += block * SAMPLE
        i = bisect.bisect_left(self._terms, btext, lo, min(lo + SAMPLE, hi))
        return i if i < hi and self._terms[i] == btext else -1

    def postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """Return a term's (segment docnums, weights) as views of the arrays, or None when it is absent."""
        i = self.find(fieldname, btext)
        if i < 0:
            return None
        a, b = int(self.post_ptr[i]), int(self.post_ptr[i + 1])
        return self.ids[a:b], self.weights[a:b]

    def phrase_keys(self, fieldname: str, btext: bytes, wanted: np.ndarray, offset: int, shift: int) -> np.ndarray:
        """``document << 32 | position - shift`` of a term's postings in ``wanted`` documents (commit numbers;
        the segment starts at ``offset``), as ``codec.read_leaf_phrase_keys`` gives them; positions before
        ``shift`` are left out (no phrase starts before the text)."""
        i = self.find(fieldname, btext)
        if i < 0:
            return np.zeros(0, dtype=np.int64)
        a, b = int(self.post_ptr[i]), int(self.post_ptr[i + 1])
        docs = self.ids[a:b].astype(np.int64) + offset
        chosen = np.flatnonzero(wanted[docs])
        starts = self.pos_ptr[a + chosen]
        lengths = self.pos_ptr[a + chosen + 1] - starts
        where = self.positions[concat_ranges(starts, lengths)].astype(np.int64)
        keys = (np.repeat(docs[chosen], lengths) << 32) + where - shift
        return keys[where >= shift]

    def doc_frequency(self, fieldname: str, btext: bytes) -> int:
        """Return how many of the segment's documents (deleted ones too, as Whoosh counts) have a term."""
        i = self.find(fieldname, btext)
        return int(self.post_ptr[i + 1] - self.post_ptr[i]) if i >= 0 else 0

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[bytes]:
        """Yield the field's terms that start with ``prefix``, in byte order."""
        lo, hi = self._field_range[fieldname]
        block = max(bisect.bisect_left(self._samples[fieldname], prefix) - 1, 0)
        for i in range(bisect.bisect_left(self._terms, prefix, lo + block * SAMPLE, hi), hi):
            term = self._terms[i]
            if not term.startswith(prefix):
                return
            yield term

    def well_formed(self, docs: int) -> bool:
        """Whether the arrays fit together and with a segment of ``docs`` documents (a value read back)."""
        n_terms = len(self.term_ptr) - 1
        return (
            self.docs == docs
            and len(self.bounds) == len(self.fields) + 1
            and set(self.word_fields) <= set(self.fields)
            and set(self.position_fields) <= set(self.fields)
            and len(self.pos_ptr) == len(self.ids) + 1
            and int(self.pos_ptr[0]) == 0
            and int(self.pos_ptr[-1]) == len(self.positions)
            and self.bounds[0] == 0
            and self.bounds[-1] == n_terms
            and all(a <= b for a, b in zip(self.bounds, self.bounds[1:]))
            and len(self.post_ptr) == n_terms + 1
            and int(self.term_ptr[-1]) == len(self.term_bytes)
            and int(self.post_ptr[-1]) == len(self.ids) == len(self.weights)
            and read_cache.nondecreasing(self.term_ptr)
            and read_cache.nondecreasing(self.post_ptr)
            # the two arrays of one entry per posting: hundreds of MB at scale, read in chunks and then
            # released, so that a worker keeps only the pages its searches touch
            and read_cache.nondecreasing(self.pos_ptr)
            and read_cache.within(self.ids, 0, docs)
        )


read_cache.register(SegmentPostings)


class _Terms:
    """The terms as a sequence of bytes, for ``bisect`` (no list of them is ever built)."""

    def __init__(self, blob: np.ndarray, ptr: np.ndarray):
        self.ptr = ptr
        self._view, self._at = memoryview(blob.data), ptr.item

    def __len__(self) -> int:
        return len(self.ptr) - 1

    def __getitem__(self, i: int) -> bytes:
        return self._view[self._at(i) : self._at(i + 1)].tobytes()


def derive(sub, fieldnames, segment: str, word_fields=()) -> SegmentPostings:
    """Decode one segment's postings of ``fieldnames`` (see ``codec.read_segment_postings``), and keep the
    terms of ``word_fields`` without their postings."""
    positions: dict = {}
    decoded = read_segment_postings(sub, fieldnames, positions)
    for f in word_fields:
        if f in sub.schema:
            f_words = list(sub.lexicon(f))
            none = np.zeros(0, dtype=np.int32)
            decoded[f] = (f_words, np.zeros(len(f_words), dtype=np.int64), none, none.astype(np.float32))
    fields = [*fieldnames, *word_fields]  # a field the segment has no term of is kept, empty: a lookup misses
    words: list[bytes] = []
    per_term, ids, weights, bounds, flat, counts = [], [], [], [0], [], []
    for f in fields:
        if f not in decoded:
            bounds.append(len(words))
            continue
        f_words, f_per, f_ids, f_weights = decoded[f]
        f_flat, f_counts = positions.get(f, (np.zeros(0, dtype=np.int32), np.zeros(len(f_ids), dtype=np.int64)))
        flat.append(f_flat)
        counts.append(f_counts)
        words.extend(f_words)
        per_term.append(f_per)
        ids.append(f_ids)
        weights.append(f_weights)
        bounds.append(len(words))
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    return SegmentPostings(
        segment=segment,
        docs=sub.doc_count_all(),
        fields=fields,
        bounds=bounds,
        word_fields=list(word_fields),
        position_fields=[f for f in fieldnames if f in positions],
        pos_ptr=_offsets(counts),
        positions=np.concatenate(flat) if flat else np.zeros(0, dtype=np.int32),
        term_bytes=np.frombuffer(b"".join(words), dtype=np.uint8).copy(),
        term_ptr=_offsets([lengths]),
        post_ptr=_offsets(per_term),
        ids=np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32),
        weights=np.concatenate(weights) if weights else np.zeros(0, dtype=np.float32),
    )


def _mapped(cache: ReadCache, part: str, make, accept, read_just_now: bool):
    """``cache.get(part, make)``, but a part made here is read back from its files: the process then maps
    the pages the other workers share instead of keeping what it decoded (hundreds of MB on 100k articles)."""
    made = []

    def making():
        made.append(True)
        return make()

    value = cache.get(part, making, accept=accept, read_first=not read_just_now)
    if made:
        value = cache.read(part, accept=accept) or value
    return value


def _offsets(parts: list[np.ndarray]) -> np.ndarray:
    """int64 offsets (one more than the counts) of the counts in ``parts`` one after another, in one array."""
    out = np.zeros(sum(len(p) for p in parts) + 1, dtype=np.int64)
    at = 1
    for p in parts:
        np.cumsum(p, out=out[at : at + len(p)])
        out[at : at + len(p)] += out[at - 1]
        at += len(p)
    return out


# The code a sidecar depends on, as the process imported it (read now, not at each call: a process started
# before an edit must not label what its older code decodes with the new code's key): this module, the hit
# cards, the decoder and the read cache's storage. Not the facet, date or story code the commit cache's key
# covers: a change there must not cost a minute of decoding per 100k articles.
_SOURCE = hashlib.blake2b(
    str(read_cache.FORMAT).encode()
    + b"".join(Path(str(m.__file__)).read_bytes() for m in (sys.modules[__name__], hit_cards, codec, read_cache)),
    digest_size=8,
).hexdigest()


def _digest(segment: str, docs: int, fieldnames, word_fields=()) -> str:
    digest = hashlib.blake2b(digest_size=8, person=b"crisispo")
    key = [_SOURCE, segment, docs, list(fieldnames), list(word_fields)]
    digest.update(json.dumps(key).encode())
    return digest.hexdigest()


def segment_dir(index_dir: Path, generation: str, segment: str, docs: int, fieldnames, word_fields=()) -> Path:
    name = f"{generation}-{segment}-{_digest(segment, docs, fieldnames, word_fields)}"
    return Path(index_dir) / read_cache.DIRNAME / read_cache.SEGMENTS_DIRNAME / name


def prune(index_dir: Path, keep: Path) -> None:
    """Remove segment directories of generations that are gone, and ``keep``'s segment as other code wrote it."""
    root = Path(index_dir) / read_cache.DIRNAME / read_cache.SEGMENTS_DIRNAME
    try:
        generation, segment, _ = keep.name.rsplit("-", 2)
        for entry in root.iterdir():
            try:
                gen, seg, _ = entry.name.rsplit("-", 2)
            except ValueError:
                continue
            if entry != keep and ((gen == generation and seg == segment) or not (Path(index_dir) / gen).is_dir()):
                shutil.rmtree(entry, ignore_errors=True)
    except OSError:
        pass


class SegmentSidecars:
    """The postings sidecars of one commit's segments, in segment order; ``stores[i]`` is None until loaded,
    and ``cards[i]``, the segment's hit cards (hit_cards.py), likewise.

    ``start()`` loads what is on disk and decodes small segments at once, then decodes the large ones in
    a background thread (opening its own Whoosh index, so it never holds the commit's reader lock)."""

    def __init__(self, index_dir: Path, generation: str, reader, fieldnames, opener, word_fields=()):
        self.index_dir, self.generation = Path(index_dir), generation
        self.fieldnames = tuple(fieldnames)
        self.word_fields = tuple(word_fields)  # kept for their terms only (the spelling fields wildcards expand)
        self._opener = opener  # () -> a Whoosh index of this generation with its own file handles
        self.leaves: list[tuple[str | None, int]] = []
        self.offsets: list[int] = []  # each segment's first document number in the commit
        for sub, offset in reader.leaf_readers():
            # (None: not a plain segment, whose postings are read through Whoosh)
            self.leaves.append((codec.segment_id(sub), sub.doc_count_all()))
            self.offsets.append(offset)
        self.stores: list[SegmentPostings | None] = [None] * len(self.leaves)
        self.cards: list[SegmentCards | None] = [None] * len(self.leaves)
        self._caches = [
            None
            if seg_id is None
            else ReadCache(segment_dir(index_dir, generation, seg_id, docs, fieldnames, word_fields), False)
            for seg_id, docs in self.leaves
        ]
        self.done = threading.Event()
        self._thread: threading.Thread | None = None

    def _fits(self, i: int, part: str = PART):
        """Whether a value read back is the ``part`` of segment ``i`` (a warning when it is not)."""
        seg_id, docs = self.leaves[i]
        kind = SegmentPostings if part == PART else SegmentCards

        def fits(value) -> bool:
            if isinstance(value, kind) and value.segment == seg_id and value.well_formed(docs):
                return True
            log.warning(
                "%s sidecar of segment %s not used (it does not fit its segment); deriving it again", part, seg_id
            )
            return False

        return fits

    def card(self, docnum: int) -> dict | None:
        """Document ``docnum``'s hit card, or None until its segment's cards are loaded (or it has none)."""
        i = bisect.bisect_right(self.offsets, docnum) - 1
        cards = self.cards[i] if i >= 0 else None
        if cards is None:
            return None
        try:
            return cards.card(docnum - self.offsets[i])
        except (ValueError, IndexError):  # (its files passed their checksums: not expected) the stored fields
            log.warning("hit card of document %d unreadable; read from the stored fields", docnum)
            return None

    def start(self) -> None:
        """Read the small segments' sidecars back now; read or decode the others in the background
        (decoding is never done while the commit opens: a segment of few but long articles can take a second)."""
        pending: list[tuple[int, bool]] = []  # (segment, whether it was read just now)
        for i, cache in enumerate(self._caches):
            if cache is None:
                continue
            small = self.leaves[i][1] <= SYNC_LOAD_MAX_DOCS
            if small:
                self.stores[i] = cache.read(PART, accept=self._fits(i))
                self.cards[i] = cache.read(hit_cards.PART, accept=self._fits(i, hit_cards.PART))
            if self.stores[i] is None or self.cards[i] is None:
                pending.append((i, small))
        if pending:
            self._thread = threading.Thread(target=self._fill, args=(pending,), name="postings-sidecar", daemon=True)
            self._thread.start()
        else:
            self.done.set()

    def _fill(self, pending: list[tuple[int, bool]]) -> None:
        """Read each pending segment's sidecar from disk, else decode it (one process of the machine does),
        opening this generation's Whoosh index with its own file handles the first time one is decoded."""
        opened: list = []  # [index, reader] once opened
        subs: dict[str | None, object] = {}

        def segment(seg_id: str):
            if not opened:
                ix = self._opener()
                opened.extend([ix, ix.reader()])
                for sub, _offset in opened[1].leaf_readers():
                    subs[codec.segment_id(sub)] = sub
            if seg_id not in subs:
                raise LookupError("the segment is no longer in the generation")
            return subs[seg_id]

        try:
            for i, read_just_now in pending:
                seg_id = self.leaves[i][0]
                cache = self._caches[i]
                assert seg_id is not None and cache is not None  # (pending segments have an id)
                try:
                    if self.stores[i] is None:
                        self.stores[i] = _mapped(
                            cache,
                            PART,
                            lambda seg_id=seg_id: derive(segment(seg_id), self.fieldnames, seg_id, self.word_fields),
                            self._fits(i),
                            read_just_now,
                        )
                    if self.cards[i] is None:
                        self.cards[i] = _mapped(
                            cache,
                            hit_cards.PART,
                            lambda seg_id=seg_id: hit_cards.derive(segment(seg_id), seg_id),
                            self._fits(i, hit_cards.PART),
                            read_just_now,
                        )
                    assert cache.dir is not None
                    prune(self.index_dir, cache.dir)
                except Exception as exc:  # noqa: BLE001 - damage shows as any error; Whoosh still answers
                    log.warning("sidecar of segment %s not made: %s", seg_id, exc)
        finally:
            for handle in reversed(opened):
                handle.close()
            self.done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every sidecar that can be made is loaded; True when done."""
        return self.done.wait(timeout)
