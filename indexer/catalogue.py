"""Per-generation catalogue: every served article's id, content hash, source path and first-indexed time,
and the source files they were read from, in one small JSON file the build writes after each commit.

An incremental build must know, for every article the generation holds, its content hash (changed or
not?), its source path (``--prune``) and when it was first indexed (kept on update). Reading them from
Whoosh means loading every stored document, bodies included: seconds on 21.6k articles. The catalogue
holds just these columns (``layout.catalogue_path``), plus for each source file the ``os.stat`` it had
when it was read, so an unchanged file is not even read and hashed again.

It is only ever a shortcut: it names the Whoosh commit (TOC generation) it describes, and one that is
missing, unreadable, of another format or of another commit (``remove`` commits without writing one,
older generations have none) is ignored, and the build reads the stored documents as before. It lives
beside the generations, not inside one: every file inside a generation is in its ``MANIFEST.json``, which
readers check on open, and a catalogue refreshed by a build that commits nothing would race with them.

A file's articles are taken from the catalogue without reading the file only when all of this holds:
size, modification and change times (nanoseconds) and inode are those recorded; it was last modified
more than ``SETTLE_SECONDS`` before it was read (a file written in the same clock tick as it was read
could change again without its times changing); none of its ids came from another file too (so the
duplicate is seen again); and it was read under the same reading key (schema module, normaliser version,
``--map``, ``--max-file-mb``), so its content hashes would be the same. The warnings reading it gave
(a malformed line, an article without text) are kept with it and given again, as if it had been read.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from indexer import layout

CATALOGUE_VERSION = 1
# A source file modified less than this long before it was read is read again next time (see above).
SETTLE_SECONDS = 2.0


@dataclass
class Entry:
    """One served article: content hash, source path, first-indexed unix time (None when unknown)."""

    hash: str
    path: str
    t: float | None = None


@dataclass
class SourceFile:
    """A source file as it was when last read: its stat, the reading key and how many articles it gave."""

    stat: tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
    key: str
    articles: int
    problems: list[tuple[str, str]] = field(default_factory=list)  # (location, reason) reported reading it


@dataclass
class Catalogue:
    """The articles of one Whoosh commit of a generation and the source files they came from.

    ``batch`` is set when the generation was written by one full build (every document in one batch,
    under one reading key, NER model and writer): a ``--rebuild`` with the same key and the same articles
    would write the same documents, so it may reuse them (see ``indexer.build``). Any incremental change
    clears it."""

    toc: int
    articles: dict[str, Entry] = field(default_factory=dict)
    files: dict[str, SourceFile] = field(default_factory=dict)
    batch: str = ""
    # (file name, size, mtime_ns) of the generation's files whose checksums matched the manifest (see
    # ``check.verify_files``): a file with the same stamp is not read again to compare its checksum
    verified: set[tuple[str, int, int]] = field(default_factory=set)

    def ids_of(self, path: str) -> list[str]:
        """The ids of the served articles read from ``path``."""
        return [doc_id for doc_id, entry in self.articles.items() if entry.path == path]


def file_stat(path: str | os.PathLike) -> tuple[int, int, int, int] | None:
    """(size, mtime_ns, ctime_ns, inode) of ``path``, or None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def settled(stat: tuple[int, int, int, int], read_at: float) -> bool:
    """True when a file with ``stat`` had stopped changing well before ``read_at`` (unix seconds)."""
    return max(stat[1], stat[2]) / 1e9 < read_at - SETTLE_SECONDS


def reading_key(schema: str, normaliser: str, mapping: Mapping[str, str] | None, max_file_bytes: int) -> str:
    """What reading a file and its articles' content hashes depend on besides the file: a changed key
    means read again."""
    payload = json.dumps([CATALOGUE_VERSION, schema, normaliser, sorted((mapping or {}).items()), max_file_bytes])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


def read_catalogue(index_dir: str | os.PathLike, generation: str, toc: int) -> Catalogue | None:
    """The catalogue of ``generation`` if it describes its commit ``toc``; None when there is none to trust."""
    path = layout.catalogue_path(index_dir, generation)
    try:
        data = json.loads(path.read_bytes())
        if data.get("version") != CATALOGUE_VERSION or data.get("toc") != toc or toc < 0:
            return None
        paths = data["paths"]
        ts = data["t"]
        articles = {
            doc_id: Entry(digest, paths[p], ts[i])
            for i, (doc_id, digest, p) in enumerate(zip(data["ids"], data["hashes"], data["path_of"]))
        }
        if not (len(articles) == len(data["ids"]) == len(data["hashes"]) == len(data["path_of"]) == len(ts)):
            return None
        files = {
            name: SourceFile(
                tuple(f["stat"]),
                str(f["key"]),
                int(f["articles"]),
                [(str(loc), str(reason)) for loc, reason in f.get("problems", [])],
            )
            for name, f in data["files"].items()
        }
        verified = {(str(name), int(size), int(mtime)) for name, size, mtime in data.get("verified", [])}
        return Catalogue(toc, articles, files, str(data.get("batch") or ""), verified)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def write_catalogue(index_dir: str | os.PathLike, generation: str, catalogue: Catalogue) -> bool:
    """Write ``catalogue`` for ``generation`` atomically; False (and nothing left behind) when it cannot be
    written: it is a shortcut, and a full disk after a commit must not fail the build."""
    paths: dict[str, int] = {}
    ids, hashes, path_of, ts = [], [], [], []
    for doc_id, entry in catalogue.articles.items():
        ids.append(doc_id)
        hashes.append(entry.hash)
        path_of.append(paths.setdefault(entry.path, len(paths)))
        ts.append(entry.t)
    data = {
        "version": CATALOGUE_VERSION,
        "toc": catalogue.toc,
        "batch": catalogue.batch,
        "paths": list(paths),
        "ids": ids,
        "hashes": hashes,
        "path_of": path_of,
        "t": ts,
        "files": {
            name: {
                "stat": list(f.stat),
                "key": f.key,
                "articles": f.articles,
                **({"problems": [list(p) for p in f.problems]} if f.problems else {}),
            }
            for name, f in catalogue.files.items()
        },
        "verified": sorted(list(stamp) for stamp in catalogue.verified),
    }
    path = layout.catalogue_path(index_dir, generation)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False


def drop_catalogues(index_dir: str | os.PathLike, keep: Iterable[str]) -> None:
    """Delete the catalogues of generations not in ``keep`` (and any half-written one)."""
    keep = set(keep)
    for path in Path(index_dir).glob(f"*{layout.CATALOGUE_PREFIX}*"):
        generation = layout.catalogue_generation(path.name)
        if generation in keep and not path.name.startswith("."):
            continue
        try:
            path.unlink()
        except OSError:
            pass
