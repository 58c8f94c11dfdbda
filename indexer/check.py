"""Is an index whole? A size and checksum manifest per generation, checked whenever it is opened.

Whoosh notices a damaged file only when it happens to read the damaged part, and then with whatever
error the damage causes (``EOFError``, ``struct.error``, an unpickling error), or not at all when the
bytes still decode. So every commit writes ``MANIFEST.json`` beside the generation's files (each file's
size and CRC-32), and every open compares the files with it: damage is found at open, named with its
generation and file, and the cure is always the same: rebuild from the sources.

``python -m indexer check`` runs the full check: the manifest, then every stored document and every
term list read back.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

from indexer import layout
from indexer.errors import IndexerError

MANIFEST_FILE = "MANIFEST.json"
# Files that come and go while Whoosh works and are not part of the committed index.
_TRANSIENT_SUFFIXES = (".tmp", ".lock")
_TRANSIENT_NAMES = {MANIFEST_FILE, "MAIN_WRITELOCK"}
_CHUNK = 1 << 20
REBUILD_ADVICE = "rebuild it from the sources with `python -m indexer build PATH --rebuild`"


class IndexDamaged(IndexerError):
    """The served index cannot be trusted; ``generation`` and ``cause`` say which and why."""

    def __init__(self, generation: str | None, cause: str):
        self.generation = generation or "(none)"
        self.cause = cause
        super().__init__(f"index generation {self.generation} is damaged: {cause}; {REBUILD_ADVICE}")


def file_crc(path: Path) -> int:
    """Return the CRC-32 of a file, read in 1 MB pieces."""
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def _index_files(gen_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in gen_dir.iterdir()
        if p.is_file() and p.name not in _TRANSIENT_NAMES and not p.name.endswith(_TRANSIENT_SUFFIXES)
    )


def toc_generation(gen_dir: Path) -> int:
    """Return the number of the newest Whoosh TOC in ``gen_dir`` (-1 when there is none)."""
    numbers = []
    for p in gen_dir.glob("_*_*.toc"):
        try:
            numbers.append(int(p.stem.rsplit("_", 1)[1]))
        except ValueError:
            continue
    return max(numbers, default=-1)


def write_manifest(gen_dir: str | os.PathLike) -> None:
    """Record every committed file of a generation with its size and CRC-32 (written atomically)."""
    gen_dir = Path(gen_dir)
    files = {p.name: [p.stat().st_size, file_crc(p)] for p in _index_files(gen_dir)}
    tmp = gen_dir / (MANIFEST_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"toc": toc_generation(gen_dir), "files": files}, fh, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, gen_dir / MANIFEST_FILE)


def read_manifest(gen_dir: Path) -> dict | None:
    """Return a generation's manifest, None when it has none (built before manifests existed)."""
    try:
        raw = (gen_dir / MANIFEST_FILE).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexDamaged(gen_dir.name, f"{MANIFEST_FILE} cannot be read ({exc.strerror or exc})") from None
    try:
        manifest = json.loads(raw.decode("utf-8"))
        files = manifest["files"]
        int(manifest["toc"])
        if not all(isinstance(v, list) and len(v) == 2 for v in files.values()):
            raise ValueError("bad entry")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise IndexDamaged(gen_dir.name, f"{MANIFEST_FILE} is garbled") from None
    return manifest


def verify_files(gen_dir: Path, checksums: bool = True, known: set | None = None) -> bool:
    """Compare a generation's files with its manifest; raise IndexDamaged naming the first bad file.

    Returns False when there is nothing to compare with: no manifest, or a build has just committed and
    not yet written the new one (its TOC is newer than the manifest's). ``known`` holds (name, size,
    mtime) of files already verified in this process, which are not read again."""
    name = gen_dir.name
    manifest = read_manifest(gen_dir)
    newest = toc_generation(gen_dir)
    if manifest is None:
        if newest < 0:
            raise IndexDamaged(name, "it holds no Whoosh table of contents (_MAIN_*.toc)")
        return False
    if newest < 0 or newest < manifest["toc"]:
        raise IndexDamaged(name, f"its table of contents _MAIN_{manifest['toc']}.toc is missing")
    if newest > manifest["toc"]:
        return False  # a commit in progress: the writer rewrites the manifest right after
    for filename, (size, crc) in sorted(manifest["files"].items()):
        path = gen_dir / filename
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise IndexDamaged(name, f"{filename} is missing") from None
        except OSError as exc:
            raise IndexDamaged(name, f"{filename} cannot be read ({exc.strerror or exc})") from None
        if stat.st_size != size:
            raise IndexDamaged(
                name,
                f"{filename} has {stat.st_size:,} bytes where {size:,} were written "
                f"({'truncated' if stat.st_size < size else 'grown'})",
            )
        stamp = (filename, stat.st_size, stat.st_mtime_ns)
        if not checksums or (known is not None and stamp in known):
            continue
        try:
            actual = file_crc(path)
        except OSError as exc:
            raise IndexDamaged(name, f"{filename} cannot be read ({exc.strerror or exc})") from None
        if actual != crc:
            raise IndexDamaged(name, f"{filename} does not match its checksum (its bytes changed after it was written)")
        if known is not None:
            known.add(stamp)
    return True


def served_generation(index_dir: str | os.PathLike) -> Path | None:
    """Return the served generation's directory (None: no index); a garbled CURRENT is IndexDamaged."""
    try:
        return layout.current_generation_dir(index_dir)
    except layout.CurrentUnreadable as exc:
        raise IndexDamaged(exc.generation, str(exc)) from None


CORE_FIELDS = ("id", "title", "body", "date", "actor", "country", "org", "source", "entities", "facets")


def open_generation(gen_dir: Path, known: set | None = None, readonly: bool = True, checksums: bool = True):
    """Verify a generation against its manifest and open it with Whoosh; any failure is IndexDamaged.

    ``checksums=False`` checks only that every file is there with its size (the caller then runs
    ``verify_files`` with checksums itself, e.g. in the background). Also refuses a foreign index: a
    Whoosh index whose schema lacks Crisis Desk's fields."""
    from whoosh.filedb.filestore import FileStorage

    verify_files(gen_dir, checksums=checksums, known=known)
    try:
        ix = FileStorage(str(gen_dir), supports_mmap=False, readonly=readonly).open_index()
        schema_names = set(ix.schema.names())
    except Exception as exc:  # noqa: BLE001 - Whoosh fails on damage with any error type
        raise IndexDamaged(gen_dir.name, describe_exception(exc)) from None
    # Fields every Crisis Desk index has had; newer ones (lead, spellings) may be missing from an index
    # written by an earlier version, which still serves and asks for a rebuild when written to.
    missing = [n for n in CORE_FIELDS if n not in schema_names]
    if missing:
        raise IndexDamaged(
            gen_dir.name,
            "it is not a Crisis Desk index (no field "
            + ", ".join(missing[:4])
            + (", ..." if len(missing) > 4 else "")
            + ")",
        )
    return ix


def describe_exception(exc: BaseException) -> str:
    """Return an exception as a short phrase for a one-line message."""
    text = " ".join(str(exc).split())[:160]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def check_index(index_dir: str | os.PathLike) -> dict:
    """Verify the served generation completely (manifest, every stored document and term list).

    Returns {"generation", "articles", "files", "manifest"}; raises IndexDamaged on any damage."""
    gen_dir = served_generation(index_dir)
    if gen_dir is None:
        raise FileNotFoundError(f"no index in {index_dir}")
    ix = open_generation(gen_dir)
    manifest = read_manifest(gen_dir)
    try:
        with ix.reader() as reader:
            articles = 0
            for _ in reader.all_stored_fields():
                articles += 1
            for fieldname in ix.schema.names():
                if ix.schema[fieldname].indexed:
                    for _ in reader.lexicon(fieldname):
                        pass
            column = reader.column_reader("facets")
            for docnum in range(reader.doc_count_all()):
                json.loads(column[docnum] or b"{}")
    except Exception as exc:  # noqa: BLE001
        raise IndexDamaged(gen_dir.name, describe_exception(exc)) from None
    return {
        "generation": gen_dir.name,
        "articles": articles,
        "files": len(manifest["files"]) if manifest else len(_index_files(gen_dir)),
        "manifest": manifest is not None,
    }
