"""Batch search: many queries (a list of names) against one index, each summarised without its hits.

Every query goes through ``parse_request`` with the shared filters and then the engine's own matching
path (``SearchIndex.summarise``), so a batch total is exactly what /api/search reports for that query.
One bad query gets its own error; the others still run.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from anyascii import anyascii

from .errors import InvalidParameter, SearchError
from .model import FacetValue
from .params import parse_request
from .query import NOTICE_UNPARSED

log = logging.getLogger("crisis_desk.batch")

MAX_QUERIES = 1000
TOP_COUNTRIES = 5
TOP_ACTORS = 5
MAX_CSV_BYTES = 5 * 2**20
# The filters a batch shares across its queries: the same names as in /api/search.
SHARED_KEYS = ("actor", "country", "org", "source", "from", "to", "leaders")


@dataclass
class BatchRow:
    """One query's line of a batch: its summary, or the error that stopped it."""

    query: str
    total: int = 0
    first: date | None = None
    last: date | None = None
    countries: list[FacetValue] = field(default_factory=list)
    actors: list[FacetValue] = field(default_factory=list)
    error: str | None = None
    notice: str | None = None

    def to_dict(self) -> dict:
        """Return the JSON shape of one /api/batch result."""
        row = {
            "query": self.query,
            "total": self.total,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "countries": [{"name": c.value, "code": c.code, "count": c.count} for c in self.countries],
            "actors": [{"name": a.value, "count": a.count} for a in self.actors],
        }
        if self.notice:
            row["notice"] = self.notice
        if self.error:
            row["error"] = self.error
        return row

    @classmethod
    def from_dict(cls, row: dict) -> BatchRow:
        """Return the row that ``to_dict`` gave (a batch job keeps its results as JSON)."""

        def day(text):
            return date.fromisoformat(text) if text else None

        return cls(
            query=row["query"],
            total=row["total"],
            first=day(row.get("first")),
            last=day(row.get("last")),
            countries=[FacetValue(c["name"], c["count"], code=c.get("code") or "") for c in row.get("countries", [])],
            actors=[FacetValue(a["name"], a["count"]) for a in row.get("actors", [])],
            error=row.get("error"),
            notice=row.get("notice"),
        )


def shared_filters(args: Mapping) -> dict[str, list[str]]:
    """Return the shared filters of a batch (known keys only, each as a list of strings), validated.

    Raises InvalidParameter when they do not parse, since then no query of the batch could run.
    """
    shared: dict[str, list[str]] = {}
    for key in SHARED_KEYS:
        raw = args.get(key)
        if raw is None or raw == "":
            continue
        values = raw if isinstance(raw, (list, tuple)) else [raw]
        if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
            raise InvalidParameter(f"{key} must be text or a list of text")
        shared[key] = [str(v) for v in values]
    parse_request(shared)
    return shared


def check_queries(queries: object) -> list[str]:
    """Return the queries of a batch as a list, or raise InvalidParameter (none, or more than MAX_QUERIES)."""
    if not isinstance(queries, (list, tuple)):
        raise InvalidParameter("queries must be a list of query strings")
    if not queries:
        raise InvalidParameter("give at least one query")
    if len(queries) > MAX_QUERIES:
        raise InvalidParameter(f"at most {MAX_QUERIES:,} queries in one batch (got {len(queries):,})")
    return list(queries)


def run_queries(index, queries: Sequence[object], shared: Mapping[str, list[str]]) -> Iterator[BatchRow]:
    """Yield each query's row, all against one snapshot of the index (see ``SearchIndex.pinned``)."""
    with index.pinned():
        for query in queries:
            yield run_one(index, query, shared)


def run_one(index, query: object, shared: Mapping[str, list[str]]) -> BatchRow:
    """Summarise one query of a batch (its errors become the row's ``error``)."""
    if not isinstance(query, str):
        return BatchRow(query=str(query)[:200], error="a query must be text")
    text = query.strip()
    if not text:
        return BatchRow(query=query, error="empty query")
    try:
        req = parse_request({**shared, "q": [text]})
        summary = index.summarise(req, countries=TOP_COUNTRIES, actors=TOP_ACTORS + 3)
    except InvalidParameter as exc:
        return BatchRow(query=text, error=str(exc))
    except SearchError:
        raise  # the index itself is missing or unreadable: the whole batch fails the same way
    except Exception:  # one query's failure must not cost the others their answers
        log.exception("batch query failed: %r", text[:200])
        return BatchRow(query=text, error="this query could not be run")
    if summary.notice == NOTICE_UNPARSED:
        # The results page would search the words instead; in a table of counts that silent change
        # would pass for an answer to the query as written.
        return BatchRow(query=text, error="this query cannot be parsed (check its quotes, brackets and field names)")
    return BatchRow(
        query=text,
        total=summary.total,
        first=summary.first,
        last=summary.last,
        countries=summary.countries,
        actors=co_mentioned(summary.actors, [text, *summary.also_matching])[:TOP_ACTORS],
        notice=summary.notice,
    )


@functools.lru_cache(maxsize=4096)  # actor names recur across a batch; query texts (up to 1,000 chars) do not
def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in "".join(c if c.isalnum() else " " for c in anyascii(text).casefold()).split() if w)


def co_mentioned(actors: Sequence[FacetValue], names: Sequence[str]) -> list[FacetValue]:
    """Drop the actors a query names itself ("Putin" is not co-mentioned with Vladimir Putin)."""
    named = [w for w in (_words(n) for n in names) if w]
    return [a for a in actors if not any(words <= _words(a.value) for words in named)]


def read_csv_column(data: bytes, column: str = "") -> list[str]:
    """Return the non-empty cells of one column of a CSV file (by header name; default the first).

    Raises InvalidParameter with a one-line reason for a file that is not CSV text or lacks the column.
    """
    if len(data) > MAX_CSV_BYTES:
        raise InvalidParameter(f"the CSV file is larger than {MAX_CSV_BYTES // 2**20} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidParameter("the CSV file is not UTF-8 text") from None
    if "\x00" in text:
        raise InvalidParameter("the CSV file is not text")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise InvalidParameter("the CSV file has no header row")
        names = [h.strip() for h in header]
        wanted = column.strip()
        if wanted:
            folded = [n.casefold() for n in names]
            if wanted.casefold() not in folded:
                shown = ", ".join(repr(n) for n in names[:10])
                raise InvalidParameter(f"the CSV file has no column {wanted[:60]!r} (its columns: {shown})")
            position = folded.index(wanted.casefold())
        else:
            position = 0
        cells = []
        for row in reader:
            if position < len(row) and row[position].strip():
                cells.append(row[position].strip())
    except csv.Error as exc:
        raise InvalidParameter(f"the CSV file cannot be read ({exc})") from None
    return cells
