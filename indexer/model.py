"""Plain data that travels through the indexing pipeline (no Whoosh or spaCy types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Article:
    """One article as read from disk, before enrichment."""

    id: str
    title: str
    text: str
    date: datetime | None
    source: str = ""
    url: str = ""
    title_derived: bool = False
    path: str = ""  # the file it came from (absolute), for --prune
    location: str = ""  # "file" or "file:line" for messages
    lead: str = ""  # the source's own lead paragraph (summary, standfirst), when it has a column for it


@dataclass
class Actor:
    """A person, under one canonical name, with a role where the text gives one."""

    name: str
    count: int = 1
    role: str = ""  # e.g. "President"
    country: str = ""  # ISO alpha-2 of the role, e.g. "RU"
    leader: bool = False  # head of state/government, minister, head of an international body


@dataclass
class Country:
    """A country mentioned in an article: ISO 3166 alpha-2 code and display name."""

    code: str
    name: str
    count: int = 1


@dataclass
class Org:
    """An organisation under one canonical name."""

    name: str
    count: int = 1


@dataclass
class Mention:
    """Where in the text (title + blank line + body offsets) an entity was recognised."""

    start: int
    end: int
    kind: str  # "actor" | "country" | "org"
    value: str  # canonical name (actor, org) or alpha-2 code (country)


@dataclass
class Entities:
    """Normalised entities of one article."""

    actors: list[Actor] = field(default_factory=list)
    countries: list[Country] = field(default_factory=list)
    orgs: list[Org] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    # spaCy's DATE spans as [start, end] offsets (into the NER text, then the body): resolved against the
    # publication date when the document is written (indexer/event_dates.py), since that date is not
    # part of the text the entities are cached by.
    dates: list[list[int]] = field(default_factory=list)
    # name key -> [read as a person, read as something else] in this article; people_corpus drops
    # names the corpus reads as a person only a minority of the times. Not stored in the index.
    name_votes: dict = field(default_factory=dict)
    # For corpus resolution only (never stored): acronyms the text defines ("EAEU" -> "Eurasian Economic
    # Union") and, per organisation, (mentions, mentions after a preposition of place).
    acronyms: dict[str, str] = field(default_factory=dict)
    org_usage: dict[str, tuple[int, int]] = field(default_factory=dict)
