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

Giving each actor of a corpus the role held at the article's date is ``role_timeline.resolve_roles``.
Reference tables are in ``indexer/data/roles.json`` and ``indexer/data/role-words.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from indexer.calendar_words import MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS
from indexer.normalise import reference
from indexer.normalise.org_words import GENERIC_ORG_WORDS, ORG_ALIASES, ORG_WORDS
from indexer.normalise.places import fold, gazetteer


class Role(NamedTuple):
    """A role read from a title: "Russian President" -> Role("President", "RU", True)."""

    title: str  # as the facet shows it ("Foreign Minister", "Former President")
    country: str  # ISO alpha-2 of the office, or ""
    leader: bool  # head of state or government, minister, head of an international body


# Offices, official sources and time words, loaded once from indexer/data/roles.json.
_TABLES = reference.tables("roles.json")
# Title heads, portfolio words, international bodies and ministry names, from indexer/data/role-words.json.
_WORDS = reference.tables("role-words.json")
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
TITLE_HEADS = [(phrase, leader) for phrase, leader in _WORDS["title_heads"]]
_HEAD_LEAD = dict(TITLE_HEADS)
_HEAD_FIRST: dict[str, list[list[str]]] = {}
for _phrase, _ in TITLE_HEADS:
    _HEAD_FIRST.setdefault(_phrase.split()[0], []).append(_phrase.split())
HEAD_WORDS = {w for p, _ in TITLE_HEADS for w in p.split()}

# Words that qualify a title rather than name a body ("Foreign Minister", "Treasury Secretary").
PORTFOLIOS = set(_WORDS["portfolios"])
# Qualifiers that mean the person does not hold the office itself.
NOT_IN_OFFICE = {"deputy", "vice", "junior", "assistant", "associate", "former", "ex", "then", "late"}
# Words dropped from a role's display: they say when, not what.
TEMPORAL = {"acting", "former", "then", "interim", "outgoing", "incoming", "new", "ex", "late", "the", "a", "an"}
# Portfolios a "Secretary" heads as a minister ("Treasury Secretary", "Secretary of Defense").
CABINET_SECRETARIES = {
    "treasury",
    "defense",
    "defence",
    "foreign",
    "home",
    "commerce",
    "agriculture",
    "energy",
    "labor",
    "interior",
    "health",
    "transportation",
    "education",
    "state",
    "justice",
    "environment",
    "trade",
}
# Heads that are offices of government whatever body follows ("Minister of Finance").
GOVERNMENT_HEADS = {
    "minister",
    "prime minister",
    "secretary of state",
    "foreign secretary",
    "home secretary",
    "first minister",
    "secretary",
}
# Words of time stamps and photo credits that sit next to titles in live blogs and captions.
NOT_BODY = reference.words("not-body-words.txt") | set(MONTH_ABBREVIATIONS)
CONNECTORS = {"of", "the", "for", "to", "and", "on", "in"}

# International bodies whose heads count as leaders (folded names).
INTERNATIONAL_BODIES = set(_WORDS["international_bodies"])
# "Minister of Finance" and "Finance Minister" are one role.
MINISTRY_NAMES: dict[str, str] = _WORDS["ministry_names"]

# Words a title-cased headline capitalises that are never part of a title or a body's name.
HEADLINE_WORDS = reference.words("headline-words.txt") | set(WEEKDAYS) | set(MONTHS)
_PREFIXED = re.compile(r"(?i)(ex|then|former)-([A-Za-z].*)")
_WRAP = re.compile(r"(?<=\S)\n(?=[^\s])")
_NAME_TOKEN = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž]+(?:-[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž]+)?")
# "Madrid.US": a sentence end glued to the next word.
_GLUED = re.compile(r"(?<=[a-z])\.(?=[A-Z])")
_TOKEN = re.compile(r"[A-Za-z][\w.'’\-]*")
# Where a clause starts: a title never runs across these.
_CLAUSE_BREAK = re.compile(r"[\n;:()\[\]\"“”,]|(?<![A-Z])\.(?=\s|$)|\s[-–—]\s")
_AFTER = re.compile(
    r"\s*,\s+((?:the|a|an)\s+)?([^,.;:()\n\"“”]{3,90}?)\s*(?=[,.;:)\n]|\s(?:said|says|told|who|has|had|was|is|will|would)\b)"
)


def role_before(text: str, start: int, floor: int = 0) -> Role | None:
    """The role written just before a name starting at ``start`` (not looking back past ``floor``)."""
    window = text[max(floor, start - 160) : start].rstrip(" \t")
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
        if tokens[i].lower() == "and" and any(t.lower() in HEAD_WORDS - PORTFOLIOS for t in tokens[i + 1 :]):
            tokens = tokens[i + 1 :]
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
            if low[i : i + len(words)] == words:
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
        low in ORG_WORDS
        or low in GENERIC_ORG_WORDS
        or low in HEAD_WORDS
        or low in PORTFOLIOS
        or low in CONNECTORS
        or low in HEADLINE_WORDS
        or gazetteer().classify(token)
    )


def _ends_with_a_name(chain: list[str]) -> bool:
    """True when a chain runs on into a person's name ("... of Ukraine Oleksiy Reznikov")."""
    return (
        len(chain) >= 3
        and _name_like(chain[-1])
        and _name_like(chain[-2])
        and _is_cap(chain[-3])
        and not gazetteer().classify(" ".join(chain[-2:]))
    )


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
    if (
        len(tokens) >= 3
        and _name_like(tokens[-1])
        and _is_cap(tokens[-2])
        and not _name_like(tokens[-2])
        and low[-2] not in CONNECTORS
        and low[-2] not in HEAD_WORDS - PORTFOLIOS
    ):
        tokens, low = tokens[:-1], low[:-1]
    heads = _heads(low)
    for pos, n in heads:
        chain = tokens[pos + n :]
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
        return _build(tokens[j:pos], tokens[pos : pos + n], chain)
    return None


@dataclass(frozen=True)
class _Title:
    """The parts of a title around its head: "former [Russian] [Foreign] Minister [of ...]"."""

    head_key: str  # the head, lower case ("prime minister")
    quals: list[str]  # portfolio and time words right before the head ("Foreign", "acting")
    quals_low: frozenset[str]
    former: bool  # "former", "ex-", "then-" anywhere before the head
    country: str  # alpha-2 of the affiliation or of a country closing the chain, or ""
    body: str  # the body the affiliation names ("European Council"), or ""
    chain: list[str]  # the tokens after the head ("of", "the", "United", "Nations")
    chain_text: str  # the chain without a closing country name or state words

    @property
    def not_in_office(self) -> bool:
        """A deputy, junior, former ... holder: not the office itself."""
        return bool(self.quals_low & NOT_IN_OFFICE)


# Heads that lead an international body ("President of the European Commission", "NATO Secretary General").
_INTERNATIONAL_HEADS = {
    "president",
    "chairman",
    "chairwoman",
    "chair",
    "head",
    "secretary-general",
    "secretary general",
    "managing director",
    "director-general",
    "director general",
    "director",
    "secretary",
}
# Heads that lead a country only when no other body follows them ("President of the Bank" leads none).
_NATIONAL_HEADS = {"president", "chancellor", "king", "queen", "prime minister"}


def _build(before: list[str], head: list[str], chain: list[str]) -> Role | None:
    """Turn the parsed parts of a title into (role, country, leader)."""
    quals, affil = _qualifiers(before)
    if any(w.lower().rstrip(".") in NOT_BODY for w in affil + chain):
        return None  # "Prime Minister of the GMT Mar": a live blog's time stamp, a photo credit
    quals_low = frozenset(q.lower().rstrip(".") for q in quals)
    while affil and affil[0].lower() == "of":
        affil = affil[1:]
    country, body = _split_affiliation(affil, gazetteer()) if affil else ("", "")
    chain_country, chain_text = _chain_country(chain)
    title = _Title(
        head_key=" ".join(w.lower() for w in head),
        quals=quals,
        quals_low=quals_low,
        # "the former US president": the time word may stand before the affiliation too.
        former=bool((quals_low | {w.lower() for w in before}) & FORMER_WORDS),
        country=country or chain_country,
        body=body,
        chain=chain,
        chain_text=chain_text,
    )
    body_key = fold(body) if body else ""
    if body and " " not in body and _name_like(body) and body_key not in INTERNATIONAL_BODIES:
        return None  # "Olaf Chancellor": a given name, not a body
    return Role(_display_title(title, head), title.country, _is_leader(title))


def _qualifiers(before: list[str]) -> tuple[list[str], list[str]]:
    """Split the words before a head into (qualifiers, affiliation): the qualifiers are the portfolio
    words right before the head, the affiliation the capitalised words before them."""
    k = len(before)
    while k > 0 and before[k - 1].lower().rstrip(".") in PORTFOLIOS and before[k - 1] != "New":
        k -= 1
    affil = [w for w in before[:k] if (w.lower() not in TEMPORAL or w == "New") and (_is_cap(w) or w == "of")]
    return before[k:], affil


def _chain_country(chain: list[str]) -> tuple[str, str]:
    """(the country a chain ends with, or "", the chain's text without it): "of the Kingdom of Spain"
    -> ("ES", "of the Kingdom" less its state words); a city or capital gives its country but stays."""
    chain_text = " ".join(chain)
    for i, w in enumerate(chain):
        if w.lower() != "of":
            continue
        found = gazetteer().classify(" ".join(chain[i + 1 :]), places=True)
        if found:
            if found[1] in ("name", "demonym"):
                chain_text = " ".join(chain[:i])
            return found[0], _strip_state_words(chain_text)
    return "", _strip_state_words(chain_text)


def _display_title(title: _Title, head: list[str]) -> str:
    """The role as shown: qualifiers and head title-cased, the chain or body after it, "Former" before."""
    title_words = [w for w in title.quals if w.lower() not in TEMPORAL]
    shown = _title_case(" ".join(title_words + head))
    if title.chain_text:
        ministry = MINISTRY_NAMES.get(fold(re.sub(r"^(?:of|for)\s+(?:the\s+)?", "", title.chain_text)))
        if title.head_key == "minister" and ministry and title.chain_text.split()[0].lower() == "of":
            shown = _title_case(" ".join(title_words + [ministry, "Minister"]))
        else:
            shown = f"{shown} {_chain_case(title.chain_text)}"
    if title.body:
        # "Security Council Secretary" in a national text names that country's council, not the UN's.
        body_key = fold(title.body)
        name = title.body if body_key in AMBIGUOUS_BODIES else ORG_ALIASES.get(body_key, title.body)
        article = "the " if " " in name and not name.isupper() else ""
        shown = f"{shown} of {article}{name}"
    if title.former:
        shown = f"{FORMER} {shown}"  # "Former President": the facet says the office is no longer held
    return shown


def _is_leader(title: _Title) -> bool:
    """Whether the title makes its holder a leader: a head of state or government, a cabinet member, the
    head of an international body; never a former holder."""
    head_key, off = title.head_key, title.not_in_office
    leader = _HEAD_LEAD[head_key] and not off
    if head_key in DEPUTY_HEADS and title.quals_low & {"deputy", "vice"} and not title.former:
        leader = True  # a deputy head of government sits in the cabinet ("Deputy Prime Minister")
    if head_key == "secretary":
        portfolio = {q.lower() for q in title.quals} | {w.lower() for w in title.chain[:3]}
        leader = bool(portfolio & CABINET_SECRETARIES) and not off
    body_key = fold(title.body) if title.body else ""
    chain_body = fold(re.sub(r"^(?:of|for|to)\s+", "", title.chain_text)) if title.chain_text else ""
    international = body_key in INTERNATIONAL_BODIES or chain_body in INTERNATIONAL_BODIES
    if international and head_key in _INTERNATIONAL_HEADS:
        leader = not off
    elif (title.body and head_key not in GOVERNMENT_HEADS) or (
        chain_body and not title.country and not international and head_key not in GOVERNMENT_HEADS
    ):
        leader = False  # "Chrysler President", "Chairman of the Federal Reserve"
    if head_key == "leader":
        leader = bool(title.country) and not title.body and not off  # "Soviet leader", not "Labour leader"
    if head_key in _NATIONAL_HEADS and chain_body and not international and not title.country:
        leader = False  # "President of the Bank", "Chancellor of the University"
    return leader and not title.former


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
    """ "foreign minister" -> "Foreign Minister" (connectors stay lower case, acronyms stay)."""
    return " ".join(
        w.lower()
        if w.lower() in CONNECTORS
        else w
        if w.isupper() and len(w) > 1
        else "-".join(p[:1].upper() + p[1:].lower() for p in w.split("-"))
        for w in s.split()
    )


def _chain_case(s: str) -> str:
    """Lower-case the connectors of a chain ("Of The" -> "of the")."""
    return " ".join(w.lower() if w.lower() in CONNECTORS else w for w in s.split())
