"""Saved searches: a name and the parameters of a results URL, kept in SQLite beside the index.

The file lives in the index directory, not in a generation, so saved searches outlive rebuilds. Every
call opens its own short connection (WAL, a busy timeout), so web workers, threads and the indexer's
"new matches" report can read and write at once without sharing a handle.
"""

from __future__ import annotations

import fcntl
import json
import secrets
import sqlite3
import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import SearchError

SAVED_FILE = "saved-searches.sqlite"
MAX_NAME_CHARS = 200
MAX_SAVED = 1000
MAX_PARAM_VALUES = 100
MAX_PARAM_CHARS = 2000
# The parameters a results URL is made of; anything else is dropped when a search is saved.
SAVED_KEYS = (
    "q",
    "actor",
    "country",
    "org",
    "source",
    "from",
    "to",
    "sort",
    "leaders",
    "event_from",
    "event_to",
    "versions",
)
BUSY_TIMEOUT_S = 5.0
_READY: set[Path] = set()  # files this process has initialised


class SavedSearchError(SearchError):
    """A saved search that cannot be stored or read (the message says why, in one line)."""


class SavedSearchInvalid(SavedSearchError):
    """A name or parameters that cannot be saved."""


@dataclass(frozen=True)
class SavedSearch:
    """One saved search: its id, name, URL parameters and when it was created and last opened."""

    id: str
    name: str
    params: dict[str, list[str]]
    created: datetime
    last_opened: datetime

    def to_dict(self) -> dict:
        """The JSON form (dates as ISO 8601 UTC)."""
        return {
            "id": self.id,
            "name": self.name,
            "params": self.params,
            "created": self.created.isoformat(timespec="seconds"),
            "last_opened": self.last_opened.isoformat(timespec="seconds"),
        }


def clean_name(name: object) -> str:
    """Return a saved search's name with blanks collapsed, or raise SavedSearchInvalid."""
    if not isinstance(name, str):
        raise SavedSearchInvalid("the name must be text")
    text = " ".join("".join(ch for ch in name if ch.isprintable() or ch.isspace()).split())
    if not text:
        raise SavedSearchInvalid("give the saved search a name")
    if len(text) > MAX_NAME_CHARS:
        raise SavedSearchInvalid(f"the name is longer than {MAX_NAME_CHARS} characters")
    return text


def clean_params(params: object) -> dict[str, list[str]]:
    """Keep the results-URL parameters of ``params`` (a mapping of a value or a list of values)."""
    if not isinstance(params, Mapping):
        raise SavedSearchInvalid("params must be an object of URL parameters")
    cleaned: dict[str, list[str]] = {}
    for key in SAVED_KEYS:
        raw = params.get(key)
        if raw is None:
            continue
        values = raw if isinstance(raw, (list, tuple)) else [raw]
        if len(values) > MAX_PARAM_VALUES:
            raise SavedSearchInvalid(f"too many values for {key!r} (at most {MAX_PARAM_VALUES})")
        kept = []
        for value in values:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise SavedSearchInvalid(f"the values of {key!r} must be text")
            value = str(value)
            if len(value) > MAX_PARAM_CHARS:
                raise SavedSearchInvalid(f"a value of {key!r} is longer than {MAX_PARAM_CHARS} characters")
            if value.strip():
                kept.append(value)
        if kept:
            cleaned[key] = kept
    return cleaned


class SavedSearches:
    """The saved searches of one index directory."""

    def __init__(self, index_dir: str | Path):
        self.path = Path(index_dir) / SAVED_FILE

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.path not in _READY:
                self._initialise()
            db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
            return db
        except (sqlite3.Error, OSError) as exc:
            raise SavedSearchError(f"the saved searches in {self.path} cannot be opened ({exc})") from None

    def _initialise(self) -> None:
        """Create the file, switch it to WAL and create the table, one process at a time.

        Switching the journal mode takes a lock that SQLite's busy handler does not wait for, so
        processes opening a new file at once would fail; a file lock serialises this one-time step.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            with closing(sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None)) as db:
                if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    db.execute("PRAGMA journal_mode=WAL")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS saved (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
                    "params TEXT NOT NULL, created REAL NOT NULL, last_opened REAL NOT NULL)"
                )
        _READY.add(self.path)

    def _run(self, sql: str, args: Sequence = ()) -> list[tuple]:
        try:
            with closing(self._connect()) as db:
                return db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise SavedSearchError(f"the saved searches in {self.path} cannot be read ({exc})") from None

    def create(self, name: object, params: object, now: float | None = None) -> SavedSearch:
        """Save a search; it counts as opened now, so only later matches are new."""
        name, params = clean_name(name), clean_params(params)
        now = time.time() if now is None else now
        saved_id = secrets.token_urlsafe(9)
        try:
            with closing(self._connect()) as db:
                db.execute("BEGIN IMMEDIATE")
                (count,) = db.execute("SELECT count(*) FROM saved").fetchone()
                if count >= MAX_SAVED:
                    db.execute("ROLLBACK")
                    raise SavedSearchInvalid(f"there are already {MAX_SAVED} saved searches; delete some first")
                db.execute(
                    "INSERT INTO saved VALUES (?, ?, ?, ?, ?)",
                    (saved_id, name, json.dumps(params, ensure_ascii=False), now, now),
                )
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise SavedSearchError(f"the search could not be saved in {self.path} ({exc})") from None
        saved = self.get(saved_id)
        assert saved is not None  # written just above
        return saved

    def all(self) -> list[SavedSearch]:
        """Every saved search, newest first."""
        if not self.path.exists():
            return []
        return [_row(r) for r in self._run("SELECT * FROM saved ORDER BY created DESC, id")]

    def get(self, saved_id: str) -> SavedSearch | None:
        """One saved search by id, or None."""
        if not isinstance(saved_id, str) or not saved_id or len(saved_id) > 64 or not self.path.exists():
            return None
        rows = self._run("SELECT * FROM saved WHERE id = ?", (saved_id,))
        return _row(rows[0]) if rows else None

    def mark_opened(self, saved_id: str, now: float | None = None) -> None:
        """Remember that the search was opened now: its matches so far are no longer new."""
        self._run("UPDATE saved SET last_opened = ? WHERE id = ?", (time.time() if now is None else now, saved_id))

    def delete(self, saved_id: str) -> bool:
        """Delete a saved search; return whether it existed."""
        if self.get(saved_id) is None:
            return False
        self._run("DELETE FROM saved WHERE id = ?", (saved_id,))
        return True


def _row(row: tuple) -> SavedSearch:
    saved_id, name, params, created, last_opened = row
    try:
        parsed = json.loads(params)
    except ValueError:
        parsed = {}
    return SavedSearch(
        saved_id,
        name,
        parsed if isinstance(parsed, dict) else {},
        datetime.fromtimestamp(created, tz=UTC),
        datetime.fromtimestamp(last_opened, tz=UTC),
    )
