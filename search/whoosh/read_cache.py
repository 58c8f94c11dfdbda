"""What one index commit's read side derives from every document, kept on disk beside the index.

Opening a commit means reading every document's facets and spellings out of Whoosh's files and turning
them into the facet arrays, the alias table and did-you-mean's words: 13 s and 260 MB for 108k articles,
paid by every worker process at every start (issue 13). A commit never changes once written, so the first
process to open it writes what it derived here, and every later opening of that commit (a restart, the
second gunicorn worker, the batch job runner) reads it back:

- the facet table's arrays as ``.npy`` files, memory-mapped copy-on-write, so the operating system loads
  their pages on first use and the worker processes of one machine share them;
- its strings (facet values, roles, story names), the alias table and the spelling words as JSON.

Layout: ``<index>/read-cache/<generation>-<toc>-<digest>/{facets,aliases,words}/`` where the digest covers
the commit's segments (ids, sizes, deletions) and this module's format version. Each part is written to a
temporary directory and renamed into place, with a CRC-32 of every file in its ``manifest.json``; a part
that is missing, of another format, or fails its checks is simply derived again from the index (and
rewritten), never trusted. Nothing here is a pickle: loading runs no code from the files.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import mmap
import os
import shutil
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from pathlib import Path

import numpy as np

from .. import facets, mentioned_dates, stories
from ..facets import ActorRoles, FacetColumn, FacetTable
from ..mentioned_dates import MentionedDates
from ..stories import StoryTable
from . import aliases, codec, facet_loader, vocabulary
from .gcpause import gc_paused

log = logging.getLogger("crisis_desk.search")

FORMAT = 1  # bump when what a part holds, or how, changes: older parts are then derived again
DIRNAME = "read-cache"
SEGMENTS_DIRNAME = "segments"  # per-segment parts (postings_sidecar.py), pruned by their own rules
CLAIM_WAIT_SECONDS = 120.0  # how long a process waits for another making the same part, then makes it too
MMAP_MIN_BYTES = 1 << 16  # smaller arrays are read into memory (a map costs a file handle and a page each)
CHECK_CHUNK = 1 << 21  # elements a check of a whole mapped array reads at a time (16 MB of int64)
_SCALARS = (str, int, float, bool)  # lists of these are stored as they are
_CLASSES = {cls.__name__: cls for cls in (FacetTable, FacetColumn, ActorRoles, MentionedDates, StoryTable)}


# What derives the cached parts from the index, besides this module: its source is part of every key.
_DERIVED_BY = (facets, mentioned_dates, stories, facet_loader, codec, aliases, vocabulary)


def register(cls) -> None:
    """Let parts hold instances of dataclass ``cls`` (a module of the read side that keeps its own parts)."""
    _CLASSES[cls.__name__] = cls


class CacheInvalid(Exception):
    """A part on disk that cannot be used (damaged, of another format or of another commit)."""


def _segments(reader) -> list[tuple]:
    out = []
    for sub, offset in reader.leaf_readers():
        seg_id = codec.segment_id(sub)
        if seg_id is None:  # not a plain segment reader: no stable identity, never cached
            return []
        out.append((seg_id, offset, sub.doc_count_all(), sub.doc_count()))
    return out


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the modules that derive what is cached: when any of them changes, so does every key, and
    what an older version wrote is derived again instead of being served with the old rules."""
    digest = hashlib.blake2b(str(FORMAT).encode(), digest_size=8)
    for module in (*_DERIVED_BY, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes() if module.__file__ else module.__name__.encode())
    return digest.hexdigest()


def commit_dir(index_dir: Path, generation: str, toc: int, reader) -> Path | None:
    """Return the cache directory of one commit (None when its segments have no stable identity)."""
    segments = _segments(reader)
    if not segments:
        return None
    digest = hashlib.blake2b(
        json.dumps([code_version(), generation, toc, segments]).encode(), digest_size=8, person=b"crisisdk"
    ).hexdigest()
    return Path(index_dir) / DIRNAME / f"{generation}-{toc}-{digest}"


# --- encoding: dataclasses, numpy arrays and JSON values -----------------------------------------


class _Writer:
    def __init__(self, directory: Path):
        self.dir = directory
        self.files: dict[str, int] = {}  # file name -> CRC-32

    def array(self, arr: np.ndarray) -> dict:
        name = f"a{len(self.files)}.npy"
        path = self.dir / name
        np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
        self.files[name] = _crc(path)
        return {"$a": name}

    def encode(self, obj):
        if isinstance(obj, np.ndarray):
            return self.array(obj)
        if is_dataclass(obj) and not isinstance(obj, type):
            name = type(obj).__name__
            if _CLASSES.get(name) is not type(obj):
                raise TypeError(f"cannot cache a {name}")
            return {
                "$d": name,
                "f": {f.name: self.encode(getattr(obj, f.name)) for f in fields(obj) if not f.name.startswith("_")},
            }
        if isinstance(obj, (str, bool, int, float)) or obj is None:
            return obj
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, list):
            return obj if all(type(x) in _SCALARS for x in obj) else [self.encode(x) for x in obj]
        if isinstance(obj, tuple):
            return {"$t": [self.encode(x) for x in obj]}
        if isinstance(obj, dict):
            if all(type(k) is str for k in obj):
                return {"$o": {k: self.encode(v) for k, v in obj.items()}}
            return {"$m": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        raise TypeError(f"cannot cache a {type(obj).__name__}")


class _Reader:
    def __init__(self, directory: Path, files: dict[str, int]):
        self.dir, self.files = directory, files

    def array(self, name: str) -> np.ndarray:
        if name not in self.files:
            raise CacheInvalid(f"{name} is not in the manifest")
        path = self.dir / name
        if path.stat().st_size < MMAP_MIN_BYTES:
            return np.load(path, allow_pickle=False)
        # copy-on-write: pages are shared until (if ever) a caller writes one. A plain ndarray view of the
        # map, not the np.memmap itself, whose Python-level __getitem__ cost ~2 ms per search in profiles.
        return np.asarray(np.load(path, mmap_mode="c", allow_pickle=False))

    def decode(self, obj):
        if isinstance(obj, list):
            return obj if all(type(x) in _SCALARS for x in obj) else [self.decode(x) for x in obj]
        if not isinstance(obj, dict):
            return obj
        if "$a" in obj:
            return self.array(obj["$a"])
        if "$d" in obj:
            cls = _CLASSES.get(obj["$d"])
            if cls is None:
                raise CacheInvalid(f"unknown class {obj['$d']!r}")
            return cls(**{k: self.decode(v) for k, v in obj["f"].items()})
        if "$t" in obj:
            return tuple(self.decode(x) for x in obj["$t"])
        if "$o" in obj:
            return {k: self.decode(v) for k, v in obj["$o"].items()}
        if "$m" in obj:
            return {self._key(self.decode(k)): self.decode(v) for k, v in obj["$m"]}
        raise CacheInvalid("unknown value in the cache")

    @staticmethod
    def _key(key):
        return tuple(key) if isinstance(key, list) else key


def release(arr: np.ndarray) -> None:
    """Drop this process's pages of the file map behind ``arr`` (nothing when it is not a map).

    Only for an array read back and not yet written to: its pages are clean, so the kernel fetches them
    again from the page cache when they are next touched. A check that reads a whole mapped array would
    otherwise leave all of it resident in every worker (174 MB per worker on 216k articles)."""
    base = arr
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    if base is not None:
        try:
            base.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):  # a closed map, or a kernel without madvise: the pages just stay
            pass


def nondecreasing(arr: np.ndarray) -> bool:
    """Whether each element of a 1-d array is >= the one before it, read a chunk at a time, without a
    temporary the size of the array; a mapped array's pages are released afterwards (``release``)."""
    try:
        for at in range(0, len(arr), CHECK_CHUNK):
            part = arr[max(at - 1, 0) : at + CHECK_CHUNK]  # one element of overlap joins the chunks
            if bool(np.any(part[1:] < part[:-1])):
                return False
        return True
    finally:
        release(arr)


def within(arr: np.ndarray, lo: int, hi: int) -> bool:
    """Whether every element of ``arr`` is in ``[lo, hi)``, read as ``nondecreasing`` reads it."""
    try:
        for at in range(0, len(arr), CHECK_CHUNK):
            part = arr[at : at + CHECK_CHUNK]
            if int(part.min()) < lo or int(part.max()) >= hi:
                return False
        return True
    finally:
        release(arr)


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


# --- one commit's parts ----------------------------------------------------------------------------


class ReadCache:
    """The cached parts of one commit: ``load(part)`` returns a value or None, ``save(part, value)`` writes it."""

    def __init__(self, directory: Path | None, prune: bool = True):
        self.dir = directory
        self._prunes = prune  # remove other commits' directories beside this one after a save
        self._lock = threading.Lock()
        self.loaded: set[str] = set()  # the parts this process read from disk rather than derived
        self._refused: set[str] = set()  # parts found on disk but not usable: replaced when saved

    def get(self, part: str, make, plain: bool = False, accept=None, encode=None, decode=None, read_first: bool = True):
        """Return ``part`` from disk, else ``make()`` it and write it; one process of the machine makes it.

        ``accept``/``decode``: see ``read``; ``encode`` turns the value into what is stored (plain JSON
        parts); ``read_first=False``: the caller has just read the part and found nothing usable. When
        another process (the other gunicorn worker, a batch job) is making the same part, this waits for
        it, up to ``CLAIM_WAIT_SECONDS``, and reads what it wrote instead of deriving it a second time on a
        core that is busy enough."""
        if self.dir is None:  # a commit without a stable identity (no plain segments): nothing to share
            return make()
        value = self.read(part, plain, accept, decode) if read_first else None
        if value is not None:
            return value
        with self.claim(part) as waited:
            if waited and (value := self.read(part, plain, accept, decode)) is not None:
                return value
            value = make()
            self.save(part, encode(value) if encode is not None else value, plain)
        return value

    def read(self, part: str, plain: bool = False, accept=None, decode=None):
        """Return ``part`` from disk when it is there and usable, else None; a part that is there but not
        usable is replaced by the next ``save``.

        ``decode`` turns what is stored back into the value (plain JSON parts); ``accept(value)`` says
        whether the value is of the expected shape."""
        value = self.load(part, plain)
        if value is not None and decode is not None:
            try:
                value = decode(value)
            except Exception:  # noqa: BLE001 - stored in another shape: derived again
                self._refused.add(part)
                value = None
        if value is not None and accept is not None and not accept(value):
            self._refused.add(part)
            value = None
        return value

    def refuse(self, part: str) -> None:
        """Mark ``part`` as read but not usable: the next ``save`` replaces it."""
        self._refused.add(part)

    @contextmanager
    def claim(self, part: str) -> Iterator[bool]:
        """Hold the machine-wide lock on making ``part`` (an flock); yields whether another process held it."""
        assert self.dir is not None
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fh = open(self.dir / f".{part}.lock", "a+b")
        except OSError:  # no directory (a read-only disk, a file in its place): make it alone
            fh = None
        if fh is None:
            yield False
            return
        waited, held = False, False
        deadline = time.monotonic() + CLAIM_WAIT_SECONDS
        try:
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held = True
                    break
                except BlockingIOError:
                    waited = True
                    if time.monotonic() > deadline:  # the other maker is stuck: make it here too
                        break
                    time.sleep(0.05)
            yield waited
        finally:
            if held:
                fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    def load(self, part: str, plain: bool = False):
        """Return the value cached as ``part``, or None when it is not there or cannot be trusted.

        ``plain``: the part was saved as plain JSON (``save(..., plain=True)``), returned as it is."""
        if self.dir is None:
            return None
        path = self.dir / part
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT:
                raise CacheInvalid(f"format {manifest.get('format')!r}")
            files = {str(k): int(v) for k, v in manifest["files"].items()}
            for name, crc in files.items():
                if _crc(path / name) != crc:
                    raise CacheInvalid(f"{name} fails its checksum")
            with gc_paused():  # a burst of containers: see gcpause.py
                value = json.loads((path / "value.json").read_text(encoding="utf-8"))
                value = value if plain else _Reader(path, files).decode(value)
            self.loaded.add(part)
            return value
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with it, the index still has the truth
            log.warning("read cache %s/%s not used (%s); deriving it again", self.dir.name, part, exc)
            self._refused.add(part)
            return None

    def save(self, part: str, value, plain: bool = False) -> bool:
        """Write ``value`` as ``part`` (atomically: a reader sees all of it or none); False if it cannot.

        ``plain``: ``value`` is plain JSON (lists, str-keyed dicts, numbers, strings), written as it is;
        else dataclasses, tuples and numpy arrays are encoded (arrays as ``.npy`` files)."""
        if self.dir is None:
            return False
        final = self.dir / part
        tmp: Path | None = None
        try:
            with self._lock:
                if final.exists() and part not in self._refused:
                    return True  # another process wrote it meanwhile
                self.dir.mkdir(parents=True, exist_ok=True)
                tmp = Path(tempfile.mkdtemp(prefix=f".{part}-", dir=self.dir))
                writer = _Writer(tmp)
                body = json.dumps(value if plain else writer.encode(value), separators=(",", ":"), ensure_ascii=False)
                (tmp / "value.json").write_text(body, encoding="utf-8")
                writer.files["value.json"] = _crc(tmp / "value.json")
                (tmp / "manifest.json").write_text(
                    json.dumps({"format": FORMAT, "files": writer.files}), encoding="utf-8"
                )
                for name in writer.files:
                    _fsync(tmp / name)
                if final.exists():  # the part refused on loading: moved aside, then replaced
                    trash = Path(tempfile.mkdtemp(prefix=f".{part}-old-", dir=self.dir))
                    os.replace(final, trash / part)
                    shutil.rmtree(trash, ignore_errors=True)
                try:
                    os.rename(tmp, final)
                except OSError:  # another process renamed its copy first: the same content
                    return final.exists()
                tmp = None
                self._refused.discard(part)
            if self._prunes:
                _prune(self.dir)
            return True
        except Exception as exc:  # noqa: BLE001 - a read-only or full disk costs the next start-up, not this one
            log.info("read cache %s/%s not written: %s", self.dir.name, part, exc)
            return False
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _prune(commit: Path) -> None:
    """Remove the cache of commits that are gone (generations pruned, older commits of this generation) and
    of this commit as other code derived it."""
    root = commit.parent
    for entry in commit.iterdir():  # parts a process left half-written when it died (one hour is generous)
        if entry.name.startswith(".") and time.time() - entry.stat().st_mtime > 3600:
            shutil.rmtree(entry, ignore_errors=True)
    generation, toc, _digest = commit.name.rsplit("-", 2)
    for entry in root.iterdir():
        if entry == commit or not entry.is_dir() or entry.name == SEGMENTS_DIRNAME:
            continue
        try:
            gen, entry_toc, _ = entry.name.rsplit("-", 2)
            superseded = gen == generation and int(entry_toc) <= int(toc)
        except ValueError:
            gen, superseded = entry.name, False
        if superseded or not (root.parent / gen).is_dir():
            shutil.rmtree(entry, ignore_errors=True)
