"""Views of single articles and of everything else that is not a result page: an article with its
linked entities, its story's versions, its whole text, more like it, the CSV export and entity pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime

import numpy as np

from indexer.check import verify_files
from indexer.layout import EXPORT_ROWS_COLUMNS

from .. import entity_view
from ..facets import NO_DATE
from ..mentioned_dates import event_dates_json
from ..model import ArticleView, ExportRow, Hit, SearchRequest, StoryMember, StoryView
from .histogram import histogram as count_histogram
from .hit_cards import stored_entities, to_date
from .parse import word_query
from .snapshot import ALIAS_WAIT_SECONDS, Snapshot, story_of, story_table

MORE_LIKE_TERMS = 12
MAX_ARTICLE_ID = 300
_ID_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")


def article(index, article_id: str, max_chars: int | None = None, max_marks: int | None = None) -> ArticleView | None:
    """Return one article with its entities and linkable segments, or None when there is no such id.

    ``max_chars`` cuts the body (at a word) and ``max_marks`` the linked mentions, so one huge
    article cannot make a page of megabytes; ``truncated`` says so and ``article_text`` has it all."""
    found = locate(index, article_id)
    if found is None:
        return None
    snap, docnum, stored = found
    ents = stored_entities(stored)
    whole = stored.get("body") or ""
    body = whole
    if max_chars is not None and len(body) > max_chars:
        cut = body.rfind(" ", max(0, max_chars - 200), max_chars)
        body = body[: cut if cut > 0 else max_chars]
    dates = [[d[0], d[1], "date", d[2]] for d in ents.get("dates", []) if isinstance(d, list) and len(d) == 4]
    segments = split_segments(body, list(ents.get("mentions", [])) + dates, max_marks)
    marks = sum(1 for s in segments if s[1])
    marks_cut = max_marks is not None and marks >= max_marks and mention_count(ents, len(body)) > marks
    return ArticleView(
        id=stored.get("id", article_id),
        title=stored.get("title") or "(untitled)",
        title_derived=bool(stored.get("title_derived")),
        date=to_date(stored.get("date")),
        source=stored.get("source") or "",
        url=stored.get("url") or "",
        body=body,
        lead=stored.get("lead") or "",
        actors=list(ents.get("actors", [])),
        countries=list(ents.get("countries", [])),
        orgs=list(ents.get("orgs", [])),
        segments=segments,
        truncated=len(body) < len(whole) or marks_cut,
        total_chars=len(whole),
        event_dates=event_dates_json(body, ents.get("dates")),
        story=story_of(snap, docnum, stored.get("id", article_id)),
    )


def story(index, story_id: str) -> StoryView | None:
    """Return a story's live members, the lead (first published, ties by id) first, or None."""
    if not isinstance(story_id, str) or not story_id or len(story_id) > MAX_ARTICLE_ID or not _ID_RE.match(story_id):
        return None
    snap = index._snapshot()
    stories = story_table(snap)
    docs = stories.members(story_id, snap.table.live).tolist()
    if not docs:  # an article without a named story is a story of its own, named after it
        docnum = snap.docnum(story_id)
        if docnum is None or stories.story_id(docnum) is not None:
            return None
        docs = [docnum]
    rows = []
    for d in docs:
        stored = snap.stored(d)
        rows.append((stored, to_date(stored.get("date")), stored.get("date")))
    # first published first: undated last, ties by id (as the indexer names the lead)
    rows.sort(
        key=lambda r: (r[2] is None, r[2].timestamp() if isinstance(r[2], datetime) else 0, str(r[0].get("id", "")))
    )
    lead_length = len(rows[0][0].get("body") or "")
    members = []
    for stored, day, _ in rows:
        length = len(stored.get("body") or "")
        members.append(
            StoryMember(
                id=stored.get("id", ""),
                title=stored.get("title") or "(untitled)",
                date=day,
                source=stored.get("source") or "",
                url=stored.get("url") or "",
                length=length,
                length_delta=length - lead_length,
            )
        )
    return StoryView(story_id, members)


def article_text(index, article_id: str) -> str | None:
    """Return an article's whole body text, or None when there is no such id."""
    stored = stored_article(index, article_id)
    return None if stored is None else (stored.get("body") or "")


def locate(index, article_id: str) -> tuple[Snapshot, int, dict] | None:
    """Return (snapshot, document number, stored fields) of a live article id, or None."""
    if (
        not isinstance(article_id, str)
        or not article_id
        or len(article_id) > MAX_ARTICLE_ID
        or not _ID_RE.match(article_id)
    ):
        return None
    snap = index._snapshot()
    docnum = snap.docnum(article_id)
    return None if docnum is None else (snap, docnum, snap.stored(docnum))


def stored_article(index, article_id: str) -> dict | None:
    """Return the stored fields of a live article id, or None."""
    found = locate(index, article_id)
    return None if found is None else found[2]


def more_like_this(index, article_id: str, n: int = 5) -> list[Hit]:
    """Return up to ``n`` articles most similar to one article (by its key terms)."""
    if not isinstance(article_id, str) or len(article_id) > MAX_ARTICLE_ID:
        return []
    snap = index._snapshot()
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
    stories = story_table(snap)
    mask &= stories.key != stories.key[docnum]  # its other versions are listed as the story's, not as related
    ids = index._order(snap, mask, matches.score, "relevance", n)
    return [index._hit(snap, int(d), float(matches.score[d]), frozenset()) for d in ids]


def export(index, req: SearchRequest, limit: int = 10_000) -> Iterator[ExportRow]:
    """Yield up to ``limit`` matching articles in the request's order, for CSV export.

    The generation's file sizes are checked before the first row; a read that fails later raises
    IndexUnreadable from the iterator, so the caller can mark the output incomplete."""
    snap = index._snapshot()
    verify_files(snap.gen_dir, checksums=False)
    parsed, mask, score = index._matching(snap, req)
    sort = req.effective_sort
    if sort == "relevance" and score is None:
        sort = "newest"
    ids = index._order(snap, mask, score, sort, limit)

    table = snap.table
    kinds = {kind: table.columns[kind] for kind in ("actor", "country", "org")}

    def names(kind: str, d: int) -> list[str]:
        # the facet arrays hold every document's values in the order the article lists them, so a row
        # needs no parse of the stored entities (the JSON of every mention: most of a row's cost)
        column = kinds[kind]
        vids = column.post_val[column.doc_ptr[d] : column.doc_ptr[d + 1]].tolist()
        if kind == "country":
            return [snap.country_name(v) for v in vids]
        return [column.values[v] for v in vids]

    columns = snap.export_columns()

    def rows():
        for d in ids.tolist():
            row = columns.row(d)  # id, title, source, url, written beside the segment by the indexer
            if row is None:  # a segment without that file: the stored record (body included) has them
                try:
                    stored = snap.stored(d)
                except Exception as exc:  # noqa: BLE001 - see _reading
                    raise index._unreadable(exc) from None
                row = [str(stored.get(c) or "") for c in EXPORT_ROWS_COLUMNS]
            day = int(table.day[d])
            yield ExportRow(
                id=row[0],
                date=date.fromordinal(day) if day != NO_DATE else None,
                title=row[1],
                source=row[2],
                url=row[3],
                actors=names("actor", d),
                countries=names("country", d),
                orgs=names("org", d),
                score=round(float(score[d]), 4) if score is not None and sort == "relevance" else None,
            )

    return rows()


def entity(index, kind: str, value: str) -> entity_view.EntityView | None:
    """Return the entity page of one actor, country (code or name) or organisation; None if unknown."""
    if kind not in entity_view.ENTITY_KINDS or not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > entity_view.MAX_VALUE_CHARS or not _ID_RE.match(value):
        return None
    snap = index._snapshot()
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
    histogram, unit = count_histogram(snap, mask, SearchRequest())
    related = {}
    for other in entity_view.ENTITY_KINDS:
        col = table.columns[other]
        overall = snap.live_counts.get(other)
        if overall is None:
            overall = snap.live_counts[other] = col.count(table.live)
        ranked = entity_view.rank_related(
            col.count(mask, ids), overall, total, snap.articles, exclude=vid if other == kind else None
        )
        related[other] = [
            entity_view.Related(col.values[v], count, score, snap.country_name(v) if other == "country" else "")
            for v, count, score in ranked
        ]
    sources_col = table.columns["source"]
    source_counts = sources_col.count(mask, ids)
    top = np.flatnonzero(source_counts)
    top = top[np.lexsort((top, -source_counts[top]))][: entity_view.SOURCES_LIMIT]
    aliases = []
    alias_table = snap.aliases.get(ALIAS_WAIT_SECONDS)
    if alias_table is not None:
        kind_key = {"actor": "a", "country": "c", "org": "o"}[kind]
        written = alias_table.spellings.get((kind_key, canonical), {})
        aliases = entity_view.merge_aliases(written, canonical if kind != "country" else None, total)
    latest = [
        index._hit(snap, int(d), None, frozenset())
        for d in index._order(snap, mask, None, "newest", entity_view.LATEST_LIMIT)
    ]
    return entity_view.EntityView(
        kind=kind,
        value=canonical.upper() if kind == "country" else canonical,
        display=display,
        total=total,
        aliases=aliases,
        roles=entity_view.roles_held(table.actor_roles, vid, table.live, table.day) if kind == "actor" else [],
        histogram=histogram,
        histogram_unit=unit,
        peaks=entity_view.peak_periods(histogram),
        related=related,
        sources=[(sources_col.values[v], int(source_counts[v])) for v in top.tolist()],
        latest=latest,
    )


def mention_count(ents: dict, length: int) -> int:
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
