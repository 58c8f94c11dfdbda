"""People's names: the word tables and patterns every reading of a person uses.

Which words are titles (HONORIFICS), never people (NOT_PEOPLE), wire words or clause starters (tables in
``indexer/data/``); the regular expressions of a name's words and of the titles around it; and the keys
that group spellings of one person (surname key, first-name key). Mentions are read in ``person.py``,
resolved within an article in ``people.py`` and across a corpus in ``people_corpus.py``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from indexer.normalise import reference
from indexer.normalise.names import NICKNAMES
from indexer.normalise.places import spelling_key as _skeleton

# Words that are a title, never part of a person's name ("President Putin", "Mr Merkel").
HONORIFICS = reference.words("honorifics.txt")
# Capitalised words spaCy tags as PERSON that are not people.
NOT_PEOPLE = reference.words("not-people.txt")
# Well-known people whose names come in several spellings: the spelling the facet shows.
CANONICAL_PEOPLE = list(reference.lines("canonical-people.txt"))
# Wire-copy abbreviations and company suffixes that never belong to a person's name.
WIRE_WORDS = reference.words("wire-words.txt")
# Capitalised words that start a clause rather than continue a name.
NAME_STOP = reference.words("name-stop-words.txt")
# Titles that, before a single name, are part of how the person is named ("Pope Francis", "King Salman").
MONONYM_TITLES = reference.words("mononym-titles.txt")


# Name particles after which spaCy tends to stop: the surname that follows belongs to the name.
PARTICLE_END = re.compile(r"(?:^|\s)(?:von|van|der|den|de|da|del|della|di|du|la|le|bin|ibn|al|el|ter|ten|dos|das)$")


PARTICLE_TAIL = re.compile(
    r"(?:\s+(?:von|van|der|den|de|da|del|della|di|du|la|le|bin|ibn|al|el|ter|ten|dos|das))*"
    r"\s+[A-Z][\w'’\-]+"
)


# Letters of names, accented ones included ("Niinistö", "Čaputová").
UPPER = "[A-ZÀ-ÖØ-ÞĀ-Ž]"
LOWER = "[a-zß-öø-ÿā-ž]"
# A capitalised word right after a person's name, on the next line or after a space.
NAME_CONTINUES = re.compile(rf"[ \t]*\n?[ \t]*({UPPER}{LOWER}+(?:-{UPPER}{LOWER}+)?)(?![\w.'’-])")


PARTICLES = {
    "von",
    "van",
    "der",
    "den",
    "de",
    "da",
    "del",
    "della",
    "di",
    "du",
    "la",
    "le",
    "bin",
    "ibn",
    "al",
    "el",
    "ter",
    "ten",
    "dos",
    "das",
}


NAME_WORD = rf"{UPPER}(?:{LOWER}|['’])+(?:-{UPPER}(?:{LOWER}|['’])+)?(?![\w])"


_GAP = r"[ \t]*\n?[ \t]*"


_NAME = rf"{NAME_WORD}(?:{_GAP}(?:(?:de|du|da|di|van|von|der|den|la|le|del|bin|al|el){_GAP})*{NAME_WORD}){{0,2}}"


_TITLE_WORDS = (
    "minister|president|governor|secretary of state|secretary|chairman|chairwoman|representative|"
    "spokesman|spokeswoman|ambassador|commissioner|director|chancellor|premier|senator|envoy|"
    "adviser|advisor|prosecutor"
)


# "Finance Minister Barend du Plessis", "trade representative Clayton\nYeutter".
TITLE_WORD = re.compile(rf"(?<![\w-])(?i:{_TITLE_WORDS})(?![\w'’-])")
NAME_AFTER_TITLE = re.compile(rf"{_GAP}(?P<name>{_NAME})")


# "Beryl Sprinkel, chairman of the president's Council of Economic Advisers".
NAME_BEFORE_TITLE = re.compile(
    rf"(?<![\w.'’-])(?P<name>{NAME_WORD}{_GAP}(?:(?:de|du|van|von|der|la|le|del|bin|al){_GAP})*{NAME_WORD}),"
    rf"{_GAP}(?:the{_GAP})?(?:[\w.'’-]+{_GAP}){{0,3}}?$"
)


NEXT_CAPITAL = re.compile(r"[ \t]+[A-Z]")


# A capitalised word right before a name, on the same line.
NAME_BEFORE = re.compile(rf"(?<![\w.'’-])({UPPER}{LOWER}+(?:-{UPPER}{LOWER}+)?)[ ]$")


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


def fix_caps(name: str) -> str:
    """Title-case an all-caps name from an upper-case text ("JAMES BAKER" -> "James Baker")."""
    return " ".join(w.capitalize() if not re.match(r"^(?:[A-Z]\.)+$", w) else w for w in name.split())


@lru_cache(maxsize=262_144)
def surname_key(name: str) -> str:
    """The family key of a person's name: the skeleton of the surname."""
    return _skeleton(name.split()[-1])


@lru_cache(maxsize=262_144)
def first_key(word: str) -> str:
    """A looser key for first names, whose transliterations vary inside (Alexander/Aleksandr/Alyaksandr)."""
    w = _skeleton(NICKNAMES.get(word.lower(), word))
    return w[:1] + re.sub(r"[aeiou]+", "", w[1:])


@lru_cache(maxsize=262_144)
def person_key(name: str) -> tuple[str, str]:
    """(surname key, first-name key) of a multi-word name."""
    parts = name.split()
    return _skeleton(parts[-1]), first_key(parts[0])


CANONICAL_BY_KEY = {person_key(n): n for n in CANONICAL_PEOPLE}
CANONICAL_NAMES = set(CANONICAL_PEOPLE)


ARABIC_PARTICLE = re.compile(r"(?:al|el|ul|ad|as|ash|an|bin|ibn|ben|abu)-[A-Z]")

INITIALS = re.compile(r"(?:[A-Z]\.)+")
