"""Normalise spaCy's raw entities into the facets people filter by: actors, countries, organisations.

Pure Python and dictionary lookups only (it runs on every article of a 100k corpus); spaCy is never
imported here. ``normalise_entities`` works on one article, ``resolve_corpus`` merges across a batch,
``resolve_country`` reads a user's ``country:`` filter value.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from typing import Sequence

from indexer.gazetteer import fold, gazetteer
from indexer.model import Actor, Country, Entities, Mention, Org

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
}

# Title heads, longest first, each with whether it marks a leader (head of state or government,
# minister, head of an international body). "leader" counts only with a country ("Soviet leader").
TITLE_HEADS = [
    ("secretary of state", True), ("secretary-general", True), ("secretary general", True),
    ("prime minister", True), ("first minister", True), ("supreme leader", True),
    ("managing director", True), ("director-general", True), ("director general", True),
    ("vice president", False), ("vice-president", False), ("vice chancellor", False),
    ("vice-chancellor", False), ("deputy prime minister", False), ("deputy minister", False),
    ("press secretary", False), ("state secretary", False), ("chief of staff", False),
    ("chief executive", False), ("foreign secretary", True), ("home secretary", True),
    ("president", True), ("chancellor", True), ("premier", True), ("king", True), ("queen", True),
    ("emir", True), ("sultan", True), ("emperor", True), ("shah", True), ("taoiseach", True),
    ("minister", True), ("secretary", True), ("chairman", False), ("chairwoman", False),
    ("chair", False), ("leader", False), ("spokesman", False), ("spokeswoman", False),
    ("spokesperson", False), ("ambassador", False), ("envoy", False), ("adviser", False),
    ("advisor", False), ("aide", False), ("governor", False), ("senator", False), ("mayor", False),
    ("general", False), ("commander", False), ("director", False), ("head", False),
    ("pope", True), ("crown prince", False), ("prince", False), ("official", False),
]
_HEADS = {h: lead for h, lead in TITLE_HEADS}

# Words that qualify a title rather than name a body ("Foreign Minister", "Treasury Secretary").
PORTFOLIOS = {
    "foreign", "finance", "defence", "defense", "interior", "economy", "economic", "economics", "trade",
    "energy", "oil", "petroleum", "agriculture", "treasury", "health", "justice", "home", "commerce",
    "labor", "labour", "transport", "transportation", "education", "environment", "industry",
    "culture", "state", "press", "chief", "first", "deputy", "vice", "acting", "former", "then",
    "interim", "outgoing", "incoming", "new", "prime", "security", "national", "affairs", "planning",
    "budget", "fisheries", "mines", "mining", "communications", "information", "tourism", "sports",
    "development", "international", "external", "internal", "emergency", "emergencies", "social",
    "welfare", "housing", "industrial", "european", "digital", "climate", "science", "technology",
    "and", "of", "the", "junior", "senior", "top", "military", "assistant", "associate", "general",
    "executive", "managing", "supreme", "crown", "lord", "privy", "cabinet", "presidential", "for",
}

# International bodies whose heads count as leaders.
INTERNATIONAL_BODIES = {
    "european council", "european commission", "european union", "eu", "european parliament",
    "united nations", "un", "nato", "imf", "international monetary fund", "world bank", "wto",
    "world trade organization", "opec", "osce", "council of europe", "african union", "arab league",
    "asean", "gatt", "oecd", "who", "world health organization", "iaea", "unesco", "unicef", "unhcr",
    "european central bank", "ecb", "g7", "g20", "commonwealth", "ec", "european community",
    "un security council", "security council", "interpol", "red cross", "icrc", "csto", "sco",
}

# Organisation spellings that name the same body; values are the canonical facet names.
ORG_ALIASES = {
    "eu": "European Union", "european union": "European Union", "e u": "European Union",
    "un": "United Nations", "united nations": "United Nations", "u n": "United Nations",
    "nato": "NATO", "north atlantic treaty organization": "NATO",
    "north atlantic treaty organisation": "NATO", "north atlantic alliance": "NATO",
    "imf": "International Monetary Fund", "international monetary fund": "International Monetary Fund",
    "opec": "OPEC", "organization of petroleum exporting countries": "OPEC",
    "wto": "World Trade Organization", "world trade organization": "World Trade Organization",
    "who": "World Health Organization", "world health organization": "World Health Organization",
    "osce": "OSCE", "organization for security and co-operation in europe": "OSCE",
    "organization for security and cooperation in europe": "OSCE",
    "gatt": "GATT", "general agreement on tariffs and trade": "GATT",
    "oecd": "OECD", "ec": "European Community", "european community": "European Community",
    "european economic community": "European Community", "eec": "European Community",
    "fed": "Federal Reserve", "federal reserve": "Federal Reserve", "federal reserve board": "Federal Reserve",
    "un security council": "UN Security Council", "security council": "UN Security Council",
    "united nations security council": "UN Security Council", "iaea": "IAEA",
    "international atomic energy agency": "IAEA", "ecb": "European Central Bank",
    "european central bank": "European Central Bank", "sec": "Securities and Exchange Commission",
    "securities and exchange commission": "Securities and Exchange Commission",
    "world bank": "World Bank", "red cross": "Red Cross", "icrc": "Red Cross",
    "international committee of the red cross": "Red Cross", "csto": "CSTO",
    "collective security treaty organization": "CSTO", "asean": "ASEAN", "african union": "African Union",
    "arab league": "Arab League", "g7": "G7", "g-7": "G7", "group of seven": "G7", "g20": "G20",
    "g-20": "G20", "group of 20": "G20", "european commission": "European Commission",
    "european council": "European Council", "european parliament": "European Parliament",
}

# Well-known people whose names come in several spellings: the spelling the facet shows.
CANONICAL_PEOPLE = [
    "Volodymyr Zelenskyy", "Alexander Lukashenko", "Vladimir Putin", "Dmitry Peskov", "Sergei Lavrov",
    "Sergei Shoigu", "Dmitry Medvedev", "Mikhail Gorbachev", "Boris Yeltsin", "Recep Tayyip Erdogan",
    "Mikhail Mishustin", "Maria Zakharova", "Dmytro Kuleba", "Oleksii Reznikov", "Muammar Gaddafi",
    "Bashar al-Assad", "Kim Jong Un", "Ali Khamenei", "Svetlana Tikhanovskaya",
]

# Junk in organisation position: titles, wire words, social media.
NOT_ORGS = {
    "twitter", "facebook", "instagram", "telegram", "youtube", "reuter", "reuters", "pic", "http",
    "kremlin spokesman", "spokesman", "the", "mln", "dlrs", "pct", "cts", "covid-19", "covid",
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

# A capitalised word right after a person's name, on the next line or after a space.
NAME_CONTINUES = re.compile(r"[ \t]*\n?[ \t]*([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b(?![.'’-]\w)")
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

_WORD = re.compile(r"[^\W\d_][\w'’.\-]*", re.UNICODE)
_LOWER_RATIO_MIN = 0.2  # below this share of lower-case letters a text is treated as all caps


def _strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


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


def _skeleton(word: str) -> str:
    """A key shared by transliteration variants (Zelensky/Zelenskyy/Zelenskiy, Lukashenko/Lukashenka).

    Only the spellings that transliteration varies are folded: the final vowels, y/i, doubled letters,
    kh/h, ks/x; inner vowels stay, so Reagan and Regan remain two people.
    """
    w = _strip_accents(word).lower().replace("'", "").replace("-", "").replace(".", "")
    w = w.replace("x", "ks").replace("ph", "f").replace("kh", "h").replace("ck", "k").replace("dzh", "j")
    w = w.replace("zh", "j").replace("w", "v")
    w = re.sub(r"(?<=.)[aeiouy]+$", "", w)
    w = w.replace("y", "i")
    return re.sub(r"(.)\1+", r"\1", w)


def _surname_key(name: str) -> str:
    """The family key of a person's name: the skeleton of the surname."""
    return _skeleton(name.split()[-1])


def _first_key(word: str) -> str:
    """A looser key for first names, whose transliterations vary inside (Alexander/Aleksandr/Alyaksandr)."""
    w = _skeleton(word)
    return w[:1] + re.sub(r"[aeiou]+", "", w[1:])


def _person_key(name: str) -> tuple[str, str]:
    """(surname key, first-name key) of a multi-word name."""
    parts = name.split()
    return _skeleton(parts[-1]), _first_key(parts[0])


_CANON = {_person_key(n): n for n in CANONICAL_PEOPLE}


def _role_before(text: str, start: int) -> tuple[str, str, bool] | None:
    """Read a title written just before a name: (role, country code, leader?) or None."""
    window = text[max(0, start - 90):start]
    # Titles and names sit on one line and within one clause.
    window = re.split(r"[\n,;:()\"“”]|(?<![A-Z])\.\s", window)[-1]
    words = re.findall(r"[\w.'’\-]+|\[", window)
    words = [w for w in words if w != "["]
    if not words:
        return None
    lowered = [w.lower().strip(".") for w in words]
    # Find the title head nearest the name.
    head_end = len(words)
    while head_end > 0 and lowered[head_end - 1] in ("acting", "former", "then", "interim", "outgoing"):
        head_end -= 1
    best = None
    for phrase, lead in TITLE_HEADS:
        n = phrase.count(" ") + 1
        if head_end >= n and " ".join(lowered[head_end - n:head_end]) == phrase:
            best = (phrase, lead, n)
            break
    if best is None:
        # "Secretary of State James Baker": the head may be followed by "of X".
        m = re.search(r"\b(minister|secretary|president|chairman|director|head)\s+of\s+([\w ]+?)\s*$",
                      window, re.IGNORECASE)
        if not m:
            return None
        title = window[m.start():].strip()
        lead = m.group(1).lower() in ("minister", "secretary", "president")
        return _title_case(title), "", lead
    phrase, lead, n = best
    i = head_end - n
    qualifiers = []
    while i > 0 and lowered[i - 1] in PORTFOLIOS and lowered[i - 1] not in ("the",):
        qualifiers.insert(0, words[i - 1])
        i -= 1
    affil_words = []
    while i > 0 and (words[i - 1][:1].isupper() or lowered[i - 1] in ("of", "acting", "former")):
        if lowered[i - 1] in ("acting", "former", "then"):
            i -= 1
            continue
        affil_words.insert(0, words[i - 1])
        i -= 1
        if len(affil_words) >= 5:
            break
    while affil_words and not affil_words[0][:1].isupper():
        affil_words.pop(0)  # "conversations of Russian President ...": "of" joins nothing
    # Portfolio words left of the affiliation ("German acting Chancellor") are not part of the title.
    qualifiers = [q for q in qualifiers if q.lower() not in ("acting", "former", "then", "interim",
                                                             "outgoing", "incoming", "new", "the")]
    if any(q.lower() in ("deputy", "vice", "junior", "assistant") for q in qualifiers):
        lead = False
    title = _title_case(" ".join(qualifiers + [" ".join(words[head_end - n:head_end])]))
    country = ""
    body = ""
    if affil_words:
        g = gazetteer()
        # Try the longest tail of the affiliation that is a country form ("West German", "U.S.").
        for k in range(len(affil_words)):
            cand = " ".join(affil_words[k:])
            code = g.lookup(cand, places=False, capitals=False)
            if code:
                country = code
                if k:
                    body = " ".join(affil_words[:k])
                break
        else:
            body = " ".join(affil_words)
    if phrase == "leader" and not country:
        lead = False
    if body:
        body_key = fold(body)
        if body_key in INTERNATIONAL_BODIES:
            if phrase in ("president", "chairman", "chairwoman", "chair", "head", "secretary-general",
                          "secretary general", "managing director", "director-general",
                          "director general", "director"):
                lead = True
        elif not country:
            lead = False
        name = ORG_ALIASES.get(body_key, body)
        article = "the " if " " in name and not name.isupper() else ""
        title = f"{title} of {article}{name}"
    return title, country, lead


def _title_case(s: str) -> str:
    return " ".join(w if w.isupper() or w in ("of", "the", "and") else w[:1].upper() + w[1:] for w in s.split())


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


def _is_junk_person(name: str) -> bool:
    words = name.split()
    if not words or len(name) < 2 or len(words) > 5:
        return True
    if any(c.isdigit() or c in "@#/\\|=+_<>" for c in name):
        return True
    low = [w.lower().strip(".'") for w in words]
    if all(w in HONORIFICS or w in NOT_PEOPLE for w in low):
        return True
    if len(words) == 1 and (low[0] in NOT_PEOPLE or len(low[0]) < 3):
        return True
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
    letters = sum(1 for c in text[:4000] if c.isalpha())
    lowers = sum(1 for c in text[:4000] if c.islower())
    caps_text = letters > 0 and lowers / letters < _LOWER_RATIO_MIN

    mentions: list[Mention] = []
    hits: list[tuple[int, int, str, str]] = []  # country mentions: (start, end, code, kind)
    org_counts: Counter[str] = Counter()
    people: list[tuple] = []  # (start, end, name, role or None, weak)

    dateline = _dateline(text)
    if dateline:
        hits.append((dateline[0], dateline[1], dateline[3], "dateline"))
    for start, end, label in ents:
        s, e = _trim_span(text, start, end)
        if e <= s:
            continue
        if dateline and s < dateline[2] and e > dateline[0]:
            continue  # the dateline's place is counted once, above
        raw = text[s:e]
        if label == "PERSON":
            _person(text, s, e, raw, caps_text, people, hits)
        elif label in ("GPE", "LOC", "NORP", "FAC", "ORG"):
            if CURRENCY_AFTER.match(text, e):
                continue
            _place_or_org(raw, s, e, label, g, hits, org_counts, mentions)

    actors = _resolve_people(people, mentions, caps_text)
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


def _person(text, s, e, raw, caps_text, people, hits) -> None:
    g = gazetteer()
    # Hard-wrapped wire text cuts names at line ends: spaCy gives "Satoshi" for "Satoshi\nSumita".
    more = NAME_CONTINUES.match(text, e)
    if more and raw.count(" ") < 2 and "\n" not in raw:
        word = more.group(1)
        if word.lower() not in NAME_STOP and word.lower() not in HONORIFICS and not g.lookup(word):
            e = more.end(1)
            raw = text[s:e]
    name = _clean_name(raw)
    # spaCy tags some places as people ("Belarus\n\n\n\n"): they are country mentions.
    found = g.classify(name, places=False)
    if found:
        hits.append((s, e, found[0], found[1]))
        return
    name, title = _strip_titles(name)
    weak = False
    if _is_caps(name):
        weak = not caps_text
        name = _fix_caps(name)
    if _is_junk_person(name):
        return
    role = _role_before(text, s)
    if role is None and title:
        role = _role_before(title + " ", len(title) + 1)
    people.append((s, e, name, role, weak))


def _place_or_org(raw, s, e, label, g, hits, org_counts, mentions) -> None:
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
        while len(words) > 1 and words[-1].lower() in _HEADS:
            words = words[:-1]
        core = " ".join(words)
        found = g.classify(core, places=False, capitals=True)
        if found:
            hits.append((s, e, found[0], found[1]))
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
    key = fold(name)
    if not key or key in NOT_ORGS or len(key) < 2:
        return None
    if any(c in name for c in "@#/\\|=<>") or name.isdigit():
        return None
    if key in ORG_ALIASES:
        return ORG_ALIASES[key]
    if all(w in _HEADS or w in HONORIFICS for w in key.split()):
        return None
    return name


def _resolve_people(people, mentions, caps_text) -> list[Actor]:
    """Within one article: surname-only, shorter and variant mentions -> the full name used in the article.

    A name seen only in an all-caps headline of a mixed-case text ("weak") is kept only when the body
    names the same person; otherwise it is most likely headline words ("REGAN DEPARTURE MAKES").
    """
    full_names = Counter(name for _, _, name, _, weak in people if " " in name and not weak)
    canon_full = _merge_full_names(full_names)
    by_surname: dict[str, set[str]] = defaultdict(set)
    by_person: dict[tuple[str, str], str] = {}
    for name, canonical in canon_full.items():
        by_surname[_surname_key(name)].add(canonical)
        by_person[_person_key(name)] = canonical

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
            else:
                canonical = None if weak else name
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
    """Merge actors across a batch in place: variant spellings and surname-only mentions, then re-sum."""
    totals: Counter[str] = Counter()
    for ents in batch:
        for a in ents.actors:
            totals[a.name] += a.count
    # 1. Spelling variants of one full name -> the canonical table, else the most frequent spelling.
    families: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name in totals:
        if " " in name:
            families[_person_key(name)].append(name)
    rename: dict[str, str] = {}
    for key, names in families.items():
        best = _CANON.get(key) or max(names, key=lambda n: (totals[n], len(n), n))
        for n in names:
            if n != best:
                rename[n] = best
    # 2. A surname alone -> the one full name (after merging) that carries it, when it dominates.
    by_surname: dict[str, Counter] = defaultdict(Counter)
    for name, n in totals.items():
        if " " in name:
            by_surname[_surname_key(name)][rename.get(name, name)] += n
    for name in totals:
        if " " not in name:
            cands = by_surname.get(_surname_key(name))
            if cands:
                best, n = cands.most_common(1)[0]
                if n >= 0.85 * sum(cands.values()):
                    rename[name] = best
    # 3. Roles: an actor named without a title keeps the role the corpus most often gives him.
    role_votes: dict[str, Counter] = defaultdict(Counter)
    for ents in batch:
        for a in ents.actors:
            if a.role:
                role_votes[rename.get(a.name, a.name)][(a.role, a.country, a.leader)] += a.count
    for ents in batch:
        if rename:
            _apply_renames(ents, rename)
        for a in ents.actors:
            if not a.role and a.name in role_votes:
                a.role, a.country, a.leader = role_votes[a.name].most_common(1)[0][0]


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
    code = g.lookup(text, places=True, capitals=True)
    if code:
        return Country(code, g.country_name(code))
    return None
