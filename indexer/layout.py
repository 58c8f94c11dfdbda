"""Where things live inside an index directory.

``INDEX_DIR/CURRENT`` names the generation being served (a sub-directory holding one Whoosh index,
e.g. ``gen-000001``). ``--rebuild`` writes a new generation beside it and then replaces ``CURRENT``
atomically, so a reader switches from one complete index to another. Everything the search side
needs about entity spellings (aliases) is inside the Whoosh index itself, in the per-document
``spellings`` column (see ``schema.py``): no sidecar file can fall out of step with a commit.

Each generation also holds ``country-names.json`` (``COUNTRIES_FILE``), the reference data the read side
needs to show and read countries without importing the indexer's rules, written by
``indexer/reference.py`` at each commit whose normaliser differs from the one that wrote it last:
``{"format": 1, "normaliser": "<version>", "display": {"RU": "Russia", ...}, "names": {key: code},
"metonyms": {...}, "demonyms": {...}, "capitals": {...}, "places": {...}}``. ``display`` is each code's
display name; the other tables map a folded form to an alpha-2 code and are tried in that order (a demonym
also in its plural, "Swedes"; capitals and places not for an all-capitals word of three letters or fewer,
an acronym). A key is folded as ``fold_country_key`` does: accents removed, lower case, ’ and ` as ',
a final 's or ' dropped, dots removed, other punctuation but ' and - a space, single spaces, a leading
"the " dropped. A generation built before the file existed has none; the read side then falls back to
pycountry. It is listed in ``MANIFEST.json`` like the Whoosh files.

Each segment of a generation's newest commit also has ``export-rows-<segment id>.json`` (``EXPORT_ROWS_*``,
written by ``indexer/export_rows.py`` at each commit for the segments that lack one, those of segments merged
away removed): the columns a CSV export shows that are not in the facet arrays, without the bodies that
Whoosh compresses into the same stored record: ``{"format": 1, "segment": "<segment id>", "docs": <documents
in the segment, deleted ones included>, "columns": ["id", "title", "source", "url"], "rows": [[...], ...]}``,
one row per document number of the segment. Listed in ``MANIFEST.json``; a generation or segment without one
(built before it existed) is exported from the stored records.

Also in ``INDEX_DIR``:
``ner-cache.sqlite`` (spaCy results by text hash), ``entity-cache.sqlite`` (normalised entities by
text hash, NER model and normaliser version; see ``indexer/entity_cache.py``), ``stories.sqlite`` (each
article's story id and near-duplicate signature, keyed by article id and body hash, so story ids outlive
rebuilds and an incremental build matches new articles without re-reading old texts; see
``indexer.stories``), ``build.lock`` (one writer at a time), ``last-build.json`` (the summary of the
last build, for ``status``) and ``catalogue-gen-NNNNNN.json`` per generation (each served article's id,
content hash, source path and first-indexed time, and the source files' stats, so an incremental build
never loads stored documents; see ``indexer.catalogue``; it sits beside its generation, not inside, because
readers check every file inside a generation against its manifest) and ``normaliser-version.json`` (the
installed rules' version with a hash of the indexer's files, so a build does not parse the rules to learn
it; see ``indexer.normaliser_memo``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

CURRENT = "CURRENT"
PREVIOUS = "PREVIOUS"  # the generation served before CURRENT (kept for readers that still hold it)
GENERATION_PREFIX = "gen-"
CACHE_FILE = "ner-cache.sqlite"
ENTITY_CACHE_FILE = "entity-cache.sqlite"
STORIES_FILE = "stories.sqlite"
LOCK_FILE = "build.lock"
LAST_BUILD_FILE = "last-build.json"
COUNTRIES_FILE = "country-names.json"  # per generation: country display names and the forms that name them
COUNTRIES_FORMAT = 1
COUNTRY_TABLES = ("names", "metonyms", "demonyms", "capitals", "places")  # looked up in this order


def fold_country_key(text: str) -> str:
    """Fold a country form to its key in ``COUNTRIES_FILE``: no accents, lower case, no dots, single
    spaces, no leading "the" (the indexer's gazetteer folds the same way)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("`", "'").lower()
    text = re.sub(r"'s$|'$", "", text.strip())
    text = text.replace(".", "")
    text = re.sub(r"[^\w'\- ]+", " ", text)
    text = " ".join(text.split())
    if text.startswith("the "):
        text = text[4:]
    return text


EXPORT_ROWS_PREFIX = "export-rows-"  # per segment, inside the generation
EXPORT_ROWS_SUFFIX = ".json"
EXPORT_ROWS_FORMAT = 1
EXPORT_ROWS_COLUMNS = ("id", "title", "source", "url")


def export_rows_name(segment_id: str) -> str:
    """Return the file name of one segment's export rows (see the module docstring)."""
    return f"{EXPORT_ROWS_PREFIX}{segment_id}{EXPORT_ROWS_SUFFIX}"


NORMALISER_MEMO_FILE = "normaliser-version.json"  # the installed rules' version, remembered (indexer.normaliser_memo)
CATALOGUE_PREFIX = "catalogue-"
CATALOGUE_SUFFIX = ".json"


class CurrentUnreadable(Exception):
    """``CURRENT`` exists but does not name a generation that exists (``generation``: what it named)."""

    def __init__(self, message: str, generation: str | None = None):
        super().__init__(message)
        self.generation = generation


def current_generation(index_dir: str | os.PathLike) -> str | None:
    """Return the name of the generation being served, or None when there is no index.

    A ``CURRENT`` that is garbled, a directory or names a missing generation raises CurrentUnreadable:
    that is a damaged index, not a missing one."""
    path = Path(index_dir) / CURRENT
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise CurrentUnreadable(f"{path} is a directory, not the file naming the served generation") from None
    except OSError as exc:
        raise CurrentUnreadable(f"{path} cannot be read ({exc.strerror or exc})") from None
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        name = None
    if not name or not name.startswith(GENERATION_PREFIX) or not generation_number(name) or "/" in name:
        raise CurrentUnreadable(f"{path} does not name a generation (it holds {raw[:24]!r})")
    if not (Path(index_dir) / name).is_dir():
        raise CurrentUnreadable(f"{path} names {name}, which does not exist", name)
    return name


def current_generation_dir(index_dir: str | os.PathLike) -> Path | None:
    """Return the directory of the Whoosh index being served, or None when there is none."""
    name = current_generation(index_dir)
    return Path(index_dir) / name if name else None


def generation_name(number: int) -> str:
    """Return the directory name of generation ``number``."""
    return f"{GENERATION_PREFIX}{number:06d}"


def generation_number(name: str) -> int:
    """Return the number in a generation directory name (0 when it is not one)."""
    try:
        return int(name[len(GENERATION_PREFIX) :]) if name.startswith(GENERATION_PREFIX) else 0
    except ValueError:
        return 0


def catalogue_path(index_dir: str | os.PathLike, generation: str) -> Path:
    """Return the path of generation ``generation``'s catalogue (see ``indexer.catalogue``)."""
    return Path(index_dir) / f"{CATALOGUE_PREFIX}{generation}{CATALOGUE_SUFFIX}"


def catalogue_generation(filename: str) -> str | None:
    """Return the generation a catalogue file name belongs to (None when it is not one)."""
    if not (filename.startswith(CATALOGUE_PREFIX) and filename.endswith(CATALOGUE_SUFFIX)):
        return None
    name = filename[len(CATALOGUE_PREFIX) : -len(CATALOGUE_SUFFIX)]
    return name if generation_number(name) else None


def switch_generation(index_dir: str | os.PathLike, name: str) -> None:
    """Point ``CURRENT`` at generation ``name`` in one atomic rename, recording the one it replaces
    in ``PREVIOUS`` first: only generations that were served are ever kept."""
    try:
        served = current_generation(index_dir)
    except CurrentUnreadable:
        served = None
    if served and served != name:
        _write_atomically(Path(index_dir) / PREVIOUS, served)
    _write_atomically(Path(index_dir) / CURRENT, name)


def previous_generation(index_dir: str | os.PathLike) -> str | None:
    """Return the generation served before the current one, if it is recorded and still there."""
    try:
        name = (Path(index_dir) / PREVIOUS).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if generation_number(name) and (Path(index_dir) / name).is_dir() else None


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
