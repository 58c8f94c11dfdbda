"""Read articles from files on disk: seed ``.txt``, ``.jsonl`` / ``.json`` and ``.csv``.

``read_articles(paths)`` yields :class:`~indexer.model.Article` objects and reports every file, line
or row it cannot use to ``on_problem(location, reason)`` instead of raising, so one bad file never
stops a batch. Columns are found by name, case-insensitively; ``mapping`` overrides that.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from dateutil import parser as dateparser

from indexer import layout
from indexer.errors import IndexerError
from indexer.liveblog import restore_breaks
from indexer.model import Article

FIELDS = ("id", "title", "date", "text", "lead", "source", "url")

# Column names each field answers to, in order of preference (compared case-insensitively).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading"),
    "date": ("date", "published", "publish_date", "datetime"),
    "text": ("text", "body", "content", "article"),
    # The lead paragraph (the Kremlin CSV's "summary"), indexed and shown above the body.
    "lead": ("summary", "lead", "lede", "description", "standfirst"),
    "source": ("source", "outlet", "publisher", "domain"),
    "url": ("url", "link"),
    "id": ("id",),
}
# Words that mark a column as describing something other than the article (an image's URL, say).
SIDE_COLUMN_WORDS = {"image", "img", "thumb", "thumbnail", "photo", "picture", "comments", "comment", "caption"}

SUFFIXES = {".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}
DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_TEXT_CHARS = 2_000_000
TITLE_MAX_CHARS = 100
MAX_INT_DIGITS = 64  # longer JSON integers are kept as text (Python refuses over 4,300 digits)
_SURROGATE = re.compile(r"[\udc80-\udcff]")

SEED_HEADER = re.compile(r"\A\s*date\s+(\S+)\s+")
# Wire datelines: "MOSCOW, November 17. /TASS/." or "LONDON, Feb 26 (Reuters) -".
DATELINE = re.compile(
    r"\A\s*(?P<place>[A-Z][A-Z .'\-]{1,40}),\s+(?P<when>[A-Z][a-z]{2,9}\.?\s+\d{1,2})\.?\s*"
    r"(?:/(?P<slash>[A-Za-z\-]{2,20})/\.?|\((?P<paren>[A-Za-z\-]{2,20})\)\s*[-\u2013\u2014]?)?\s*"
)
SENTENCE_END = re.compile(r"(?<=[.!?])[\"\u201d\u2019)]?\s+(?=[\"\u201c(\[]?[A-Z0-9])")

ProblemHandler = Callable[[str, str], None]


class SourceError(IndexerError):
    """A file or record that cannot be read as an article (the message says why)."""


def read_articles(
    paths: Iterable[str | os.PathLike],
    *,
    mapping: Mapping[str, str] | None = None,
    on_problem: ProblemHandler | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> Iterator[Article]:
    """Yield every article found under ``paths`` (files or folders, folders recursively)."""
    report = on_problem or (lambda location, reason: None)
    mapping = {k.lower(): v for k, v in (mapping or {}).items()}
    for path in list_files(paths, report):
        kind = SUFFIXES[path.suffix.lower()]
        try:
            size = path.stat().st_size
        except OSError as exc:
            report(str(path), f"cannot read: {exc.strerror or exc}")
            continue
        if size == 0:
            report(str(path), "empty file")
            continue
        if size > max_file_bytes:
            report(str(path), f"file too large ({size / 2**20:.0f} MB > {max_file_bytes / 2**20:.0f} MB limit)")
            continue
        try:
            if kind == "txt":
                yield from _read_txt(path, report, max_text_chars)
            elif kind == "jsonl":
                yield from _read_jsonl(path, mapping, report, max_text_chars)
            elif kind == "json":
                yield from _read_json(path, mapping, report, max_text_chars)
            else:
                yield from _read_csv(path, mapping, report, max_text_chars)
        except SourceError as exc:
            report(str(path), str(exc))
        except OSError as exc:
            report(str(path), f"cannot read: {exc.strerror or exc}")


def list_files(paths: Iterable[str | os.PathLike], report: ProblemHandler) -> Iterator[Path]:
    """Yield the readable article files named by ``paths``, folders walked recursively in name order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and not _inside_index(p, path)
            )
            if not found:
                report(str(path), "no .txt, .jsonl, .json or .csv files in this folder")
            yield from (p.resolve() for p in found)
        elif path.is_file():
            if path.suffix.lower() in SUFFIXES:
                yield path.resolve()
            else:
                report(str(path), f"unsupported file type {path.suffix or '(none)'} (use .txt, .jsonl, .json or .csv)")
        else:
            report(str(path), "no such file or directory")


# --- formats -------------------------------------------------------------------------------------


def _read_txt(path: Path, report: ProblemHandler, max_text_chars: int) -> Iterator[Article]:
    """A seed file: `` date YYYY-MM-DD `` then the article text; the id is the file's stem."""
    text = _decode(path.read_bytes())
    date = None
    header = SEED_HEADER.match(text)
    if header:
        text = text[header.end() :]
        date, problem = parse_date(header.group(1))
        if problem:
            report(str(path), f"{problem}; indexed without a date")
    else:
        report(str(path), "no ' date YYYY-MM-DD ' header; indexed without a date")
    article = make_article(
        {"id": path.stem, "text": text, "date": date},
        path=path,
        location=str(path),
        report=report,
        max_text_chars=max_text_chars,
        date_parsed=True,
    )
    if article:
        yield article


def _read_jsonl(
    path: Path, mapping: Mapping[str, str], report: ProblemHandler, max_text_chars: int
) -> Iterator[Article]:
    """One JSON object per line; blank lines are ignored."""
    _check_binary(path)
    layouts: dict = {}
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            location = f"{path}:{lineno}"
            if not raw.strip():
                continue
            try:
                record = load_json(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                report(location, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})")
                continue
            except json.JSONDecodeError as exc:
                report(location, f"malformed JSON ({exc.msg} at column {exc.colno})")
                continue
            except SourceError as exc:
                report(location, str(exc))
                continue
            article = _guarded(
                _record_article,
                location,
                report,
                record,
                mapping,
                path,
                lineno,
                location,
                report,
                max_text_chars,
                layouts,
            )
            if article:
                yield article


def _read_json(
    path: Path, mapping: Mapping[str, str], report: ProblemHandler, max_text_chars: int
) -> Iterator[Article]:
    """A JSON array of article objects (or one object)."""
    try:
        data = load_json(_decode(path.read_bytes()))
    except json.JSONDecodeError as exc:
        raise SourceError(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    records = data if isinstance(data, list) else [data]
    first = next((r for r in records if isinstance(r, dict)), None)
    if first is not None:
        _check_text_field(resolve_columns(list(first), mapping), path, report, "field")
    layouts: dict = {}
    for number, record in enumerate(records, start=1):
        location = f"{path}:item {number}"
        article = _guarded(
            _record_article, location, report, record, mapping, path, number, location, report, max_text_chars, layouts
        )
        if article:
            yield article


def _read_csv(path: Path, mapping: Mapping[str, str], report: ProblemHandler, max_text_chars: int) -> Iterator[Article]:
    """A CSV file with a header row; quoted fields may hold newlines."""
    _check_binary(path)
    csv.field_size_limit(2**31 - 1)
    with open(path, "rb") as raw:
        # Bytes that are not UTF-8 become lone surrogates here rather than an error, so a Latin-1 row
        # costs only itself (decoded as Windows-1252 below) and every line number stays right.
        stream = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        try:
            reader = csv.reader(stream)
            header = next(reader, None)
            if not header:
                raise SourceError("no header row")
            header = _redecode_row(header, f"{path}:1", report)
            columns = resolve_columns(header, mapping)
            _check_text_field(columns, path, report, "column")
            for row in reader:
                lineno = reader.line_num
                location = f"{path}:{lineno}"
                if not any(cell.strip() for cell in row):
                    continue
                row = _redecode_row(row, location, report)
                record = {field: row[index] if index < len(row) else "" for field, index in columns.items()}
                article = _guarded(
                    make_article,
                    location,
                    report,
                    record,
                    path=path,
                    row=lineno,
                    location=location,
                    report=report,
                    max_text_chars=max_text_chars,
                )
                if article:
                    yield article
        except csv.Error as exc:
            raise SourceError(f"malformed CSV at line {reader.line_num}: {exc}") from None


def resolve_columns(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Map our field names to column indexes: ``mapping`` first, then names, then words in names."""
    names = [h.strip().lower() for h in header]
    columns: dict[str, int] = {}
    for field, column in mapping.items():
        if column.strip().lower() not in names:
            raise SourceError(f"--map {field}={column}: no such column (columns: {', '.join(h for h in header if h)})")
        columns[field] = names.index(column.strip().lower())
    for field, aliases in FIELD_ALIASES.items():
        if field in columns:
            continue
        index = _find_column(names, aliases, taken=set(columns.values()))
        if index is not None:
            columns[field] = index
    return columns


def _find_column(names: list[str], aliases: tuple[str, ...], taken: set[int]) -> int | None:
    """The column whose name is an alias, else one that has an alias as a word ("Article Url")."""
    for alias in aliases:
        if alias in names and names.index(alias) not in taken:
            return names.index(alias)
    candidates = []
    for index, name in enumerate(names):
        words = set(re.split(r"[\s_\-./]+", name))
        for rank, alias in enumerate(aliases):
            if alias in words and index not in taken:
                candidates.append((bool(words & SIDE_COLUMN_WORDS), rank, len(words), index))
    if aliases == FIELD_ALIASES["lead"]:  # an image's description is no lead paragraph
        candidates = [c for c in candidates if not c[0]]
    return min(candidates)[3] if candidates else None


def _record_article(
    record: object,
    mapping: Mapping[str, str],
    path: Path,
    row: int,
    location: str,
    report: ProblemHandler,
    max_text_chars: int,
    layouts: dict,
) -> Article | None:
    """Turn one JSON object into an article, finding fields by name like CSV columns.

    ``layouts`` keeps the columns found for each set of keys, so a file of like records resolves
    its field names once, not once per line."""
    if not isinstance(record, dict):
        report(location, f"expected a JSON object, found {type(record).__name__}")
        return None
    keys = list(record)
    layout_key = tuple(keys)
    columns = layouts.get(layout_key)
    if columns is None:
        try:
            columns = layouts[layout_key] = resolve_columns(keys, mapping)
        except SourceError as exc:
            report(location, str(exc))
            return None
    if "text" not in columns and "title" not in columns:
        report(location, _no_text_reason("field"))
        return None
    values = {field: record[keys[index]] for field, index in columns.items()}
    return make_article(values, path=path, row=row, location=location, report=report, max_text_chars=max_text_chars)


# --- one article ---------------------------------------------------------------------------------


def make_article(
    record: Mapping[str, object],
    *,
    path: Path,
    location: str,
    report: ProblemHandler,
    max_text_chars: int,
    row: int | None = None,
    date_parsed: bool = False,
) -> Article | None:
    """Build an Article from raw field values, or report why not and return None."""
    # a live blog scraped without its markup gets the breaks between its blocks and sentences back
    text = restore_breaks(clean_text(_as_text(record.get("text"))))
    title = " ".join(clean_text(_as_text(record.get("title"))).split())
    lead = clean_text(_as_text(record.get("lead")))
    if lead and lead == text:  # a feed that repeats its text as the summary has no separate lead
        lead = ""
    if not text and not title:
        report(location, "no article text and no title")
        return None
    if len(text) > max_text_chars:
        report(location, f"article text too long ({len(text):,} chars > {max_text_chars:,})")
        return None
    if date_parsed:
        date = cast("datetime | None", record.get("date"))  # the caller parsed it already
    else:
        date, problem = parse_date(record.get("date"))
        if problem:
            report(location, f"{problem}; indexed without a date")
    dateline = DATELINE.match(text)
    url = _as_text(record.get("url")).strip()
    source = (
        _as_text(record.get("source")).strip()
        or (dateline and (dateline.group("slash") or dateline.group("paren")) or "")
        or host_of(url)
    )
    title_derived = not title
    if title_derived:
        title = derive_title(text[dateline.end() :] if dateline else text)
    given_id = _as_text(record.get("id")).strip()
    article_id = given_id or stable_id(path, row)
    return Article(
        id=article_id,
        title=title,
        text=text,
        date=date,
        source=source,
        url=url,
        title_derived=title_derived,
        path=str(path),
        location=location,
        lead=lead,
    )


def load_json(text: str) -> object:
    """Parse JSON text; nesting too deep for Python becomes a SourceError, and integers too long for
    Python's int stay strings (a 5,000-digit "date" is then an impossible date, not a crash)."""
    try:
        return json.loads(text, parse_int=_parse_int)
    except RecursionError:
        raise SourceError("JSON nested too deeply to read") from None


def _parse_int(digits: str) -> int | str:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else digits


def _guarded(read, location: str, report: ProblemHandler, /, *args, **kwargs):
    """Call ``read`` for one record; any error it meets is that record's warning, not the batch's end."""
    try:
        return read(*args, **kwargs)
    except RecursionError:
        report(location, "record nested too deeply to read; skipped")
    except Exception as exc:  # noqa: BLE001 - a bad record must never stop the batch
        detail = " ".join(str(exc).split())[:120]
        report(
            location, f"could not read this record ({exc.__class__.__name__}{': ' + detail if detail else ''}); skipped"
        )
    return None


def _redecode_row(row: list[str], location: str, report: ProblemHandler) -> list[str]:
    """Return a CSV row whose non-UTF-8 bytes (lone surrogates here) are read as Windows-1252."""
    if not any(_SURROGATE.search(cell) for cell in row):
        return row
    first = next(m for m in map(_SURROGATE.search, row) if m)
    byte = ord(first.group(0)) - 0xDC00
    report(location, f"not valid UTF-8 (byte 0x{byte:02x}); this row was read as Windows-1252")
    return [
        cell.encode("utf-8", "surrogateescape").decode("cp1252", "replace") if _SURROGATE.search(cell) else cell
        for cell in row
    ]


def parse_date(value: object) -> tuple[datetime | None, str | None]:
    """Parse a date in any common form; return (date, None) or (None, why not)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "missing date"
    if isinstance(value, datetime):
        return value, None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            parsed = datetime.fromtimestamp(value, tz=UTC)
        else:
            text = str(value).strip()
            if re.fullmatch(r"\d{9,10}(\.\d+)?", text):  # unix seconds
                parsed = datetime.fromtimestamp(float(text), tz=UTC)
            else:
                parsed = dateparser.parse(text, default=datetime(2000, 1, 1))
    except (ValueError, OverflowError, OSError, TypeError) as exc:
        return None, f"impossible date {_as_text(value)[:40]!r} ({' '.join(str(exc).split())[:80]})"
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    if not 1800 <= parsed.year <= 2100:
        return None, f"impossible date {str(value)[:40]!r} (year {parsed.year})"
    return parsed, None


def derive_title(text: str) -> str:
    """The first sentence, cut at a word boundary to at most ~100 characters."""
    first = SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    first = " ".join(first.split())
    if len(first) <= TITLE_MAX_CHARS:
        return first
    cut = first[: TITLE_MAX_CHARS + 1].rsplit(" ", 1)[0].rstrip(",;:-\u2013\u2014 ")
    return cut + "\u2026"


def clean_text(text: str) -> str:
    """Normalise line ends and strip control characters that are not whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    # JSON may spell a lone surrogate ("\\ud800"); it cannot be written as UTF-8, so it becomes U+FFFD
    text = re.sub(r"[\ud800-\udfff]", "\ufffd", text)
    return text.strip()


def host_of(url: str) -> str:
    """The host of a URL without a leading ``www.`` (the source when nothing else names one)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def stable_id(path: Path, row: int | None) -> str:
    """An id that stays the same across runs: a hash of the source path and row."""
    digest = hashlib.sha1(f"{path}\0{row}".encode()).hexdigest()
    return digest[:16]


def _inside_index(file: Path, top: Path) -> bool:
    """True for files of a Crisis Desk index directory (which may sit inside a corpus folder)."""
    folder = file.parent
    while True:
        if (folder / layout.LOCK_FILE).exists() or (folder / layout.CURRENT).exists():
            return True
        if folder == top or folder.parent == folder:
            return False
        folder = folder.parent


def _no_text_reason(kind: str) -> str:
    return (
        f"no text {kind} (looked for "
        + ", ".join(FIELD_ALIASES["text"])
        + f"; name one with --map text={kind.upper()})"
    )


def _check_text_field(columns: Mapping[str, int], path: Path, report: ProblemHandler, kind: str) -> None:
    """Refuse a file with neither text nor title; warn once when only titles can be indexed."""
    if "text" in columns:
        return
    if "title" not in columns:
        raise SourceError(_no_text_reason(kind))
    report(str(path), _no_text_reason(kind) + "; indexing titles only")


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _check_binary(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if b"\x00" in head:
        raise SourceError("binary file (contains NUL bytes), not text")


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise SourceError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line})") from None
