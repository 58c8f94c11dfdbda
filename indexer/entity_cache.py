"""Normalised entities of each article, cached by text hash, NER model and normaliser version.

``normalise_entities`` (one article's rules) is cached, never the result of ``resolve_corpus``: that
depends on the whole batch it ran over. The cache lives in its own SQLite file beside the NER cache
(``layout.ENTITY_CACHE_FILE``) so that a copied, shared NER cache is only ever read. Rows of other
normaliser versions are dropped when a build starts writing with a new one, so the file does not grow
with every rule edit.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, fields

from indexer.enrich import open_cache_db
from indexer.errors import IndexerError
from indexer.model import Actor, Country, Entities, Mention, Org


class EntityCacheError(IndexerError):
    """The entity cache file cannot be used (the message says how to recover)."""


def _make(cls, data: dict):
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def dump_entities(ents: Entities) -> str:
    """Serialise one article's Entities to compact JSON."""
    return json.dumps(asdict(ents), ensure_ascii=False, separators=(",", ":"))


def load_entities(text: str) -> Entities:
    """Rebuild Entities from :func:`dump_entities` output."""
    data = json.loads(text)
    return Entities(
        actors=[_make(Actor, a) for a in data.get("actors", [])],
        countries=[_make(Country, c) for c in data.get("countries", [])],
        orgs=[_make(Org, o) for o in data.get("orgs", [])],
        mentions=[_make(Mention, m) for m in data.get("mentions", [])],
        dates=[[int(d[0]), int(d[1])] for d in data.get("dates", []) if len(d) == 2],
        name_votes={str(k): list(v) for k, v in (data.get("name_votes") or {}).items()},
        acronyms={str(k): str(v) for k, v in (data.get("acronyms") or {}).items()},
        org_usage={str(k): (int(v[0]), int(v[1])) for k, v in (data.get("org_usage") or {}).items()},
    )


class EntityCache:
    """Normalised entities by (NER model, normaliser version, text hash) in a SQLite file."""

    def __init__(self, path: str | os.PathLike, model: str, version: str):
        self.model = model
        self.version = version
        self._pruned = False
        try:
            self._db = open_cache_db(
                path,
                "CREATE TABLE IF NOT EXISTS normalised (model TEXT, version TEXT, "
                "hash TEXT, ents TEXT, PRIMARY KEY (model, version, hash)) WITHOUT ROWID",
            )
        except sqlite3.OperationalError as exc:  # the device (full, read-only), not the file
            raise EntityCacheError(
                f"entity cache {path} cannot be opened for writing ({exc}); check the free "
                "space and permissions of its folder, then build again"
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise EntityCacheError(f"entity cache {path} is unusable ({exc}); delete it to start a new one") from None

    def get_many(self, hashes: Sequence[str]) -> dict[str, Entities]:
        """Return the cached entities of those of ``hashes`` that are cached (fresh objects each call)."""
        found: dict[str, Entities] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT hash, ents FROM normalised WHERE model = ? AND version = ? AND hash IN ({marks})",
                [self.model, self.version, *part],
            )
            for key, ents in rows:
                try:
                    found[key] = load_entities(ents)
                except (ValueError, TypeError):  # a damaged row is recomputed, not trusted
                    continue
        return found

    def put_many(self, items: Sequence[tuple[str, str]]) -> None:
        """Store (hash, :func:`dump_entities` text) pairs in one transaction (other versions' rows go first).

        Callers dump an article's entities as soon as they are normalised: ``resolve_corpus`` changes
        the objects afterwards, and what is cached must be one article's own result."""
        if not items:
            return
        with self._db:
            if not self._pruned:
                self._db.execute("DELETE FROM normalised WHERE model = ? AND version != ?", [self.model, self.version])
                self._pruned = True
            self._db.executemany(
                "INSERT OR REPLACE INTO normalised VALUES (?, ?, ?, ?)",
                [(self.model, self.version, key, text) for key, text in items],
            )

    def close(self) -> None:
        """Close the database."""
        self._db.close()
