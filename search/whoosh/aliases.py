"""Entity-aware search: a word or phrase naming a known entity matches every spelling of that name.

The indexer stores, per document, the spellings seen for each entity (the ``spellings`` column, see
``indexer/schema.py``). Per index commit this module gathers the live documents' spellings (segments
are parsed once and cached; deleted documents drop out), groups each entity's spellings into names
("Zelenskiy", "Zelensky", "Zelenskyy" are one name of Volodymyr Zelenskyy; "Kyiv" and "Kiev" one
name of a place the facet counts under UA; "Ukrainian" and "Kharkiv", also under UA, are not
"Ukraine"), and rewrites a parsed query: a word or phrase that is a spelling becomes the OR of the
spellings of its name, as phrases where they are several words. Quoted phrases are expanded only when
the whole phrase is a spelling; the user's AND/OR/NOT structure is kept.

Two spellings are one name when, folded (accents, case, dots), they are equal; or they share a
consonant skeleton (vowels dropped after the first letter, doubled letters single, g and h alike:
transliterations such as Lukashenka/Lukashenko, Kiev/Kyiv, Lugansk/Luhansk) without one being the
other plus an ending (Iraq/Iraqi, German/Germany are different words); or one is the initials of the
other ("EU", "European Union"). A person's full name also matches the bare surname (as the facet
does), but only in articles the facet counts for that person, so "Boris Johnson" does not find
every other Johnson.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from whoosh import query as wq
from whoosh.support.charset import accent_map

from indexer.schema import TEXT_ANALYZER

from .codec import segment_key
from .gcpause import gc_paused

KINDS = {"a": "actor", "c": "country", "o": "org"}
NAMES_KEY = "cn"  # per document: a country's spellings the indexer's gazetteer knows as its names
MAX_NAME_WORDS = 5
MAX_ALTERNATIVES = 12  # spellings one name may expand to (the most frequent first)
# A one-word spelling that far more articles contain than use it for the entity is a common word
# ("States" names the US in 6 crisis articles; "state" is in over a thousand): widening to it would
# match them all, so it is left out. NER misses mentions, so a real name is often in a few times more
# articles than it was tagged in (Germany: 585 / 142), hence the generous ratio.
COMMON_RATIO = 10
COMMON_SLACK = 10
_FOLD = str.maketrans({chr(k): v for k, v in accent_map.items()})
_VOWELS = set("aeiouy")


# --- spellings -> names ----------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Fold a spelling for comparison: accents, case, dots and apostrophes; hyphens become spaces."""
    text = text.translate(_FOLD).lower().replace(".", "").replace("'", "").replace("\u2019", "")
    return " ".join(text.replace("-", " ").split())


_DOUBLED = re.compile(r"(.)\1+")


def _squeeze(word: str) -> str:
    """Doubled letters single ("zelenskyy" -> "zelensky", "odessa" -> "odesa")."""
    return _DOUBLED.sub(r"\1", word)


@lru_cache(maxsize=200_000)
def _word_key(word: str) -> str:
    """The bucket of a folded word: its skeleton (its squeezed self when short)."""
    squeezed = _squeeze(word)
    return _skeleton(word) if len(squeezed) >= 4 else squeezed


def _skeleton(word: str) -> str:
    """The first letter and the consonants after it, doubled letters single, g as h."""
    word = _squeeze(word)
    return word[:1] + "".join("h" if c == "g" else c for c in word[1:] if c not in _VOWELS)


def same_word(a: str, b: str) -> bool:
    """True when two folded words are spellings of one word (transliteration, accents, doubling)."""
    if a == b:
        return True
    a, b = _squeeze(a), _squeeze(b)
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4 or a[0] != b[0]:
        return False
    if a.startswith(b) or b.startswith(a):  # Iraq/Iraqi, German/Germany: a word and its derivative
        return False
    if {a[-1], b[-1]} in ({"a", "y"}, {"a", "i"}):  # Zelenska/Zelensky: a woman's and a man's surname
        return False
    return _skeleton(a) == _skeleton(b)


_SMALL_WORDS = {"of", "and", "for", "the", "on", "in", "de", "du", "des", "la", "le"}


@lru_cache(maxsize=200_000)
def _initials(text: str) -> str:
    """Initials of a name written in words ("European Union" -> "eu"); "" when it is not one."""
    words = [w for w in text.split() if w.lower() not in _SMALL_WORDS]
    if len(words) < 2 or not all(w[:1].isupper() and w[1:].islower() for w in words):
        return ""  # "U.S. Senate", "companiesThe United States": no expansion to guess from
    return "".join(w[0] for w in words).lower()


def same_name(a: str, b: str) -> bool:
    """True when two spellings (as written) name the same thing in the same way."""
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return True
    wa, wb = fa.split(), fb.split()
    if len(wa) == len(wb):
        return all(same_word(x, y) for x, y in zip(wa, wb))
    for short, long in ((a, b), (b, a)):  # "EU" and "European Union"
        plain = short.replace(".", "")
        if " " not in short and plain.isupper() and 2 <= len(plain) <= 6 and " " in long:
            if _initials(long) and _initials(long) == plain.lower():
                return True
    return False


def analyse(text: str) -> tuple[str, ...]:
    """The indexed terms of a text, in order (what a phrase query of it searches for)."""
    return tuple(token.text for token in TEXT_ANALYZER(text))


@lru_cache(maxsize=200_000)
def analysed(text: str) -> tuple[str, ...]:
    """:func:`analyse` of a spelling, remembered: an index's spellings recur at every commit. Query text
    never goes through here: every new query would stay in memory, up to 200,000 of them (the soak's
    slow growth; with hostile 1,000-character queries, hundreds of MB)."""
    return analyse(text)


@dataclass
class Name:
    """One name of one entity: its spellings (as written, most frequent first) and their terms."""

    kind: str  # "actor" | "country" | "org"
    value: str  # canonical name or alpha-2 code
    spellings: list[str]
    keys: list[tuple[str, ...]]  # analysed terms of each spelling
    counts: list[int] = field(default_factory=list)  # articles that write each spelling for the entity


@dataclass
class AliasTable:
    """Every entity's names, and which names a run of analysed terms is a spelling of."""

    names: list[Name] = field(default_factory=list)
    by_key: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # terms -> name ids
    surnames: dict[int, list[int]] = field(default_factory=dict)  # full-name id -> surname name ids
    longest: int = 1
    # (kind key, value) -> {spelling: live documents}, as read (entity pages list them)
    spellings: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)

    def lookup(self, key: tuple[str, ...]) -> list[Name]:
        """Return the names ``key`` (analysed terms) is a spelling of."""
        return [self.names[i] for i in self.by_key.get(key, ())]


def build_table(
    spellings: dict[tuple[str, str], dict[str, int]], country_names: dict[str, set[str]] | None = None
) -> AliasTable:
    """Group each entity's spellings into names; ``spellings``: (kind, value) -> {spelling: documents}.

    ``country_names``: per alpha-2 code, the spellings the indexer knows as names of the country
    ("Britain", "UK", "United Kingdom"), which form one name however different they look."""
    table = AliasTable()
    country_names = country_names or {}
    for (kind, value), counts in spellings.items():
        if kind == "a":  # a person's surname is a spelling of theirs even where only full names were seen
            counts = dict(counts)
            for s, n in list(counts.items()):
                words = s.split()
                if len(words) > 1 and words[-1][:1].isupper():
                    counts[words[-1]] = counts.get(words[-1], 0) + n
        written = sorted(counts, key=lambda s: (-counts[s], s))
        known = [s for s in written if kind == "c" and s in country_names.get(value, ())]
        # Grouping depends only on the set of spellings, which rarely changes between commits.
        rank = {s: i for i, s in enumerate(written)}
        groups = sorted(
            (sorted(g, key=rank.__getitem__) for g in _group_set(frozenset(written), frozenset(known))),
            key=lambda g: rank[g[0]],
        )
        ids = {}
        for g in groups:
            keys: list[tuple[str, ...]] = []
            kept: list[str] = []
            seen_in: list[int] = []
            for s in g:
                key = analysed(s)
                if key and len(key) <= MAX_NAME_WORDS:
                    if key in keys:
                        seen_in[keys.index(key)] += counts[s]
                        continue
                    keys.append(key)
                    kept.append(s)
                    seen_in.append(counts[s])
            if not keys:
                continue
            ids[len(table.names)] = keys
            for key in keys:
                table.by_key.setdefault(key, []).append(len(table.names))
                table.longest = max(table.longest, len(key))
            table.names.append(
                Name(
                    KINDS.get(kind, kind),
                    value,
                    kept[:MAX_ALTERNATIVES],
                    keys[:MAX_ALTERNATIVES],
                    seen_in[:MAX_ALTERNATIVES],
                )
            )
        if kind == "a":  # a full name's last word is the surname the text also uses alone
            single = {i: keys for i, keys in ids.items() if all(len(k) == 1 for k in keys)}
            for i, keys in ids.items():
                if any(len(k) > 1 for k in keys):
                    last = {k[-1] for k in keys if len(k) > 1}
                    table.surnames[i] = [j for j, sk in single.items() if any(k[0] in last for k in sk)]
    return table


@lru_cache(maxsize=100_000)
def _group_set(written: frozenset, known: frozenset) -> tuple[tuple[str, ...], ...]:
    """:func:`_group` of a set of spellings, remembered across commits."""
    return tuple(tuple(g) for g in _group(sorted(written), sorted(known)))


def _group(written: list[str], known: list[str]) -> list[list[str]]:
    """Group one entity's spellings (most written first) into names; ``known`` is one name already.

    Only spellings that share a cheap key can be one name (their folded form, their words'
    skeletons, their initials), so pairs are compared within those buckets, not all against all:
    a country has hundreds of spellings (its cities, its institutions).
    """
    parent = list(range(len(written)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the most written spelling leads its name

    index = {s: i for i, s in enumerate(written)}
    for s in known[1:]:
        union(index[known[0]], index[s])
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for i, s in enumerate(written):
        words = fold(s).split()
        buckets[("fold", *words)].append(i)
        buckets[("skeleton", *map(_word_key, words))].append(i)
        plain = s.replace(".", "")
        if " " not in s and plain.isupper() and 2 <= len(plain) <= 6:
            buckets[("initials", plain.lower())].append(i)
        elif " " in s and _initials(s):
            buckets[("initials", _initials(s))].append(i)
    for members in buckets.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                i, j = members[a], members[b]
                if find(i) != find(j) and same_name(written[i], written[j]):
                    union(i, j)
    groups: dict[int, list[str]] = {}
    for i, s in enumerate(written):
        groups.setdefault(find(i), []).append(s)
    return [groups[root] for root in sorted(groups)]


# --- reading the index ----------------------------------------------------------------------------


@dataclass
class _SegmentSpellings:
    triples: list[tuple[str, str, str]]  # (kind key, value, spelling)
    post_doc: np.ndarray  # int32 segment-local document of each posting
    post_triple: np.ndarray  # int32 triple id of each posting


def _read_segment(sub) -> list[bytes]:
    """Return every document's ``spellings`` column bytes of one segment (Whoosh file reads)."""
    if not sub.has_column("spellings"):
        return []
    column = sub.column_reader("spellings", translate=False)
    return [column[docnum] or b"{}" for docnum in range(sub.doc_count_all())]


def _parse_segment(raw: list[bytes]) -> _SegmentSpellings:
    """Turn one segment's column bytes into (kind, value, spelling) postings (no Whoosh calls)."""
    triples: dict[tuple[str, str, str], int] = {}
    docs, ids = [], []
    if raw:
        try:  # one json.loads over the joined column is several times faster than one per document
            parsed = json.loads(b"[" + b",".join(raw) + b"]")
        except ValueError:
            parsed = []
            for blob in raw:
                try:
                    parsed.append(json.loads(blob))
                except ValueError:
                    parsed.append({})
        for docnum, data in enumerate(parsed):
            if not isinstance(data, dict):
                continue
            for kind in (*KINDS, NAMES_KEY):
                for value, written in (data.get(kind) or {}).items():
                    # the canonical name of a person or organisation is a spelling too (codes are not)
                    for s in ([value] if kind != "c" else []) + list(written):
                        docs.append(docnum)
                        ids.append(triples.setdefault((kind, value, s), len(triples)))
    return _SegmentSpellings(list(triples), np.asarray(docs, dtype=np.int32), np.asarray(ids, dtype=np.int32))


def load_aliases(reader, cache: dict | None = None, lock=None) -> AliasTable:
    """Read the live documents' spellings of one Whoosh commit into an AliasTable.

    With a ``cache`` dict kept between commits, only new segments are parsed; a segment's deletions
    are applied on every load, so spellings of removed articles disappear at once. ``lock`` (the
    snapshot's reader lock) is held only while Whoosh's files are read, not while parsing and grouping.
    """
    cache = {} if cache is None else cache
    lock = lock or threading.Lock()
    used = set()
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[str, set[str]] = defaultdict(set)
    with lock:
        leaves = [(sub, segment_key(sub)) for sub, _offset in reader.leaf_readers()]
    for sub, key in leaves:
        seg = cache.get(key)
        if seg is None:
            with lock:
                raw = _read_segment(sub)
            seg = cache[key] = _parse_segment(raw)
        used.add(key)
        if not len(seg.post_doc):
            continue
        post_triple = seg.post_triple
        with lock:
            deleted = [sub.is_deleted(d) for d in range(sub.doc_count_all())] if sub.has_deletions() else None
        if deleted is not None:
            live = ~np.array(deleted, dtype=bool)
            post_triple = post_triple[live[seg.post_doc]]
        per_triple = np.bincount(post_triple, minlength=len(seg.triples))
        for t in np.flatnonzero(per_triple).tolist():
            kind, value, s = seg.triples[t]
            if kind == NAMES_KEY:
                names[value].add(s)
            else:
                counts[(kind, value)][s] += int(per_triple[t])
    for key in set(cache) - used:
        cache.pop(key, None)  # another snapshot's loader may have dropped it already
    table = build_table(counts, names)
    table.spellings = {key: dict(written) for key, written in counts.items()}
    return table


def alias_value(table: AliasTable) -> dict:
    """Return an AliasTable as JSON values (tuples become lists; ``load_alias_value`` restores them)."""
    return {
        "names": [[n.kind, n.value, n.spellings, [list(k) for k in n.keys], n.counts] for n in table.names],
        "by_key": [[list(k), ids] for k, ids in table.by_key.items()],
        "surnames": [[i, ids] for i, ids in table.surnames.items()],
        "longest": table.longest,
        "spellings": [[kind, value, written] for (kind, value), written in table.spellings.items()],
    }


def load_alias_value(value: dict) -> AliasTable:
    """Return the AliasTable of ``alias_value``'s JSON."""
    names = [
        Name(kind, val, spellings, [tuple(k) for k in keys], counts)
        for kind, val, spellings, keys, counts in value["names"]
    ]
    return AliasTable(
        names=names,
        by_key={tuple(k): ids for k, ids in value["by_key"]},
        surnames={int(i): ids for i, ids in value["surnames"]},
        longest=int(value["longest"]),
        spellings={(kind, val): written for kind, val, written in value["spellings"]},
    )


def _decoded(value: dict) -> AliasTable:
    with gc_paused():
        return load_alias_value(value)


class LazyAliases:
    """An index commit's AliasTable, loaded once in a background thread.

    A large index takes seconds to load (every document's spellings), longer than a request may
    hold a worker: a search waits a bounded time and, if the table is not ready, runs without
    widening names; ``get(None)`` (start-up warm-up, tests, benchmarks) waits for it.
    """

    def __init__(self, reader, cache: dict, lock, read_cache=None):
        self._reader, self._cache, self._lock = reader, cache, lock
        self._read_cache = read_cache  # the commit's ReadCache (search/whoosh/read_cache.py), if any
        self._table: AliasTable | None = None
        self._ready = threading.Event()
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None

    def _load(self) -> None:
        try:
            if self._read_cache is None:
                with gc_paused():
                    self._table = load_aliases(self._reader, self._cache, self._lock)
            else:
                self._table = self._read_cache.get(
                    "aliases", self._derive, plain=True, encode=alias_value, decode=_decoded
                )
        except Exception:  # a damaged column costs the widening, never the search
            self._table = AliasTable()
        finally:
            self._ready.set()

    def _derive(self) -> AliasTable:
        with gc_paused():
            return load_aliases(self._reader, self._cache, self._lock)

    def start(self) -> None:
        """Start loading (once)."""
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._load, name="alias-table", daemon=True)
                self._thread.start()

    @property
    def ready(self) -> bool:
        """True once the table is loaded."""
        return self._ready.is_set()

    def get(self, wait: float | None = None) -> AliasTable | None:
        """Return the table, waiting at most ``wait`` seconds (None: until loaded); None if not ready."""
        self.start()
        self._ready.wait(wait)
        return self._table


# --- rewriting queries ----------------------------------------------------------------------------


@dataclass
class Expansion:
    """A rewritten query and the spellings it added ("also matching")."""

    query: wq.Query | None
    groups: list[wq.Query]  # the top-level AND groups of a plain query (for relaxed ranking)
    also: list[str]


def _spelling_query(key: tuple[str, ...], fields: tuple[str, ...]) -> wq.Query:
    if len(key) == 1:
        parts = [wq.Term(f, key[0]) for f in fields]
    else:
        parts = [wq.Phrase(f, list(key)) for f in fields]
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _subsumed(key: tuple[str, ...], others: list[tuple[str, ...]]) -> bool:
    """True when another spelling's terms occur inside ``key`` (matching it already matches ``key``)."""
    for other in others:
        if other != key and len(other) < len(key):
            for i in range(len(key) - len(other) + 1):
                if key[i : i + len(other)] == other:
                    return True
    return False


class _Rewriter:
    def __init__(self, table: AliasTable, fields: tuple[str, ...], frequency=None):
        self.table = table
        self.fields = fields
        self.frequency = frequency  # term -> articles containing it, or None
        self.also: dict[tuple[str, ...], str] = {}

    def _common(self, key: tuple[str, ...], seen_in: int) -> bool:
        """True for a one-word spelling that far more articles contain than use it for the entity."""
        if len(key) != 1 or self.frequency is None:
            return False
        return self.frequency(key[0]) > COMMON_RATIO * seen_in + COMMON_SLACK

    def alternatives(self, key: tuple[str, ...], fields: tuple[str, ...]) -> wq.Query | None:
        """The OR of every spelling of the names ``key`` spells, or None when it adds nothing."""
        idents = self.table.by_key.get(key, ())
        if not idents:
            return None
        plain: dict[tuple[str, ...], str] = {}
        restricted: dict[tuple[str, str], dict[tuple[str, ...], str]] = {}
        for ident in idents:
            name = self.table.names[ident]
            for k, s, n in zip(name.keys, name.spellings, name.counts or [0] * len(name.keys)):
                if k == key or not self._common(k, n):
                    plain.setdefault(k, s)
            if len(key) > 1 and name.kind == "actor":
                for j in self.table.surnames.get(ident, []):
                    surname = self.table.names[j]
                    for k, s in zip(surname.keys, surname.spellings):
                        restricted.setdefault((name.kind, name.value), {}).setdefault(k, s)
        keys = list(plain)
        keys = [k for k in keys if not _subsumed(k, keys)]
        parts = [_spelling_query(k, fields) for k in keys]
        for (kind, value), spelled in restricted.items():
            extra = [k for k in spelled if k not in keys]
            if extra:
                either = [_spelling_query(k, fields) for k in extra]
                parts.append(wq.And([either[0] if len(either) == 1 else wq.Or(either), wq.Term(kind, value)]))
                for k in extra:
                    self.also.setdefault(k, spelled[k])
        if len(parts) <= 1 and keys == [key]:
            return None
        for k in keys:
            if k != key:
                self.also.setdefault(k, plain[k])
        return wq.Or(parts)

    # -- plain words ---------------------------------------------------------------------------
    def plain(self, terms: list[str], word_query) -> list[wq.Query]:
        """AND groups for analysed words: runs that spell a name become the OR of its spellings."""
        groups, i = [], 0
        seen: set[str | tuple[str, ...]] = set()
        while i < len(terms):
            for size in range(min(self.table.longest, len(terms) - i), 0, -1):
                key = tuple(terms[i : i + size])
                alt = self.alternatives(key, self.fields) if key not in seen else None
                if alt is not None:
                    groups.append(alt)
                    seen.add(key)
                    i += size
                    break
            else:
                if terms[i] not in seen:
                    seen.add(terms[i])
                    groups.append(word_query(terms[i]))
                i += 1
        return groups

    # -- parsed syntax --------------------------------------------------------------------------
    def _word(self, q) -> tuple[str, tuple[str, ...]] | None:
        """(term, fields) when ``q`` is one word in text fields (a Term, or an OR of one term over fields)."""
        if type(q) is wq.Term and q.fieldname in self.fields:
            return str(q.text), (q.fieldname,)
        if (
            isinstance(q, wq.Or)
            and q.subqueries
            and all(type(s) is wq.Term and s.fieldname in self.fields for s in q.subqueries)
        ):
            texts = {str(s.text) for s in q.subqueries}
            if len(texts) == 1:
                return texts.pop(), tuple(s.fieldname for s in q.subqueries)
        return None

    def _phrase(self, q) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        subs = q.subqueries if isinstance(q, wq.Or) else [q]
        if subs and all(isinstance(s, wq.Phrase) and s.fieldname in self.fields and s.slop == 1 for s in subs):
            words = {tuple(s.words) for s in subs}
            if len(words) == 1:
                return words.pop(), tuple(s.fieldname for s in subs)
        return None

    def rewrite(self, q: wq.Query) -> wq.Query:
        """Return ``q`` with every word or phrase that spells a name widened to all its spellings."""
        word = self._word(q)
        if word is not None:
            alt = self.alternatives((word[0],), word[1])
            return _boosted(alt, q.boost) if alt is not None else q
        phrase = self._phrase(q)
        if phrase is not None:  # a quoted phrase: only when the whole phrase is a spelling
            alt = self.alternatives(phrase[0], phrase[1])
            return _boosted(alt, q.boost) if alt is not None else q
        if isinstance(q, wq.And):
            return wq.And(self._runs(q.subqueries), boost=q.boost)
        if isinstance(q, wq.BinaryQuery):  # AndNot, AndMaybe, Require, Otherwise (before CompoundQuery)
            return q.__class__(self.rewrite(q.a), self.rewrite(q.b))
        if isinstance(q, wq.compound.CompoundQuery):
            return q.__class__([self.rewrite(s) for s in q.subqueries], boost=q.boost)
        if isinstance(q, wq.Not):
            return wq.Not(self.rewrite(q.query))
        return q

    def _runs(self, subs: list) -> list:
        """AND's children: consecutive plain words that together spell a name become one group."""
        out, i = [], 0
        while i < len(subs):
            done = False
            for size in range(min(self.table.longest, len(subs) - i), 1, -1):
                words = [w for s in subs[i : i + size] if (w := self._word(s)) is not None]
                if len(words) == size and len({w[1] for w in words}) == 1:
                    alt = self.alternatives(tuple(w[0] for w in words), words[0][1])
                    if alt is None and self.table.lookup(tuple(w[0] for w in words)):
                        break  # the run is a name with one spelling: leave its words as they are
                    if alt is not None:
                        out.append(alt)
                        i += size
                        done = True
                        break
            if not done:
                out.append(self.rewrite(subs[i]))
                i += 1
        return out


def _boosted(q: wq.Query, boost: float) -> wq.Query:
    if boost != 1.0:
        q.boost = boost
    return q


def expand_plain(table: AliasTable, text: str, fields: tuple[str, ...], word_query, frequency=None) -> Expansion:
    """Rewrite a plain-words query (``text`` as typed) into AND groups with names widened.

    ``frequency(term)``: how many articles contain an indexed term (to leave common words out)."""
    rewriter = _Rewriter(table, fields, frequency)
    groups = rewriter.plain(list(analyse(text)), word_query)
    query = groups[0] if len(groups) == 1 else (wq.And(groups) if groups else None)
    return Expansion(query, groups, list(rewriter.also.values()))


def expand_query(table: AliasTable, q: wq.Query, fields: tuple[str, ...], frequency=None) -> Expansion:
    """Rewrite a parsed query tree with names widened (structure kept)."""
    rewriter = _Rewriter(table, fields, frequency)
    rewritten = rewriter.rewrite(q)
    return Expansion(rewritten, [], list(rewriter.also.values()))
