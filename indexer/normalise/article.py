"""One article: spaCy's raw entities -> the facets people filter by (actors, countries, organisations).

The pipeline of ``normalise_entities``: trim each span; read PERSON spans as people (``person.py``) and
place and organisation spans as country hits (``countries.py``) or organisations (``orgs.py``); add the
people and countries spaCy missed; resolve the people within the article (``people.py``); keep the
countries the story is about. Pure Python and dictionary lookups (it runs on every article of a 100k
corpus); spaCy is never imported. Measured against Reuters-21578's gold tags by
``bench/facet_quality.py`` (figures in ``bench/RESULTS-facets.md``).
"""

from __future__ import annotations

import datetime
import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.model import Entities, Mention, Org
from indexer.normalise.countries import (
    CURRENCY_AFTER,
    GEOGRAPHY,
    REGIONS,
    acronym_not_country,
    country_inside,
    find_dateline,
    former_state_kind,
    salient_countries,
    untagged_countries,
)
from indexer.normalise.orgs import (
    ERA_AFTER,
    canonical_org,
    defined_acronyms,
    is_credit,
    is_listed_place,
    is_locative,
    not_an_org,
)
from indexer.normalise.people import resolve_people
from indexer.normalise.people_corpus import count_votes
from indexer.normalise.person import (
    PersonMention,
    find_listed_people,
    find_speakers,
    find_titled_people,
    is_junk_person,
    listed_person,
    name_index,
    person_at_end,
    read_person,
    rescue_person,
    written_lower,
)
from indexer.normalise.person_words import clean_name, is_caps
from indexer.normalise.places import CountryHit, fold, gazetteer
from indexer.normalise.roles import AMBIGUOUS_BODIES, HEAD_WORDS, role_before

UN_NAMED = re.compile(r"\bUN\b|\bU\.N\.|United Nations")


# Entity labels that may hide a person, and those that may name a place or an organisation.
OTHER_LABELS = ("GPE", "LOC", "NORP", "FAC", "ORG", "PRODUCT", "WORK_OF_ART")


PLACE_OR_ORG_LABELS = ("GPE", "LOC", "NORP", "FAC", "ORG")
# Labels spaCy gives people in line-ups and results tables.
LISTED_LABELS = ("ORG", "GPE", "PRODUCT", "NORP", "FAC", "WORK_OF_ART")


_LOWER_RATIO_MIN = 0.2  # below this share of lower-case letters a text is treated as all caps


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past whitespace, brackets, quotes and a trailing possessive."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] != ".":
        end -= 1
    # A trailing dot belongs only to an abbreviation such as "U.S." or "Jr.".
    if end > start and text[end - 1] == "." and not re.search(r"(\b\w\.\w\.|\bJr\.|\bSr\.)$", text[start:end]):
        end -= 1
    for suffix in ("'s", "’s"):
        if text[start:end].endswith(suffix):
            end -= 2
    if end > start and text[end - 1] in "'’":
        end -= 1
    return start, end


def normalise_entities(text: str, ents: Sequence[tuple[int, int, str]], date=None) -> Entities:
    """Turn one article's raw spaCy entities into canonical actors, countries and organisations
    (``date``, the article's date or datetime, decides whether a former state still existed)."""
    g = gazetteer()
    day = date.date() if hasattr(date, "date") and callable(date.date) else date
    head = text[:4000]
    lowers = sum(head.count(c) for c in string.ascii_lowercase)
    letters = lowers + sum(head.count(c) for c in string.ascii_uppercase)
    caps_text = letters > 0 and lowers / letters < _LOWER_RATIO_MIN

    mentions: list[Mention] = []
    hits: list[CountryHit] = []  # country mentions
    org_counts: Counter[str] = Counter()
    people: list[PersonMention] = []

    dateline = find_dateline(text)
    if dateline:
        hits.append(CountryHit(dateline[0], dateline[1], dateline[3], "dateline"))
    others = []
    floor = 0  # a role is never read back past the previous person's name
    for start, end, label in ents:
        s, e = _trim_span(text, start, end)
        if e <= s:
            continue
        if dateline and s < dateline[2] and e > dateline[0]:
            continue  # the dateline's place is counted once, above
        if label == "PERSON":
            end_at = read_person(text, s, e, caps_text, people, hits, floor)
            floor = max(floor, end_at)
        elif label in OTHER_LABELS:
            if text.startswith(("the ", "The "), s) and e - s > 4:
                s += 4  # "the White House": the mention is the name
            others.append((s, e, label))
    # People spaCy missed or mislabelled but a title names ("Finance Minister Barend du Plessis").
    find_titled_people(text, ents, people, others)
    find_speakers(text, ents, people)
    find_listed_people(text, ents, people)
    # Country names and metonyms spaCy did not tag ("Downing Street said ...").
    hits.extend(untagged_countries(text, ents, dateline, day))
    # spaCy often calls a person an organisation ("Icahn", "Ukraine Volodymyr Zelenskyy"): an entity
    # that ends with the name of someone this article names as a person is that person.
    known = name_index(people)
    places = {fold(text[s:e]) for s, e, label in others if label in ("GPE", "LOC")}
    # A name this article also tags as a place or facility is not an organisation here ("Borodyanka").
    place_names = places | {fold(text[s:e]) for s, e, label in others if label == "FAC"}
    usage: dict[str, list[int]] = {}
    acronyms = defined_acronyms(text) if "(" in text else {}
    reading = _Reading(text, caps_text, day, hits, people, mentions, org_counts, usage, place_names, acronyms)
    for s, e, label in others:
        if known and rescue_person(text, s, e, known, people):
            continue
        if label in LISTED_LABELS and listed_person(text, s, e, people):
            continue  # "Magnus Larsson ( Sweden ) vs." tagged ORG in a results table
        if label in PLACE_OR_ORG_LABELS and not CURRENCY_AFTER.match(text, e):
            _place_or_org(reading, s, e, label)

    # A one-word "name" the article also writes in lower case is a word ("Children", "Law", "Map").
    singles = {p[2].lower() for p in people if " " not in p[2]}
    lower_words = {w for w in singles if re.search(rf"(?<![\w.]){re.escape(w)}(?!\w)", text)} if singles else set()
    actors = resolve_people(people, mentions, places, lower_words, hits)
    countries = salient_countries(text, hits, g)
    mentions.extend(Mention(s, e, "country", code) for s, e, code, _ in hits)
    orgs = [Org(name, n) for name, n in org_counts.most_common()]
    mentions.sort(key=lambda m: (m.start, m.end))
    return Entities(
        actors=actors,
        countries=countries,
        orgs=orgs,
        mentions=mentions,
        acronyms=acronyms,
        org_usage={name: (n, loc) for name, (n, loc) in usage.items()},
        name_votes=count_votes(text, ents, people, OTHER_LABELS),
    )


def _headline_only(text: str, s: int, name: str, caps_text: bool) -> bool:
    """True for an all-caps span in the first line of a mixed-case text that the body never repeats
    ("RED LION INNS FILES"): headline words, not an organisation's name."""
    first_break = text.find("\n")
    if caps_text or first_break < 0 or s > first_break or not is_caps(name):
        return False
    return name not in text[first_break:]


@dataclass
class _Reading:
    """One article being read: its text, and what was found in it so far (filled in place)."""

    text: str
    caps_text: bool  # the text is all capitals (old wire copy): case says nothing
    day: datetime.date | None  # the article's date: whether a former state still existed
    hits: list[CountryHit]
    people: list[PersonMention]
    mentions: list[Mention]
    org_counts: Counter[str]
    usage: dict[str, list[int]]  # per organisation: [mentions, mentions after a preposition of place]
    place_names: set[str]  # folded names this article tags as places or facilities
    acronyms: dict[str, str]  # acronyms the text defines -> their long names


def _place_or_org(r: _Reading, s: int, e: int, label: str) -> None:
    """Read one place-like or organisation entity into country hits, an organisation or a person."""
    text = r.text
    raw = text[s:e]
    name = clean_name(raw)
    if not name:
        return
    key = fold(name)
    if (key == "us" and name == "us") or key in REGIONS:
        return  # the pronoun, not the country; a region or a bloc
    if label == "ORG" and "\n" in raw.strip() and (raw.count("\n") > 1 or text.count("\n") * 100 < len(text)):
        # Outside hard-wrapped wire copy a name never runs across a line break ("Security
        # Council\nTaking part in the meeting were").
        e = s + raw.index("\n")
        name = clean_name(text[s:e])
        if not name:
            return
    if label == "ORG" and is_credit(text, s, e, name):
        return  # "Photograph: Anton Vaganov/Reuters", "told the BBC"
    if ERA_AFTER.match(text, e):
        return  # "Soviet-era ammunition", "US-made": the word dates or labels a thing
    found = (
        None
        if acronym_not_country(name, label, r.caps_text, text, s)
        else gazetteer().classify(name, places=label in ("GPE", "LOC"), capitals=True)
    )
    if found:
        r.hits.append(CountryHit(s, e, found[0], former_state_kind(text, s, found, r.day)))
    elif label == "ORG":
        _read_org(r, s, e, name)
    elif label != "LOC" or not GEOGRAPHY.search(name):
        _hit_inside(r, s, e, name)


def _read_org(r: _Reading, s: int, e: int, name: str) -> None:
    """Read an ORG span that names no country as a whole: a country or a city with a title attached, a
    person at its end, a place, an event or a document, or an organisation."""
    g = gazetteer()
    words = name.split()
    # "Kremlin Spokesman": a metonym with a title attached.
    while len(words) > 1 and words[-1].lower() in HEAD_WORDS:
        words = words[:-1]
    core = " ".join(words)
    acronym = acronym_not_country(core, "ORG", r.caps_text, r.text, s)
    found = None if acronym else g.classify(core, places=False, capitals=True)
    if found:
        r.hits.append(CountryHit(s, e, found[0], found[1]))
        return
    code = g.place_code(core) if len(core.split()) <= 3 and not acronym else None
    if code:
        r.hits.append(CountryHit(s, e, code, "city"))  # "Mariupol", "Kharkiv" tagged as organisations
        return
    rest = _split_person_off(r, s, e, core)
    if rest is None:
        return
    core, e = rest
    defined = re.fullmatch(r"(.+?)\s+[-–—]\s+([A-Z]{2,8})", core)
    if defined:
        core = defined.group(1)  # "Organization for Democracy and Economic Development - GUAM"
        r.acronyms.setdefault(defined.group(2), canonical_org(core) or core)
    if _headline_only(r.text, s, core, r.caps_text):
        return
    if fold(core) in r.place_names or not_an_org(r.text, s, e, core, REGIONS):
        # A place, an event, a document or an adjective ("UN Charter", "Euro-Atlantic"); a country
        # inside its name is still mentioned ("the U.S.-Japan semiconductor Agreement").
        _hit_inside(r, s, e, core)
        return
    _count_org(r, s, e, core)


def _split_person_off(r: _Reading, s: int, e: int, core: str) -> tuple[str, int] | None:
    """Take a person off the end of an ORG span ("Federation Council Speaker Valentina Matviyenko"):
    returns what is left and where it ends, or None when what is left is a country (then a hit)."""
    person = person_at_end(core)
    if not person or is_junk_person(person) or written_lower(r.text, person):
        return core, e
    core = " ".join(core.split()[:-2])
    at = r.text.rfind(person.split()[0], s, e)
    if at >= 0:
        r.people.append(PersonMention(at, e, person, role_before(r.text, at), False))
        e = at
    found = gazetteer().classify(core, places=False, capitals=True)
    if found:
        r.hits.append(CountryHit(s, e, found[0], found[1]))  # "Kazakhstan Kassym-Jomart Tokayev"
        return None
    return core, e


def _count_org(r: _Reading, s: int, e: int, core: str) -> None:
    """Count one mention of an organisation under its facet name, with the country inside its name."""
    if fold(core) in AMBIGUOUS_BODIES and not UN_NAMED.search(r.text):
        org = core  # "the Security Council" in a text that never names the UN is a national one
    else:
        org = canonical_org(core)
    if not org:
        return
    seen = r.usage.setdefault(org, [0, 0])
    seen[0] += 1
    seen[1] += is_locative(r.text, s) or is_listed_place(r.text, s, e, r.place_names)
    r.org_counts[org] += 1
    r.mentions.append(Mention(s, e, "org", org))
    # "Bank of Japan", "Japanese Finance Ministry": the country is named inside the organisation.
    _hit_inside(r, s, e, core)


def _hit_inside(r: _Reading, s: int, e: int, name: str) -> None:
    """A country named by a word or two inside a longer name ("Bank of Japan") is mentioned there."""
    code = country_inside(name)
    if code:
        r.hits.append(CountryHit(s, e, code, "inside"))
