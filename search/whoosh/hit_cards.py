"""What a result page shows of each hit, one compact JSON record per document, kept beside the index.

A hit needs an article's id, title, date, source, link, body and lead (for the snippet) and the names of
its actors, countries and organisations and the dates its text mentions. Reading them from Whoosh costs
about 75 us a hit (its stored-fields pickle, zlib and file layer, under the reader lock every thread
shares) and another 45 us to parse the stored ``entities`` JSON, which also holds every mention's
offsets for the article page: about 1.2 ms of a ten-hit page (issue 13). A segment never changes once
written, so each document's card (``hit_card``) is made once, when the segment's postings sidecar is, and
kept as one byte array of orjson records with their offsets (``SegmentCards``), memory-mapped and read
without a lock: about 20 us a hit.

Until a segment's cards are made, and for a document whose card could not be written, the card is made
from the stored fields by the same ``hit_card``, so a page is the same either way.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import orjson

from . import read_cache

log = logging.getLogger("crisis_desk.search")

PART = "cards"


def to_date(value) -> date | None:
    """Return the date of a stored datetime (or None)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def stored_entities(stored: dict) -> dict:
    """Return the ``entities`` stored with an article (a dict; empty when missing or malformed)."""
    raw = stored.get("entities")
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    return raw if isinstance(raw, dict) else {}


def hit_card(stored: dict) -> dict:
    """The fields a hit shows, from a document's stored fields (plain JSON types; ``date`` as ISO text)."""
    ents = stored_entities(stored)
    day = to_date(stored.get("date"))
    return {
        "id": stored.get("id", ""),
        "title": stored.get("title") or "(untitled)",
        "date": day.isoformat() if day else None,
        "source": stored.get("source") or "",
        "url": stored.get("url") or "",
        "body": stored.get("body") or "",
        "lead": stored.get("lead") or "",
        "actors": [a.get("name", "") for a in ents.get("actors", []) if a.get("name")],
        "countries": [{"code": c.get("code", ""), "name": c.get("name", "")} for c in ents.get("countries", [])],
        "orgs": [o.get("name", "") for o in ents.get("orgs", []) if o.get("name")],
        "dates": ents.get("dates") or [],
    }


def card_date(card: dict) -> date | None:
    """The card's publication day."""
    return date.fromisoformat(card["date"]) if card["date"] else None


@dataclass
class SegmentCards:
    """Every document's card of one segment: ``blob[ptr[d]:ptr[d + 1]]`` is document d's orjson record
    (empty when it could not be written: that document is read from Whoosh)."""

    segment: str
    docs: int
    blob: np.ndarray  # uint8
    ptr: np.ndarray  # int64, docs + 1

    def __post_init__(self) -> None:
        self._view, self._at = memoryview(self.blob.data), self.ptr.item

    def card(self, local: int) -> dict | None:
        """Document ``local``'s card, or None when the segment has none for it."""
        a, b = self._at(local), self._at(local + 1)
        return orjson.loads(self._view[a:b]) if b > a else None

    def well_formed(self, docs: int) -> bool:
        """Whether the arrays fit together and a segment of ``docs`` documents (a value read back)."""
        return (
            self.docs == docs
            and len(self.ptr) == docs + 1
            and (not len(self.ptr) or (int(self.ptr[0]) == 0 and int(self.ptr[-1]) == len(self.blob)))
            and read_cache.nondecreasing(self.ptr)
        )


read_cache.register(SegmentCards)


def derive(sub, segment: str) -> SegmentCards:
    """Make the cards of every document of one Whoosh segment reader (deleted ones too: cheaper than asking),
    written one after another into one buffer (held once: no list of records, no join, no copy)."""
    docs = sub.doc_count_all()
    blob = bytearray()
    ptr = np.zeros(docs + 1, dtype=np.int64)
    failed = 0
    for d in range(docs):
        try:
            blob += orjson.dumps(hit_card(sub.stored_fields(d)))
        except (TypeError, ValueError, orjson.JSONEncodeError):  # a lone surrogate, an odd stored type
            failed += 1
        ptr[d + 1] = len(blob)
    if failed:
        log.info("segment %s: %d of %d documents have no hit card (read from Whoosh instead)", segment, failed, docs)
    return SegmentCards(segment=segment, docs=docs, blob=np.frombuffer(blob, dtype=np.uint8), ptr=ptr)
