"""The indexer's exception family: every error it raises on purpose is an ``IndexerError``.

Each module declares its own errors at its top, under this base (``SourceError`` in ``sources.py``,
``EnrichError`` in ``enrich.py``, ``BuildError`` and ``BuildLocked`` in ``build.py``, ...), and the CLI
turns them into one line and an exit code in one place (``cli.main``): ``UsageError`` exits 2,
``BuildLocked`` 75, any other ``IndexerError`` 1. Anything else is a bug and is reported as one.
"""

from __future__ import annotations


class IndexerError(Exception):
    """An error the indexer raises on purpose; its message is one line a user can act on."""


class UsageError(IndexerError):
    """A bad command line (exit 2): an unknown field in ``--map``, a worker count below 1."""
