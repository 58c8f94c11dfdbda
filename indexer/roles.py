"""Roles from the titles written around a person's name: (role, country alpha-2, leader?).

"Russian President Vladimir Putin" -> ("President", "RU", True); "Kremlin Spokesman Dmitry Peskov" ->
("Spokesman", "RU", False); "European Council President Charles Michel" -> ("President of the European
Council", "", True); "Prime Minister of the Kingdom of Spain Pedro Sanchez" -> ("Prime Minister", "ES",
True); "Vladimir Putin, the Russian president," -> ("President", "RU", True).

A title reads: [affiliation] [qualifiers] HEAD [of|for|to ... chain], where the affiliation is a country
form ("Russian", "U.S.", "Ukraine's", "Kremlin") or a body ("European Council"), the qualifiers are
portfolio words ("Foreign", "acting") and the chain names the body or country ("of the United Nations").
Leaders are heads of state or government, their deputies, ministers and heads of international bodies;
"former", "ex-" and "then-" holders are not ("Former President").

``resolve_roles`` then gives each actor of a corpus the role held at the article's date: the article's own
title, else the nearest dated statement of the corpus, made a former role when the corpus shows the person
left the office or someone else holding it; titles without a country take the corpus's or the official
source's country. Reference tables are in ``indexer/data/roles.json``.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from pathlib import Path
from collections.abc import Sequence

from indexer.gazetteer import GENERIC_ORG_WORDS, ORG_ALIASES, ORG_WORDS, fold, gazetteer
from indexer.model import Entities

Role = tuple[str, str, bool]

# Offices, official sources and time words, loaded once from indexer/data/roles.json.
_TABLES = json.loads((Path(__file__).resolve().parent / "data" / "roles.json").read_text(encoding="utf-8"))
SOURCE_COUNTRIES: dict[str, str] = _TABLES["source_countries"]
UNIQUE_OFFICES = set(_TABLES["offices"]["unique"])
HEADS_OF_STATE = set(_TABLES["offices"]["head_of_state"])
FORMER_WORDS = set(_TABLES["former_words"])
DEPUTY_HEADS = set(_TABLES["deputy_heads_of_government"])
FOREIGN_POSTS = set(_TABLES["foreign_posts"])
FORMER = "Former"
# Bodies whose bare name is both a national and an international one ("Security Council").
AMBIGUOUS_BODIES = {"security council"}

# Title heads, longest first, with whether the head alone marks a leader.
TITLE_HEADS = [
    ("secretary of state", True), ("secretary-general", True), ("secretary general", True),
    ("prime minister", True), ("first minister", True), ("supreme leader", True),
    ("managing director", True), ("director-general", True), ("director general", True),
    ("vice president", False), ("vice-president", False), ("vice chancellor", False),
    ("vice-chancellor", False), ("deputy minister", False), ("press secretary", False),
    ("state secretary", False), ("chief of staff", False), ("chief executive", False),
    ("crown prince", False), ("first lady", False), ("foreign secretary", True),
    ("home secretary", True), ("president", True), ("chancellor", True), ("premier", True),
    ("king", True), ("queen", True), ("emir", True), ("sultan", True), ("emperor", True), ("shah", True),
    ("taoiseach", True), ("minister", True), ("secretary", False), ("chairman", False),
    ("chairwoman", False), ("chair", False), ("leader", False), ("spokesman", False),
    ("spokeswoman", False), ("spokesperson", False), ("ambassador", False), ("envoy", False),
    ("adviser", False), ("advisor", False), ("aide", False), ("governor", False), ("senator", False),
    ("mayor", False), ("general", False), ("commander", False), ("director", False), ("head", False),
    ("speaker", False), ("pope", True), ("prince", False), ("official", False), ("ceo", False),
    ("prosecutor", False), ("ombudsman", False), ("commissioner", False), ("representative", False),
    # Relatives: "Wife of the President of Ukraine Olena Zelenska" holds no office.
    ("wife", False), ("husband", False), ("widow", False), ("son", False), ("daughter", False),
    ("mother", False), ("brother", False), ("sister", False),
]
_HEAD_LEAD = dict(TITLE_HEADS)
_HEAD_FIRST: dict[str, list[list[str]]] = {}
for _phrase, _ in TITLE_HEADS:
    _HEAD_FIRST.setdefault(_phrase.split()[0], []).append(_phrase.split())
HEAD_WORDS = {w for p, _ in TITLE_HEADS for w in p.split()}

# Words that qualify a title rather than name a body ("Foreign Minister", "Treasury Secretary").
PORTFOLIOS = {
    "foreign", "finance", "defence", "defense", "interior", "economy", "economic", "economics", "trade",
    "energy", "oil", "petroleum", "agriculture", "agricultural", "treasury", "health", "justice", "home",
    "commerce", "labor", "labour", "transport", "transportation", "education", "environment", "industry",
    "culture", "state", "press", "chief", "first", "deputy", "vice", "acting", "former", "then",
    "interim", "outgoing", "incoming", "new", "prime", "security", "national", "affairs", "planning",
    "budget", "fisheries", "mines", "mining", "communications", "information", "tourism", "sports",
    "development", "international", "external", "internal", "emergency", "emergencies", "social",
    "welfare", "housing", "industrial", "digital", "climate", "science", "technology", "junior",
    "senior", "top", "military", "assistant", "associate", "general", "executive", "managing",
    "supreme", "crown", "cabinet", "presidential", "regional", "provincial", "federal", "ex",
    "special", "high", "permanent", "plenipotentiary", "personal", "main", "principal",
}
# Qualifiers that mean the person does not hold the office itself.
NOT_IN_OFFICE = {"deputy", "vice", "junior", "assistant", "associate", "former", "ex", "then", "late"}
# Words dropped from a role's display: they say when, not what.
TEMPORAL = {"acting", "former", "then", "interim", "outgoing", "incoming", "new", "ex", "late", "the", "a", "an"}
# Portfolios a "Secretary" heads as a minister ("Treasury Secretary", "Secretary of Defense").
CABINET_SECRETARIES = {
    "treasury", "defense", "defence", "foreign", "home", "commerce", "agriculture", "energy", "labor",
    "interior", "health", "transportation", "education", "state", "justice", "environment", "trade",
}
# Heads that are offices of government whatever body follows ("Minister of Finance").
GOVERNMENT_HEADS = {"minister", "prime minister", "secretary of state", "foreign secretary", "home secretary",
                    "first minister", "secretary"}
# Words of time stamps and photo credits that sit next to titles in live blogs and captions.
NOT_BODY = {"gmt", "bst", "utc", "cet", "cest", "est", "edt", "am", "pm", "jan", "feb", "mar", "apr", "jun",
            "jul", "aug", "sep", "sept", "oct", "nov", "dec", "reuters", "ap", "afp", "getty", "epa",
            "lehtikuva", "photograph", "photo", "images", "shutterstock", "pa", "tass", "ria"}
CONNECTORS = {"of", "the", "for", "to", "and", "on", "in"}

# International bodies whose heads count as leaders (folded names).
INTERNATIONAL_BODIES = {
    "european council", "european commission", "european union", "eu", "european parliament",
    "united nations", "un", "nato", "imf", "international monetary fund", "world bank", "wto",
    "world trade organization", "opec", "osce", "council of europe", "african union", "arab league",
    "asean", "gatt", "oecd", "who", "world health organization", "iaea", "unesco", "unicef", "unhcr",
    "european central bank", "ecb", "g7", "g20", "commonwealth", "ec", "european community",
    "un security council", "interpol", "red cross", "icrc", "csto", "sco", "eurasian economic union",
    "commonwealth of independent states", "cis", "north atlantic treaty organization", "eec",
    "european economic community", "international atomic energy agency", "un general assembly",
    "international committee of the red cross", "collective security treaty organisation",
    "collective security treaty organization", "shanghai cooperation organisation", "eaeu",
    "european council on foreign relations",
}
# "Minister of Finance" and "Finance Minister" are one role.
MINISTRY_NAMES = {
    "foreign affairs": "Foreign", "finance": "Finance", "defence": "Defence", "defense": "Defense",
    "interior": "Interior", "internal affairs": "Interior", "health": "Health", "justice": "Justice",
    "transport": "Transport", "energy": "Energy", "economy": "Economy", "education": "Education",
    "agriculture": "Agriculture", "culture": "Culture", "trade": "Trade", "foreign trade": "Foreign Trade",
    "economic development": "Economic Development", "digital transformation": "Digital Transformation",
}

# Words a title-cased headline capitalises that are never part of a title or a body's name.
HEADLINE_WORDS = {
    "with", "on", "in", "at", "by", "from", "about", "had", "has", "held", "have", "met", "meets",
    "discussed", "discusses", "talks", "talk", "spoke", "speaks", "phone", "conversation", "call",
    "said", "says", "after", "before", "over", "during", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "today", "yesterday", "is", "was",
    "will", "a", "an", "as", "his", "her", "their", "its", "this", "that", "who",
}
_PREFIXED = re.compile(r"(?i)(ex|then|former)-([A-Za-z].*)")
_WRAP = re.compile(r"(?<=\S)\n(?=[^\s])")
_NAME_TOKEN = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž]+(?:-[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž]+)?")
# "Madrid.US": a sentence end glued to the next word.
_GLUED = re.compile(r"(?<=[a-z])\.(?=[A-Z])")
_TOKEN = re.compile(r"[A-Za-z][\w.'’\-]*")
# Where a clause starts: a title never runs across these.
_CLAUSE_BREAK = re.compile(r"[\n;:()\[\]\"“”,]|(?<![A-Z])\.(?=\s|$)|\s[-–—]\s")
_AFTER = re.compile(r"\s*,\s+((?:the|a|an)\s+)?([^,.;:()\n\"“”]{3,90}?)\s*(?=[,.;:)\n]|\s(?:said|says|told|who|has|had|was|is|will|would)\b)")


def role_before(text: str, start: int, floor: int = 0) -> Role | None:
    """The role written just before a name starting at ``start`` (not looking back past ``floor``)."""
    window = text[max(floor, start - 160):start].rstrip(" \t")
    # A lone line break is hard wrapping ("Foreign\nMinister Tadashi Kuranari"); a blank line or an
    # indented line starts a new paragraph.
    window = _WRAP.sub(" ", window)
    if window.endswith(","):
        window = window[:-1]  # "the Russian president, Vladimir Putin"
    window = _GLUED.sub(". ", window)
    window = _CLAUSE_BREAK.split(window)[-1]
    tokens = _TOKEN.findall(window)
    # "President of Ukraine Volodymyr Zelenskyy and Prime Minister": a second title starts after "and".
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i].lower() == "and" and any(t.lower() in HEAD_WORDS - PORTFOLIOS for t in tokens[i + 1:]):
            tokens = tokens[i + 1:]
            break
    return _parse(tokens, whole=False)


def role_after(text: str, end: int) -> Role | None:
    """The role in an apposition after a name: "Vladimir Putin, the Russian president, said"."""
    m = _AFTER.match(text, end)
    if not m:
        return None
    tokens = _TOKEN.findall(m.group(2))
    if len(tokens) > 8:
        return None
    return _parse(tokens, whole=True)


def _is_cap(token: str) -> bool:
    """Capitalised, and not a function word of a title-cased headline ("Talks With")."""
    return token[:1].isupper() and token.lower() not in HEADLINE_WORDS


def _heads(low: list[str]) -> list[tuple[int, int]]:
    """(position, length) of every title head in the lower-cased tokens, longest match first."""
    found = []
    i = 0
    while i < len(low):
        match = 0
        for words in sorted(_HEAD_FIRST.get(low[i], ()), key=len, reverse=True):
            if low[i:i + len(words)] == words:
                match = len(words)
                break
        if match:
            found.append((i, match))
            i += match
        else:
            i += 1
    return found


def _valid_chain(tokens: list[str]) -> bool:
    """True for "of the European Council", "for Defence of the United Kingdom", or nothing."""
    if not tokens:
        return True
    if tokens[0].lower() not in ("of", "for", "to", "on"):
        return False
    if not _is_cap(tokens[-1]) or tokens[-1].lower() in CONNECTORS:
        return False
    return all(t.lower() in CONNECTORS or _is_cap(t) for t in tokens)


def _name_like(token: str) -> bool:
    low = token.lower()
    return bool(_NAME_TOKEN.fullmatch(token)) and not (
        low in ORG_WORDS or low in GENERIC_ORG_WORDS or low in HEAD_WORDS or low in PORTFOLIOS
        or low in CONNECTORS or low in HEADLINE_WORDS or gazetteer().classify(token))


def _ends_with_a_name(chain: list[str]) -> bool:
    """True when a chain runs on into a person's name ("... of Ukraine Oleksiy Reznikov")."""
    return (len(chain) >= 3 and _name_like(chain[-1]) and _name_like(chain[-2]) and _is_cap(chain[-3])
            and not gazetteer().classify(" ".join(chain[-2:])))


def _parse(tokens: list[str], whole: bool) -> Role | None:
    """Read a role from tokens ending at the name (``whole``: the tokens must all belong to it)."""
    tokens = [t[:-2] if t.endswith(("'s", "’s")) else t for t in tokens]
    # "ex-President", "then-Chancellor": the time word is a qualifier of its own.
    tokens = [part for t in tokens for m in (_PREFIXED.fullmatch(t),) for part in (m.groups() if m else (t,))]
    low = [t.lower().rstrip(".") for t in tokens]
    # "President of Turkey Recep" before "Tayyip Erdogan": a given name left outside spaCy's span.
    while len(tokens) >= 2 and _name_like(tokens[-1]) and gazetteer().classify(tokens[-2]):
        tokens, low = tokens[:-1], low[:-1]
    # "Minister of Culture Olga" before "Lyubimova": a given name after a body's last word.
    if (len(tokens) >= 3 and _name_like(tokens[-1]) and _is_cap(tokens[-2]) and not _name_like(tokens[-2])
            and low[-2] not in CONNECTORS and low[-2] not in HEAD_WORDS - PORTFOLIOS):
        tokens, low = tokens[:-1], low[:-1]
    heads = _heads(low)
    for pos, n in heads:
        chain = tokens[pos + n:]
        if not _valid_chain(chain):
            continue
        if _ends_with_a_name(chain):
            return None  # "Minister of Defense of Ukraine Oleksiy Reznikov": someone else's title
        last_pos, last_n = heads[-1]
        if (last_pos, last_n) != (pos, n) and last_pos + last_n == len(tokens) and low[last_pos - 1] == "to":
            pos, n, chain = last_pos, last_n, []  # "Adviser to President Zelenskyy": he is the President
        # Walk back over qualifiers and the affiliation.
        j = pos
        while j > 0:
            prev = tokens[j - 1]
            if prev == "New":
                j -= 1  # "New York Fed President": a place, not "new"
            elif low[j - 1] in PORTFOLIOS or low[j - 1] in TEMPORAL - {"the", "a", "an"}:
                j -= 1
            elif _is_cap(prev) and low[j - 1] not in HEAD_WORDS - PORTFOLIOS:
                j -= 1
            elif low[j - 1] == "of" and j >= 2 and _is_cap(tokens[j - 2]):
                j -= 1  # "Bank of Japan Governor"
            else:
                break
        if whole and any(t.lower() not in ("the", "a", "an") for t in tokens[:j]):
            continue
        return _build(tokens[j:pos], tokens[pos:pos + n], chain)
    return None


def _build(before: list[str], head: list[str], chain: list[str]) -> Role | None:
    """Turn the parsed parts of a title into (role, country, leader)."""
    g = gazetteer()
    head_key = " ".join(w.lower() for w in head)
    leader = _HEAD_LEAD[head_key]
    # Qualifiers are the portfolio words right before the head; the rest is the affiliation.
    k = len(before)
    while k > 0 and before[k - 1].lower().rstrip(".") in PORTFOLIOS and before[k - 1] != "New":
        k -= 1
    affil = [w for w in before[:k] if (w.lower() not in TEMPORAL or w == "New") and (_is_cap(w) or w == "of")]
    if any(w.lower().rstrip(".") in NOT_BODY for w in affil + chain):
        return None  # "Prime Minister of the GMT Mar": a live blog's time stamp, a photo credit
    quals = before[k:]
    quals_low = {q.lower().rstrip(".") for q in quals}
    # "the former US president": the time word may stand before the affiliation too.
    former = bool((quals_low | {w.lower() for w in before}) & FORMER_WORDS)
    if quals_low & NOT_IN_OFFICE:
        leader = False
    if head_key in DEPUTY_HEADS and quals_low & {"deputy", "vice"} and not former:
        leader = True  # a deputy head of government sits in the cabinet ("Deputy Prime Minister")
    while affil and affil[0].lower() == "of":
        affil = affil[1:]
    country, body = "", ""
    if affil:
        country, body = _split_affiliation(affil, g)
    # The chain after the head: a trailing country ("of the Kingdom of Spain") becomes the role's country.
    chain_text = " ".join(chain)
    if chain:
        for i, w in enumerate(chain):
            if w.lower() != "of":
                continue
            tail = " ".join(chain[i + 1:])
            found = g.classify(tail, places=True)
            if found and found[1] in ("name", "demonym"):
                country = country or found[0]
                chain_text = " ".join(chain[:i])
                break
            if found:
                country = country or found[0]
                break
        chain_text = _strip_state_words(chain_text)
    title_words = [w for w in quals if w.lower() not in TEMPORAL]
    title = _title_case(" ".join(title_words + head))
    if chain_text:
        ministry = MINISTRY_NAMES.get(fold(re.sub(r"^(?:of|for)\s+(?:the\s+)?", "", chain_text)))
        if head_key == "minister" and ministry and chain_text.split()[0].lower() == "of":
            title = _title_case(" ".join(title_words + [ministry, "Minister"]))
        else:
            title = f"{title} {_chain_case(chain_text)}"
    if head_key == "secretary":
        portfolio = {q.lower() for q in quals} | {w.lower() for w in chain[:3]}
        leader = bool(portfolio & CABINET_SECRETARIES) and not (quals_low & NOT_IN_OFFICE)
    body_key = fold(body) if body else ""
    chain_body = fold(re.sub(r"^(?:of|for|to)\s+", "", chain_text)) if chain_text else ""
    international = body_key in INTERNATIONAL_BODIES or chain_body in INTERNATIONAL_BODIES
    if international and head_key in ("president", "chairman", "chairwoman", "chair", "head",
                                      "secretary-general", "secretary general", "managing director",
                                      "director-general", "director general", "director", "secretary"):
        leader = not (quals_low & NOT_IN_OFFICE)
    elif (body and head_key not in GOVERNMENT_HEADS) or (
            chain_body and not country and not international and head_key not in GOVERNMENT_HEADS):
        leader = False  # "Chrysler President", "Chairman of the Federal Reserve"
    if head_key == "leader":
        leader = bool(country) and not body and not (quals_low & NOT_IN_OFFICE)  # "Soviet leader", not "Labour leader"
    if head_key in ("president", "chancellor", "king", "queen", "prime minister") and chain_body and \
            not international and not country:
        leader = False  # "President of the Bank", "Chancellor of the University"
    if body and " " not in body and _name_like(body) and body_key not in INTERNATIONAL_BODIES:
        return None  # "Olaf Chancellor": a given name, not a body
    if body:
        # "Security Council Secretary" in a national text names that country's council, not the UN's.
        name = body if body_key in AMBIGUOUS_BODIES else ORG_ALIASES.get(body_key, body)
        article = "the " if " " in name and not name.isupper() else ""
        title = f"{title} of {article}{name}"
    if former:
        leader = False
        title = f"{FORMER} {title}"  # "Former President": the facet says the office is no longer held
    return title, country, leader


def _split_affiliation(affil: list[str], g) -> tuple[str, str]:
    """("Russian") -> ("RU", ""); ("European", "Council") -> ("", "European Council");
    ("Bank", "of", "Japan") -> ("JP", "Bank of Japan"); ("West", "German") -> ("DE", "")."""
    for k in range(len(affil)):
        cand = " ".join(affil[k:])
        found = g.classify(cand, places=False, capitals=True)
        if found:
            if k == 0 or all(w.lower() in TEMPORAL for w in affil[:k]):
                return found[0], ""  # "Russian", "New White House"
            if affil[k - 1].lower() == "of":
                return found[0], " ".join(affil)
            return found[0], " ".join(affil[:k])
    # "Russian Security Council": a country before a body's name is the body's country.
    for k in range(len(affil) - 1, 0, -1):
        found = g.classify(" ".join(affil[:k]), places=False, capitals=False)
        if found and found[1] in ("name", "demonym") and affil[k].lower() != "of":
            return found[0], " ".join(affil[k:])
    return "", " ".join(affil)


_STATE_WORDS = re.compile(r"\s+of\s+the\s+(?:Republic|Kingdom|Federation|Grand Duchy|State|Commonwealth)$")


def _strip_state_words(chain_text: str) -> str:
    """Drop a trailing "of the Republic" left when the country name was taken out of the chain."""
    return _STATE_WORDS.sub("", chain_text)


def _title_case(s: str) -> str:
    """"foreign minister" -> "Foreign Minister" (connectors stay lower case, acronyms stay)."""
    return " ".join(
        w.lower() if w.lower() in CONNECTORS else
        w if w.isupper() and len(w) > 1 else "-".join(p[:1].upper() + p[1:].lower() for p in w.split("-"))
        for w in s.split())


def _chain_case(s: str) -> str:
    """Lower-case the connectors of a chain ("Of The" -> "of the")."""
    return " ".join(w.lower() if w.lower() in CONNECTORS else w for w in s.split())


# --- Roles in time: one role per person and article, from the article or the corpus at its date ---

# A statement of a role within this many days of an article speaks for the article's date.
NEAR_DAYS = 45
# Who holds a unique office at a date: statements in [date - HOLDER_BEFORE, date + HOLDER_AFTER].
HOLDER_BEFORE, HOLDER_AFTER = 30, 14
# A holder must be stated this often in that window, and this many times more than anyone else.
HOLDER_MIN, HOLDER_LEAD = 3, 2.0
# How far ahead a newcomer to an office is looked for.
HANDOVER_DAYS = 91
# "Peter the Great", "Ivan the Terrible": a regnal epithet names a ruler of the past.
HISTORICAL = re.compile(r"\s+the\s+[A-Z][a-z]+$")
# A role under this share of a person's statements around the date is taken for a misreading.
ROLE_MINORITY = 0.2
MINORITY_DAYS = 90


@dataclass(frozen=True)
class Statement:
    """A role a dated article states for a person: its office (without "Former"), whether it is held."""

    day: int | None
    base: str
    country: str
    leader: bool
    former: bool
    count: int


def source_country(source: str) -> str:
    """The country an official source speaks for (en.kremlin.ru -> RU, www.president.gov.ua -> UA), or ""."""
    host = (source or "").strip().lower()
    host = re.sub(r"^[a-z]+://", "", host).split("/")[0]
    host = host[4:] if host.startswith("www.") else host
    for known, code in SOURCE_COUNTRIES.items():
        if host == known or host.endswith("." + known):
            return code
    m = re.search(r"(?:^|\.)gov\.([a-z]{2})$", host)  # a government's own site: gov.pl, mfa.gov.ua
    if m:
        code = m.group(1).upper()
        return "GB" if code == "UK" else code
    return ""


def split_former(role: str) -> tuple[str, bool]:
    """("Former President") -> ("President", True); ("President") -> ("President", False)."""
    if role.startswith(FORMER + " "):
        return role[len(FORMER) + 1:], True
    return role, False


def _day(value) -> int | None:
    """A date or datetime as a day number (None stays None)."""
    if isinstance(value, datetime):
        return value.date().toordinal()
    if isinstance(value, date):
        return value.toordinal()
    return None


def _office_keys(base: str, country: str) -> list[tuple[str, str]]:
    """The unique offices a role names: ("President", "RU") -> [("president", "RU"), ("head of state", "RU")].

    One person holds each at a time: the President of Russia, the Chancellor of Germany, the
    President of the European Commission; a country has one head of state, monarch or president."""
    low = re.sub(r"^federal\s+", "", base.lower())  # "Federal Chancellor" is the Chancellor
    head = next((h for h in UNIQUE_OFFICES if low == h or low.startswith(h + " of ")), None)
    if head is None:
        return []
    keys = []
    if country or low != head:
        keys.append((low, country))
    if country and low in HEADS_OF_STATE:
        keys.append(("head of state", country))
    return keys


def _display(base: str, former: bool) -> str:
    """The role as the facet shows it."""
    return f"{FORMER} {base}" if former else base


_INTERNATIONAL_NAMES = {fold(ORG_ALIASES[k]) for k in INTERNATIONAL_BODIES if k in ORG_ALIASES}


class _Timeline:
    """One person's dated role statements, sorted by day, with the undated ones apart."""

    def __init__(self, statements: list[Statement]):
        self.dated = sorted((s for s in statements if s.day is not None), key=attrgetter("day"))
        self.days: list[int] = [s.day for s in self.dated if s.day is not None]  # every one of them
        self.all = statements
        self._departures: dict[str, tuple[int, bool] | None] = {}
        self._at: dict = {}
        self._around: dict = {}
        self._countries: dict[str, tuple[list[tuple[int, str]], str]] = {}

    def within(self, day: int, before: int, after: int) -> list[Statement]:
        """The dated statements from ``before`` days before ``day`` to ``after`` days after it."""
        lo, hi = bisect_left(self.days, day - before), bisect_right(self.days, day + after)
        return self.dated[lo:hi]

    def at(self, day: int | None) -> Statement | None:
        """The role held at ``day``: the vote of statements near it, else the nearest statement."""
        if day not in self._at:
            self._at[day] = self._at_uncached(day)  # many articles share a day
        return self._at[day]

    def around(self, day: int | None) -> tuple[Counter, Statement | None]:
        """Mentions per (role, held?, country) within MINORITY_DAYS of ``day``, and their vote."""
        if day not in self._around:
            near = self.within(day, MINORITY_DAYS, MINORITY_DAYS) if day is not None else self.all
            counts: Counter = Counter()
            for st in near:
                counts[(st.base, st.former, st.country)] += st.count
            self._around[day] = (counts, _vote(near))
        return self._around[day]

    def _at_uncached(self, day: int | None) -> Statement | None:
        if day is None or not self.dated:
            return _vote(self.all)
        near = self.within(day, NEAR_DAYS, NEAR_DAYS)
        if near:
            return _vote(near)
        i = bisect_left(self.days, day)
        before = self.days[i - 1] if i > 0 else None
        after = self.days[i] if i < len(self.days) else None
        if before is not None and (after is None or day - before <= after - day):
            return _vote(self.within(before, 0, 0))
        assert after is not None  # self.dated is not empty: a statement before or after
        return _vote(self.within(after, 0, 0))

    def left_office(self, base: str, day: int | None) -> bool:
        """True when the corpus calls the person a former holder of ``base`` on or before ``day``
        and does not, after that, state the office as held far more often (a return to office)."""
        if base not in self._departures:
            dated = list(zip(self.days, self.dated))
            formers = [day for day, s in dated if s.former and s.base == base]
            departure = None
            if formers:
                first = formers[0]
                later_held = sum(s.count for d, s in dated if not s.former and s.base == base and d > first)
                later_former = sum(s.count for d, s in dated if s.former and s.base == base and d >= first)
                departure = (first, later_held >= HOLDER_MIN and later_held >= 3 * later_former)
            self._departures[base] = departure  # once per role: a person may be named in 20,000 articles
        departure = self._departures[base]
        if departure is None or (day is not None and departure[0] > day):
            return False
        return not departure[1]

    def country_of(self, base: str, day: int | None) -> str:
        """The country the corpus gives this person's ``base`` role, the statement nearest ``day`` first."""
        if base not in self._countries:
            with_country = [s for s in self.all if s.base == base and s.country]
            dated = sorted((s.day, s.country) for s in with_country if s.day is not None)
            usual = Counter(s.country for s in with_country).most_common(1)
            self._countries[base] = (dated, usual[0][0] if usual else "")
        dated, usual = self._countries[base]
        if day is None or not dated:
            return usual
        i = bisect_left(dated, (day, ""))
        near = [dated[k] for k in (i - 1, i) if 0 <= k < len(dated)]
        return min(near, key=lambda d: abs(d[0] - day))[1]


def _vote(statements: Sequence[Statement]) -> Statement | None:
    """The most stated role among ``statements`` (weighted by mentions), with its most stated country."""
    if not statements:
        return None
    votes: Counter = Counter()
    for s in statements:
        votes[(s.base, s.former, s.leader)] += s.count
    (base, former, leader), _ = votes.most_common(1)[0]
    countries: Counter[str] = Counter()
    for s in statements:
        if s.base == base and s.country:
            countries[s.country] += s.count
    country = countries.most_common(1)[0][0] if countries else ""
    return Statement(None, base, country, leader, former, 1)


def _holders(timelines: dict[str, _Timeline]) -> dict[tuple[str, str], list[tuple[int, str, int]]]:
    """Per unique office: (day, person, mentions) of every dated statement that it is held."""
    offices: dict[tuple[str, str], list] = defaultdict(list)
    for name, tl in timelines.items():
        for s in tl.dated:
            if not s.former:
                for key in _office_keys(s.base, s.country):
                    offices[key].append((s.day, name, s.count))
    for entries in offices.values():
        entries.sort()
    return offices


def _holder_at(entries: list[tuple[int, str, int]], day: int) -> str | None:
    """The person clearly stated as holding an office around ``day``, or None when no one clearly is."""
    key = (id(entries), day)
    if key not in _HOLDERS:
        _HOLDERS[key] = _holder_uncached(entries, day)
    return _HOLDERS[key]


# Holders by (office entries, day) during one resolve_roles call: every article of a day asks the same.
_HOLDERS: dict[tuple[int, int], str | None] = {}


def _holder_uncached(entries: list[tuple[int, str, int]], day: int) -> str | None:
    lo = bisect_left(entries, (day - HOLDER_BEFORE, "", 0))
    hi = bisect_right(entries, (day + HOLDER_AFTER, "\uffff", 1 << 30))
    votes: Counter = Counter()
    for _, name, n in entries[lo:hi]:
        votes[name] += n
    top = votes.most_common(2)
    if not top or top[0][1] < HOLDER_MIN:
        return None
    if len(top) > 1 and top[0][1] < HOLDER_LEAD * top[1][1]:
        return None
    return top[0][0]


def resolve_roles(batch: list[Entities], dates: Sequence | None = None, sources: Sequence[str] | None = None) -> None:
    """Give every actor the role they held at their article's date, in place.

    A role the article states wins; an actor named without a title takes the role that other dated
    articles state nearest to this one's date. A role is no longer held (shown "Former ...", not a
    leader) when the corpus calls the person a former holder by then, or when someone else is clearly
    stated as the holder of that unique office around that date (Biden is the President of the
    United States in 2022, so Trump is not). A role without a country takes the one the corpus
    gives it for that person, else the country of an official source (en.kremlin.ru -> RU).
    """
    n = len(batch)
    days = [_day(d) for d in dates] if dates is not None else [None] * n
    homes = [source_country(s) for s in sources] if sources is not None else [""] * n
    raw: dict[str, list[tuple]] = defaultdict(list)
    for ents, day, home in zip(batch, days, homes):
        for a in ents.actors:
            if a.role:
                base, former = split_former(a.role)
                raw[a.name].append((day, base, a.country, a.leader and not former, former, a.count, home))
    stated: dict[str, list[Statement]] = {}
    for name, rows in raw.items():
        # A title without a country takes the one the texts give this person's title elsewhere, else
        # that of the official sources that state it ("Prime Minister Mikhail Mishustin" on kremlin.ru).
        fill: dict[str, str] = {}
        for base in {r[1] for r in rows}:
            if _domestic(base):
                text = Counter(r[2] for r in rows if r[1] == base and r[2])
                homes_of = Counter(r[6] for r in rows if r[1] == base and not r[2] and r[6] and _from_source(base))
                best = text or homes_of
                fill[base] = best.most_common(1)[0][0] if best else ""
        stated[name] = [Statement(day, base, country or fill.get(base, ""), leader, former, count)
                        for day, base, country, leader, former, count, _ in rows]
    timelines = {name: _Timeline(st) for name, st in stated.items()}
    offices = _holders(timelines)
    _HOLDERS.clear()
    for ents, day, home in zip(batch, days, homes):
        for a in ents.actors:
            tl = timelines.get(a.name)
            if tl is None:
                if a.role and not a.country and home and _domestic(a.role) and _from_source(a.role):
                    a.country = home
                continue
            chosen = _chosen(a, tl, day)
            if chosen is None:
                continue
            base, former, leader, country = chosen.base, chosen.former, chosen.leader, chosen.country
            if not country and _domestic(base):
                country = tl.country_of(base, day) or (home if _from_source(base) else "")
            if not former and (tl.left_office(base, day) or _succeeded(a.name, base, country, day, offices)
                               or HISTORICAL.search(a.name)):
                former = True
            a.role, a.country, a.leader = _display(base, former), country, leader and not former
    _HOLDERS.clear()  # the keys hold ids of this call's lists


def _chosen(a, tl: _Timeline, day: int | None) -> Statement | None:
    """The article's own role, unless it is a rare misreading beside the roles stated around its date
    ("Chairman" once for a prime minister, "Turkish President" read for the Russian one)."""
    if not a.role:
        return tl.at(day)
    base, former = split_former(a.role)
    own = Statement(day, base, a.country, a.leader and not former, former, a.count)
    if former:
        return own
    counts, vote = tl.around(day)
    total = sum(counts.values())
    mine = sum(n for (b, f, c), n in counts.items() if b == base and not f
               and (not own.country or not c or c == own.country))
    if total and mine < ROLE_MINORITY * total:
        return vote
    return own


def _domestic(role: str) -> bool:
    """True for a title of a national office ("Prime Minister", "Head of the Office of the President"),
    not of an international body ("Secretary General of NATO")."""
    base, _ = split_former(role)
    for m in re.finditer(r"\b(?:of|to|for)\s+(?:the\s+)?", base):
        if fold(base[m.end():]) in INTERNATIONAL_BODIES or fold(base[m.end():]) in _INTERNATIONAL_NAMES:
            return False
    return True


def _from_source(role: str) -> bool:
    """False for a post abroad ("Ambassador"): a government's site names foreign envoys as often as its own."""
    low = split_former(role)[0].lower()
    return not any(re.search(rf"\b{re.escape(post)}\b", low) for post in FOREIGN_POSTS)


def _succeeded(name: str, base: str, country: str, day: int | None, offices) -> bool:
    """True when someone else clearly holds, around ``day``, a unique office this role names."""
    if day is None:
        return False
    for key in _office_keys(base, country):
        entries = offices.get(key, [])
        holder = _holder_at(entries, day)
        if holder is None or holder == name:
            continue
        # At a handover the outgoing holder still fills the window: a newcomer who clearly holds the
        # office in the weeks that follow is not succeeded ("Chancellor Olaf Scholz" on 8 December 2021).
        if any(_holder_at(entries, day + k) == name for k in range(7, HANDOVER_DAYS + 1, 7)):
            continue
        return True
    return False
