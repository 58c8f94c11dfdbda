"""Places in an article: which countries it names, and which of them the story is about.

Country mentions come from spaCy's place entities (read in ``article.py``), from capitalised country
names and metonyms spaCy did not tag (``untagged_countries``) and from a wire dateline (``find_dateline``);
``salient_countries`` keeps for the facet only the countries the story is about. ``resolve_country``
reads a user's ``country:`` filter value. The names themselves are in ``places.py`` (the gazetteer).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from typing import NamedTuple

from indexer.model import Country
from indexer.normalise import reference
from indexer.normalise.orgs import ERA_AFTER, FORMER_STATES
from indexer.normalise.places import CountryHit, fold, gazetteer

# A wire dateline at the start of the body: "PORTLAND, Ore., Feb 26 - ", "MOSCOW, November 17. /TASS/."
DATELINE = re.compile(
    r"(?:\A|\n\n)[ \t]*(?P<place>[A-Z][A-Za-z.'\- ]{1,40}?)(?:\s*/[^/\n]{1,20}/)?"
    r"(?:,[ \t]*(?P<region>[A-Z][A-Za-z. ]{1,25}?))?,?[ \t]+"
    r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[ \t]*\d{1,2}\b"
)


# A country word that only names a currency ("U.S. dlrs", "Canadian dollar") says little about the story.
CURRENCY_AFTER = re.compile(
    r"\s*(?:dlrs?|dollars?|cts|cents|yen|marks?|francs?|pounds?|sterling|lire|lira|pesos?|crowns?|"
    r"guilders?|currency|currencies|rupees?|rand|shillings?|krona|kronor|krone|kroner|escudos?|"
    r"pesetas?|drachmas?|schillings?|riyals?|dinars?)\b",
    re.IGNORECASE,
)


# Regions and blocs: never a country, even when a country word is inside ("Latin America").
REGIONS = reference.words("regions.txt")


# Seas, gulfs and mountains named after a country are geography, not the country ("Gulf of Mexico").
GEOGRAPHY = re.compile(
    r"\b(?:gulf|sea|ocean|bay|strait|straits|canal|river|lake|mountains?|basin|"
    r"peninsula|coast|island|islands|desert|valley|plain|plains)\b",
    re.IGNORECASE,
)


# Mentions that name the country itself (the rest name it through an adjective, a city or an org).
STRONG_KINDS = ("dateline", "name", "metonym")


# "<company> of" right before a country name: the company's origin, weak evidence for the story.
COMPANY_OF = re.compile(r"\b(?:Corp|Co|Ltd|Inc|Plc|PLC|AG|SA|NV|Group|Corporation|Company|Limited|Bank)\.?,?\s+of\s+$")
# What separates the items of a list of countries.
LIST_GAP = re.compile(r"^(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*,\s*and\s+|\s*,\s*or\s+|\s*/\s*|\s*-\s*)$")


# The lead (title, dateline, first sentences): a country named here is what the story is about.
LEAD_CHARS = 200


def salient_countries(text: str, hits: list[CountryHit], g) -> list[Country]:
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
            hit = hit._replace(kind="inside")  # "Mazda Motor Corp of Japan": where a company is from
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
            gap = text[other[1] : hit[0]]
        elif 0 <= other[0] - hit[1] <= 7:
            gap = text[hit[1] : other[0]]
        else:
            continue
        if LIST_GAP.match(gap):
            return True
    return False


class Dateline(NamedTuple):
    """A wire dateline at the start of the body ("MOSCOW, November 17."): its place and where it ends."""

    start: int  # the place's offsets
    end: int
    dateline_end: int
    code: str  # alpha-2 of the place


def find_dateline(text: str) -> Dateline | None:
    """A wire dateline at the start of the body, if the text has one whose place the gazetteer knows."""
    m = DATELINE.search(text, 0, min(len(text), 400))
    if not m:
        return None
    code = gazetteer().dateline_place(m.group("place"), m.group("region") or "")
    if not code:
        return None
    return Dateline(m.start("place"), m.end("place"), m.end(), code)


def untagged_countries(text: str, ents, dateline: Dateline | None, day=None) -> list[CountryHit]:
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
            found_hits.append(CountryHit(ms, me, found[0], former_state_kind(text, ms, found, day)))
    return found_hits


def acronym_not_country(name: str, label: str, caps_text: bool, text: str = "", s: int = 0) -> bool:
    """True for an all-caps ORG span on a mixed-case line that spells a country or territory normally
    written in lower case ("GUAM" the organisation, not Guam): an acronym, not the place. An all-caps
    headline ("PAKISTAN TO TENDER FOR ...") writes every name so."""
    if label != "ORG" or caps_text or len(name) < 4 or not name.isalpha() or not name.isupper():
        return False
    line = text[text.rfind("\n", 0, s) + 1 : text.find("\n", s) if text.find("\n", s) >= 0 else len(text)]
    if not any(c.islower() for c in line):
        return False
    g = gazetteer()
    found = g.classify(name, places=False, capitals=False)
    return found is not None and found[1] == "name" and fold(g.country_name(found[0])) == fold(name)


def former_state_kind(text: str, s: int, found: tuple[str, str], day=None) -> str:
    """The hit kind of a country word; in a story written after a state ended (``day``), its adjective or
    "the former Soviet Union" is an era, not the subject ("Soviet times", "post-Soviet"), and does not
    make the story about it. Undated stories keep the old reading (wire copy of 1987 names a living state)."""
    code, kind = found
    ended = FORMER_STATES.get(code)
    if (
        ended
        and day is not None
        and day >= ended
        and (kind != "name" or re.search(r"(?:former|post-)\s*(?:the\s+)?$", text[max(0, s - 12) : s], re.IGNORECASE))
    ):
        return "era"
    return kind


def country_inside(name: str) -> str | None:
    """A country named by a word or two inside a longer name ("Bank of Japan" -> JP)."""
    g = gazetteer()
    words = name.split()
    if len(words) < 2:
        return None
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            part = " ".join(words[i : i + n])
            if fold(part) in REGIONS or (i + n < len(words) and fold(" ".join(words[i : i + n + 1])) in REGIONS):
                continue
            if i > 0 and fold(" ".join(words[i - 1 : i + n])) in REGIONS:
                continue
            if len(part) >= 4 and part.isupper() and any(c.islower() for c in name):
                continue  # an acronym inside a mixed-case name ("... Development - GUAM"), not the place
            code = g.lookup(part, places=False, capitals=False)
            if code:
                return code
    return None


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
