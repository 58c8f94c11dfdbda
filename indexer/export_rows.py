"""The export rows each segment of a generation carries (``export-rows-<segment id>.json``, see ``layout.py``).

A CSV export shows an article's id, title, source and URL, which Whoosh keeps only in the stored record it
compresses together with the body: reading 10,000 of them decompresses 10,000 bodies (about 1.4 s of CPU on
Reuters). Segments never change once written (only their deletions do), so each segment's columns are
written once, beside it, when a commit first lists it; the read side takes them from there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import layout


def write_export_rows(ix) -> int:
    """Write the export rows of every segment of ``ix``'s newest commit that has none, and remove those of
    segments no longer in it; return how many were written. Call before the manifest, which lists them."""
    folder = Path(ix.storage.folder)
    wanted: set[str] = set()
    written = 0
    with ix.reader() as reader:
        for sub, _offset in reader.leaf_readers():
            segment = sub.segment()
            if segment is None:  # an empty index: no segment yet
                continue
            segment_id = segment.segment_id()
            name = layout.export_rows_name(segment_id)
            wanted.add(name)
            if (folder / name).exists():
                continue
            docs = sub.doc_count_all()
            rows = []
            for docnum in range(docs):  # deleted documents too: a row per document number
                stored = sub.stored_fields(docnum)
                rows.append([str(stored.get(column) or "") for column in layout.EXPORT_ROWS_COLUMNS])
            data = {
                "format": layout.EXPORT_ROWS_FORMAT,
                "segment": segment_id,
                "docs": docs,
                "columns": list(layout.EXPORT_ROWS_COLUMNS),
                "rows": rows,
            }
            _write_atomically(folder / name, data)
            written += 1
    for path in folder.glob(f"{layout.EXPORT_ROWS_PREFIX}*{layout.EXPORT_ROWS_SUFFIX}"):
        if path.name not in wanted:
            path.unlink(missing_ok=True)
    return written


def _write_atomically(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
