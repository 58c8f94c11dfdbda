"""A person in one mention: clean the name spaCy tagged, read its role, or find a person spaCy missed.

spaCy's PERSON spans are noisy: titles and brackets inside ("Angela] Merkel"), names cut at line ends or
particles, places and organisations taken for people and people taken for organisations. ``read_person``
reads one PERSON span into a ``PersonMention`` (or a country hit, or nothing); ``find_titled_people``,
``find_speakers`` and ``find_listed_people`` add people spaCy did not tag; ``rescue_person`` and
``person_at_end`` take people out of ORG spans. Dictionary and regex work; spaCy is never imported.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import NamedTuple

from indexer.normalise import reference
from indexer.normalise.names import (
    FUNCTION_WORDS,
    ORG_SUFFIXES,
    PERSON_TITLES,
    PLACE_SUFFIXES,
    is_given_name,
    is_leading_junk,
    is_trailing_dateline,
    person_shaped,
)
from indexer.normalise.org_words import GENERIC_ORG_WORDS, ORG_ALIASES, ORG_WORDS
from indexer.normalise.person_words import (
    ARABIC_PARTICLE,
    HONORIFICS,
    INITIALS,
    LOWER,
    MONONYM_TITLES,
    NAME_AFTER_TITLE,
    NAME_BEFORE,
    NAME_BEFORE_TITLE,
    NAME_CONTINUES,
    NAME_STOP,
    NAME_WORD,
    NEXT_CAPITAL,
    NOT_PEOPLE,
    PARTICLE_END,
    PARTICLE_TAIL,
    PARTICLES,
    TITLE_WORD,
    UPPER,
    WIRE_WORDS,
    clean_name,
    fix_caps,
    is_caps,
    person_key,
    surname_key,
)
from indexer.normalise.places import CountryHit, fold, gazetteer
from indexer.normalise.roles import HEAD_WORDS, PORTFOLIOS, Role, role_after, role_before


class PersonMention(NamedTuple):
    """One mention of a person in an article's text (offsets into the NER text)."""

    start: int
    end: int
    name: str  # as read from the text, titles stripped ("Vladimir Putin", "Putin")
    role: Role | None  # the title written around it, if any
    weak: bool  # seen only in an all-caps headline of a mixed-case text: kept only if the body names them


def _strip_titles(name: str) -> tuple[str, str]:
    """Split leading honorifics off a name: ("President Putin" -> ("Putin", "President"))."""
    words = name.split()
    i = 0
    while i < len(words) - 1 and words[i].lower().strip(".") in HONORIFICS:
        i += 1
    # Trailing ", Jr." stays; trailing title words ("Putin Spokesman") go.
    j = len(words)
    while j > i + 1 and (
        words[j - 1].lower().strip(".") in HONORIFICS
        or words[j - 1].lower() in HEAD_WORDS
        or not (words[j - 1][:1].isupper() or ARABIC_PARTICLE.match(words[j - 1]))
    ):
        # "Vladimir Putin on" in a transcript; "Abdel Fattah el-Sisi" keeps its "el-Sisi"
        j -= 1
    kept = [w for k, w in enumerate(words[i:j]) if k == 0 or w != words[i + k - 1]]  # scraped "Lukashenko Lukashenko"
    if len(kept) == 1 and i and words[i - 1].lower() in MONONYM_TITLES:
        kept.insert(0, words[i - 1].capitalize())  # "Pope Francis" is his name; "Francis" is a fragment
    return " ".join(kept), " ".join(words[:i])


@lru_cache(maxsize=262_144)
def is_place_name(name: str) -> bool:
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
    if len(words) >= 2 and is_place_name(name):
        return True  # "Nizhny Novgorod"
    low = [w.lower().strip(".'") for w in words]
    if all(w in HONORIFICS or w in NOT_PEOPLE or w in HEAD_WORDS or w in PERSON_TITLES for w in low):
        return True
    if len(words) == 1 and any(low[0].endswith(x) and len(low[0]) >= len(x) + 3 for x in ORG_SUFFIXES | PLACE_SUFFIXES):
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
    return base != word and len(base) > 3 and (is_place_name(base) or bool(gazetteer().lookup(base)))


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
            if low in MONONYM_TITLES or not (
                low in NAME_STOP
                or low in HONORIFICS
                or low in HEAD_WORDS
                or low in NOT_PEOPLE
                or low in ORG_WORDS
                or low in PORTFOLIOS
                or g.lookup(word)
            ):
                s = back.start(1)  # "Pope Francis" with only "Francis" tagged: the title is his name
    cut_at = re.search(r"[:;]", text[s:e])
    if cut_at:
        e = s + cut_at.start()  # "Vladimir Putin: Comrades" in a transcript
    e = _end_at_byline(text, s, e)
    raw = text[s:e]
    name = trim_name(clean_name(raw), text)
    # spaCy tags some places as people ("Belarus\n\n\n\n"): they are country mentions.
    found = g.classify(name, places=False)
    if found:
        hits.append(CountryHit(s, e, found[0], found[1]))
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
        name = fix_caps(name)
    if is_junk_person(name):
        return e
    role = role_before(text, s, floor) or role_after(text, e)
    people.append(PersonMention(s, e, name, role, weak))
    return e


# A short line of its own: a link or a caption ("Read more", "Photograph: AP"), not a sentence going on.
_SHORT_LINE = re.compile(r"[^\S\n]*\S+(?:[^\S\n]+\S+){0,2}[^\S\n]*(?:\n|$)")


def _end_at_byline(text: str, s: int, e: int) -> int:
    """Where a name that spans a line break ends when the break closes a byline.

    A byline or a signed column ends its line ("| Simon Jenkins" then "Read more" on a line of its own):
    spaCy runs the name into the short line after it ("Simon Jenkins\nRead"). A name of two words or more
    before the break ends there. A hard-wrapped wire name ("Governor Satoshi\nSumita said on Tuesday")
    has one word before its break and a sentence going on after it, so it stays whole."""
    brk = text.find("\n", s, e)
    if brk < 0 or len(text[s:brk].split()) < 2:
        return e
    after = brk + 1
    while after < len(text) and text[after] == "\n":
        after += 1
    line = _SHORT_LINE.match(text, after)
    if line is None or re.search(r"[.!?,;]\s*$", line.group(0)):
        return e
    return len(text[:brk].rstrip())


# Verbs and prepositions a title-cased headline capitalises after a name; never inside one.
NAME_ENDING_WORDS = reference.words("name-ending-words.txt")


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
        if w.lower() in NAME_ENDING_WORDS and w[:1].isupper():
            words = words[:i]  # a title-cased headline runs on: "Joe Biden Is Succeeding"
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
SPEAKER = re.compile(rf"[,.!?][\"”’']\s*(?P<name>{NAME_WORD}(?: {NAME_WORD}){{1,2}})(?={SPEAKER_AFTER.pattern})")


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
    people.append(PersonMention(at if at >= 0 else s, e, name, None, False))
    return True


# Two or three capitalised words, the first a given name or an initial: a candidate name in a list.
LISTED_NAME = re.compile(rf"(?<![\w.'’-])(?:{UPPER}\.|{UPPER}{LOWER}+(?:-{UPPER}{LOWER}+)?)(?:[ ]{NAME_WORD}){{1,2}}")


def find_listed_people(text: str, ents, people: list) -> None:
    """Add people spaCy did not tag that stand as items of a line-up, a results table or a list:
    "Ernie Els ( South Africa ) , Scott Hoch", "To bat : R. Croft , D. Cork"."""
    covered = sorted((s, e) for s, e, label in ents if label == "PERSON") + sorted((s, e) for s, e, *_ in people)
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
            people.append(PersonMention(s, e, name, None, False))


def find_speakers(text: str, ents, people: list) -> None:
    """Add people spaCy did not tag who close a quotation: '"...," Oleg Ustenko noted.'"""
    covered = [(s, e) for s, e, _ in ents]
    for m in SPEAKER.finditer(text):
        s, e = m.span("name")
        name = m.group("name")
        if any(s < ce and e > cs for cs, ce in covered) or not person_shaped(name) or is_junk_person(name):
            continue
        people.append(PersonMention(s, e, name, None, False))


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
        people.append(PersonMention(s, e, name, role_before(text, s) or role_after(text, e), False))
    others[:] = [o for o in others if not any(o[0] < e and o[1] > s for s, e in taken)]


def written_lower(text: str, name: str) -> bool:
    """True when the text also writes a word of ``name`` in lower case (so it is a word, not a name)."""
    return any(
        re.search(rf"(?<![\w-]){re.escape(w.lower())}(?![\w-])", text)
        for w in name.split()
        if w.lower() not in PARTICLES
    )


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
        if (
            low in NAME_STOP
            or low in ORG_WORDS
            or low in HEAD_WORDS
            or low in PORTFOLIOS
            or low in NOT_PEOPLE
            or low in HONORIFICS
            or low in WIRE_WORDS
            or low in GENERIC_ORG_WORDS
            or g.lookup(w, places=False)
        ):
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
            index[("p",) + person_key(name)] = name
            index.setdefault(("s", surname_key(name)), name)
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
            hit = known.get(("p",) + person_key(cand))
        else:
            hit = known.get(("s", surname_key(cand))) if len(cand) > 2 else None
        if hit:
            if n == 1 and len(words) >= 2 and words[-2] == hit.split()[0]:
                tail = words[-2:]  # "Germany Olaf Scholz" where only the surname was known
            start = text.rfind(tail[0], s, e)
            start = start if start >= 0 else s
            people.append(PersonMention(start, e, " ".join(tail), role_before(text, start), False))
            return True
    return False


def person_at_end(name: str) -> str | None:
    """ "Federation Council Speaker Valentina Matviyenko": a two-word name after a title, a country or
    an organisation noun inside an ORG entity is a person."""
    words = name.split()
    if len(words) < 3:
        return None
    first, last = words[-2], words[-1]
    if not (re.fullmatch(rf"{UPPER}{LOWER}+(?:-{UPPER}{LOWER}+)?", first) and re.fullmatch(rf"{UPPER}[\w'’-]+", last)):
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
