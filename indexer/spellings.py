"""The surface spellings of each article's entities, for entity-aware search.

Each mention names a canonical entity (an actor's or organisation's canonical name, a country's
alpha-2 code); the text it covers is a spelling of that entity ("Zelenskiy" for Volodymyr Zelenskyy,
"Kiev" for UA). The writer stores them per document (the ``spellings`` column, see ``schema.py``);
the search side groups them into aliases. Title mentions count too: the normaliser sees title and
body, but only body offsets are kept, so title mentions are set aside before that and given the
names ``resolve_corpus`` chose for the same entities in the body.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from indexer.model import Entities, Mention

NAMES_KEY = "cn"  # a country's spellings that are names of it (not its cities, capitals or demonyms)

KIND_KEYS = {"actor": "a", "country": "c", "org": "o"}
MAX_WORDS = 5
MAX_CHARS = 60
_POSSESSIVE = re.compile(r"(?:['\u2019]s?)$")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)
# Letters, with spaces, hyphens, apostrophes and dots between them: "U.S.", "Erdoğan", "Al-Assad".
_SPELLING = re.compile(r"[^\W\d_](?:[^\W\d_]|[ .'\u2019\-])*", re.UNICODE)


def clean_spelling(text: str) -> str | None:
    """Return a mention's text as a spelling ("Ukraine’s" -> "Ukraine"), or None when it is no name."""
    text = " ".join(text.split())
    text = _EDGE.sub("", text)
    text = _POSSESSIVE.sub("", text)
    if text[:4].lower() == "the ":
        text = text[4:]
    text = _EDGE.sub("", text) if text and not text.endswith(".") else text.strip()
    if not text or len(text) > MAX_CHARS or len(text.split()) > MAX_WORDS:
        return None
    if not _SPELLING.fullmatch(text):
        return None
    return text


class TitleMentions:
    """Mentions inside the title, kept aside until ``resolve_corpus`` has named every entity."""

    def __init__(self, text: str, ents: Entities, body_start: int):
        self.spellings = [(text[m.start : m.end], m.kind, m.value) for m in ents.mentions if m.end <= body_start]
        self.before: list[str] = []  # the value of each body mention before resolve_corpus

    def remember(self, body: Entities) -> None:
        """Note the values of the (body-relative) mentions before corpus-wide resolution renames them."""
        self.before = [m.value for m in body.mentions]

    def resolved(self, body: Entities, renamed: dict[tuple[str, str], str]) -> list[tuple[str, str, str]]:
        """Return (spelling, kind, value) of the title mentions under the names resolution chose."""
        local: dict[tuple[str, str], str] = {}
        if len(self.before) == len(body.mentions):
            for old, m in zip(self.before, body.mentions):
                local.setdefault((m.kind, old), m.value)
        return [
            (s, kind, local.get((kind, value)) or renamed.get((kind, value), value))
            for s, kind, value in self.spellings
        ]


def corpus_renames(bodies: Sequence[Entities], titles: Sequence[TitleMentions]) -> dict[tuple[str, str], str]:
    """Return, for each (kind, value before resolution), the value resolution gave it most often."""
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for body, title in zip(bodies, titles):
        if len(title.before) != len(body.mentions):
            continue
        for old, m in zip(title.before, body.mentions):
            votes[(m.kind, old)][m.value] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in votes.items()}


def surface_spellings(body: str, ents: Entities, title: Sequence[tuple[str, str, str]] = ()) -> dict:
    """Return ``{"a"|"c"|"o": {value: [spellings]}}`` for one article (body mentions plus title ones)."""
    found: dict[str, dict[str, set]] = {key: defaultdict(set) for key in KIND_KEYS.values()}
    pieces = [
        (body[m.start : m.end], m.kind, m.value)
        for m in ents.mentions
        if isinstance(m, Mention) and 0 <= m.start < m.end <= len(body)
    ]
    for raw, kind, value in [*pieces, *title]:
        key = KIND_KEYS.get(kind)
        spelling = clean_spelling(raw) if key else None
        if key and spelling and spelling != value:
            found[key][value].add(spelling)
    for c in ents.countries:  # the display name is how people write the country
        if c.name and c.code:
            found["c"][c.code].add(c.name)
    # Entities that were renamed away (merged into another) keep no spellings of their own.
    live = {"a": {a.name for a in ents.actors}, "c": {c.code for c in ents.countries}, "o": {o.name for o in ents.orgs}}
    # Every person and organisation is listed, even with no other spelling than its name: the search
    # side counts an entity's articles from these lists (to tell its names from common words).
    for key in ("a", "o"):
        for value in live[key]:
            found[key][value]  # noqa: B018 (creates the entry)
    out = {
        key: {value: sorted(s) for value, s in sorted(values.items()) if value in live[key] and (s or key != "c")}
        for key, values in found.items()
        if values
    }
    names = {code: [s for s in spellings if _names_country(s, code)] for code, spellings in out.get("c", {}).items()}
    names = {code: s for code, s in names.items() if s}
    if names:
        out[NAMES_KEY] = names
    return out


def _names_country(spelling: str, code: str) -> bool:
    """True when the gazetteer knows ``spelling`` as a name of country ``code`` ("Britain", "UK" for GB)."""
    from indexer.normalise.places import gazetteer  # the indexer's own tables; loaded once per process

    try:
        found = gazetteer().classify(spelling, places=False, capitals=False)
    except Exception:  # a table problem costs the alias, never the build
        return False
    return found is not None and found[0] == code and found[1] == "name"


def spellings_column(spellings: dict) -> bytes:
    """Return the ``spellings`` column bytes of one document."""
    return json.dumps(spellings, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
