"""Normalise spaCy's raw entities into the facets people filter by: actors, countries, organisations.

Pure Python and dictionary lookups only (it runs on every article of a 100k corpus); spaCy is never
imported here. ``normalise_entities`` works on one article, ``resolve_corpus`` merges across a batch,
``resolve_country`` reads a user's ``country:`` filter value. People are read in ``people.py``, titles in
``roles.py``, place names in ``gazetteer.py``; this module holds the pipeline, countries and organisations.
Measured against Reuters-21578's gold tags by ``bench/facet_quality.py`` (figures in
``bench/RESULTS-facets.md``).
"""

from __future__ import annotations

import bisect
import re
import string
from collections import Counter, defaultdict
from collections.abc import Sequence

from indexer.gazetteer import ORG_ALIASES, fold, gazetteer
from indexer.model import Country, Entities, Mention, Org
from indexer.gazetteer import GENERIC_ORG_WORDS, ORG_WORDS
from indexer.people import (HONORIFICS, clean_name, find_listed_people, find_speakers, find_titled_people,
                            is_caps, is_junk_person, listed_person, merge_people, name_index, person_at_end,
                            read_person, rescue_person, resolve_people, written_lower)
from indexer.people_corpus import count_votes
from indexer.orgs import (ERA_AFTER, FORMER_STATES, defined_acronyms, is_credit, is_listed_place, is_locative,
                          merge_orgs, not_an_org)
from indexer.roles import AMBIGUOUS_BODIES, HEAD_WORDS, resolve_roles, role_before

ACRONYM = re.compile(r"[A-Z]{2,8}")
UN_NAMED = re.compile(r"\bUN\b|\bU\.N\.|United Nations")


# Junk in organisation position: titles, wire words, social media.
NOT_ORGS = {
    "twitter", "facebook", "instagram", "telegram", "youtube", "reuter", "pic", "http",
    "kremlin spokesman", "spokesman", "the", "mln", "dlrs", "pct", "cts", "covid-19", "covid",
    "bst", "gmt", "utc", "cet", "cest", "eet", "eest", "msk", "est", "edt", "pst", "pdt", "uah", "usd",
    "eur", "rub", "gbp", "jpy", "mlrs", "himars", "lng", "ai", "omicron", "speech", "map", "video",
    "photo", "live", "update", "updates", "read more", "first edition", "ok",
}


# A wire dateline at the start of the body: "PORTLAND, Ore., Feb 26 - ", "MOSCOW, November 17. /TASS/."
DATELINE = re.compile(
    r"(?:\A|\n\n)[ \t]*(?P<place>[A-Z][A-Za-z.'\- ]{1,40}?)(?:\s*/[^/\n]{1,20}/)?"
    r"(?:,[ \t]*(?P<region>[A-Z][A-Za-z. ]{1,25}?))?,?[ \t]+"
    r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[ \t]*\d{1,2}\b")


# A country word that only names a currency ("U.S. dlrs", "Canadian dollar") says little about the story.
CURRENCY_AFTER = re.compile(
    r"\s*(?:dlrs?|dollars?|cts|cents|yen|marks?|francs?|pounds?|sterling|lire|lira|pesos?|crowns?|"
    r"guilders?|currency|currencies|rupees?|rand|shillings?|krona|kronor|krone|kroner|escudos?|"
    r"pesetas?|drachmas?|schillings?|riyals?|dinars?)\b", re.IGNORECASE)


# Regions and blocs: never a country, even when a country word is inside ("Latin America").
REGIONS = {
    "north america", "south america", "latin america", "central america", "americas", "the americas",
    "north american", "south american", "latin american", "central american", "pan american",
    "europe", "european", "eastern europe", "western europe", "central europe", "asia", "africa",
    "middle east", "near east", "far east", "balkans", "the balkans", "baltics", "the baltics",
    "scandinavia", "caribbean", "gulf", "the gulf", "persian gulf", "arabian gulf", "west", "the west",
    "east", "north", "south", "soviet bloc", "eastern bloc", "asia pacific", "asia-pacific",
    "southeast asia", "south east asia", "sub-saharan africa", "north africa", "west africa",
    "east africa", "southern africa", "central asia", "south asia", "east asia", "pacific", "atlantic",
    "indian ocean", "mediterranean", "arctic", "antarctica", "eurasia", "transatlantic", "nordic",
    "arab", "arabs", "western", "eastern", "northern", "southern", "latin", "anglo-saxon",
}


# Seas, gulfs and mountains named after a country are geography, not the country ("Gulf of Mexico").
GEOGRAPHY = re.compile(r"\b(?:gulf|sea|ocean|bay|strait|straits|canal|river|lake|mountains?|basin|"
                       r"peninsula|coast|island|islands|desert|valley|plain|plains)\b", re.IGNORECASE)


# Mentions that name the country itself (the rest name it through an adjective, a city or an org).
STRONG_KINDS = ("dateline", "name", "metonym")


# "<company> of" right before a country name: the company's origin, weak evidence for the story.
COMPANY_OF = re.compile(r"\b(?:Corp|Co|Ltd|Inc|Plc|PLC|AG|SA|NV|Group|Corporation|Company|Limited|Bank)\.?,?\s+of\s+$")
# What separates the items of a list of countries.
LIST_GAP = re.compile(r"^(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*,\s*and\s+|\s*,\s*or\s+|\s*/\s*|\s*-\s*)$")


# The lead (title, dateline, first sentences): a country named here is what the story is about.
LEAD_CHARS = 200


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
    hits: list[tuple[int, int, str, str]] = []  # country mentions: (start, end, code, kind)
    org_counts: Counter[str] = Counter()
    people: list[tuple] = []  # (start, end, name, role or None, weak)

    dateline = _dateline(text)
    if dateline:
        hits.append((dateline[0], dateline[1], dateline[3], "dateline"))
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
    hits.extend(_untagged_countries(text, ents, dateline, day))
    # spaCy often calls a person an organisation ("Icahn", "Ukraine Volodymyr Zelenskyy"): an entity
    # that ends with the name of someone this article names as a person is that person.
    known = name_index(people)
    places = {fold(text[s:e]) for s, e, label in others if label in ("GPE", "LOC")}
    # A name this article also tags as a place or facility is not an organisation here ("Borodyanka").
    place_names = places | {fold(text[s:e]) for s, e, label in others if label == "FAC"}
    usage: dict[str, list[int]] = {}
    acronyms = defined_acronyms(text) if "(" in text else {}
    for s, e, label in others:
        if known and rescue_person(text, s, e, known, people):
            continue
        if label in LISTED_LABELS and listed_person(text, s, e, people):
            continue  # "Magnus Larsson ( Sweden ) vs." tagged ORG in a results table
        if label in PLACE_OR_ORG_LABELS and not CURRENCY_AFTER.match(text, e):
            _place_or_org(text, s, e, label, hits, org_counts, mentions, people, caps_text, usage, place_names,
                          acronyms, day)

    # A one-word "name" the article also writes in lower case is a word ("Children", "Law", "Map").
    singles = {p[2].lower() for p in people if " " not in p[2]}
    lower_words = {w for w in singles if re.search(rf"(?<![\w.]){re.escape(w)}(?!\w)", text)} if singles else set()
    actors = resolve_people(people, mentions, places, lower_words, hits)
    countries = _salient_countries(text, hits, g)
    mentions.extend(Mention(s, e, "country", code) for s, e, code, _ in hits)
    orgs = [Org(name, n) for name, n in org_counts.most_common()]
    mentions.sort(key=lambda m: (m.start, m.end))
    return Entities(actors=actors, countries=countries, orgs=orgs, mentions=mentions, acronyms=acronyms,
                    org_usage={name: (n, loc) for name, (n, loc) in usage.items()},
                    name_votes=count_votes(text, ents, people, OTHER_LABELS))


def _salient_countries(text: str, hits, g) -> list[Country]:
    """The countries an article is about, with mention counts.

    Every mention is kept for highlighting, but a country reaches the facet only when the story is
    about it. Country names, metonyms and the dateline are strong evidence: the dateline alone, two
    such mentions, or one in the title or lead or in an enumeration of countries ("borders with
    Latvia, Lithuania and Poland") suffice. Adjectives, cities and organisation names ("British",
    "London", "Bank of America") are weak: they need two mentions starting in the lead, or three.
    A lone "listed in Luxembourg" or "a London broker" deep in a story does not make it about there.
    """
    brk = text.find("\n\n")
    lead_end = (brk + 2 if 0 <= brk < 200 else 0) + LEAD_CHARS
    by_code: dict[str, list] = defaultdict(list)
    for hit in sorted(hits):
        if hit[3] == "era":
            continue  # "Soviet times": kept for highlighting, never a reason to tag the country
        if hit[3] in STRONG_KINDS and COMPANY_OF.search(text, max(0, hit[0] - 40), hit[0]):
            hit = (hit[0], hit[1], hit[2], "inside")  # "Mazda Motor Corp of Japan": where a company is from
        by_code[hit[2]].append(hit)
    countries = []
    for code, own in by_code.items():
        strong = [h for h in own if h[3] in STRONG_KINDS]
        in_lead = own[0][0] < lead_end
        salient = (
            any(h[3] == "dateline" for h in own)
            or len(strong) >= 2
            or (len(strong) == 1 and (strong[0][0] < lead_end or _enumerated(text, strong[0], hits)))
            or (len(own) >= 2 and in_lead)
            or len(own) >= 3
        )
        if salient:
            countries.append(Country(code, g.country_name(code), len(own)))
    countries.sort(key=lambda c: (-c.count, c.name))
    return countries


def _enumerated(text: str, hit, hits) -> bool:
    """True when another country is named right beside this one in a list ("X, Y and Z")."""
    for other in hits:
        if other[2] == hit[2]:
            continue
        if 0 <= hit[0] - other[1] <= 7:
            gap = text[other[1]:hit[0]]
        elif 0 <= other[0] - hit[1] <= 7:
            gap = text[hit[1]:other[0]]
        else:
            continue
        if LIST_GAP.match(gap):
            return True
    return False


def _dateline(text: str) -> tuple[int, int, int, str] | None:
    """A wire dateline at the start of the body: (place start, place end, dateline end, alpha-2)."""
    m = DATELINE.search(text, 0, min(len(text), 400))
    if not m:
        return None
    code = gazetteer().dateline_place(m.group("place"), m.group("region") or "")
    if not code:
        return None
    return m.start("place"), m.end("place"), m.end(), code


def _untagged_countries(text: str, ents, dateline, day=None) -> list[tuple[int, int, str, str]]:
    """Country hits for capitalised country names and metonyms that no spaCy entity covers."""
    g = gazetteer()
    covered = sorted((s, e) for s, e, _ in ents)
    found_hits = []
    for ms, me, form in g.scan(text):
        i = bisect.bisect_right(covered, (ms, len(text))) - 1
        if (i >= 0 and covered[i][1] > ms) or (i + 1 < len(covered) and covered[i + 1][0] < me):
            continue
        if dateline and ms < dateline[2] and me > dateline[0]:
            continue
        if CURRENCY_AFTER.match(text, me) or ERA_AFTER.match(text, me):
            continue
        found = g.classify(form, places=False, capitals=False)
        if found:
            found_hits.append((ms, me, found[0], _former_state_kind(text, ms, found, day)))
    return found_hits


def _headline_only(text: str, s: int, name: str, caps_text: bool) -> bool:
    """True for an all-caps span in the first line of a mixed-case text that the body never repeats
    ("RED LION INNS FILES"): headline words, not an organisation's name."""
    first_break = text.find("\n")
    if caps_text or first_break < 0 or s > first_break or not is_caps(name):
        return False
    return name not in text[first_break:]


def _place_or_org(text, s, e, label, hits, org_counts, mentions, people, caps_text, usage=None,
                  place_names=frozenset(), acronyms=None, day=None) -> None:
    """Read one place-like or organisation entity into country hits, an organisation or a person."""
    g = gazetteer()
    raw = text[s:e]
    name = clean_name(raw)
    if not name:
        return
    key = fold(name)
    if key == "us" and name == "us":
        return  # the pronoun, not the country
    if key in REGIONS:
        return
    if label == "ORG" and "\n" in raw.strip() and (raw.count("\n") > 1 or text.count("\n") * 100 < len(text)):
        # Outside hard-wrapped wire copy a name never runs across a line break ("Security
        # Council\nTaking part in the meeting were").
        e = s + raw.index("\n")
        raw = text[s:e]
        name = clean_name(raw)
        key = fold(name)
        if not name:
            return
    if label == "ORG" and is_credit(text, s, e, name):
        return  # "Photograph: Anton Vaganov/Reuters", "told the BBC"
    if ERA_AFTER.match(text, e):
        return  # "Soviet-era ammunition", "US-made": the word dates or labels a thing
    places = label in ("GPE", "LOC")
    found = (None if _acronym_not_country(name, label, caps_text, text, s)
             else g.classify(name, places=places, capitals=True))
    if found:
        hits.append((s, e, found[0], _former_state_kind(text, s, found, day)))
        return
    if label == "ORG":
        words = name.split()
        # "Kremlin Spokesman": a metonym with a title attached.
        while len(words) > 1 and words[-1].lower() in HEAD_WORDS:
            words = words[:-1]
        core = " ".join(words)
        acronym = _acronym_not_country(core, label, caps_text, text, s)
        found = None if acronym else g.classify(core, places=False, capitals=True)
        if found:
            hits.append((s, e, found[0], found[1]))
            return
        code = g.place_code(core) if len(core.split()) <= 3 and not acronym else None
        if code:
            hits.append((s, e, code, "city"))  # "Mariupol", "Kharkiv" tagged as organisations
            return
        person = person_at_end(core)
        if person and (is_junk_person(person) or written_lower(text, person)):
            person = None
        if person:
            words = core.split()
            core = " ".join(words[:-2])
            at = text.rfind(person.split()[0], s, e)
            if at >= 0:
                people.append((at, e, person, role_before(text, at), False))
                e = at
            found = g.classify(core, places=False, capitals=True)
            if found:
                hits.append((s, e, found[0], found[1]))  # "Kazakhstan Kassym-Jomart Tokayev"
                return
        defined = re.fullmatch(r"(.+?)\s+[-–—]\s+([A-Z]{2,8})", core)
        if defined and acronyms is not None:
            core = defined.group(1)  # "Organization for Democracy and Economic Development - GUAM"
            acronyms.setdefault(defined.group(2), _canonical_org(core) or core)
        if _headline_only(text, s, core, caps_text):
            return
        if fold(core) in place_names or not_an_org(text, s, e, core, REGIONS):
            # A place, an event, a document or an adjective ("UN Charter", "Euro-Atlantic"); a country
            # inside its name is still mentioned ("the U.S.-Japan semiconductor Agreement").
            code = _country_inside(core)
            if code:
                hits.append((s, e, code, "inside"))
            return
        if fold(core) in AMBIGUOUS_BODIES and not UN_NAMED.search(text):
            org = core  # "the Security Council" in a text that never names the UN is a national one
        else:
            org = _canonical_org(core)
        if org:
            if usage is not None:
                seen = usage.setdefault(org, [0, 0])
                seen[0] += 1
                seen[1] += is_locative(text, s) or is_listed_place(text, s, e, place_names)
            org_counts[org] += 1
            mentions.append(Mention(s, e, "org", org))
            # "Bank of Japan", "Japanese Finance Ministry": the country is named inside the organisation.
            code = _country_inside(core)
            if code:
                hits.append((s, e, code, "inside"))
    elif label != "LOC" or not GEOGRAPHY.search(name):
        code = _country_inside(name)
        if code:
            hits.append((s, e, code, "inside"))


def _acronym_not_country(name: str, label: str, caps_text: bool, text: str = "", s: int = 0) -> bool:
    """True for an all-caps ORG span on a mixed-case line that spells a country or territory normally
    written in lower case ("GUAM" the organisation, not Guam): an acronym, not the place. An all-caps
    headline ("PAKISTAN TO TENDER FOR ...") writes every name so."""
    if label != "ORG" or caps_text or len(name) < 4 or not name.isalpha() or not name.isupper():
        return False
    line = text[text.rfind("\n", 0, s) + 1:text.find("\n", s) if text.find("\n", s) >= 0 else len(text)]
    if not any(c.islower() for c in line):
        return False
    g = gazetteer()
    found = g.classify(name, places=False, capitals=False)
    return found is not None and found[1] == "name" and fold(g.country_name(found[0])) == fold(name)


def _former_state_kind(text: str, s: int, found: tuple[str, str], day=None) -> str:
    """The hit kind of a country word; in a story written after a state ended (``day``), its adjective or
    "the former Soviet Union" is an era, not the subject ("Soviet times", "post-Soviet"), and does not
    make the story about it. Undated stories keep the old reading (wire copy of 1987 names a living state)."""
    code, kind = found
    ended = FORMER_STATES.get(code)
    if ended and day is not None and day >= ended and (kind != "name" or re.search(r"(?:former|post-)\s*(?:the\s+)?$",
                                                              text[max(0, s - 12):s], re.IGNORECASE)):
        return "era"
    return kind


def _country_inside(name: str) -> str | None:
    """A country named by a word or two inside a longer name ("Bank of Japan" -> JP)."""
    g = gazetteer()
    words = name.split()
    if len(words) < 2:
        return None
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            part = " ".join(words[i:i + n])
            if fold(part) in REGIONS or (i + n < len(words) and fold(" ".join(words[i:i + n + 1])) in REGIONS):
                continue
            if i > 0 and fold(" ".join(words[i - 1:i + n])) in REGIONS:
                continue
            if len(part) >= 4 and part.isupper() and any(c.islower() for c in name):
                continue  # an acronym inside a mixed-case name ("... Development - GUAM"), not the place
            code = g.lookup(part, places=False, capitals=False)
            if code:
                return code
    return None


def _canonical_org(name: str) -> str | None:
    """The facet name of an organisation, or None for junk (titles, generic nouns, time zones, cut-offs)."""
    name = re.sub(r"^(?:the|The|THE)\s+", "", name).strip()
    key = fold(name)
    if not key or key in NOT_ORGS or len(key) < 2:
        return None
    if any(c in name for c in "@#/\\|=<>") or name.isdigit() or re.search(r"[a-z]{3}[A-Z]", name):
        return None
    if key in ORG_ALIASES:
        return ORG_ALIASES[key]
    words = key.split()
    if words[-1] in ("of", "the", "and", "for", "to", "on", "in", "at"):
        return None  # cut off mid-name: "the Office of the"
    if all(w in HEAD_WORDS or w in HONORIFICS or w in ORG_WORDS or w in GENERIC_ORG_WORDS for w in words):
        return None  # "Government", "Armed Forces", "Council"
    if name.islower():
        name = " ".join(w[:1].upper() + w[1:] for w in name.split())
    return name


def resolve_corpus(batch: list[Entities], dates: Sequence | None = None, sources: Sequence[str] | None = None) -> None:
    """Merge across a batch in place: one name per person and per organisation, roles filled in.

    Spellings, shorter forms and bare surnames of a person join the corpus's full name; organisations
    that are people move to the actors; acronyms join the long name they abbreviate; each actor gets
    the role held at the article's date (``dates``, parallel to ``batch``), with the country of an
    official source (``sources``: host names) for a domestic title. Counts are re-summed per
    article. Dictionary work only (100k articles in seconds).
    """
    for name, values in (("dates", dates), ("sources", sources)):
        if values is not None and len(values) != len(batch):
            raise ValueError(f"{name} has {len(values)} entries for {len(batch)} articles")
    merge_people(batch)
    _merge_acronyms(batch)
    merge_orgs(batch, sources)
    resolve_roles(batch, dates, sources)


def _initials(name: str) -> str:
    """Initials of the capitalised words: "Organization for Economic Cooperation and Development" -> OECD."""
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def _merge_acronyms(batch: list[Entities]) -> None:
    """Rename acronym orgs to the long name they abbreviate, decided by co-occurrence across the batch."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for ents in batch:
        names = [o.name for o in ents.orgs]
        acronyms = [n for n in names if ACRONYM.fullmatch(n)]
        if not acronyms:
            continue
        longs: dict[str, str] = {}
        for n in names:
            if " " in n:
                longs.setdefault(_initials(n), n)
        for acr in acronyms:
            if acr in longs:
                votes[acr][longs[acr]] += 1
    rename = {acr: c.most_common(1)[0][0] for acr, c in votes.items()}
    if not rename:
        return
    for ents in batch:
        if not any(o.name in rename for o in ents.orgs):
            continue
        merged: dict[str, Org] = {}
        for o in ents.orgs:
            name = rename.get(o.name, o.name)
            if name in merged:
                merged[name].count += o.count
            else:
                merged[name] = Org(name, o.count)
        ents.orgs = sorted(merged.values(), key=lambda o: (-o.count, o.name))
        for m in ents.mentions:
            if m.kind == "org":
                m.value = rename.get(m.value, m.value)


def resolve_country(text: str) -> Country | None:
    """Read a country filter value ("BY", "Belarus", "Belarusian", "Minsk", "Kremlin", "U.S.")."""
    text = (text or "").strip()
    if not text:
        return None
    g = gazetteer()
    if len(text) == 2 and text.isalpha():
        code = text.upper()
        if code in g.display:
            return Country(code, g.country_name(code))
    # Names, demonyms, metonyms and capitals first: the city gazetteer loads only when they fail.
    code = g.lookup(text, places=False, capitals=True) or g.lookup(text, places=True, capitals=True)
    if code:
        return Country(code, g.country_name(code))
    return None
