"""Write articles into the Whoosh index: add, update, prune, rebuild as a new generation, remove.

The writer is the only code that changes an index. One build at a time holds ``build.lock``;
a Whoosh commit is atomic and a ``--rebuild`` switches generations with one rename, so an interrupted
build (Ctrl-C, kill) leaves the index exactly as it was before it started.
"""

from __future__ import annotations

import copy
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer import check, layout
from indexer.catalogue import (
    Catalogue,
    Entry,
    SourceFile,
    drop_catalogues,
    file_stat,
    read_catalogue,
    reading_key,
    settled,
    write_catalogue,
)
from indexer.enrich import (
    EntityStream,
    NerCache,
    body_offset,
    installed_model_id,
    load_nlp,
    model_id,
    ner_text,
    text_hash,
)
from indexer.entity_cache import EntityCache, dump_entities
from indexer.errors import IndexerError
from indexer.model import Article, Entities, Mention
from indexer.normaliser_memo import remembered_version
from indexer.sources import DEFAULT_MAX_FILE_BYTES, ProblemHandler, list_files, read_articles
from indexer.spellings import TitleMentions, corpus_renames, spellings_column, surface_spellings

if TYPE_CHECKING:
    from indexer.event_dates import EventDate

# The rules (indexer.entities and what it imports), the story detector (datasketch, which imports scipy)
# and date resolution are imported where they are used: a build that finds nothing to do must not pay
# seconds of imports for them.

WRITER_MEMORY_MB = 256


def _whoosh():
    """``whoosh.index``, imported (and patched) when first needed: Whoosh, like the rules and the story
    detector, is imported only by a build that reads or writes the index (a no-op needs none of them)."""
    from whoosh import index

    from indexer.whoosh_patch import apply_patch

    apply_patch()  # checks the Whoosh version first
    return index


class BuildError(IndexerError):
    """A build that cannot start or finish (the message says why); the index is unchanged."""


class BuildLocked(BuildError):
    """Another process is writing to the same index."""


@dataclass
class BuildSummary:
    """What a build did, for the CLI's last lines and ``status``."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    read: int = 0
    ner_runs: int = 0
    normalised: int = 0  # articles the rules normalised (the others came from the entity cache)
    normaliser: str = ""  # the normaliser version the index's entities come from
    seconds: float = 0.0
    generation: str = ""
    finished: str = ""
    started: float = 0.0  # unix time the build started: the articles it adds have ``t`` >= this
    # Wall seconds per step (read, stories, entities, resolve, renames, write, finish, catalogue), for last-build.json:
    # where a build's time went, without a profiler.
    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the wall time of the block to ``phases[phase]``."""
        began = time.perf_counter()
        try:
            yield
        finally:
            self.phases[phase] = round(self.phases.get(phase, 0.0) + time.perf_counter() - began, 3)

    @property
    def indexed(self) -> int:
        """Articles that are in the index after this build from its inputs."""
        return self.added + self.updated + self.unchanged


# --- locking -------------------------------------------------------------------------------------


@contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's build lock, or raise BuildLocked naming the process that has it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / layout.LOCK_FILE
    fh = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise BuildLocked(
                f"another build is writing to {index_dir} (pid {holder}); try again when it has finished"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()  # closing the file releases the lock, also when the process dies


# --- documents -----------------------------------------------------------------------------------


def content_hash(article: Article, normaliser: str) -> str:
    """A hash of everything that ends up in the article's document (and the rules that shape it)."""
    from indexer.schema import SCHEMA_VERSION

    payload = json.dumps(
        [
            SCHEMA_VERSION,
            normaliser,
            article.title,
            article.text,
            article.date.isoformat() if article.date else None,
            article.source,
            article.url,
            article.title_derived,
            article.lead,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def keyword(values: Iterable[str]) -> str:
    """Join facet values for a comma-separated KEYWORD field (commas inside a value would split it)."""
    return ",".join(v.replace(",", " ") for v in values if v)


def with_story(digest: str, story: str) -> str:
    """The stored hash of a document in story ``story``: a new story id makes the build rewrite it."""
    return hashlib.sha256(f"{digest}\0{story}".encode()).hexdigest()[:32] if story else digest


def make_document(
    article: Article,
    ents: Entities,
    digest: str,
    spellings: dict | None = None,
    story: str = "",
    indexed: float | None = None,
) -> dict:
    """The Whoosh document for one article (``spellings``: see :func:`surface_spellings`; ``story``: its
    story id, see indexer.stories; ``indexed``: unix time, in seconds to the millisecond, it first entered the
    index)."""
    actors = sorted(ents.actors, key=lambda a: (-a.count, a.name))
    countries = sorted(ents.countries, key=lambda c: (-c.count, c.code))
    orgs = sorted(ents.orgs, key=lambda o: (-o.count, o.name))
    day = article.date.strftime("%Y%m%d") if article.date else ""
    stored_entities = {
        "actors": [asdict(a) for a in actors],
        "countries": [asdict(c) for c in countries],
        "orgs": [asdict(o) for o in orgs],
        "mentions": [[m.start, m.end, m.kind, m.value] for m in ents.mentions],
    }
    mentioned = event_dates(article, ents)
    if mentioned:
        stored_entities["dates"] = [[d.start, d.end, d.date.isoformat(), d.precision] for d in mentioned]
    facets: dict[str, Any] = {
        "a": [a.name for a in actors],
        "l": [a.name for a in actors if a.leader],
        # each actor's role in this article, so the read side can show the role a result set's newest
        # article gives (roles change: "Chancellor" in 2021, "former Chancellor" in 2022)
        "r": [[a.name, a.role, a.country or ""] for a in actors if a.role],
        "c": [c.code for c in countries],
        "o": [o.name for o in orgs],
        "s": article.source,
        "d": day,
    }
    if mentioned:
        # each distinct period the text mentions: first day and precision (d, w, m, y), for the
        # "dates mentioned" filter and timeline
        facets["ev"] = sorted({(d.date.strftime("%Y%m%d"), d.precision[0]) for d in mentioned})
    if story:
        facets["st"] = story  # the story's size is not stored: it changes without the document changing
    if indexed is not None:
        # first indexed: saved searches' "new since" and feeds; milliseconds, so that a search opened in
        # the same second as a build still tells the articles before it from those after it
        facets["t"] = round(float(indexed), 3)
    doc = dict(
        id=article.id,
        title=article.title,
        body=article.text,
        lead=article.lead,
        title_derived=article.title_derived,
        actor=keyword(facets["a"]),
        leader=keyword(facets["l"]),
        country=keyword(facets["c"]),
        org=keyword(facets["o"]),
        source=keyword([article.source]),
        url=article.url,
        path=article.path,
        location=article.location,
        hash=digest,
        entities=json.dumps(stored_entities, ensure_ascii=False, separators=(",", ":")),
        facets=json.dumps(facets, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        spellings=spellings_column(spellings if spellings is not None else surface_spellings(article.text, ents)),
    )
    if article.date:
        doc.update(date=article.date, ym=article.date.strftime("%Y-%m"), day=article.date.strftime("%Y-%m-%d"))
    return doc


def body_entities(ents: Entities, offset: int) -> Entities:
    """Shift mention offsets from the NER text to the body; mentions inside the title are dropped."""
    ents.mentions = [
        Mention(m.start - offset, m.end - offset, m.kind, m.value) for m in ents.mentions if m.start >= offset
    ]
    ents.dates = [[start - offset, end - offset] for start, end in ents.dates if start >= offset]
    from indexer.normalise.people_corpus import PAIRS_KEY

    pairs = ents.name_votes.get(PAIRS_KEY) if ents.name_votes else None
    if pairs:  # hyphenated pairs of surnames become mentions too: same coordinates as the rest
        ents.name_votes[PAIRS_KEY] = [(s - offset, e - offset, pair) for s, e, pair in pairs if s >= offset]
    return ents


def entity_key(text: str, when: datetime | None) -> str:
    """The entity cache's key of one article: its NER text and, when it has one, its day."""
    return text_hash(f"{when.date().isoformat()}\0{text}" if when else text)


def date_spans(spans) -> list[list[int]]:
    """The [start, end] offsets of spaCy's DATE spans, for :mod:`indexer.event_dates`."""
    return [[int(s[0]), int(s[1])] for s in spans if len(s) >= 3 and s[2] == "DATE"]


def event_dates(article: Article, ents: Entities) -> list[EventDate]:
    """The dates the article's body mentions, resolved against its publication date."""
    from indexer.event_dates import resolve_event_dates

    return resolve_event_dates(article.text, [(s, e, "DATE") for s, e in ents.dates], article.date)


# --- the build -----------------------------------------------------------------------------------


def build_index(
    paths: Sequence[str | os.PathLike],
    index_dir: str | os.PathLike,
    *,
    nlp=None,
    rebuild: bool = False,
    prune: bool = False,
    mapping: Mapping[str, str] | None = None,
    n_process: int = 2,
    progress: bool = False,
    on_problem: ProblemHandler | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    normaliser: str | None = None,
    stories: bool = True,
) -> BuildSummary:
    """Index the articles under ``paths`` into ``index_dir``; return what was done.

    Without ``rebuild`` the served generation is updated in place (new articles added, changed ones
    replaced, unchanged ones left alone); with it a new generation is written and switched to.
    ``normaliser`` is the rules' version (default: computed from the installed rule files). With
    ``stories`` each article gets the id of its story of near-duplicates (indexer.stories).
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    summary = BuildSummary(normaliser=normaliser or remembered_version(index_dir), started=time.time())
    problems: list[tuple[str, str]] = []

    def report(location: str, reason: str) -> None:
        summary.skipped.append((location, reason))
        problems.append((location, reason))
        if on_problem:
            on_problem(location, reason)

    with writer_lock(index_dir), ExitStack() as stack:
        drop_old_generations(index_dir)  # orphans of killed or failed builds go before this one writes
        current, stored_catalogue, verified = served_for_build(index_dir, rebuild)
        fresh = rebuild or current is None
        key = reading_key(schema_digest(), summary.normaliser, mapping, max_file_bytes)
        served, trusted = (
            (None, False)
            if fresh or current is None  # fresh whenever there is no current
            else served_catalogue(index_dir, current, stored_catalogue)
        )
        existing = served.articles if served else {}

        with summary.timed("read"):
            sources = read_sources(paths, served, key, mapping=mapping, report=report, max_file_bytes=max_file_bytes)
            articles = dedupe(sources.articles, report)
        summary.read = len(articles) + len(sources.kept_ids)
        seen_paths = {a.path for a in articles} | sources.kept_paths
        seen_ids = {a.id for a in articles} | sources.kept_ids
        doomed = (
            []
            if fresh or not prune
            else [
                doc_id
                for doc_id, entry in existing.items()
                if doc_id not in seen_ids and (entry.path in seen_paths or not os.path.exists(entry.path))
            ]
        )
        story_ids: dict[str, str] = {}
        story_store = None
        if stories and (articles or doomed or fresh):  # a build that read nothing new leaves stories alone
            from indexer.stories import StoryError, StoryStore

            try:
                with summary.timed("stories"):
                    story_store = stack.enter_context(StoryStore(index_dir / layout.STORIES_FILE))
                    story_ids = story_store.assign(articles, only=seen_ids if fresh else None, forget=doomed)
            except StoryError as exc:
                if is_disk_full(exc, index_dir):
                    raise BuildError(disk_full_message(index_dir, paths, None)) from None
                raise BuildError(str(exc)) from None
        digests = [with_story(content_hash(a, summary.normaliser), story_ids.get(a.id, "")) for a in articles]
        todo = [
            i
            for i, (a, d) in enumerate(zip(articles, digests))
            if fresh or (existing[a.id].hash if a.id in existing else "") != d
        ]
        summary.unchanged = summary.read - len(todo)

        batch = [articles[i] for i in todo]
        batch_digests = [digests[i] for i in todo]
        if rebuild and current is not None and not articles:
            raise BuildError(
                "nothing to index, so the served generation is kept (a rebuild replaces "
                "the whole index with what the given paths hold)"
            )
        changed = bool(batch or doomed or fresh)
        batch_key = ""
        if fresh:
            batch_key = batch_identity(key, nlp, batch, batch_digests)
        target = new_generation_dir(index_dir) if fresh else current
        assert target is not None  # fresh whenever there is no current generation
        now = round(time.time(), 3)
        indexed: dict[str, float] = {}
        if changed:
            # What the served generation held before: a failed incremental write removes whatever it added.
            before = set() if fresh else set(os.listdir(target))
            try:
                try:
                    if fresh and current is not None:
                        indexed = served_times(index_dir, current, [a.id for a in batch])
                    elif not fresh:
                        indexed = {
                            a.id: e.t for a in batch for e in (existing.get(a.id),) if e is not None and e.t is not None
                        }
                    if not (fresh and reuse_generation(index_dir, current, target, batch_key, summary)):
                        from indexer.schema import SCHEMA

                        ix = _whoosh().create_in(str(target), SCHEMA) if fresh else _whoosh().open_dir(str(target))
                        if not fresh:
                            refuse_old_schema(ix, index_dir)
                        write_batch(
                            ix,
                            batch,
                            batch_digests,
                            existing,
                            doomed,
                            index_dir,
                            nlp=nlp,
                            n_process=n_process,
                            progress=progress,
                            summary=summary,
                            stories=story_ids,
                            indexed=indexed,
                            now=now,
                        )
                except BaseException:
                    if fresh:
                        shutil.rmtree(target, ignore_errors=True)
                    else:
                        remove_uncommitted(target, before)
                    raise
            except Exception as exc:
                if is_disk_full(exc, index_dir):
                    raise BuildError(disk_full_message(index_dir, paths, current if fresh else None)) from None
                raise
        with summary.timed("catalogue"):
            catalogue = next_catalogue(
                target,
                served,
                fresh=fresh,
                batch=batch,
                digests=batch_digests,
                doomed=doomed,
                indexed=indexed,
                now=now,
                batch_key=batch_key,
                files=sources.records(articles, problems, key),
            )
            catalogue.verified = verified_stamps(target) if changed else verified
            if (
                changed
                or not trusted
                or served is None  # trusted: served is the catalogue read from its file
                or catalogue.files != served.files
                or catalogue.verified != served.verified
            ):
                write_catalogue(index_dir, target.name, catalogue)
        if fresh:
            layout.switch_generation(index_dir, target.name)
            drop_old_generations(index_dir)
        if story_store:
            story_store.commit()  # after the index, so a failed build leaves both as they were
        summary.generation = target.name
        summary.seconds = time.perf_counter() - started
        summary.finished = datetime.now(UTC).isoformat(timespec="seconds")
        write_last_build(index_dir, summary)
    return summary


def verified_stamps(gen_dir: Path) -> set[tuple[str, int, int]]:
    """(name, size, mtime_ns) of every file of a generation whose manifest this build has just written (or
    copied from files it verified): their checksums match by construction."""
    manifest = check.read_manifest(gen_dir) or {}
    stamps = set()
    for name, (size, _) in manifest.get("files", {}).items():
        try:
            st = (gen_dir / name).stat()
        except OSError:
            continue
        if st.st_size == size:
            stamps.add((name, st.st_size, st.st_mtime_ns))
    return stamps


def schema_digest() -> str:
    """A hash of the schema module's bytes (for the catalogue's reading key, without importing Whoosh)."""
    return hashlib.sha256((Path(__file__).resolve().parent / "schema.py").read_bytes()).hexdigest()[:16]


def refuse_old_schema(ix, index_dir: Path) -> None:
    """Raise BuildError when the served generation lacks fields of today's schema (its documents could not
    take them)."""
    from indexer.schema import SCHEMA

    missing = sorted(set(SCHEMA.names()) - set(ix.schema.names()))
    if missing:  # written by an older Crisis Desk
        raise BuildError(
            f"the index in {index_dir} was built by an older version (no field "
            f"{', '.join(missing)}); rebuild it with --rebuild and all its paths"
        )


# --- reading the sources, with the catalogue's help ------------------------------------------------


@dataclass
class Sources:
    """What a build read: the articles of the files it read, and the ids of the files it did not need to."""

    articles: list[Article]
    kept_ids: set[str]  # served articles of unchanged files, taken from the catalogue without reading
    kept_paths: set[str]
    kept: dict[str, SourceFile]  # those files' records
    read: dict[str, tuple[tuple[int, int, int, int] | None, float]]  # file -> (stat before reading, when)

    def records(
        self, articles: Sequence[Article], problems: Sequence[tuple[str, str]], key: str
    ) -> dict[str, SourceFile]:
        """The catalogue records of this build's files: the unchanged ones as they were, and every file read
        that was untouched since well before it was read and none of whose ids came from another file too,
        with its stat and the warnings reading it gave (see ``indexer.catalogue``)."""
        said: dict[str, list[tuple[str, str]]] = {}
        for location, reason in problems:
            name = location if location in self.read else location.rsplit(":", 1)[0]
            said.setdefault(name, []).append((location, reason))
        by_path = Counter(a.path for a in articles)
        unclean: set[str] = set()
        owner: dict[str, str] = {}
        for a in self.articles:  # before dedupe: an id in two files makes both unclean
            other = owner.setdefault(a.id, a.path)
            if other != a.path:
                unclean.update((other, a.path))
        files = dict(self.kept)
        for name, (stat, read_at) in self.read.items():
            if stat is not None and name not in unclean and settled(stat, read_at):
                files[name] = SourceFile(stat, key, by_path.get(name, 0), said.get(name, []))
        return files


def read_sources(
    paths: Sequence[str | os.PathLike],
    served: Catalogue | None,
    key: str,
    *,
    mapping: Mapping[str, str] | None,
    report: ProblemHandler,
    max_file_bytes: int,
) -> Sources:
    """Read the articles of every file under ``paths``, except files the served catalogue shows unchanged
    (same stat, read under the same key): their articles are the served ones, taken by id."""
    files = [str(f) for f in list_files(paths, report)]
    ids_by_path: dict[str, list[str]] = {}
    if served and served.files:
        for doc_id, entry in served.articles.items():
            ids_by_path.setdefault(entry.path, []).append(doc_id)
    kept: dict[str, SourceFile] = {}
    for name in files:
        record = served.files.get(name) if served else None
        if (
            record is not None
            and record.key == key
            and record.stat[0] <= max_file_bytes
            and record.articles == len(ids_by_path.get(name, ()))
            and file_stat(name) == record.stat
        ):
            kept[name] = record
    read: dict[str, tuple] = {}
    got: dict[str, list[Article]] = {}
    pending = [name for name in files if name not in kept]
    while pending:
        for name in pending:
            read[name] = (file_stat(name), time.time())
            got[name] = list(read_articles([name], mapping=mapping, on_problem=report, max_file_bytes=max_file_bytes))
        # An id read from one file that an unchanged file holds too: read that one as well, so the usual
        # rule (the last one read wins, with a warning) decides.
        kept_owner = {doc_id: name for name in kept for doc_id in ids_by_path.get(name, ())}
        clash = {kept_owner[a.id] for name in pending for a in got[name] if a.id in kept_owner}
        for name in clash:
            del kept[name]
        pending = sorted(clash, key=files.index)
    for record in kept.values():  # what reading it said last time, it says again
        for location, reason in record.problems:
            report(location, reason)
    articles = [a for name in files if name in got for a in got[name]]
    kept_ids = {doc_id for name in kept for doc_id in ids_by_path.get(name, ())}
    return Sources(articles, kept_ids, {name for name in kept if ids_by_path.get(name)}, kept, read)


def served_times(index_dir: Path, gen_dir: Path, ids: Sequence[str]) -> dict[str, float]:
    """id -> first-indexed time of those ``ids`` the generation serves, from its catalogue if it has one."""
    catalogue = read_catalogue(index_dir, gen_dir.name, check.toc_generation(gen_dir))
    if catalogue is None:
        return read_indexed_times(gen_dir, ids)
    entries = catalogue.articles
    return {doc_id: e.t for doc_id in ids for e in (entries.get(doc_id),) if e is not None and e.t is not None}


def served_catalogue(index_dir: Path, gen_dir: Path, catalogue: Catalogue | None) -> tuple[Catalogue, bool]:
    """The served generation's catalogue (``catalogue``, read from its file) and whether it came from its
    file; without a trustworthy file, one read from the stored documents (every body is loaded: the slow
    way)."""
    toc = check.toc_generation(gen_dir)
    if catalogue is not None:
        return catalogue, True
    from whoosh.index import EmptyIndexError

    try:
        refuse_old_schema(_whoosh().open_dir(str(gen_dir)), index_dir)
    except EmptyIndexError:
        pass
    return Catalogue(toc, articles=read_existing(gen_dir)), False


def next_catalogue(
    target: Path,
    served: Catalogue | None,
    *,
    fresh: bool,
    batch: Sequence[Article],
    digests: Sequence[str],
    doomed: Sequence[str],
    indexed: Mapping[str, float],
    now: float,
    batch_key: str,
    files: dict[str, SourceFile],
) -> Catalogue:
    """The catalogue of ``target`` after this build wrote ``batch`` and deleted ``doomed``."""
    toc = check.toc_generation(target)
    if fresh:
        articles = {}
    else:
        assert served is not None  # an incremental build writes into the served generation
        articles = dict(served.articles)
        for doc_id in doomed:
            articles.pop(doc_id, None)
        # files not among this build's paths keep their records: their articles are still served
        files = {**{n: f for n, f in served.files.items() if n not in files}, **files}
        batch_key = served.batch if not (batch or doomed) else ""
    for article, digest in zip(batch, digests):
        articles[article.id] = Entry(digest, article.path, indexed.get(article.id, now))
    return Catalogue(toc, articles, files, batch_key)


# --- reusing a generation's documents ------------------------------------------------------------

# Modules whose code shapes a document besides the rules (those are in the normaliser's version).
WRITER_MODULES = ("build.py", "schema.py", "enrich.py", "entity_cache.py", "catalogue.py", "stories.py")


def batch_identity(key: str, nlp, batch: Sequence[Article], digests: Sequence[str]) -> str:
    """A hash of everything the documents of a full build of ``batch`` depend on: the articles (content
    hashes, which include the rules' version and the story ids, and where they came from), the reading key,
    the NER model and the writer's code. Two builds with the same identity write the same documents."""
    digest = hashlib.sha256()
    model = model_id(nlp) if nlp is not None and hasattr(nlp, "meta") else installed_model_id()
    digest.update(f"{key}\0{model}\0".encode())
    here = Path(__file__).resolve().parent
    for name in WRITER_MODULES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(b"?")
        digest.update(b"\0")
    for article, doc_digest in sorted(zip(batch, digests), key=lambda p: p[0].id):
        digest.update(f"{article.id}\0{doc_digest}\0{article.path}\0{article.location}\0".encode())
    return digest.hexdigest()[:32]


def reuse_generation(
    index_dir: Path, current: Path | None, target: Path, batch_key: str, summary: BuildSummary
) -> bool:
    """Fill the new generation ``target`` with the served generation's files when a full build of the same
    articles wrote it (same :func:`batch_identity`): its documents are what this rebuild would write.

    Whoosh never changes a committed file, so the files are hard-linked (copied where links are not
    possible); the served generation must pass its full checksum check first, since a rebuild is also
    how a damaged generation is replaced. Returns False (nothing done) when it cannot be reused."""
    if current is None or not batch_key:
        return False
    served = read_catalogue(index_dir, current.name, check.toc_generation(current))
    if served is None or served.batch != batch_key:
        return False
    try:
        if not check.verify_files(current):
            return False
    except check.IndexDamaged:
        return False
    manifest = check.read_manifest(current) or {}
    names = list(manifest.get("files", {}))
    for name in names:
        source, copy_to = current / name, target / name
        try:
            os.link(source, copy_to)
        except OSError:
            shutil.copy2(source, copy_to)
    shutil.copy2(current / check.MANIFEST_FILE, target / check.MANIFEST_FILE)
    summary.added = len(served.articles)
    return True


def write_batch(
    ix,
    batch: Sequence[Article],
    digests: Sequence[str],
    existing: Mapping[str, object],
    doomed: Sequence[str],
    index_dir: Path,
    *,
    nlp,
    n_process: int,
    progress: bool,
    summary: BuildSummary,
    stories: Mapping[str, str] | None = None,
    indexed: Mapping[str, float] | None = None,
    now: float | None = None,
) -> None:
    """Recognise, normalise and write ``batch`` and delete ``doomed``, all in one commit.

    ``indexed`` holds the first-indexed time of articles already served; every other article is
    stamped with ``now`` (default: the time of this commit).

    Each article is normalised as soon as its entities arrive from the NER workers, unless the entity
    cache has this text under the same NER model and normaliser version (then neither NER nor the rules
    run). Corpus-wide resolution (a surname only the rest of the corpus can name, one spelling per
    person, roles) needs every article, so documents are written after it: writing them earlier and
    replacing the ones it changes would leave deleted copies whose words still count in BM25's
    statistics until a merge. One commit also means readers see the whole update or none of it.
    """
    from indexer import entities as entity_rules

    normalised: list[Entities] = []
    titles: list[TitleMentions] = []
    if batch:
        with summary.timed("entities"):  # NER (or its cache) and each article's rules
            model = model_id(nlp) if nlp is not None and hasattr(nlp, "meta") else installed_model_id()
            texts = [ner_text(a) for a in batch]
            # The rules read the article's date as well as its text (a former state is an era after its end),
            # so normalised entities are cached by both.
            hashes = [entity_key(t, a.date) for t, a in zip(texts, batch)]
            cache = NerCache(index_dir / layout.CACHE_FILE, model)
            entity_cache = EntityCache(index_dir / layout.ENTITY_CACHE_FILE, model, summary.normaliser)
            try:
                known = entity_cache.get_many(hashes)
                todo = [i for i, h in enumerate(hashes) if h not in known]
                stream = EntityStream([batch[i] for i in todo], nlp or load_nlp, cache, n_process=n_process)
                summary.ner_runs = stream.ner_runs
                summary.normalised = len(todo)
                fresh: dict[int, Entities] = {}
                pending: list[tuple[str, str]] = []
                bar = progress_bar(len(batch), "recognising", progress)
                bar.update(len(batch) - len(todo))
                for i, ents in normalised_stream(todo, stream, texts, batch, n_process):
                    if hashes[i] not in known:
                        pending.append((hashes[i], dump_entities(ents)))
                        known[hashes[i]] = ents
                    fresh[i] = ents
                    if len(pending) >= EntityStream.CACHE_BATCH:
                        entity_cache.put_many(pending)
                        pending = []
                    bar.update(1)
                entity_cache.put_many(pending)
                bar.close()
                # Every article needs its own objects (body_entities and resolution edit them in place):
                # a cached text that several articles share is copied before the first one is edited.
                shared = Counter(h for i, h in enumerate(hashes) if i not in fresh)
                pristine: dict[str, Entities] = {}
                for i, (article, h) in enumerate(zip(batch, hashes)):
                    ents = fresh.get(i)
                    if ents is None:
                        if h in pristine:
                            ents = copy.deepcopy(pristine[h])
                        else:
                            ents = known[h]
                            if shared[h] > 1:
                                pristine[h] = copy.deepcopy(ents)
                    offset = body_offset(article)
                    title = TitleMentions(texts[i], ents, offset)
                    body = body_entities(ents, offset)
                    title.remember(body)
                    normalised.append(body)
                    titles.append(title)
            finally:
                entity_cache.close()
                cache.close()
        with summary.timed("resolve"):  # corpus-wide: surnames, spellings, roles
            entity_rules.resolve_corpus(
                normalised, dates=[a.date for a in batch], sources=[a.source or a.url for a in batch]
            )
    with summary.timed("renames"):  # names the corpus renamed, for the spellings search finds
        renamed = corpus_renames(normalised, titles)
    now = round(time.time(), 3) if now is None else now

    def document(k: int) -> dict:
        article, ents = batch[k], normalised[k]
        spellings = {
            "v": summary.normaliser,
            **surface_spellings(article.text, ents, titles[k].resolved(ents, renamed)),
        }
        return make_document(
            article,
            ents,
            digests[k],
            spellings,
            (stories or {}).get(article.id, ""),
            indexed=(indexed or {}).get(article.id, now),
        )

    # A new generation's documents are written by two processes, each its own segment: Whoosh's analysis
    # and posting writing are pure Python and would otherwise keep one core busy and leave the other idle.
    split = len(batch) // 2 if n_process > 1 and len(batch) >= PARALLEL_WRITE_MIN and not existing and not doomed else 0
    with summary.timed("write"):  # documents made (spellings, dates in the text), written and committed
        helper = SegmentHelper(ix, document, 0, split) if split else None
        writer = None
        try:
            writer = ix.writer(limitmb=WRITER_MEMORY_MB)
            bar = progress_bar(len(batch), "writing", progress)
            for k in range(split, len(batch)):
                doc = document(k)
                if batch[k].id in existing:
                    writer.update_document(**doc)
                    summary.updated += 1
                else:
                    writer.add_document(**doc)
                    summary.added += 1
                bar.update(1)
            for doc_id in doomed:
                writer.delete_by_term("id", doc_id)
            summary.removed = len(doomed)
            if helper:
                # as Whoosh's commit does: old segments merged into this writer's, then its segment flushed
                # (sorting and writing the postings: a third of writing) while the helper flushes its own
                segments = writer._merge_segments(None, None, False)
                own = writer._finalize_segment()
                first = helper.result()  # documents 0..split-1: listed before the parent's, so the order is kept
                summary.added += split
                bar.update(split)
                writer._commit_toc([*segments, first, own])
                writer._finish()
            else:
                writer.commit()
            bar.close()
        except BaseException:
            if helper:
                helper.stop()
            if writer is not None:
                cancel_writer(writer)
            raise
    from indexer import export_rows, reference

    with summary.timed("finish"):
        reference.write_reference(ix.storage.folder, summary.normaliser)  # before the manifest, which lists it
        export_rows.write_export_rows(ix)  # likewise: the new segments' export columns
        check.write_manifest(ix.storage.folder)


# Below this many documents a second writing process costs more than it saves.
PARALLEL_WRITE_MIN = 1000
# With every text's NER spans cached (a rebuild after a rules change, a corpus of copies), the rules are
# the build's own work: from this many articles they run in forked processes, this many articles a task.
PARALLEL_NORMALISE_MIN = 500
NORMALISE_CHUNK = 32


def normalised_stream(
    todo: Sequence[int], stream: EntityStream, texts: Sequence[str], batch: Sequence[Article], n_process: int
) -> Iterator[tuple[int, Entities]]:
    """Yield (article index, normalised entities) for the ``todo`` articles, in order.

    While NER runs (some spans not cached) its workers keep the cores busy and the rules run here, on each
    article as its spans arrive. When every span is cached the rules would keep one core busy and leave
    the other idle, so ``n_process`` forked workers run them on chunks of articles. The rules read only
    their article (corpus-wide resolution comes later, in this process), so the result is the same.
    """
    if n_process < 2 or stream.ner_runs or len(todo) < max(PARALLEL_NORMALISE_MIN, 2 * NORMALISE_CHUNK):
        for i, spans in zip(todo, stream):
            yield i, _normalise(texts[i], spans, batch[i].date)
        return
    import multiprocessing

    from indexer.enrich import _init_worker

    spans_of = list(stream)  # cached: no NER runs
    # The first chunk runs here: the rules' reference tables (places, given names: seconds to load) load
    # once, in this process, before the fork, so the workers inherit them and corpus resolution (here,
    # later) finds them loaded.
    for k in range(NORMALISE_CHUNK):
        yield todo[k], _normalise(texts[todo[k]], spans_of[k], batch[todo[k]].date)
    chunks = [
        [(texts[i], spans_of[k], batch[i].date) for k, i in enumerate(todo[start : start + NORMALISE_CHUNK], start)]
        for start in range(NORMALISE_CHUNK, len(todo), NORMALISE_CHUNK)
    ]
    pool = multiprocessing.get_context("fork").Pool(n_process, initializer=_init_worker)
    try:
        done = NORMALISE_CHUNK  # the first chunk was done here
        for results in pool.imap(_normalise_chunk, chunks, chunksize=1):
            for ents in results:
                yield todo[done], ents
                done += 1
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _normalise(text: str, spans, date: datetime | None) -> Entities:
    from indexer import entities as entity_rules

    ents = entity_rules.normalise_entities(text, spans, date=date)
    ents.dates = date_spans(spans)
    return ents


def _normalise_chunk(chunk: list[tuple[str, Any, datetime | None]]) -> list[Entities]:
    return [_normalise(text, spans, date) for text, spans, date in chunk]


_SEGMENT_JOB: tuple[str, Callable[[int], dict]] | None = None  # (index folder, k -> document) for the helper


def _write_segment(bounds: tuple[int, int]):
    """In a forked helper: write documents ``bounds`` of the job into a segment of their own; return it."""
    from whoosh.writing import SegmentWriter

    assert _SEGMENT_JOB is not None  # set by the parent before it forks
    folder, document = _SEGMENT_JOB
    ix = _whoosh().open_dir(folder)
    writer = SegmentWriter(ix, _lk=False, limitmb=WRITER_MEMORY_MB)  # the parent holds the index's lock
    try:
        for k in range(*bounds):
            writer.add_document(**document(k))
        return writer._finalize_segment()
    except BaseException:
        writer._close_segment()
        raise


class SegmentHelper:
    """One forked process writing documents ``start``..``end`` into a Whoosh segment while the parent writes
    the rest; the parent commits both segments in one TOC. The helper shares the documents by forking (no
    pickling), ignores Ctrl-C and dies with the parent (``indexer.enrich``'s worker hygiene), and what it
    wrote is deleted with the rest of a failed generation."""

    def __init__(self, ix, document, start: int, end: int):
        import multiprocessing

        from indexer.enrich import _init_worker

        global _SEGMENT_JOB
        _SEGMENT_JOB = (ix.storage.folder, document)
        try:
            self.pool = multiprocessing.get_context("fork").Pool(1, initializer=_init_worker)
            self.pending = self.pool.apply_async(_write_segment, ((start, end),))
        finally:
            _SEGMENT_JOB = None  # the fork has its copy

    def result(self):
        """Wait for the helper's segment (its exception is raised here)."""
        try:
            return self.pending.get()
        finally:
            self.stop()

    def stop(self) -> None:
        """End the helper process."""
        self.pool.terminate()
        self.pool.join()


def cancel_writer(writer) -> None:
    """Cancel a Whoosh writer and always release its lock, even when cancelling fails too (a full
    disk fails the flush on close); a held lock would refuse the next build in this process."""
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001 - the original error is the one to report
        pass
    finally:
        lock = getattr(writer, "writelock", None)
        if lock is not None:
            try:
                lock.release()
            except Exception:  # noqa: BLE001 - already released by cancel()
                pass


def dedupe(articles: Iterable[Article], report: ProblemHandler) -> list[Article]:
    """Keep one article per id (the last read), reporting the ones it replaces."""
    by_id: dict[str, Article] = {}
    for article in articles:
        if article.id in by_id:
            report(by_id[article.id].location, f"duplicate id {article.id!r}; {article.location} is kept")
        by_id[article.id] = article
    return list(by_id.values())


def served_for_build(index_dir: Path, rebuild: bool) -> tuple[Path | None, Catalogue | None, set]:
    """Return the served generation a build starts from, its catalogue (None when it has none for its
    commit) and the stamps of its files known to match their checksums; a damaged generation stops an
    incremental build (it would be written into) but not a ``--rebuild``, which replaces it. Files whose
    stamps the catalogue lists as verified are not read again for their checksums: Whoosh never rewrites
    a committed file, so a file changed since has another size or modification time."""
    try:
        current = check.served_generation(index_dir)
        catalogue = (
            read_catalogue(index_dir, current.name, check.toc_generation(current)) if current is not None else None
        )
        verified = set(catalogue.verified) if catalogue else set()
        if current is not None and not rebuild:
            check.verify_files(current, known=verified)  # adds the stamps of the files it read
        return current, catalogue, verified
    except check.IndexDamaged as exc:
        if rebuild:
            return None, None, set()
        raise BuildError(str(exc).replace(check.REBUILD_ADVICE, "run this build again with --rebuild")) from None


def read_existing(gen_dir: Path) -> dict[str, Entry]:
    """id -> (content hash, source path, first-indexed time) of every article in the served generation,
    read from its stored documents (the slow way, for a generation without a catalogue)."""
    from whoosh.index import EmptyIndexError

    try:
        ix = _whoosh().open_dir(str(gen_dir))
    except EmptyIndexError:
        return {}
    try:
        with ix.reader() as reader:
            column = reader.column_reader("facets") if reader.has_column("facets") else None
            found = {}
            for docnum, fields in reader.iter_docs():
                found[fields["id"]] = Entry(
                    fields.get("hash", ""),
                    fields.get("path", ""),
                    _first_indexed(column[docnum]) if column is not None else None,
                )
            return found
    except Exception as exc:  # noqa: BLE001 - damage shows as any error type
        raise BuildError(
            f"the served generation {gen_dir.name} cannot be read "
            f"({check.describe_exception(exc)}); run this build again with --rebuild"
        ) from None


def _first_indexed(raw: bytes | None) -> float | None:
    """The ``t`` of one document's facets column (None when it has none)."""
    try:
        t = json.loads(raw or b"{}").get("t")
    except ValueError:
        return None
    return float(t) if isinstance(t, (int, float)) and not isinstance(t, bool) and t > 0 else None


def read_indexed_times(gen_dir: Path, ids: Sequence[str]) -> dict[str, float]:
    """id -> first-indexed unix time (``t`` of the facets column) of those ``ids`` the generation serves.

    Only the per-document column is read, never the stored bodies, so an update of a few articles in a
    large index stays cheap. Articles written before ``t`` existed have none and get the new commit's time.
    A generation too damaged to read gives no times: only a ``--rebuild`` gets here with one (an
    incremental build refuses it first), and the rebuild replaces it with articles stamped now.
    """
    try:
        return _indexed_times(gen_dir, ids)
    except Exception:  # noqa: BLE001 - damage shows as any error type (struct, EOF, unpickling, ...)
        return {}


def _indexed_times(gen_dir: Path, ids: Sequence[str]) -> dict[str, float]:
    from whoosh.index import EmptyIndexError

    try:
        ix = _whoosh().open_dir(str(gen_dir))
    except EmptyIndexError:
        return {}
    found: dict[str, float] = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        if not ids or not reader.has_column("facets"):
            return {}
        column = reader.column_reader("facets")
        for article_id in ids:
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                continue
            t = _first_indexed(column[docnum])
            if t is not None:
                found[article_id] = t
    return found


def new_generation_dir(index_dir: Path) -> Path:
    """Create the directory for the next generation (numbers only ever grow)."""
    numbers = [layout.generation_number(p.name) for p in index_dir.iterdir() if p.is_dir()]
    target = index_dir / layout.generation_name(max(numbers, default=0) + 1)
    target.mkdir()
    return target


def drop_old_generations(index_dir: Path) -> None:
    """Delete every generation but the served one and the one served before it.

    Kept by state, not by number: a generation that was never switched to (the orphan of a killed or
    failed build) is deleted, and the previously served one stays for readers that still hold it.
    Called with the build lock held, so no build is writing any of them."""
    try:
        keep = {
            g for g in (layout.current_generation(index_dir), layout.previous_generation(index_dir)) if g is not None
        }
    except layout.CurrentUnreadable:
        return  # nothing is known to be safe to delete until a build switches again
    for gen in index_dir.iterdir():
        if gen.is_dir() and layout.generation_number(gen.name) and gen.name not in keep:
            shutil.rmtree(gen, ignore_errors=True)
    drop_catalogues(index_dir, keep)


def remove_uncommitted(gen_dir: Path, before: set[str]) -> None:
    """Delete the files a failed write added to a served generation, unless its commit went through.

    Whoosh writes new segment files first and the TOC that names them last; while the newest TOC is
    one that was there before, nothing new is in use and the new files can go."""
    added = [name for name in os.listdir(gen_dir) if name not in before]
    if any(name.endswith(".toc") for name in added):
        return  # the commit happened; its files are the index now
    for name in added:
        path = gen_dir / name
        try:
            if path.is_dir():  # Whoosh's temporary storage ("MAIN.tmp") is a folder
                shutil.rmtree(path)
            else:
                os.remove(path)
        except OSError:
            pass


def is_disk_full(exc: BaseException, index_dir: Path | None = None) -> bool:
    """True for a write that failed for lack of space (the OS's ENOSPC or SQLite's "disk is full").

    SQLite sometimes reports a full disk as a "disk I/O error"; with almost no space left on the index's
    device, that is taken to mean the same."""
    import sqlite3

    if index_dir is not None and "disk i/o error" in str(exc).lower():
        try:
            if shutil.disk_usage(index_dir).free < 8 * 2**20:
                return True
        except OSError:
            pass
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(exc, sqlite3.Error) and "disk is full" in str(exc):
            return True
        if "no space left on device" in str(exc).lower() or "disk is full" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def disk_full_message(index_dir: Path, paths: Sequence[str | os.PathLike], replaced: Path | None) -> str:
    """Say that the disk is full, how much a build needs about, and that nothing changed."""
    inputs = 0
    for raw in paths:
        path = Path(raw)
        try:
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            inputs += sum(p.stat().st_size for p in files)
        except OSError:
            continue
    served = sum(p.stat().st_size for p in replaced.iterdir() if p.is_file()) if replaced else 0
    # An estimate, not a measurement: a generation stores the text and adds postings, and the writer's
    # temporary runs and the NER cache need room too; twice the input (or the generation it replaces).
    needed = max(2 * inputs, served) + 16 * 2**20
    free = shutil.disk_usage(index_dir).free
    return (
        f"no space left on device for {index_dir}: this build needs about {needed / 2**20:,.0f} MB free "
        f"there ({free / 2**20:,.0f} MB free now); what it wrote was removed and the served index is "
        "unchanged, so free some space and run it again"
    )


def write_last_build(index_dir: Path, summary: BuildSummary) -> None:
    """Record the summary for ``status`` (written atomically)."""
    data = asdict(summary)
    data["skipped"] = len(summary.skipped)
    tmp = index_dir / (layout.LAST_BUILD_FILE + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, index_dir / layout.LAST_BUILD_FILE)


def progress_bar(total: int, what: str, enabled: bool):
    """A tqdm bar on stderr (articles/s, ETA) when asked for and stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=what,
        unit=" articles",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=not (enabled and sys.stderr.isatty()),
        mininterval=0.5,
    )


def country_label(code: str) -> str:
    """``"BY"`` -> ``"Belarus"`` for people reading ``status``."""
    from indexer import entities as entity_rules

    country = entity_rules.resolve_country(code)
    return country.name if country else code


# --- remove and status ---------------------------------------------------------------------------


def open_current(index_dir: str | os.PathLike, readonly: bool = True):
    """Open the served generation after checking it against its manifest, or raise BuildError saying
    how to create one (check.IndexDamaged when it is damaged)."""
    gen_dir = check.served_generation(index_dir)
    if gen_dir is None:
        raise BuildError(f"no index in {index_dir} (build one with: python -m indexer build PATH --index {index_dir})")
    from indexer.whoosh_patch import apply_patch

    apply_patch()
    return check.open_generation(gen_dir, readonly=readonly)


def remove_articles(index_dir: str | os.PathLike, ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """Delete articles by id; return (removed ids, unknown ids)."""
    index_dir = Path(index_dir)
    with writer_lock(index_dir):
        ix = open_current(index_dir, readonly=False)
        with ix.searcher() as searcher:
            known = [i for i in ids if searcher.document_number(id=i) is not None]
        unknown = [i for i in ids if i not in known]
        if known:
            with ix.writer() as writer:
                for doc_id in known:
                    writer.delete_by_term("id", doc_id)
            if (index_dir / layout.STORIES_FILE).exists():
                from indexer.stories import StoryStore

                with StoryStore(index_dir / layout.STORIES_FILE) as store:
                    store.assign([], forget=known)
                    store.commit()
            from indexer.export_rows import write_export_rows

            write_export_rows(ix)  # a commit may merge segments
            check.write_manifest(ix.storage.folder)
    return known, unknown


def index_status(index_dir: str | os.PathLike, top: int = 10) -> dict:
    """Articles, date range, last build and the top facet values of the served generation."""
    from indexer.normaliser_version import normaliser_version

    index_dir = Path(index_dir)
    ix = open_current(index_dir)
    counters: dict[str, Counter[str]] = {
        "actors": Counter(),
        "countries": Counter(),
        "orgs": Counter(),
        "sources": Counter(),
    }
    days = []
    versions: Counter = Counter()
    try:
        with ix.reader() as reader:
            if reader.has_column("spellings"):
                spellings = reader.column_reader("spellings")
                for docnum in reader.all_doc_ids():
                    try:
                        versions[json.loads(spellings[docnum] or b"{}").get("v") or "unknown"] += 1
                    except ValueError:
                        versions["unknown"] += 1
            column = reader.column_reader("facets")
            for docnum in reader.all_doc_ids():
                facets = json.loads(column[docnum] or b"{}")
                counters["actors"].update(facets.get("a", []))
                counters["countries"].update(facets.get("c", []))
                counters["orgs"].update(facets.get("o", []))
                if facets.get("s"):
                    counters["sources"][facets["s"]] += 1
                if facets.get("d"):
                    days.append(facets["d"])
            articles = reader.doc_count()
    except Exception as exc:  # noqa: BLE001 - damage shows as any error type
        raise check.IndexDamaged(Path(ix.storage.folder).name, check.describe_exception(exc)) from None
    try:
        last = json.loads((index_dir / layout.LAST_BUILD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        last = {}
    fmt = lambda d: f"{d[:4]}-{d[4:6]}-{d[6:]}"  # noqa: E731
    return {
        "index": str(index_dir),
        "generation": Path(ix.storage.folder).name,
        "articles": articles,
        "first_date": fmt(min(days)) if days else None,
        "last_date": fmt(max(days)) if days else None,
        "undated": articles - len(days),
        "last_build": last,
        # which normaliser's rules made the entities of the served articles, and the installed one
        "normaliser": {"index": dict(versions.most_common()), "installed": normaliser_version()},
        "top": {
            kind: [(country_label(v) if kind == "countries" else v, n) for v, n in counter.most_common(top)]
            for kind, counter in counters.items()
        },
    }
