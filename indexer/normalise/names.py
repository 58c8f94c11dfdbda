"""Names of people: given names, the words around a name that are not part of it, and spelling variants.

What a person's name looks like, independent of any article: whether a word is a given name (the ~48k
given names of 50 countries that the gender-guesser package ships, read once), which words glued to a
span are function words or job words (tables in ``indexer/data/``), and whether two written names are one
person under a transliteration or a typo (Vadim/Vadym Lyakh, Olaf Scholz/Scholtz) rather than two people
who share a surname (Olena and Volodymyr Zelenskyy). Pure Python plus rapidfuzz and anyascii; no spaCy.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from indexer.normalise import reference

# Given names at most this far apart (edit distance on the folded form, shorter name up to 6 letters;
# one more above) are spellings of one name: Vadim/Vadym, Oleg/Oleh, Antony/Anthony.
FIRST_NAME_EDITS = 1
LONG_NAME = 7
# Surnames this close are one surname written twice: Scholz/Scholtz, Vereshchuk/Vereschuk.
SURNAME_EDITS = 1
SURNAME_MIN = 5  # shorter surnames differ by one letter too often (Reagan/Regan, Bush/Rush)


FUNCTION_WORDS = reference.words("function-words.txt")
PERSON_TITLES = reference.words("person-titles.txt")
ORG_SUFFIXES = reference.words("org-suffixes.txt")
PLACE_SUFFIXES = reference.words("place-suffixes.txt")


def _read_nicknames() -> dict[str, str]:
    """Short form -> formal form of given names, from indexer/data/nicknames.tsv."""
    table = {}
    for line in reference.lines("nicknames.tsv"):
        short, formal = line.split("\t")
        table[short.strip()] = formal.strip()
    return table


NICKNAMES = _read_nicknames()


@lru_cache(maxsize=262_144)
def fold_word(word: str) -> str:
    """ASCII, lower case, without dots, apostrophes and hyphens: "Oleksíy" -> "oleksiy"."""
    return re.sub(r"[^a-z0-9 ]", "", anyascii(word).lower())


@lru_cache(maxsize=1)
def given_names() -> dict[str, frozenset[str]]:
    """Folded given name -> the genders it is given to ("M", "F", "?"), read once from gender-guesser."""
    genders: dict[str, set[str]] = {}
    source = resources.files("gender_guesser") / "data" / "nam_dict.txt"
    with source.open(encoding="utf-8") as f:
        for line in f:
            if line[:1] in "#=" or len(line) < 4:
                continue
            parts = line.split()
            if len(parts) < 2:
                continue
            sex = "M" if parts[0].endswith("M") else "F" if parts[0].endswith("F") else "?"
            for word in parts[1].split("+"):
                key = fold_word(word)
                if len(key) >= 2:
                    genders.setdefault(key, set()).add(sex)
    return {k: frozenset(v) for k, v in genders.items()}


def is_given_name(word: str) -> bool:
    """True when ``word`` is a known given name ("Vadym", "Olha", "Bashar"; not "Defender", "How")."""
    return fold_word(word) in given_names()


def _genders(word: str) -> frozenset[str]:
    return given_names().get(fold_word(word), frozenset())


def _initial_class(c: str) -> str:
    """First letters that transliteration swaps (Yevgeny/Evgeny, Yulia/Julia, Iouri/Yuri) are one class."""
    return "y" if c in "yjie" else c


def first_names_close(a: str, b: str) -> bool:
    """True when two given names are one name spelt twice: a short form, a transliteration or a typo.

    Same nickname root (Jake/Jacob), or the same first letter and at most FIRST_NAME_EDITS edits apart
    (one more when both are long), never a man's and a woman's name (Ivan/Ivana, Alexander/Alexandra)."""
    fa, fb = fold_word(a), fold_word(b)
    if not fa or not fb:
        return False
    if fa == fb or NICKNAMES.get(fa, fa) == NICKNAMES.get(fb, fb):
        return True
    if _initial_class(fa[0]) != _initial_class(fb[0]) or min(len(fa), len(fb)) < 3:
        return False
    edits = FIRST_NAME_EDITS + (1 if min(len(fa), len(fb)) >= LONG_NAME else 0)
    if Levenshtein.distance(fa, fb, score_cutoff=edits) > edits:
        return False
    ga, gb = _genders(a), _genders(b)
    return not (ga and gb and ga.isdisjoint(gb) and "?" not in ga | gb)


def surnames_close(a: str, b: str) -> bool:
    """True for one surname spelt twice: equal when folded, or one edit apart and long (Scholz/Scholtz)."""
    fa, fb = fold_word(a), fold_word(b)
    if fa == fb:
        return True
    if min(len(fa), len(fb)) < SURNAME_MIN or fa[:2] != fb[:2]:
        return False
    return Levenshtein.distance(fa, fb, score_cutoff=SURNAME_EDITS) <= SURNAME_EDITS


def same_person_spelling(a: str, b: str) -> bool:
    """True when two full names are one person written differently: the given names close and the
    surnames close, at least one of the two exactly equal (so one part only varies)."""
    wa, wb = a.split(), b.split()
    if len(wa) < 2 or len(wb) < 2 or len(wa) != len(wb):
        return False
    first_a, first_b, last_a, last_b = wa[0], wb[0], wa[-1], wb[-1]
    if [fold_word(w) for w in wa[1:-1]] != [fold_word(w) for w in wb[1:-1]]:
        return False
    first_same = fold_word(first_a) == fold_word(first_b)
    last_same = fold_word(last_a) == fold_word(last_b)
    if not (first_same or last_same):
        return False
    return first_names_close(first_a, first_b) and surnames_close(last_a, last_b)


def is_leading_junk(word: str, text: str = "") -> bool:
    """True for a first word that is not part of the name after it: a function word ("How Putin",
    "Both Blinken"), a job word ("Defender Hassan Abbas"), a verb or preposition in -ing ("Helping
    Ukraine", "Regarding Kazakhstan"), an acronym ("BST Ukraine"), or a word the text writes in lower case;
    never a known given name ("Will Smith", "Can Dundar")."""
    low = word.lower().strip(".,'’")
    if not low:
        return True
    if is_given_name(word) and low not in PERSON_TITLES and not (low in FUNCTION_WORDS and len(low) < 3):
        return False  # "Will Smith", "Can Dundar"; but "So Diia", "An Ukrainian" lose their first word
    if low in FUNCTION_WORDS or low in PERSON_TITLES:
        return True
    if low.endswith("ing") and len(low) > 5:
        return True
    if len(word) >= 2 and word.isupper() and word.isalpha():
        return True
    return bool(text) and low in lower_words(text)


@lru_cache(maxsize=8)
def lower_words(text: str) -> frozenset[str]:
    """The words ``text`` writes in lower case (computed once per article: names are checked many times)."""
    return frozenset(re.findall(r"(?<![\w.'’-])[a-z][\w'’-]*[\w]|(?<![\w.'’-])[a-z](?![\w'’-])", text))


def is_trailing_dateline(word: str, name_words: list[str]) -> bool:
    """True for an all-caps last word after mixed-case name words: a dateline glued on by a line
    break ("Nadim Ladki AL-AIN", "Peter Laca BRATISLAVA"), not a Roman numeral or an initial."""
    if len(name_words) < 2 or not word.isupper() or len(re.sub(r"[^A-Z]", "", word)) < 3:
        return False
    if re.fullmatch(r"[IVXL]+", word):
        return False
    return any(not w.isupper() for w in name_words[:-1])


INITIAL = re.compile(r"[A-Z]\.(?:-?[A-Z]\.)*")


def person_shaped(name: str) -> bool:
    """True for two or three words shaped like a person's name: a known given name or an initial
    ("C. Lewis") first, then capitalised words that are not job or function words."""
    words = name.split()
    if not 2 <= len(words) <= 3:
        return False
    if not (
        INITIAL.fullmatch(words[0])
        or (
            is_given_name(words[0])
            and words[0][:1].isupper()
            and not words[0].isupper()
            and words[0].lower() not in FUNCTION_WORDS
        )
    ):
        return False  # "On December" is no name even if "On" is given to someone
    for w in words[1:]:
        low = w.lower()
        if not w[:1].isupper() or w.isupper() or low in FUNCTION_WORDS or low in PERSON_TITLES:
            return False
    return True
