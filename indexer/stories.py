"""Stories: group near-duplicate articles (re-published, edited, re-titled, truncated, appended, versions).

Each article's body is cut into word shingles (``k`` consecutive lower-cased words, hashed to 32 bits).
A datasketch MinHash of the shingles goes into a MinHashLSH index that proposes candidate copies;
every candidate is then verified on the exact shingle sets, because MinHash only estimates and press
offices repeat boilerplate: two different calls with the same leader in the same week share whole
sentences. A pair is one story when their Jaccard similarity is high, or when the smaller article is
almost entirely contained in the larger one (a truncated copy, a copy with a paragraph appended, an
earlier version of a live blog) and is not tiny beside it (so a round-up quoting a short statement
does not swallow it). Last, copies agree on their facts (names: capitalised words inside a sentence;
numbers: tokens with a digit): when the smaller article repeats a name or number the larger never has,
or when more than a small share of its name and number mentions are missing from the larger, the pair is
two stories. That is how templated releases differ ("126th ... Brigade" and "155th ... Brigade", the
treaty with Donetsk and the one with Lugansk, two Security Council meetings), while an editor's change
or a truncation leaves at most a stray single mention.

Boilerplate: a shingle found in ``boilerplate_df`` or more indexed articles (a list of meeting
participants, a press office's standard closing) says nothing about the story. When the smaller article
has a fair share of shingles that are not boilerplate, most of those must be in the larger one too:
two meetings of the Security Council that share a long list of attendees are two stories. The document
frequencies are kept in the store and updated as articles come and go. An article made of stock
phrases only (a one-line condolence) is one story only with an article about as long, not with every
longer one that contains the phrases.

Grouping is greedy and never merges stories: articles are taken in publication order (then by id)
and each joins the existing story it matches best (most verified members, then highest score) or
founds a new one. A long article that matches two stories therefore joins one of them instead of
chaining both into one.

Story ids: a story is named after its first-seen member (the article that founded it), and keeps that
name for good: when a copy dated earlier arrives later it becomes the story's lead (the first published
member, ties by id) but the id does not change, so the documents of unchanged members never need
rewriting. Ids are never reused: if the founder later leaves (its text changed beyond recognition) and
founds a new story, that one is named ``"<id>~2"``.

Signatures persist in ``INDEX_DIR/stories.sqlite`` (see ``indexer.layout``), keyed by article id and a
hash of the body, so an incremental build matches new articles against every indexed one without
re-reading their texts, and a ``--rebuild`` keeps every unchanged article's story id.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH

from indexer.errors import IndexerError
from indexer.model import Article

STORE_VERSION = 1
_WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the rolling shingle hash (golden ratio)


class StoryError(IndexerError):
    """The story store cannot be opened or written (the message says why)."""


@dataclass(frozen=True)
class StoryParams:
    """How near-duplicates are found; chosen on the tuning half of ``bench/stories.py``."""

    shingle: int = 4  # words per shingle
    num_perm: int = 64  # MinHash permutations
    lsh_threshold: float = 0.2  # Jaccard at which LSH starts proposing candidates
    jaccard: float = 0.4  # verified Jaccard that makes two articles one story
    containment: float = 0.7  # |A∩B| / min(|A|, |B|) that makes a truncated/appended copy one story
    min_ratio: float = 0.2  # ... when the smaller has at least this share of the larger's shingles
    min_contained: int = 40  # ... and at least this many shingles (a shared sentence is a quote, not a copy)
    max_missing_facts: float = 1.0  # share of the smaller's name/number mentions the larger may lack
    boilerplate_df: int = 5  # a shingle in this many articles or more is boilerplate
    own_share: float = 0.1  # the boilerplate check applies when this share of the smaller is its own...
    own_containment: float = 0.3  # ... and then this share of its own shingles must be in the larger


DEFAULT_PARAMS = StoryParams()


@dataclass
class Signature:
    """Shingle set (sorted unique 32-bit hashes), fact mentions (sorted hashes) and MinHash of a body."""

    shingles: np.ndarray
    facts: np.ndarray
    minhash: MinHash | None = None  # not needed to verify a candidate read back from the store


def _identity(value: int) -> int:
    return value


class _WordHashes(dict):
    """word -> crc32, filled as words are met (a corpus has far fewer words than tokens)."""

    def __missing__(self, word: str) -> int:
        if len(self) > 2_000_000:
            self.clear()
        value = self[word] = zlib.crc32(word.encode("utf-8"))
        return value


_WORD_HASHES = _WordHashes()
_TEMPLATES: dict[int, MinHash] = {}


def _empty_minhash(num_perm: int) -> MinHash:
    """A fresh MinHash sharing one set of permutations (making them is most of a MinHash's cost)."""
    template = _TEMPLATES.get(num_perm)
    if template is None:
        template = _TEMPLATES[num_perm] = MinHash(num_perm=num_perm, hashfunc=_identity)
    return MinHash(num_perm=num_perm, hashfunc=_identity, permutations=template.permutations, scheme=template.scheme)


def shingle_hashes(text: str, k: int) -> np.ndarray:
    """Sorted unique 32-bit hashes of the ``k``-word shingles of ``text`` (one shingle if it is shorter)."""
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint32)
    # crc32 is stable across processes (Python's hash() is salted), which the stored signatures need.
    tokens = np.fromiter(map(_WORD_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))
    k = min(k, len(tokens))
    mixed = np.zeros(len(tokens) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrap-around is the point of a rolling hash
        for j in range(k):
            mixed = mixed * _MIX + tokens[j : len(tokens) - k + 1 + j]
    return np.unique((mixed >> np.uint64(32)).astype(np.uint32))


_FACT = re.compile(r"(?<![.!?:;\"'“‘(\[\s])\s+([A-Z][\w'’-]*|\w*\d\w*)|^(\w*\d\w*)")


def fact_hashes(text: str) -> np.ndarray:
    """Sorted 32-bit hashes of the name and number mentions of ``text`` (a repeated one repeats).

    A name is a capitalised word that does not open a sentence (so "The" and "He" stay out); a number
    is any token with a digit. Templated releases differ in exactly these.
    """
    found = [a or b for a, b in _FACT.findall(text)]
    return np.sort(np.fromiter((_WORD_HASHES[f.lower()] for f in found), dtype=np.uint32, count=len(found)))


def make_signature(text: str, params: StoryParams = DEFAULT_PARAMS) -> Signature:
    """The signature of one article body."""
    shingles = shingle_hashes(text, params.shingle)
    minhash = _empty_minhash(params.num_perm)
    if shingles.size:
        minhash.update_batch(shingles.tolist())
    return Signature(shingles, fact_hashes(text), minhash)


def match_score(
    a: Signature, b: Signature, params: StoryParams = DEFAULT_PARAMS, boilerplate: np.ndarray | None = None
) -> float:
    """How surely two articles are one story: the Jaccard or containment that passed, else 0.

    ``boilerplate``: sorted shingle hashes that are too common to tell stories apart.
    """
    if not a.shingles.size or not b.shingles.size:
        return 0.0
    common = np.intersect1d(a.shingles, b.shingles, assume_unique=True).size
    (small, small_sig), (large, _) = sorted(((a.shingles.size, a), (b.shingles.size, b)), key=lambda p: p[0])
    jaccard = common / (a.shingles.size + b.shingles.size - common)
    if jaccard >= params.jaccard:
        score = jaccard
    elif common / small >= params.containment and small / large >= params.min_ratio and small >= params.min_contained:
        score = common / small
    else:
        return 0.0
    large_sig = b if small_sig is a else a
    missing = small_sig.facts[~np.isin(small_sig.facts, large_sig.facts)]
    if missing.size > params.max_missing_facts * small_sig.facts.size:
        return 0.0
    if missing.size > 1 and (missing[1:] == missing[:-1]).any():  # sorted: a repeat sits beside itself
        return 0.0
    if boilerplate is not None and boilerplate.size:
        own = small_sig.shingles[~_in_sorted(small_sig.shingles, boilerplate)]
        if own.size >= params.own_share * small:
            if np.isin(own, large_sig.shingles, assume_unique=True).mean() < params.own_containment:
                return 0.0
        elif jaccard < params.jaccard:
            return 0.0  # stock phrases only: a copy of it must be about as long, not merely contain it
    return score


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """``np.isin`` for a large sorted array: a binary search per value instead of sorting both."""
    where = np.minimum(np.searchsorted(sorted_values, values), sorted_values.size - 1)
    return sorted_values[where] == values


def body_hash(article: Article) -> str:
    """A hash of the text the signature is made of (titles and sources do not make a story)."""
    return hashlib.sha256(article.text.encode("utf-8")).hexdigest()[:24]


def publication_key(article_id: str, date: str) -> tuple:
    """Sort key that puts the first published first, undated last, ties by id."""
    return (date == "", date, article_id)


@dataclass
class Member:
    """One article of a story, as the store knows it."""

    id: str
    date: str  # ISO datetime, "" when undated


class StoryStore:
    """Per-article signatures and story ids in one SQLite file; assigns stories in a transaction.

    Nothing is written until ``commit()``: the build calls it after the Whoosh commit, so a failed
    build leaves the store as it was.
    """

    def __init__(self, path: str | Path, params: StoryParams = DEFAULT_PARAMS):
        self.params = params
        try:
            self.conn = sqlite3.connect(str(path), isolation_level=None)
            self.conn.executescript("""
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS article (
                    id TEXT PRIMARY KEY, hash TEXT NOT NULL, story TEXT NOT NULL, date TEXT NOT NULL,
                    shingles BLOB NOT NULL, facts BLOB NOT NULL, minhash BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS article_story ON article(story);
                CREATE TABLE IF NOT EXISTS story (id TEXT PRIMARY KEY);
                CREATE TABLE IF NOT EXISTS df (shingle INTEGER PRIMARY KEY, n INTEGER NOT NULL);
            """)
            self.conn.execute("BEGIN IMMEDIATE")
            settings = json.dumps({"version": STORE_VERSION, **asdict(params)}, sort_keys=True)
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
            if row is None or row[0] != settings:
                # Signatures made with other settings cannot be compared; story ids start afresh (the
                # build rewrites every document whose story changed, because the story is in its hash).
                self.conn.execute("DELETE FROM article")
                self.conn.execute("DELETE FROM story")
                self.conn.execute("DELETE FROM df")
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('settings', ?)", (settings,))
        except sqlite3.Error as exc:
            raise StoryError(
                f"cannot open the story store {path}: {exc} (delete it to start afresh; "
                "story ids will be assigned anew)"
            ) from None
        self.path = path

    def __enter__(self) -> StoryStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def commit(self) -> None:
        """Make this build's assignments permanent."""
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoryError(f"cannot write the story store {self.path}: {exc}") from None

    def close(self) -> None:
        """Close the file, dropping anything not committed."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.conn.close()

    # --- assignment ----------------------------------------------------------------------------

    def assign(
        self, articles: Sequence[Article], *, only: Iterable[str] | None = None, forget: Iterable[str] = ()
    ) -> dict[str, str]:
        """Give every article of ``articles`` a story id; return id -> story id.

        Unchanged articles (same id and body hash) keep their story. ``forget`` lists ids deleted
        from the index; ``only``, when given, is every id the index will hold (a rebuild), and the
        store forgets the rest.
        """
        try:
            return self._assign(articles, only, forget)
        except sqlite3.Error as exc:
            raise StoryError(f"cannot use the story store {self.path}: {exc}") from None

    def _assign(self, articles: Sequence[Article], only: Iterable[str] | None, forget: Iterable[str]) -> dict[str, str]:
        conn = self.conn
        self._delete(list(forget))
        if only is not None:
            keep = set(only)
            self._delete([r[0] for r in conn.execute("SELECT id FROM article") if r[0] not in keep])
        known = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, hash, story FROM article")}
        result: dict[str, str] = {}
        pending: list[tuple[Article, str]] = []
        for article in articles:
            digest = body_hash(article)
            old = known.get(article.id)
            if old and old[0] == digest:
                result[article.id] = old[1]
            else:
                if old:
                    self._delete([article.id])
                pending.append((article, digest))
        if not pending:
            return result
        pending.sort(key=lambda p: publication_key(p[0].id, _iso(p[0].date)))
        signatures = [make_signature(article.text, self.params) for article, _ in pending]
        self._count([sig.shingles for sig in signatures], +1)
        boilerplate = np.array(
            sorted(r[0] for r in conn.execute("SELECT shingle FROM df WHERE n >= ?", (self.params.boilerplate_df,))),
            dtype=np.uint32,
        )

        lsh = MinHashLSH(threshold=self.params.lsh_threshold, num_perm=self.params.num_perm)
        story_of: dict[str, str] = {}
        for doc_id, story, blob in conn.execute("SELECT id, story, minhash FROM article"):
            lsh.insert(doc_id, self._minhash(blob))
            story_of[doc_id] = story
        fresh: dict[str, Signature] = {}
        for (article, digest), sig in zip(pending, signatures):
            assert sig.minhash is not None  # a signature made from a body carries its MinHash
            story = self._best_story(
                sig, lsh.query(sig.minhash) if sig.shingles.size else [], story_of, fresh, boilerplate
            )
            if story is None:
                story = self._new_story_id(article.id)
            conn.execute(
                "INSERT INTO article VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    article.id,
                    digest,
                    story,
                    _iso(article.date),
                    sig.shingles.tobytes(),
                    sig.facts.tobytes(),
                    np.asarray(sig.minhash.hashvalues).tobytes(),
                ),
            )
            lsh.insert(article.id, sig.minhash)
            story_of[article.id] = story
            fresh[article.id] = sig
            result[article.id] = story
        return result

    def _best_story(
        self,
        sig: Signature,
        candidates: Iterable[str],
        story_of: Mapping[str, str],
        fresh: Mapping[str, Signature],
        boilerplate: np.ndarray,
    ) -> str | None:
        """The story whose members verify best against ``sig`` (None when no candidate verifies)."""
        votes: dict[str, list[float]] = defaultdict(list)
        # a candidate with the same shingles and facts as one already scored scores the same: a wire story
        # filed verbatim by many outlets (or a corpus of copies) costs one comparison per body, not per copy
        scored: dict[tuple[bytes, bytes], float] = {}
        for cand in candidates:
            other = fresh.get(cand)
            if other is None:
                row = self.conn.execute("SELECT shingles, facts FROM article WHERE id = ?", (cand,)).fetchone()
                if row is None:
                    continue
                other = Signature(np.frombuffer(row[0], dtype=np.uint32), np.frombuffer(row[1], dtype=np.uint32))
            body = (other.shingles.tobytes(), other.facts.tobytes())
            score = scored.get(body)
            if score is None:
                score = scored[body] = match_score(sig, other, self.params, boilerplate)
            if score > 0:
                votes[story_of[cand]].append(score)
        if not votes:
            return None
        return max(votes, key=lambda s: (len(votes[s]), max(votes[s]), s))

    def _delete(self, ids: Sequence[str]) -> None:
        """Forget articles and take their shingles out of the document frequencies."""
        gone = []
        for doc_id in ids:
            row = self.conn.execute("SELECT shingles FROM article WHERE id = ?", (doc_id,)).fetchone()
            if row:
                gone.append(np.frombuffer(row[0], dtype=np.uint32))
                self.conn.execute("DELETE FROM article WHERE id = ?", (doc_id,))
        self._count(gone, -1)

    def _count(self, shingle_sets: Sequence[np.ndarray], sign: int) -> None:
        """Add (``sign`` +1) or remove (-1) articles' shingles to or from the document frequencies."""
        if not shingle_sets:
            return
        values, counts = np.unique(np.concatenate(shingle_sets), return_counts=True)
        self.conn.executemany(
            "INSERT INTO df VALUES (?, ?) ON CONFLICT(shingle) DO UPDATE SET n = n + excluded.n",
            zip(values.tolist(), (sign * counts).tolist()),
        )
        if sign < 0:
            self.conn.execute("DELETE FROM df WHERE n <= 0")

    def _new_story_id(self, article_id: str) -> str:
        """The founder's id, or ``id~N`` when that name was used before (story ids are never reused)."""
        name, n = article_id, 1
        while self.conn.execute("SELECT 1 FROM story WHERE id = ?", (name,)).fetchone():
            n += 1
            name = f"{article_id}~{n}"
        self.conn.execute("INSERT INTO story VALUES (?)", (name,))
        return name

    def _minhash(self, blob: bytes) -> MinHash:
        minhash = _empty_minhash(self.params.num_perm)
        minhash.hashvalues = np.frombuffer(blob, dtype=minhash.hashvalues.dtype).copy()
        return minhash

    # --- reading -------------------------------------------------------------------------------

    def stories(self) -> dict[str, list[Member]]:
        """story id -> members, the lead (first published, ties by id) first."""
        return _group(self.conn.execute("SELECT id, story, date FROM article"))


def _iso(date: datetime | None) -> str:
    return date.isoformat() if date else ""


def assign_stories(
    articles: Sequence[Article], params: StoryParams = DEFAULT_PARAMS, path: str | Path = ":memory:"
) -> dict[str, str]:
    """Group ``articles`` into stories in one go (no persistence unless ``path``); return id -> story id."""
    with StoryStore(path, params) as store:
        result = store.assign(articles)
        store.commit()
    return result


def read_stories(index_dir: str | Path) -> dict[str, list[Member]]:
    """story id -> members (lead first) of the index in ``index_dir``, from its story store."""
    from indexer import layout

    path = Path(index_dir) / layout.STORIES_FILE
    if not path.exists():
        return {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _group(conn.execute("SELECT id, story, date FROM article"))
    except sqlite3.Error as exc:
        raise StoryError(f"cannot read the story store {path}: {exc}") from None
    finally:
        conn.close()


def _group(rows: Iterable[tuple[str, str, str]]) -> dict[str, list[Member]]:
    groups: dict[str, list[Member]] = defaultdict(list)
    for doc_id, story, date in rows:
        groups[story].append(Member(doc_id, date))
    for members in groups.values():
        members.sort(key=lambda m: publication_key(m.id, m.date))
    return dict(groups)
