"""Reference tables: the word lists and name tables an analyst edits in ``indexer/data/``, read once.

Three plain formats, each with ``#`` comment lines on top saying what the table is for:

- ``*.txt``: one entry a line (``words`` lower-cases them, ``lines`` keeps them as written and in order);
- ``*.csv``: a header row, then one row per entry; ``mapping`` reads the first column as the key and
  the second as the value, in file order;
- ``*.json``: an object of named tables (``tables``), with an ``_about`` key saying what they are.

Every file under ``indexer/data/`` is part of the normaliser's version (``indexer/normaliser_version.py``),
so an edit re-normalises the next build. ``tests/test_reference_tables.py`` refuses duplicate entries.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _content_lines(name: str) -> list[str]:
    """The lines of a table in indexer/data/ without comment lines and blank lines."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def lines(name: str) -> tuple[str, ...]:
    """The entries of a one-a-line table, as written and in file order."""
    return tuple(line.strip() for line in _content_lines(name))


@cache
def words(name: str) -> frozenset[str]:
    """The entries of a one-a-line table, lower-cased."""
    return frozenset(entry.lower() for entry in lines(name))


@cache
def rows(name: str) -> tuple[tuple[str, ...], ...]:
    """The rows of a CSV table after its header row."""
    table = list(csv.reader(_content_lines(name)))
    return tuple(tuple(cell.strip() for cell in row) for row in table[1:])


def mapping(name: str) -> dict[str, str]:
    """A two-column CSV table as {first column: second column}, in file order (a fresh dict each call)."""
    return {row[0]: row[1] for row in rows(name)}


@cache
def _json(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


def tables(name: str) -> dict:
    """The named tables of a JSON file (a fresh copy each call, so no caller changes another's)."""
    return json.loads(_json(name))
