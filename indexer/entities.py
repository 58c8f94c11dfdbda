"""Normalise spaCy's raw entities into the facets people filter by: actors, countries, organisations.

Pure Python and dictionary lookups only (it runs on every article of a 100k corpus); spaCy is never
imported here. ``normalise_entities`` works on one article, ``resolve_corpus`` merges across a batch,
``resolve_country`` reads a user's ``country:`` filter value.
"""

from __future__ import annotations

import bisect
import re
import string
from functools import lru_cache
from collections import Counter, defaultdict
from typing import Sequence

from indexer.gazetteer import ORG_ALIASES, fold, gazetteer
from indexer.gazetteer import spelling_key as _skeleton
from indexer.model import Actor, Country, Entities, Mention, Org
from indexer.roles import HEAD_WORDS, PORTFOLIOS, role_after, role_before

# Words that are a title, never part of a person's name ("President Putin", "Mr Merkel").
HONORIFICS = {
    "mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "madam", "mme", "m", "herr", "frau",
    "president", "chancellor", "premier", "prime", "minister", "pm", "king", "queen", "prince",
    "princess", "emir", "amir", "sheikh", "sheik", "sultan", "emperor", "shah", "pope", "ayatollah",
    "general", "gen", "col", "colonel", "lt", "lieutenant", "captain", "capt", "adm", "admiral",
    "major", "maj", "sgt", "sergeant", "marshal", "commander", "senator", "sen", "rep",
    "representative", "congressman", "congresswoman", "governor", "gov", "mayor", "secretary",
    "spokesman", "spokeswoman", "spokesperson", "ambassador", "envoy", "chairman", "chairwoman",
    "director", "judge", "justice", "rev", "reverend", "father", "cardinal", "archbishop", "bishop",
    "saint", "st", "acting", "former", "deputy", "vice", "foreign", "defence", "defense", "finance",
    "interior", "leader", "chief", "comrade", "professor", "prof", "dr.", "mr.", "mrs.", "ms.",
    "kremlin", "spokesman", "aide", "adviser", "advisor", "officer", "official", "minister-president",
    "secretary-general", "vice-president", "vice-chancellor", "first", "lady", "crown", "then",
}

# Capitalised words spaCy tags as PERSON that are not people.
NOT_PEOPLE = {
    "twitter", "facebook", "instagram", "telegram", "youtube", "tiktok", "whatsapp", "google", "reuters",
    "tass", "ria", "interfax", "afp", "ap", "bbc", "cnn", "xinhua", "getty", "kremlin", "god", "allah",
    "jesus", "christ", "covid", "covid-19", "coronavirus", "omicron", "brexit", "nato", "un", "eu",
    "reuter", "pic", "http", "https", "www", "rt", "via", "photo", "video", "update", "breaking",
    "mln", "bln", "pct", "dlrs", "cts", "vs", "inc", "corp", "co", "ltd", "plc", "ag", "sa", "nv",
    "said", "says", "told", "added", "noted", "today", "yesterday", "tomorrow", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april",
    "may", "june", "july", "august", "september", "october", "november", "december", "western",
    "eastern", "northern", "southern", "the", "and", "but", "with", "from", "for", "news",
    "minsk", "moscow", "kyiv", "kiev", "washington", "london", "paris", "berlin", "beijing",
    "sputnik", "olympic", "olympics", "labour", "tory", "tories", "democrat", "republican", "taliban",
    "hamas", "hezbollah", "isis", "daesh", "brexit", "euro", "dollar", "ruble", "rouble", "hryvnia",
    "instagram", "zoom", "skype", "iphone", "android", "ok", "yes", "no", "mr", "mrs", "ms",
}

# Well-known people whose names come in several spellings: the spelling the facet shows.
CANONICAL_PEOPLE = [
    "Joe Biden", "Emmanuel Macron", "Olaf Scholz", "Boris Johnson", "Donald Trump", "Angela Merkel",
    "Xi Jinping", "Jens Stoltenberg", "Volodymyr Zelenskyy", "Alexander Lukashenko", "Vladimir Putin", "Dmitry Peskov", "Sergei Lavrov",
    "Sergei Shoigu", "Dmitry Medvedev", "Mikhail Gorbachev", "Boris Yeltsin", "Recep Tayyip Erdogan",
    "Mikhail Mishustin", "Maria Zakharova", "Dmytro Kuleba", "Oleksii Reznikov", "Muammar Gaddafi",
    "Bashar al-Assad", "Kim Jong Un", "Ali Khamenei", "Svetlana Tikhanovskaya",
]

ACRONYM = re.compile(r"[A-Z]{2,8}")
# Nouns that make a name an organisation or a place, never a person ("Donetsk People Republic").
ORG_WORDS = {
    "office", "council", "service", "services", "ministry", "committee", "agency", "department", "bank",
    "party", "union", "house", "court", "assembly", "administration", "government", "forces", "force",
    "affairs", "guard", "army", "navy", "police", "republic", "kingdom", "federation", "federal",
    "commission", "parliament", "senate", "congress", "institute", "university", "school", "college",
    "foundation", "fund", "company", "corporation", "group", "holdings", "association", "organisation",
    "organization", "news", "press", "times", "post", "journal", "daily", "television", "radio", "tv",
    "airlines", "airways", "railways", "exchange", "market", "markets", "stock", "index", "summit",
    "forum", "conference", "treaty", "agreement", "accord", "declaration", "program", "programme",
    "plan", "strategy", "initiative", "project", "operation", "war", "battle", "crisis", "region",
    "oblast", "district", "province", "state", "city", "town", "village", "square", "street", "avenue",
    "bridge", "airport", "station", "port", "plant", "factory", "centre", "center", "hall", "palace",
    "church", "cathedral", "monastery", "league", "cup", "board", "rights", "front", "movement", "reserve", "fed", "trust", "partners", "capital", "museum", "theatre", "theater", "stadium", "hospital", "prison",
    "people", "people's", "democratic", "national", "international", "european", "world", "global",
}
# A bare surname joins the corpus's full name when that person has this share of the surname's mentions.
SURNAME_DOMINANCE = 0.85
# Above this many spellings under one surname, only exact spelling keys merge (pairwise checks are O(n^2)).
MAX_SURNAME_GROUP = 200

# English short forms of given names: "Joe Biden" and "Joseph Biden" are one person.
NICKNAMES = {
    "joe": "joseph", "bill": "william", "will": "william", "bob": "robert", "rob": "robert",
    "jim": "james", "jimmy": "james", "mike": "michael", "tony": "anthony", "tom": "thomas",
    "dick": "richard", "rick": "richard", "ted": "edward", "ed": "edward", "dan": "daniel",
    "dave": "david", "steve": "stephen", "chris": "christopher", "nick": "nicholas", "pete": "peter",
    "ben": "benjamin", "sam": "samuel", "alex": "alexander", "andy": "andrew", "greg": "gregory",
    "jeff": "jeffrey", "ron": "ronald", "don": "donald", "ken": "kenneth", "larry": "lawrence",
    "liz": "elizabeth", "beth": "elizabeth", "kate": "katherine", "cathy": "catherine",
    "sasha": "alexander", "volodya": "vladimir", "misha": "mikhail", "dima": "dmitry",
}

# Junk in organisation position: titles, wire words, social media.
NOT_ORGS = {
    "twitter", "facebook", "instagram", "telegram", "youtube", "reuter", "pic", "http",
    "kremlin spokesman", "spokesman", "the", "mln", "dlrs", "pct", "cts", "covid-19", "covid",
    "bst", "gmt", "utc", "cet", "cest", "eet", "eest", "msk", "est", "edt", "pst", "pdt", "uah", "usd",
    "eur", "rub", "gbp", "jpy", "mlrs", "himars", "lng", "ai", "omicron", "speech", "map", "video",
    "photo", "live", "update", "updates", "read more", "first edition", "ok",
}
# Words that alone name no particular organisation ("Government", "Armed Forces").
GENERIC_ORG_WORDS = {
    "armed", "forces", "troops", "military", "motherland", "fatherland", "homeland", "healthcare",
    "alliance", "coalition", "opposition", "cabinet", "ministers", "authorities", "authority",
    "leadership", "regime", "west", "east", "administration", "treasury", "defence", "defense",
    "security", "intelligence", "health", "central", "supreme", "main", "joint", "special", "general",
    "staff", "parliamentary", "presidential", "executive", "public", "private", "civil", "social",
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
# What separates the items of a list of countries.
LIST_GAP = re.compile(r"^(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*,\s*and\s+|\s*,\s*or\s+|\s*/\s*|\s*-\s*)$")
# The lead (title, dateline, first sentences): a country named here is what the story is about.
LEAD_CHARS = 200

# Wire-copy abbreviations and company suffixes that never belong to a person's name.
WIRE_WORDS = {"dlrs", "dlr", "mln", "bln", "pct", "cts", "inc", "corp", "co", "ltd", "plc", "llc", "gmbh",
              "reuter", "reuters", "shr", "shrs", "qtr", "qtly", "div", "revs", "avg", "vs", "nv", "ag"}
# Entity labels that may hide a person, and those that may name a place or an organisation.
OTHER_LABELS = ("GPE", "LOC", "NORP", "FAC", "ORG", "PRODUCT", "WORK_OF_ART")
PLACE_OR_ORG_LABELS = ("GPE", "LOC", "NORP", "FAC", "ORG")
# Name particles after which spaCy tends to stop: the surname that follows belongs to the name.
PARTICLE_END = re.compile(r"(?:^|\s)(?:von|van|der|den|de|da|del|della|di|du|la|le|bin|ibn|al|el|ter|ten|dos|das)$")
PARTICLE_TAIL = re.compile(r"(?:\s+(?:von|van|der|den|de|da|del|della|di|du|la|le|bin|ibn|al|el|ter|ten|dos|das))*"
                           r"\s+[A-Z][\w'’\-]+")
# A capitalised word right after a person's name, on the next line or after a space.
NAME_CONTINUES = re.compile(r"[ \t]*\n?[ \t]*([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b(?![.'’-]\w)")
PARTICLES = {"von", "van", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "bin", "ibn",
             "al", "el", "ter", "ten", "dos", "das"}
_NAME_WORD = r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?"
_GAP = r"[ \t]*\n?[ \t]*"
_NAME = rf"{_NAME_WORD}(?:{_GAP}(?:(?:de|du|da|di|van|von|der|den|la|le|del|bin|al|el){_GAP})*{_NAME_WORD}){{0,2}}"
_TITLE_WORDS = ("minister|president|governor|secretary of state|secretary|chairman|chairwoman|representative|"
                "spokesman|spokeswoman|ambassador|commissioner|director|chancellor|premier|senator|envoy|"
                "adviser|advisor|prosecutor")
# "Finance Minister Barend du Plessis", "trade representative Clayton\nYeutter".
TITLE_THEN_NAME = re.compile(rf"(?<![\w-])(?i:{_TITLE_WORDS})(?![\w'’-]){_GAP}(?P<name>{_NAME})")
# "Beryl Sprinkel, chairman of the president's Council of Economic Advisers".
NAME_THEN_TITLE = re.compile(
    rf"(?<![\w.'’-])(?P<name>{_NAME_WORD}{_GAP}(?:(?:de|du|van|von|der|la|le|del|bin|al){_GAP})*{_NAME_WORD}),"
    rf"{_GAP}(?:the{_GAP})?(?:[\w.'’-]+{_GAP}){{0,3}}?(?i:{_TITLE_WORDS})(?![\w-])")
NEXT_CAPITAL = re.compile(r"[ \t]+[A-Z]")
# A capitalised word right before a name, on the same line.
NAME_BEFORE = re.compile(r"(?<![\w.'’-])([A-Z][a-z]+(?:-[A-Z][a-z]+)?)[ ]$")
# Capitalised words that start a clause rather than continue a name.
NAME_STOP = {
    "the", "he", "she", "it", "they", "we", "i", "in", "on", "at", "a", "an", "but", "and", "or", "said",
    "says", "told", "this", "that", "these", "those", "his", "her", "their", "its", "our", "for", "from",
    "with", "by", "as", "after", "before", "when", "while", "if", "to", "of", "also", "who", "which",
    "inc", "corp", "co", "ltd", "plc", "group", "bank", "company", "house", "party", "government",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "today", "yesterday", "there", "here", "one", "two", "three", "all", "some", "other",
    "under", "over", "since", "until", "about", "against", "between", "during", "through", "not", "no",
}

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


def _clean_name(raw: str) -> str:
    """Collapse whitespace and drop brackets, quotes and possessives inside a name."""
    name = re.sub(r"[\[\]\(\)\{\}\"“”«»]", " ", raw)
    name = re.sub(r"(?:'s|’s)\b", "", name)
    name = name.replace("’", "'")
    return " ".join(name.split()).strip(" ,;:-'")


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _fix_caps(name: str) -> str:
    """Title-case an all-caps name from an upper-case text ("JAMES BAKER" -> "James Baker")."""
    return " ".join(w.capitalize() if not re.match(r"^(?:[A-Z]\.)+$", w) else w for w in name.split())


@lru_cache(maxsize=262_144)
def _surname_key(name: str) -> str:
    """The family key of a person's name: the skeleton of the surname."""
    return _skeleton(name.split()[-1])


@lru_cache(maxsize=262_144)
def _first_key(word: str) -> str:
    """A looser key for first names, whose transliterations vary inside (Alexander/Aleksandr/Alyaksandr)."""
    w = _skeleton(NICKNAMES.get(word.lower(), word))
    return w[:1] + re.sub(r"[aeiou]+", "", w[1:])


@lru_cache(maxsize=262_144)
def _person_key(name: str) -> tuple[str, str]:
    """(surname key, first-name key) of a multi-word name."""
    parts = name.split()
    return _skeleton(parts[-1]), _first_key(parts[0])


_CANON = {_person_key(n): n for n in CANONICAL_PEOPLE}


def _strip_titles(name: str) -> tuple[str, str]:
    """Split leading honorifics off a name: ("President Putin" -> ("Putin", "President"))."""
    words = name.split()
    i = 0
    while i < len(words) - 1 and words[i].lower().strip(".") in HONORIFICS:
        i += 1
    # Trailing ", Jr." stays; trailing title words ("Putin Spokesman") go.
    j = len(words)
    while j > i + 1 and words[j - 1].lower().strip(".") in HONORIFICS:
        j -= 1
    return " ".join(words[i:j]), " ".join(words[:i])


def _is_place_name(name: str) -> bool:
    """True for a town or region name (a person's surname alone is checked before this)."""
    g = gazetteer()
    key = fold(name)
    return key in g.towns or key in g.regions or key in g.cities or key in g.places_within


def _is_junk_person(name: str) -> bool:
    words = name.split()
    if not words or len(name) < 2 or len(words) > 5:
        return True
    if any(c.isdigit() or c in "@#/\\|=+_<>&" for c in name) or " - " in name:
        return True
    if len(words) >= 2 and _is_place_name(name):
        return True  # "Nizhny Novgorod"
    low = [w.lower().strip(".'") for w in words]
    if all(w in HONORIFICS or w in NOT_PEOPLE or w in HEAD_WORDS for w in low):
        return True
    if len(words) == 1 and (low[0] in NOT_PEOPLE or len(low[0]) < 3):
        return True
    if any(w in WIRE_WORDS for w in low):
        return True  # "U.S. Dlrs"
    if low[0] in NOT_PEOPLE and low[0] not in HONORIFICS:
        return True  # "Sputnik Light", "Twitter CEO"
    if any(re.search(r"[a-z]{3}[A-Z]", w) for w in words):
        return True  # "EstoniaRead": words run together by a scraper
    if any(w in ORG_WORDS for w in low):
        return True  # "Donetsk People Republic", "Armed Forces"
    if not words[0][:1].isupper():
        return True
    g = gazetteer()
    if g.lookup(name, places=len(words) == 1):
        return True
    if fold(name) in ORG_ALIASES:
        return True
    return False


def normalise_entities(text: str, ents: Sequence[tuple[int, int, str]]) -> Entities:
    """Turn one article's raw spaCy entities into canonical actors, countries and organisations."""
    g = gazetteer()
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
            end_at = _person(text, s, e, caps_text, people, hits, floor)
            floor = max(floor, end_at)
        elif label in OTHER_LABELS:
            if text.startswith(("the ", "The "), s) and e - s > 4:
                s += 4  # "the White House": the mention is the name
            others.append((s, e, label))
    # People spaCy missed or mislabelled but a title names ("Finance Minister Barend du Plessis").
    _title_people(text, ents, people, others)
    # Country names and metonyms spaCy did not tag ("Downing Street said ...").
    covered = sorted((s, e) for s, e, _ in ents)
    for ms, me, form in g.scan(text):
        i = bisect.bisect_right(covered, (ms, len(text))) - 1
        if (i >= 0 and covered[i][1] > ms) or (i + 1 < len(covered) and covered[i + 1][0] < me):
            continue
        if dateline and ms < dateline[2] and me > dateline[0]:
            continue
        if CURRENCY_AFTER.match(text, me):
            continue
        found = g.classify(form, places=False, capitals=False)
        if found:
            hits.append((ms, me, found[0], found[1]))
    # spaCy often calls a person an organisation ("Icahn", "Ukraine Volodymyr Zelenskyy"): an entity
    # that ends with the name of someone this article names as a person is that person.
    known = _name_index(people)
    places = {fold(text[s:e]) for s, e, label in others if label in ("GPE", "LOC")}
    for s, e, label in others:
        if known and _rescue_person(text, s, e, known, people):
            continue
        if label in PLACE_OR_ORG_LABELS and not CURRENCY_AFTER.match(text, e):
            _place_or_org(text[s:e], s, e, label, g, hits, org_counts, mentions, text, people)

    # A one-word "name" the article also writes in lower case is a word ("Children", "Law", "Map").
    singles = {p[2].lower() for p in people if " " not in p[2]}
    lower_words = {w for w in singles if re.search(rf"(?<![\w.]){re.escape(w)}(?!\w)", text)} if singles else set()
    actors = _resolve_people(people, mentions, places, lower_words)
    countries = _salient_countries(text, hits, g)
    mentions.extend(Mention(s, e, "country", code) for s, e, code, _ in hits)
    orgs = [Org(name, n) for name, n in org_counts.most_common()]
    mentions.sort(key=lambda m: (m.start, m.end))
    return Entities(actors=actors, countries=countries, orgs=orgs, mentions=mentions)


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


def _person(text, s, e, caps_text, people, hits, floor) -> int:
    """Read one PERSON entity: a person (appended to ``people``), a place (to ``hits``) or junk.

    Returns where the name ends (the floor for the next title)."""
    g = gazetteer()
    raw = text[s:e]
    # Hard-wrapped wire text cuts names at line ends: spaCy gives "Satoshi" for "Satoshi\nSumita";
    # and it drops the surname after a particle ("Ursula von der" Leyen).
    more = PARTICLE_TAIL.match(text, e) if PARTICLE_END.search(raw) else None
    if more:
        e = more.end()
    else:
        more = NAME_CONTINUES.match(text, e)
        if more and raw.count(" ") < 2 and "\n" not in raw:
            word = more.group(1)
            if word.lower() not in NAME_STOP and word.lower() not in HONORIFICS and not g.lookup(word):
                e = more.end(1)
    # "Ukraine Ihor Zhovkva" with only "Zhovkva" tagged: a given name just before joins the name.
    if " " not in text[s:e].strip():
        back = NAME_BEFORE.search(text, max(0, s - 30), s)
        if back and back.end() == s:
            word = back.group(1)
            low = word.lower()
            if not (low in NAME_STOP or low in HONORIFICS or low in HEAD_WORDS or low in NOT_PEOPLE
                    or low in ORG_WORDS or low in PORTFOLIOS or g.lookup(word)):
                s = back.start(1)
    raw = text[s:e]
    name = _clean_name(raw)
    # spaCy tags some places as people ("Belarus\n\n\n\n"): they are country mentions.
    found = g.classify(name, places=False)
    if found:
        hits.append((s, e, found[0], found[1]))
        return e
    # "Belarus Alexander Lukashenko": a country word glued in front of the name.
    words = name.split()
    while len(words) > 2 and g.classify(words[0], places=False):
        words = words[1:]
    name, _ = _strip_titles(" ".join(words))
    if name:
        at = text.find(name.split()[0], s, e)
        s = at if at >= 0 else s
    weak = False
    if _is_caps(name):
        weak = not caps_text
        name = _fix_caps(name)
    if _is_junk_person(name):
        return e
    role = role_before(text, s, floor) or role_after(text, e)
    people.append((s, e, name, role, weak))
    return e


def _title_people(text, ents, people, others) -> None:
    """Add people that a title introduces but spaCy did not tag as PERSON; drop what they overlap."""
    persons = sorted((s, e) for s, e, label in ents if label == "PERSON")
    found = []
    for pattern in (TITLE_THEN_NAME, NAME_THEN_TITLE):
        for m in pattern.finditer(text):
            s, e = m.span("name")
            i = bisect.bisect_right(persons, (s, len(text))) - 1
            if (i >= 0 and persons[i][1] > s) or (i + 1 < len(persons) and persons[i + 1][0] < e):
                continue
            name = _valid_title_name(m.group("name"))
            if not name or _is_junk_person(name):
                continue
            e = text.find(name.split()[-1], s) + len(name.split()[-1])
            if NEXT_CAPITAL.match(text, e):
                continue  # "Director Large Construction National Program": a body's name, not a person
            if _written_lower(text, name):
                continue  # "Human Rights": words the text also writes in lower case
            found.append((s, e, name))
    if not found:
        return
    taken = []
    for s, e, name in sorted(found):
        if taken and s < taken[-1][1]:
            continue
        taken.append((s, e))
        people.append((s, e, name, role_before(text, s) or role_after(text, e), False))
    others[:] = [o for o in others if not any(o[0] < e and o[1] > s for s, e in taken)]


def _written_lower(text: str, name: str) -> bool:
    """True when the text also writes a word of ``name`` in lower case (so it is a word, not a name)."""
    return any(re.search(rf"(?<![\w-]){re.escape(w.lower())}(?![\w-])", text)
               for w in name.split() if w.lower() not in PARTICLES)


def _valid_title_name(raw: str) -> str | None:
    """The name in "Minister <name>" when its words look like a name, trailing non-name words cut."""
    words = _clean_name(raw).split()
    g = gazetteer()
    keep = []
    for w in words:
        low = w.lower()
        if low in PARTICLES:
            keep.append(w)
            continue
        if (low in NAME_STOP or low in ORG_WORDS or low in HEAD_WORDS or low in PORTFOLIOS or low in NOT_PEOPLE
                or low in HONORIFICS or low in WIRE_WORDS or low in GENERIC_ORG_WORDS or g.lookup(w, places=False)):
            break
        keep.append(w)
    while keep and keep[-1].lower() in PARTICLES:
        keep.pop()
    if not keep or (len(keep) == 1 and len(keep[0]) < 4):
        return None
    return " ".join(keep)


def _name_index(people) -> dict:
    """Person keys, surname keys and first names of the full names an article gives as PERSON."""
    index: dict = {}
    for _, _, name, _, weak in people:
        if " " in name and not weak:
            index[("p",) + _person_key(name)] = name
            index.setdefault(("s", _surname_key(name)), name)
    return index


def _rescue_person(text, s, e, known, people) -> bool:
    """Take an ORG/NORP/PRODUCT entity that ends with a known person's name as that person."""
    name = _clean_name(text[s:e])
    words = name.split()
    if not words or len(words) > 6:
        return False
    for n in (3, 2, 1):
        if len(words) < n:
            continue
        tail = words[-n:]
        if not all(w[:1].isupper() for w in tail):
            continue
        cand = " ".join(tail)
        if n >= 2:
            hit = known.get(("p",) + _person_key(cand))
        else:
            hit = known.get(("s", _surname_key(cand))) if len(cand) > 2 else None
        if hit:
            if n == 1 and len(words) >= 2 and words[-2] == hit.split()[0]:
                tail = words[-2:]  # "Germany Olaf Scholz" where only the surname was known
            start = text.rfind(tail[0], s, e)
            start = start if start >= 0 else s
            people.append((start, e, " ".join(tail), role_before(text, start), False))
            return True
    return False


def _headline_only(text: str, s: int, name: str) -> bool:
    """True for an all-caps span in the first line of a mixed-case text that the body never repeats
    ("RED LION INNS FILES"): headline words, not an organisation's name."""
    if not _is_caps(name) or s > text.find("\n") >= 0 or text.find("\n") < 0:
        return False
    body = text[text.find("\n"):]
    if sum(1 for c in body[:2000] if c.islower()) < 50:
        return False  # the whole text is upper case
    return name not in body


def _person_at_end(name: str) -> str | None:
    """ "Federation Council Speaker Valentina Matviyenko": a two-word name after a title, a country or
    an organisation noun inside an ORG entity is a person."""
    words = name.split()
    if len(words) < 3:
        return None
    first, last = words[-2], words[-1]
    if not (re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?", first) and re.fullmatch(r"[A-Z][\w'’-]+", last)):
        return None
    lows = {first.lower(), last.lower()}
    if lows & (ORG_WORDS | HEAD_WORDS | GENERIC_ORG_WORDS | HONORIFICS | NAME_STOP | PORTFOLIOS):
        return None
    g = gazetteer()
    if g.lookup(first, places=False) or g.lookup(last, places=False) or g.place_code(last):
        return None
    before = words[-3].lower()
    if (before in HEAD_WORDS and before not in PORTFOLIOS) or before in ORG_WORDS or g.lookup(words[-3], places=False):
        return f"{first} {last}"
    return None


def _place_or_org(raw, s, e, label, g, hits, org_counts, mentions, text="", people=None) -> None:
    """Read one place-like or organisation entity into country hits or an organisation."""
    name = _clean_name(raw)
    if not name:
        return
    key = fold(name)
    if key == "us" and name == "us":
        return  # the pronoun, not the country
    if key in REGIONS:
        return
    places = label in ("GPE", "LOC")
    found = g.classify(name, places=places, capitals=True)
    if found:
        hits.append((s, e, found[0], found[1]))
        return
    if label == "ORG":
        words = name.split()
        # "Kremlin Spokesman": a metonym with a title attached.
        while len(words) > 1 and words[-1].lower() in HEAD_WORDS:
            words = words[:-1]
        core = " ".join(words)
        found = g.classify(core, places=False, capitals=True)
        if found:
            hits.append((s, e, found[0], found[1]))
            return
        code = g.place_code(core) if len(core.split()) <= 3 else None
        if code:
            hits.append((s, e, code, "city"))  # "Mariupol", "Kharkiv" tagged as organisations
            return
        person = _person_at_end(core)
        if person and (_is_junk_person(person) or _written_lower(text, person)):
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
        if _headline_only(text, s, core):
            return
        org = _canonical_org(core)
        if org:
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


def _resolve_people(people, mentions, places, lower_words=frozenset()) -> list[Actor]:
    """Within one article: surname-only, shorter and variant mentions -> the full name used in the article.

    A name seen only in an all-caps headline of a mixed-case text ("weak") is kept only when the body
    names the same person; otherwise it is most likely headline words ("REGAN DEPARTURE MAKES").
    """
    full_names = Counter(name for _, _, name, _, weak in people if " " in name and not weak)
    canon_full = _merge_full_names(full_names)
    by_surname: dict[str, set[str]] = defaultdict(set)
    by_person: dict[tuple[str, str], str] = {}
    by_first: dict[str, set[str]] = defaultdict(set)
    for name, canonical in canon_full.items():
        by_surname[_surname_key(name)].add(canonical)
        by_person[_person_key(name)] = canonical
        by_first[name.split()[0]].add(canonical)

    actors: dict[str, Actor] = {}
    roles: dict[str, Counter] = defaultdict(Counter)
    for s, e, name, role, weak in people:
        if " " in name and not weak:
            canonical = canon_full[name]
        elif " " in name:
            canonical = by_person.get(_person_key(name))
            if canonical is None:
                fulls = by_surname.get(_surname_key(name), set())
                canonical = next(iter(fulls)) if len(fulls) == 1 else None
        else:
            fulls = by_surname.get(_surname_key(name), set())
            if len(fulls) == 1:
                canonical = next(iter(fulls))
            elif not fulls and len(by_first.get(name, ())) == 1:
                canonical = next(iter(by_first[name]))  # "Boris" in a story about Boris Johnson
            elif weak or (not fulls and (_is_place_name(name) or fold(name) in places
                                         or name.lower() in lower_words)):
                canonical = None  # "Mykolaiv", "Bucha": places spaCy took for people
            else:
                canonical = name
        if canonical is None:
            continue
        actor = actors.get(canonical)
        if actor is None:
            actor = actors[canonical] = Actor(name=canonical, count=0)
        actor.count += 1
        if role:
            roles[canonical][role] += 1
        mentions.append(Mention(s, e, "actor", canonical))
    for name, counter in roles.items():
        (role, country, leader), _ = counter.most_common(1)[0]
        a = actors[name]
        a.role, a.country, a.leader = role, country, leader
    return sorted(actors.values(), key=lambda a: (-a.count, a.name))


def _merge_full_names(counts: Counter) -> dict[str, str]:
    """Map each full name to its canonical form: variant spellings and shorter forms of one person merge.

    "Tayyip Erdogan" joins "Recep Tayyip Erdogan" (its given names are a subset); the canonical table,
    then the most frequent spelling, then the longest, gives the display form.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name in counts:
        groups[_surname_key(name)].append(name)
    canonical: dict[str, str] = {}
    for names in groups.values():
        given = {n: {_first_key(w) for w in n.split()[:-1]} for n in names}
        # Union-find over "same person": same first-name key, or given names a subset of the other's.
        parent = {n: n for n in names}

        def find(n):
            while parent[n] != n:
                parent[n] = parent[parent[n]]
                n = parent[n]
            return n

        if len(names) > MAX_SURNAME_GROUP:
            by_key: dict = {}
            for n in names:
                first = by_key.setdefault(_person_key(n), n)
                parent[find(n)] = find(first)
        else:
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    ga, gb = given[a], given[b]
                    if _person_key(a) == _person_key(b) or ga <= gb or gb <= ga:
                        parent[find(a)] = find(b)
        clusters: dict[str, list[str]] = defaultdict(list)
        for n in names:
            clusters[find(n)].append(n)
        for members in clusters.values():
            # Two different given names under one surname ("James Baker", "Howard Baker") stay apart:
            # only merge a cluster whose members are all compatible with its fullest name.
            widest = max(members, key=lambda n: (len(given[n]), counts[n]))
            for n in members:
                if not (given[n] <= given[widest] or _person_key(n) == _person_key(widest)):
                    widest = None
                    break
            if widest is None:
                for n in members:
                    canonical[n] = n
                continue
            best = None
            for n in members:
                if _person_key(n) in _CANON:
                    best = _CANON[_person_key(n)]
            if best is None:
                best = max(members, key=lambda n: (counts[n], len(n), n))
            for n in members:
                canonical[n] = best
    return canonical


def resolve_corpus(batch: list[Entities]) -> None:
    """Merge actors across a batch in place: spellings, shorter forms, surnames, orgs that are people.

    Counts are re-summed per article; an actor named without a title gets the role the corpus most
    often gives that person. Runs in dictionary time (100k articles in seconds).
    """
    totals: Counter[str] = Counter()
    for ents in batch:
        for a in ents.actors:
            totals[a.name] += a.count
    # 1. Spelling variants and shorter forms of one full name -> one canonical full name.
    full = Counter({n: c for n, c in totals.items() if " " in n})
    canonical = _merge_full_names(full)
    rename = {n: c for n, c in canonical.items() if n != c}
    people_by_key: dict[tuple[str, str], str] = {}
    for name, canon in canonical.items():
        people_by_key.setdefault(_person_key(name), canon)
    # 2. A surname alone -> the full name that carries it, when one person dominates that surname.
    by_surname: dict[str, Counter] = defaultdict(Counter)
    for name, n in full.items():
        by_surname[_surname_key(name)][canonical[name]] += n
    for name in totals:
        if " " not in name:
            cands = by_surname.get(_surname_key(name))
            if cands:
                best, n = cands.most_common(1)[0]
                if n >= SURNAME_DOMINANCE * sum(cands.values()):
                    rename[name] = best
    # 3. Organisations that are people named elsewhere in the corpus ("Olaf Scholz" tagged ORG).
    for ents in batch:
        if rename:
            _apply_renames(ents, rename)
        _orgs_to_people(ents, people_by_key)
    # 4. Acronyms: "OECD" joins "Organization for Economic Cooperation and Development" when articles
    #    name both and the initials match.
    _merge_acronyms(batch)
    # 5. Roles: the corpus's most frequent title for a person, with the country most often given.
    votes: dict[str, Counter] = defaultdict(Counter)
    countries: dict[str, Counter] = defaultdict(Counter)
    for ents in batch:
        for a in ents.actors:
            if a.role:
                votes[a.name][(a.role, a.leader)] += a.count
                if a.country:
                    countries[a.name][a.country] += a.count
    for ents in batch:
        for a in ents.actors:
            if not a.role and a.name in votes:
                a.role, a.leader = votes[a.name].most_common(1)[0][0]
            if a.role and not a.country and a.name in countries:
                a.country = countries[a.name].most_common(1)[0][0]


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def _merge_acronyms(batch: list[Entities]) -> None:
    """Rename acronym orgs to the long name they abbreviate, decided by co-occurrence across the batch."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for ents in batch:
        names = [o.name for o in ents.orgs]
        acronyms = [n for n in names if ACRONYM.fullmatch(n)]
        if not acronyms:
            continue
        longs = {}
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


def _orgs_to_people(ents: Entities, people_by_key: dict) -> None:
    """Move organisations whose name ends with a known person's full name to that person."""
    moved: dict[str, str] = {}
    own = {_surname_key(a.name): a.name for a in ents.actors if " " in a.name}
    for org in ents.orgs:
        words = org.name.split()
        person = None
        for n in (3, 2):
            if len(words) >= n and all(w[:1].isupper() for w in words[-n:]):
                person = people_by_key.get(_person_key(" ".join(words[-n:])))
                if person:
                    break
        if person is None and len(words) == 1:
            person = own.get(_surname_key(org.name))
        if person:
            moved[org.name] = person
    if not moved:
        return
    actors = {a.name: a for a in ents.actors}
    for org in ents.orgs:
        if org.name in moved:
            name = moved[org.name]
            if name in actors:
                actors[name].count += org.count
            else:
                actors[name] = Actor(name=name, count=org.count)
    ents.orgs = [o for o in ents.orgs if o.name not in moved]
    ents.actors = sorted(actors.values(), key=lambda a: (-a.count, a.name))
    for m in ents.mentions:
        if m.kind == "org" and m.value in moved:
            m.kind, m.value = "actor", moved[m.value]


def _apply_renames(ents: Entities, rename: dict[str, str]) -> None:
    merged: dict[str, Actor] = {}
    for a in ents.actors:
        name = rename.get(a.name, a.name)
        if name in merged:
            m = merged[name]
            m.count += a.count
            if not m.role and a.role:
                m.role, m.country, m.leader = a.role, a.country, a.leader
        else:
            a.name = name
            merged[name] = a
    ents.actors = sorted(merged.values(), key=lambda a: (-a.count, a.name))
    for m in ents.mentions:
        if m.kind == "actor":
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
