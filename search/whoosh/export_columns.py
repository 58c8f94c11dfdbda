"""The id, title, source and URL of every document of a commit, for CSV export, from the files the indexer
writes beside each segment (``export-rows-<segment id>.json``, see ``indexer/layout.py``), not from Whoosh's
stored records, which hold the compressed body too (decompressing 10,000 of them: ~1.4 s of CPU).

A segment without a usable file (a generation built before they existed, or one that does not match its
segment) has no rows here; the export reads those documents' stored records as before.
"""

from __future__ import annotations

import bisect
import json
import logging
from pathlib import Path

from indexer.layout import EXPORT_ROWS_COLUMNS, EXPORT_ROWS_FORMAT, export_rows_name

from .codec import segment_id

log = logging.getLogger("crisis_desk.search")


class ExportColumns:
    """Export rows by document number of one commit; ``row`` is None where a segment has no file."""

    def __init__(self, parts: list[tuple[int, list[list[str]] | None]]):
        self._starts = [offset for offset, _rows in parts]
        self._rows = [rows for _offset, rows in parts]

    def row(self, docnum: int) -> list[str] | None:
        """Return [id, title, source, url] of a document, or None (read its stored record instead)."""
        i = bisect.bisect_right(self._starts, docnum) - 1
        rows = self._rows[i] if i >= 0 else None
        return rows[docnum - self._starts[i]] if rows is not None else None


def load_export_columns(reader, gen_dir: Path) -> ExportColumns:
    """Read the export rows of every segment of a Whoosh reader that has a file matching it."""
    parts = []
    for sub, offset in reader.leaf_readers():
        seg_id = segment_id(sub)  # (None: not a plain segment reader)
        rows = _read(gen_dir / export_rows_name(seg_id), seg_id, sub.doc_count_all()) if seg_id else None
        parts.append((offset, rows))
    return ExportColumns(parts)


def _read(path: Path, segment_id: str, docs: int) -> list[list[str]] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # unusable: the stored records still answer
        log.warning("ignoring %s: %s", path.name, exc)
        return None
    ok = (
        isinstance(data, dict)
        and data.get("format") == EXPORT_ROWS_FORMAT
        and data.get("segment") == segment_id
        and data.get("docs") == docs
        and data.get("columns") == list(EXPORT_ROWS_COLUMNS)
        and isinstance(data.get("rows"), list)
        and len(data["rows"]) == docs
        and all(isinstance(r, list) and len(r) == len(EXPORT_ROWS_COLUMNS) for r in data["rows"])
    )
    if not ok:
        log.warning("ignoring %s: it does not describe segment %s", path.name, segment_id)
        return None
    return data["rows"]
