"""People: clean a name, read its role, resolve it within an article and across a corpus.

spaCy's PERSON spans are noisy: titles and brackets inside ("Angela] Merkel"), names cut at line ends or
particles, places and organisations taken for people and people taken for organisations. Everything
here is dictionary and regex work on the article text; spaCy is never imported.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from functools import lru_cache

from indexer.gazetteer import GENERIC_ORG_WORDS, ORG_ALIASES, ORG_WORDS, fold, gazetteer
from indexer.gazetteer import spelling_key as _skeleton
from indexer.model import Actor, Entities, Mention
from indexer.names import (FUNCTION_WORDS, NICKNAMES, ORG_SUFFIXES, PERSON_TITLES, PLACE_SUFFIXES, fold_word,
                           is_given_name, is_leading_junk, is_trailing_dateline, person_shaped)
from indexer.people_corpus import drop_minority_people, fragment_renames, spelling_renames, split_pairs
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
    "kremlin", "aide", "adviser", "advisor", "officer", "official", "minister-president",
    "secretary-general", "vice-president", "vice-chancellor", "first", "crown", "then",
    "mother", "sister", "brother",
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
    "hamas", "hezbollah", "isis", "daesh", "euro", "dollar", "ruble", "rouble", "hryvnia",
    "zoom", "skype", "iphone", "android", "ok", "yes", "no", "mr", "mrs", "ms",
}


# Well-known people whose names come in several spellings: the spelling the facet shows.
CANONICAL_PEOPLE = [
    "Joe Biden", "Emmanuel Macron", "Olaf Scholz", "Boris Johnson", "Donald Trump", "Angela Merkel",
    "Xi Jinping", "Jens Stoltenberg", "Volodymyr Zelenskyy", "Alexander Lukashenko", "Vladimir Putin", "Dmitry Peskov", "Sergei Lavrov",
    "Sergei Shoigu", "Dmitry Medvedev", "Mikhail Gorbachev", "Boris Yeltsin", "Recep Tayyip Erdogan",
    "Mikhail Mishustin", "Maria Zakharova", "Dmytro Kuleba", "Oleksii Reznikov", "Muammar Gaddafi",
    "Bashar al-Assad", "Kim Jong Un", "Ali Khamenei", "Svetlana Tikhanovskaya",
]




# A role given to a person in under this share of the corpus's mentions is taken for a misreading.
ROLE_MINORITY = 0.2
# A bare surname joins the corpus's full name when that person has this share of the surname's mentions.
SURNAME_DOMINANCE = 0.85


# Above this many spellings under one surname, only exact spelling keys merge (pairwise checks are O(n^2)).
MAX_SURNAME_GROUP = 200


# Wire-copy abbreviations and company suffixes that never belong to a person's name.
WIRE_WORDS = {"dlrs", "dlr", "mln", "bln", "pct", "cts", "inc", "corp", "co", "ltd", "plc", "llc", "gmbh",
              "reuter", "reuters", "shr", "shrs", "qtr", "qtly", "div", "revs", "avg", "vs", "nv", "ag"}


# Name particles after which spaCy tends to stop: the surname that follows belongs to the name.
PARTICLE_END = re.compile(r"(?:^|\s)(?:von|van|der|den|de|da|del|della|di|du|la|le|bin|ibn|al|el|ter|ten|dos|das)$")


PARTICLE_TAIL = re.compile(r"(?:\s+(?:von|van|der|den|de|da|del|della|di|du|la|le|bin|ibn|al|el|ter|ten|dos|das))*"
                           r"\s+[A-Z][\w'’\-]+")


# Letters of names, accented ones included ("Niinistö", "Čaputová").
_UP = "[A-ZÀ-ÖØ-ÞĀ-Ž]"
_LOW = "[a-zß-öø-ÿā-ž]"
# A capitalised word right after a person's name, on the next line or after a space.
NAME_CONTINUES = re.compile(rf"[ \t]*\n?[ \t]*({_UP}{_LOW}+(?:-{_UP}{_LOW}+)?)(?![\w.'’-])")


PARTICLES = {"von", "van", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "bin", "ibn",
             "al", "el", "ter", "ten", "dos", "das"}


_NAME_WORD = rf"{_UP}(?:{_LOW}|['’])+(?:-{_UP}(?:{_LOW}|['’])+)?(?![\w])"


_GAP = r"[ \t]*\n?[ \t]*"


_NAME = rf"{_NAME_WORD}(?:{_GAP}(?:(?:de|du|da|di|van|von|der|den|la|le|del|bin|al|el){_GAP})*{_NAME_WORD}){{0,2}}"


_TITLE_WORDS = ("minister|president|governor|secretary of state|secretary|chairman|chairwoman|representative|"
                "spokesman|spokeswoman|ambassador|commissioner|director|chancellor|premier|senator|envoy|"
                "adviser|advisor|prosecutor")


# "Finance Minister Barend du Plessis", "trade representative Clayton\nYeutter".
TITLE_WORD = re.compile(rf"(?<![\w-])(?i:{_TITLE_WORDS})(?![\w'’-])")
NAME_AFTER_TITLE = re.compile(rf"{_GAP}(?P<name>{_NAME})")


# "Beryl Sprinkel, chairman of the president's Council of Economic Advisers".
NAME_BEFORE_TITLE = re.compile(
    rf"(?<![\w.'’-])(?P<name>{_NAME_WORD}{_GAP}(?:(?:de|du|van|von|der|la|le|del|bin|al){_GAP})*{_NAME_WORD}),"
    rf"{_GAP}(?:the{_GAP})?(?:[\w.'’-]+{_GAP}){{0,3}}?$")


NEXT_CAPITAL = re.compile(r"[ \t]+[A-Z]")


# A capitalised word right before a name, on the same line.
NAME_BEFORE = re.compile(rf"(?<![\w.'’-])({_UP}{_LOW}+(?:-{_UP}{_LOW}+)?)[ ]$")


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


def clean_name(raw: str) -> str:
    """Collapse whitespace and drop brackets, quotes and possessives inside a name."""
    name = re.sub(r"[\[\]\(\)\{\}\"“”«»]", " ", raw)
    name = re.sub(r"(?:'s|’s)\b", "", name)
    name = name.replace("’", "'")
    return " ".join(name.split()).strip(" ,;:-'")


def is_caps(text: str) -> bool:
    """True when every letter of ``text`` is upper case."""
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
_CANON_NAMES = set(CANONICAL_PEOPLE)


# Titles that, before a single name, are part of how the person is named ("Pope Francis", "King Salman").
MONONYM_TITLES = {"pope", "patriarch", "king", "queen", "prince", "princess", "emir", "sheikh", "sultan",
                  "mother", "sister", "brother"}


ARABIC_PARTICLE = re.compile(r"(?:al|el|ul|ad|as|ash|an|bin|ibn|ben|abu)-[A-Z]")


def _strip_titles(name: str) -> tuple[str, str]:
    """Split leading honorifics off a name: ("President Putin" -> ("Putin", "President"))."""
    words = name.split()
    i = 0
    while i < len(words) - 1 and words[i].lower().strip(".") in HONORIFICS:
        i += 1
    # Trailing ", Jr." stays; trailing title words ("Putin Spokesman") go.
    j = len(words)
    while j > i + 1 and (words[j - 1].lower().strip(".") in HONORIFICS or words[j - 1].lower() in HEAD_WORDS
                         or not (words[j - 1][:1].isupper() or ARABIC_PARTICLE.match(words[j - 1]))):
        # "Vladimir Putin on" in a transcript; "Abdel Fattah el-Sisi" keeps its "el-Sisi"
        j -= 1
    kept = [w for k, w in enumerate(words[i:j]) if k == 0 or w != words[i + k - 1]]  # scraped "Lukashenko Lukashenko"
    if len(kept) == 1 and i and words[i - 1].lower() in MONONYM_TITLES:
        kept.insert(0, words[i - 1].capitalize())  # "Pope Francis" is his name; "Francis" is a fragment
    return " ".join(kept), " ".join(words[:i])


@lru_cache(maxsize=262_144)
def _is_place_name(name: str) -> bool:
    """True for a town or region name (a person's surname alone is checked before this)."""
    g = gazetteer()
    key = fold(name)
    return key in g.towns or key in g.regions or key in g.cities or key in g.places_within


def is_junk_person(name: str) -> bool:
    """True for PERSON spans that are no person: titles, places, orgs, wire words, scraps."""
    words = name.split()
    if not words or len(name) < 2 or len(words) > 5:
        return True
    if any(c.isdigit() or c in "@#/\\|=+_<>&" for c in name) or " - " in name or "--" in name:
        return True
    if len(words) >= 2 and _is_place_name(name):
        return True  # "Nizhny Novgorod"
    low = [w.lower().strip(".'") for w in words]
    if all(w in HONORIFICS or w in NOT_PEOPLE or w in HEAD_WORDS or w in PERSON_TITLES for w in low):
        return True
    if len(words) == 1 and any(low[0].endswith(x) and len(low[0]) >= len(x) + 3
                               for x in ORG_SUFFIXES | PLACE_SUFFIXES):
        return True  # "Gazprombank", "Rosatom": a company's name; "Hampshire": a county
    if len(words) >= 2 and not is_given_name(words[0]) and _adjective_of_place(words[0]):
        return True  # "Novaya Gazeta", "Kyivan Rus'", "Velyka Pysarivka": an adjective leads a place's name
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
    # A one-word name that is also a city ("Santos", "Mykolaiv") is decided after surname resolution.
    if gazetteer().lookup(name, places=False):
        return True
    if fold(name) in ORG_ALIASES:
        return True
    if len(words) >= 2 and _names_a_place(words):
        return True  # "Ajax Amsterdam", "Bayer Leverkusen", "Manchester United": a club, not a person
    return False


# Endings of transliterated Slavic adjectives ("Novaya", "Bolshaya", "Velyka", "Staroye").
SLAVIC_ADJECTIVE = re.compile(r"(?:aya|oye|oe|aja|yka|ska|sky|skiy|nyi|nyy|ovo|evo)$", re.IGNORECASE)


@lru_cache(maxsize=65_536)
def _adjective_of_place(word: str) -> bool:
    """True for a first word that is an adjective, not a given name: a Slavic adjective ending, or a
    place with a demonym ending ("Kyivan", from Kyiv)."""
    if SLAVIC_ADJECTIVE.search(word) and len(word) > 4:
        return True
    base = re.sub(r"(?:ian|an|ean|ese)$", "", word)
    return base != word and len(base) > 3 and (_is_place_name(base) or bool(gazetteer().lookup(base)))


def _names_a_place(words: list[str]) -> bool:
    """True for a two-word name that is not led by a given name and has a city or a country in it:
    sports clubs take a city's name, people rarely do ("Jack London" is led by Jack; longer names such
    as "Javier Perez de Cuellar" carry towns as surnames)."""
    if len(words) != 2 or is_given_name(words[0]) or INITIALS.fullmatch(words[0]):
        return False
    g = gazetteer()
    return any(len(w) > 3 and (g.lookup(w, places=False) or fold(w) in g.cities or fold(w) in g.towns) for w in words)


def read_person(text, s, e, caps_text, people, hits, floor) -> int:
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
    if not re.search(r"\s", text[s:e].strip()):  # one word ("Nigel\nLawson" is two)
        back = NAME_BEFORE.search(text, max(0, s - 30), s)
        if back and back.end() == s:
            word = back.group(1)
            low = word.lower()
            if low in MONONYM_TITLES or not (low in NAME_STOP or low in HONORIFICS or low in HEAD_WORDS
                                             or low in NOT_PEOPLE or low in ORG_WORDS or low in PORTFOLIOS
                                             or g.lookup(word)):
                s = back.start(1)  # "Pope Francis" with only "Francis" tagged: the title is his name
    cut_at = re.search(r"[:;]", text[s:e])
    if cut_at:
        e = s + cut_at.start()  # "Vladimir Putin: Comrades" in a transcript
    raw = text[s:e]
    name = trim_name(clean_name(raw), text)
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
        last = name.split()[-1]
        at = text.rfind(last, s, e)
        e = at + len(last) if at >= 0 else e
    weak = False
    if is_caps(name):
        weak = not caps_text
        name = _fix_caps(name)
    if is_junk_person(name):
        return e
    role = role_before(text, s, floor) or role_after(text, e)
    people.append((s, e, name, role, weak))
    return e


def _is_country_name(word: str) -> bool:
    """True for a country's own name ("Uruguay"), not its capital or adjective ("Madrid", "Polish")."""
    found = gazetteer().classify(word, places=False, capitals=False)
    return found is not None and found[1] == "name"


def trim_name(name: str, text: str) -> str:
    """Drop words glued to a PERSON span that are not the name: a leading function, job or -ing word or
    acronym ("How Putin", "Defender Hassan Abbas", "Helping Ukraine", "BST Ukraine") and a trailing
    all-caps dateline ("Nadim Ladki AL-AIN"). Titles stay for ``_strip_titles`` (they carry the role)."""
    words = name.split()
    caps = is_caps(name)
    for i, w in enumerate(words[1:], 1):
        if w.islower() and w not in PARTICLES and not ARABIC_PARTICLE.match(w) and w not in ("the", "y", "e"):
            words = words[:i]  # "Al Marzouki in Russian": the name ends before a lower-case word
            break
    while len(words) > 1 and words[0].lower().strip(".") not in HONORIFICS:
        first = words[0]
        if caps and first.isupper() and first.lower() not in FUNCTION_WORDS:
            break  # an all-caps headline: every word is upper case
        if not is_leading_junk(first, text):
            break
        words = words[1:]
    if len(words) > 2 and words[-2].lower() not in PARTICLES and _is_country_name(words[-1]):
        words = words[:-1]  # "Marcelo Filippini Uruguay" in a results table
    if len(words) > 2 and is_trailing_dateline(words[-1], words) and not caps:
        words = words[:-1]
    elif len(words) == 2 and is_trailing_dateline(words[-1], words) and not caps and is_given_name(words[0]):
        words = words[:-1]  # "Nadim AL-AIN"
    return " ".join(words)


# Around a name in a line-up, a results table or a list: what may come before and after it on its line.
LIST_BEFORE = re.compile(r"(?:^|[,;(:]|\d|\s-|\bv\.?|\bvs\.?|\bbeat|\band)\s*$")
LIST_AFTER = re.compile(r"\s*(?:$|[,;()]|\d|-\s|v\.?\s|vs\.?\s|beat\b|and\b|not out\b|[bc]\s)")
# A name that closes a quotation and says who spoke: '," Oleg Ustenko noted.'
SPEAKER_BEFORE = re.compile(r"[,.!?][\"”’']\s*$")
SPEAKER_AFTER = re.compile(r"\s+(?:said|says|noted|told|added|stressed|stated|wrote|explained|emphasi[sz]ed)\b")
SPEAKER = re.compile(rf"[,.!?][\"”’']\s*(?P<name>{_NAME_WORD}(?: {_NAME_WORD}){{1,2}})(?={SPEAKER_AFTER.pattern})")


def listed_person(text: str, s: int, e: int, people: list) -> bool:
    """Take an entity spaCy labelled ORG, GPE or PRODUCT as a person when it is shaped like a person's
    name (a given name or an initial, then a surname) and stands as an item of a list or a line-up
    ("Magnus Larsson ( Sweden ) vs.", "9 - Wayne Ferreira", "To bat : R. Croft , D. Cork")."""
    raw = text[s:e]
    lead = re.match(r"[\d\s.\-–]*", raw)
    s += lead.end() if lead else 0
    name = trim_name(clean_name(text[s:e]), text)
    if not person_shaped(name) or is_junk_person(name):
        return False
    line_start = text.rfind("\n", 0, s) + 1
    line_end = text.find("\n", e)
    line_end = len(text) if line_end < 0 else line_end
    listed = LIST_BEFORE.search(text[line_start:s]) and LIST_AFTER.match(text[e:line_end] or "")
    if not listed and not (SPEAKER_BEFORE.search(text, max(0, s - 4), s) and SPEAKER_AFTER.match(text, e)):
        return False
    at = text.find(name.split()[0], s, e)
    people.append((at if at >= 0 else s, e, name, None, False))
    return True


# Two or three capitalised words, the first a given name or an initial: a candidate name in a list.
LISTED_NAME = re.compile(rf"(?<![\w.'’-])(?:{_UP}\.|{_UP}{_LOW}+(?:-{_UP}{_LOW}+)?)(?:[ ]{_NAME_WORD}){{1,2}}")


def find_listed_people(text: str, ents, people: list) -> None:
    """Add people spaCy did not tag that stand as items of a line-up, a results table or a list:
    "Ernie Els ( South Africa ) , Scott Hoch", "To bat : R. Croft , D. Cork"."""
    covered = sorted((s, e) for s, e, label in ents if label == "PERSON") + \
        sorted((s, e) for s, e, *_ in people)
    for m in LISTED_NAME.finditer(text):
        s, e = m.span()
        if any(s < ce and e > cs for cs, ce in covered):
            continue
        name = m.group(0)
        if any(w.lower() in NAME_STOP for w in name.split()):
            continue  # "Saturday", "June": a date, not a surname
        if not person_shaped(name) or is_junk_person(name) or written_lower(text, name):
            continue
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", e)
        line_end = len(text) if line_end < 0 else line_end
        if LIST_BEFORE.search(text[line_start:s]) and LIST_AFTER.match(text[e:line_end] or ""):
            people.append((s, e, name, None, False))


def find_speakers(text: str, ents, people: list) -> None:
    """Add people spaCy did not tag who close a quotation: '"...," Oleg Ustenko noted.'"""
    covered = [(s, e) for s, e, _ in ents]
    for m in SPEAKER.finditer(text):
        s, e = m.span("name")
        name = m.group("name")
        if any(s < ce and e > cs for cs, ce in covered) or not person_shaped(name) or is_junk_person(name):
            continue
        people.append((s, e, name, None, False))


def find_titled_people(text, ents, people, others) -> None:
    """Add people that a title introduces but spaCy did not tag as PERSON; drop what they overlap."""
    persons = sorted((s, e) for s, e, label in ents if label == "PERSON")
    found = []
    matches = []
    for title in TITLE_WORD.finditer(text):
        # "Minister Barend du Plessis" after the title, "Beryl Sprinkel, chairman" before it.
        after = NAME_AFTER_TITLE.match(text, title.end())
        if after:
            matches.append(after)
        before = NAME_BEFORE_TITLE.search(text, max(0, title.start() - 90), title.start())
        if before:
            matches.append(before)
    for m in matches:
        s, e = m.span("name")
        i = bisect.bisect_right(persons, (s, len(text))) - 1
        if (i >= 0 and persons[i][1] > s) or (i + 1 < len(persons) and persons[i + 1][0] < e):
            continue
        name = _valid_title_name(m.group("name"))
        if not name or is_junk_person(name):
            continue
        e = text.find(name.split()[-1], s) + len(name.split()[-1])
        if NEXT_CAPITAL.match(text, e):
            continue  # "Director Large Construction National Program": a body's name, not a person
        if written_lower(text, name):
            continue  # "Human Rights": words the text also writes in lower case
        found.append((s, e, name))
    if not found:
        return
    taken: list[tuple[int, int]] = []
    for s, e, name in sorted(found):
        if taken and s < taken[-1][1]:
            continue
        taken.append((s, e))
        people.append((s, e, name, role_before(text, s) or role_after(text, e), False))
    others[:] = [o for o in others if not any(o[0] < e and o[1] > s for s, e in taken)]


def written_lower(text: str, name: str) -> bool:
    """True when the text also writes a word of ``name`` in lower case (so it is a word, not a name)."""
    return any(re.search(rf"(?<![\w-]){re.escape(w.lower())}(?![\w-])", text)
               for w in name.split() if w.lower() not in PARTICLES)


def _valid_title_name(raw: str) -> str | None:
    """The name in "Minister <name>" when its words look like a name, trailing non-name words cut."""
    words = clean_name(raw).split()
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


def name_index(people) -> dict:
    """Person keys, surname keys and first names of the full names an article gives as PERSON."""
    index: dict = {}
    for _, _, name, _, weak in people:
        if " " in name and not weak:
            index[("p",) + _person_key(name)] = name
            index.setdefault(("s", _surname_key(name)), name)
    return index


def rescue_person(text, s, e, known, people) -> bool:
    """Take an ORG/NORP/PRODUCT entity that ends with a known person's name as that person."""
    name = clean_name(text[s:e])
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


def person_at_end(name: str) -> str | None:
    """ "Federation Council Speaker Valentina Matviyenko": a two-word name after a title, a country or
    an organisation noun inside an ORG entity is a person."""
    words = name.split()
    if len(words) < 3:
        return None
    first, last = words[-2], words[-1]
    if not (re.fullmatch(rf"{_UP}{_LOW}+(?:-{_UP}{_LOW}+)?", first) and re.fullmatch(rf"{_UP}[\w'’-]+", last)):
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


def resolve_people(people, mentions, places, lower_words=frozenset(), hits=None) -> list[Actor]:
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
            fulls = _same_ending(name, by_surname.get(_surname_key(name), set()))
            if len(fulls) == 1:
                canonical = next(iter(fulls))
            elif not fulls and len(by_first.get(name, ())) == 1:
                canonical = next(iter(by_first[name]))  # "Boris" in a story about Boris Johnson
            elif weak or (not fulls and (_is_place_name(name) or fold(name) in places
                                         or name.lower() in lower_words)):
                canonical = None  # "Mykolaiv", "Bucha": places spaCy took for people
                code = None if weak or hits is None else gazetteer().place_code(name)
                if code:
                    hits.append((s, e, code, "city"))
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


def _ending(word: str) -> str:
    """The class of a surname's last letter: i (y, iy, ii), a, o, e or a consonant."""
    last = fold(word)[-1:]
    return "i" if last in "iy" else last if last in "aoe" else "c"


def _same_ending(name: str, fulls: set[str]) -> set[str]:
    """Of several full names sharing a surname key, those whose surname ends like ``name``
    ("Zelensky" is Volodymyr Zelenskyy, not Olena Zelenska); all of them when none does."""
    if len(fulls) < 2:
        return fulls
    ending = _ending(name.split()[-1])
    same = {f for f in fulls if _ending(f.split()[-1]) == ending}
    return same or fulls


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

        def find(n, parent=parent):
            """Union-find root of ``n``."""
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


def _orgs_to_people(ents: Entities, people_by_key: dict, surnames: dict[str, str]) -> None:
    """Move organisations whose name ends with a known person's full name to that person; a one-word
    org that the corpus also writes as a person's bare surname ("Trump" tagged ORG) goes too."""
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
            person = own.get(_surname_key(org.name)) or surnames.get(org.name)
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
    """Rename actors in one article and re-sum the counts of names that now coincide."""
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


INITIALS = re.compile(r"(?:[A-Z]\.)+")


def _initials_only(name: str) -> bool:
    """True for a surname behind initials only: "J. Biden", "V.V. Putin"."""
    words = name.split()
    return len(words) >= 2 and all(INITIALS.fullmatch(w) for w in words[:-1])


def _country_first(name: str) -> bool:
    """True for two words whose first is a country's name: "Belarus Lukashenko" (from "President of
    Belarus Lukashenko"); it then resolves like a bare surname, so a real "Jordan Peterson" keeps his name."""
    words = name.split()
    if len(words) != 2:
        return False
    found = gazetteer().classify(words[0], places=False, capitals=False)
    return found is not None and found[1] == "name"


def merge_people(batch: list[Entities]) -> None:
    """One canonical name per person across ``batch``: spellings, shorter forms, surnames, ORG-tagged names."""
    drop_minority_people(batch)
    totals = _totals(batch)
    # 0. One person written twice (Vadim/Vadym Lyakh, Olaf Scholz/Scholtz) -> the usual spelling.
    spelled = spelling_renames(batch, totals, _CANON_NAMES)
    if spelled:
        for ents in batch:
            _apply_renames(ents, spelled)
        totals = _totals(batch)
    # 1. Spelling variants and shorter forms of one full name -> one canonical full name.
    full = Counter({n: c for n, c in totals.items() if " " in n})
    canonical = _merge_full_names(Counter({n: c for n, c in full.items() if not _initials_only(n)}))
    canonical.update({n: n for n in full if n not in canonical})
    rename = {n: c for n, c in canonical.items() if n != c}
    people_by_key: dict[tuple[str, str], str] = {}
    for name, canon in canonical.items():
        people_by_key.setdefault(_person_key(name), canon)
    # A full name with a stray last word ("Vladimir Putin Fine" from a transcript missing its colon)
    # joins the far more frequent name it starts with.
    for name, n in full.items():
        head = name.rsplit(" ", 1)[0]
        if head.count(" ") >= 1 and totals.get(head, 0) >= 10 * n:
            rename[name] = rename.get(head, canonical.get(head, head))
    # 2. A surname alone, or behind initials ("J. Biden"), -> the full name that carries it, when one
    #    person (with those initials) dominates that surname.
    by_surname: dict[str, Counter] = defaultdict(Counter)
    for name, n in full.items():
        if not _initials_only(name) and rename.get(name, canonical[name]) == canonical[name]:
            by_surname[_surname_key(name)][canonical[name]] += n
    for name in totals:
        if " " not in name or _initials_only(name) or _country_first(name):
            cands = by_surname.get(_surname_key(name))
            if cands and _initials_only(name):
                cands = Counter({c: n for c, n in cands.items() if c[:1] == name[:1]})
            if cands:
                narrowed = _same_ending(name.split()[-1], set(cands))
                cands = Counter({c: n for c, n in cands.items() if c in narrowed})
                best, n = cands.most_common(1)[0]
                # Heads of state and government in the canonical table own their surname in news.
                share = SURNAME_DOMINANCE if best not in _CANON_NAMES else 0.5
                if n >= share * sum(cands.values()):
                    rename[name] = best
    surname_people = {n: rename[n] for n in totals if " " not in n and n in rename}
    people_by_key = {key: rename.get(name, name) for key, name in people_by_key.items()}
    # 3. Organisations that are people named elsewhere in the corpus ("Olaf Scholz" tagged ORG).
    for ents in batch:
        if rename:
            _apply_renames(ents, rename)
        _orgs_to_people(ents, people_by_key, surname_people)
    # 4. Fragments the surname rules leave ("Bashar", "Lula", "Abdel Fattah") -> the full name.
    totals = _totals(batch)
    fragments = fragment_renames(totals)
    if fragments:
        for ents in batch:
            _apply_renames(ents, fragments)
        totals = _totals(batch)
    # 5. "Yermak-McFaul": two known surnames joined by a hyphen are two people.
    owners: dict[str, Counter] = defaultdict(Counter)
    for name, n in totals.items():
        if " " in name and not _initials_only(name):
            owners[fold_word(name.split()[-1])][name] += n
    surnames = {}
    for key, cands in owners.items():
        best, n = cands.most_common(1)[0]
        if n >= SURNAME_DOMINANCE * sum(cands.values()):
            surnames[key] = best
    split_pairs(batch, surnames)


def _totals(batch: list[Entities]) -> Counter:
    """Mentions per actor name over ``batch``."""
    totals: Counter[str] = Counter()
    for ents in batch:
        for a in ents.actors:
            totals[a.name] += a.count
    return totals


def fill_roles(batch: list[Entities]) -> None:
    """One role per person across ``batch``: the corpus's most frequent role (and its country).

    An actor named without a title gets it; an article whose role for that person is rare in the corpus
    (under ROLE_MINORITY of the votes: usually a misread title) takes the usual one, so the facet shows
    one role per person and the leader filter agrees across articles.
    """
    votes: dict[str, Counter] = defaultdict(Counter)
    countries: dict[str, Counter] = defaultdict(Counter)
    for ents in batch:
        for a in ents.actors:
            if a.role:
                votes[a.name][(a.role, a.leader)] += a.count
                if a.country:
                    countries[a.name][(a.role, a.country)] += a.count
    best: dict[str, tuple[str, bool, str]] = {}
    for name, counter in votes.items():
        (role, leader), _ = counter.most_common(1)[0]
        country = Counter({c: n for (r, c), n in countries[name].items() if r == role}).most_common(1)
        if not country:
            country = Counter({c: n for (r, c), n in countries[name].items()}).most_common(1)
        best[name] = (role, leader, country[0][0] if country else "")
    for ents in batch:
        for a in ents.actors:
            if a.name not in best:
                continue
            role, leader, country = best[a.name]
            total = sum(votes[a.name].values())
            if not a.role or votes[a.name][(a.role, a.leader)] < ROLE_MINORITY * total:
                a.role, a.leader, a.country = role, leader, country
            elif not a.country:
                a.country = country if a.role == role else a.country
