"""Organisations: which ORG spans name an organisation, and one name per organisation across a corpus.

spaCy labels credits ("Photograph: Anton Vaganov/Reuters"), places ("in Nagorno-Karabakh", "the Azovstal
plant"), events and documents ("UN Charter", "NATO Summit") and adjectives ("Euro-Atlantic security") as
ORG. The rules here read the span's head noun, its neighbours and, across the corpus, how the name is
used; the words they rely on are in ``indexer/data/orgs.json``. The same organisation written as an
acronym, a long name or a national variant ("EAEU", "Eurasian Economic Union"; "Russian Government",
"Government of the Russian Federation") gets one facet name in :func:`merge_orgs`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from indexer.model import Entities, Org
from indexer.normalise import reference
from indexer.normalise.org_words import GENERIC_ORG_WORDS, ORG_ALIASES, ORG_WORDS
from indexer.normalise.person_words import HONORIFICS
from indexer.normalise.places import fold, gazetteer
from indexer.normalise.roles import HEAD_WORDS

_TABLES = reference.tables("orgs.json")
MEDIA = {fold(w) for w in _TABLES["media"]}
# News agencies exist to be credited: a mention of one is a credit wherever it stands.
AGENCIES = {fold(w) for w in _TABLES["agencies"]}
PLACE_HEADS = set(_TABLES["place_heads"])
EVENT_HEADS = set(_TABLES["event_heads"])
DOCUMENT_HEADS = set(_TABLES["document_heads"])
COMBINING_FORMS = set(_TABLES["combining_forms"])
REGION_MODIFIERS = set(_TABLES["region_modifiers"])
SPELLINGS = _TABLES["spelling_variants"]
PLACE_COMPOUNDS = set(_TABLES["place_compounds"])
FACILITY_AFTER = re.compile(
    r"[ \t]+(?:" + "|".join(sorted((re.escape(w) for w in _TABLES["facility_after"]), key=len, reverse=True)) + r")\b"
)
# A credit line: "Photograph: Anton Vaganov/Reuters", "Photo: AP".
CREDIT_LINE = re.compile(r"\b(?:" + "|".join(_TABLES["credit_lead"]) + r")\s*:[^\n:]{0,80}$", re.IGNORECASE)
ATTRIBUTION_BEFORE = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in sorted(_TABLES["attribution_before"], key=len, reverse=True)) + r")"
    r"\s+(?:the\s+|a\s+|an\s+)?(?:[\w’'-]+\s+){0,2}?(?:(?:[A-Z][\w’'-]*\s+)+(?:and|or)\s+(?:the\s+)?)?$",
    re.IGNORECASE,
)
ATTRIBUTION_AFTER = re.compile(
    r"^(?:['’]s)?\s*(?:\)|,)?\s*(?:"
    + "|".join(re.escape(w) for w in sorted(_TABLES["attribution_after"], key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
# A place name after a preposition of place ("in Borodyanka", "from Nagorno-Karabakh").
LOCATIVE_BEFORE = re.compile(
    r"(?:^|[^\w])(?:in|near|outside|around|into|across|towards|toward|from|at)\s+$", re.IGNORECASE
)
# Words that say for certain the next name is a place ("the villages of Krasnopillya and ...").
PLACE_OF = re.compile(
    r"\b(?:cities|city|towns?|villages?|settlements?|regions?|districts?|oblasts?|"
    r"provinces?|outskirts|suburbs?|streets?)\s+of\s+(?:[A-Z][\w'’-]+,?\s+(?:and\s+)?)*$"
)
LIST_PLACE_BEFORE = re.compile(r"([A-Z][\w'’-]+)\s*,\s*$")
LIST_PLACE_AFTER = re.compile(r"\s*(?:,|\band\b|-|–)\s*([A-Z][\w'’-]+)")
LOCATIVE_SHARE = 0.4  # a name used after a preposition of place this often, corpus-wide, is a place
# Acronyms the alias table shows in place of their long names ("NATO", "OSCE", "CSTO").
_ACRONYM_DISPLAYS = {v for k, v in ORG_ALIASES.items() if " " in k and v.isupper()}
FUNCTION_WORDS = {"of", "for", "and", "the", "on", "in", "to", "de", "du", "la", "&"}
_COUNTRIES = reference.tables("countries.json")
# Former states and their last day: after it, named as the subject they may be a country of the story;
# as an adjective never ("Soviet times").
FORMER_STATES = {code: date.fromisoformat(day) for code, day in _COUNTRIES["former_states"].items()}
# "Soviet-era", "Soviet-style": a country word that dates or styles a thing.
ERA_AFTER = re.compile(r"-(?:" + "|".join(re.escape(w) for w in _COUNTRIES["era_suffixes"]) + r")\b", re.IGNORECASE)
DEFINED_ACRONYM = re.compile(
    r"([A-Z][\w’'-]*(?:\s+(?:(?:of|for|and|the|on|in|de|&)\s+)*[A-Z][\w’'-]*){1,9})"
    r"\s*\(\s*(?:the\s+)?([A-Z]{2,8})\s*\)"
)


def head_word(name: str) -> str:
    """The noun a name is built on: the word before "of" ("Package of Measures"), else the last word
    ("Presidential Executive Order No": a numbered document's noun before its "No")."""
    words = re.sub(r"['’]s\b", "", name).split()
    while len(words) > 1 and words[-1].rstrip(".").lower() in ("no", "nos", "number"):
        words = words[:-1]
    if "of" in words[1:]:
        words = words[: words.index("of", 1)]
    return words[-1].lower() if words else ""


def is_credit(text: str, s: int, e: int, name: str) -> bool:
    """True for a photo or agency credit, an outlet quoted as a source, or an outlet's self-reference."""
    line_start = text.rfind("\n", 0, s) + 1
    if CREDIT_LINE.search(text[max(line_start, s - 100) : s]) and not re.search(
        r"[.!?]\s", text[s - 60 if s > 60 else 0 : s][-40:]
    ):
        return True
    key = fold(re.sub(r"^the\s+", "", name, flags=re.IGNORECASE))
    if key in AGENCIES:
        return True
    if key not in MEDIA:
        return False
    if " " not in name and not name.isupper() and re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", text):
        return True  # "Time is not on our side": a word the text also writes in lower case, not the outlet
    if text[max(0, s - 1) : s] == "(" or text[max(0, s - 1) : s] == "/":
        return True  # "(Reuters)", "Anton Vaganov/Reuters"
    before = text[max(0, s - 60) : s]
    if re.match(r"['’]s\s+(?:[A-Z][\w’'-]+\s+){1,3}", text[e : e + 60]):
        return True  # "CNN's Anderson Cooper", "BBC's Radio 4 Today programme": the outlet as a byline
    return bool(ATTRIBUTION_BEFORE.search(before) or ATTRIBUTION_AFTER.match(text[e : e + 40]))


def not_an_org(text: str, s: int, e: int, name: str, regions: frozenset[str] | set[str] = frozenset()) -> bool:
    """True for a place, event, document or adjective that spaCy took for an organisation
    (``regions``: folded region names such as "atlantic", for adjectives like "Euro-Atlantic")."""
    head = head_word(name)
    if head in PLACE_HEADS or head in EVENT_HEADS or head in DOCUMENT_HEADS:
        return True  # "Far Eastern Federal District", "Eastern Partnership Summit", "Minsk Agreements"
    if " " not in name and re.fullmatch(r"[A-Z][a-z]{2,}gate", name):
        return True  # "Partygate", "Watergate": a scandal, an event
    if " " not in name and re.fullmatch(r"[A-Z][a-z]{3,}ed", name):
        return True  # "Allied forces": a participle, not a name
    if " ".join(fold(name).split()[-2:]) in PLACE_COMPOUNDS:
        return True  # "Vostochny Space Centre": a facility
    after = re.match(r"[ \t]+([A-Z][a-z]+)\b", text[e : e + 30])
    if after and after.group(1).lower() in DOCUMENT_HEADS | EVENT_HEADS:
        return True  # "UN Charter": the span is part of a document's name
    if FACILITY_AFTER.match(text, e):
        return True  # "the Azovstal steel plant", "the Chornobyl station"
    words = [fold(w) for w in name.split()]
    if regions and all(w in regions or w in REGION_MODIFIERS for w in words):
        return True  # "Far Eastern": a region's adjective
    if "-" in name and " " not in name:
        g = gazetteer()
        parts = name.split("-")
        if all(
            p.lower() in COMBINING_FORMS or g.classify(p, places=False) or fold(p) in regions or fold(p) in ORG_ALIASES
            for p in parts
        ):
            return True  # "Euro-Atlantic", "Indo-Pacific", "Armenia-Azerbaijan": adjectives
    return False


def is_locative(text: str, s: int) -> bool:
    """True when a preposition of place stands right before the span ("in Nagorno-Karabakh")."""
    return bool(LOCATIVE_BEFORE.search(text[max(0, s - 20) : s]))


def is_listed_place(text: str, s: int, e: int, place_names) -> bool:
    """True for a name in a list of places or after "the villages of" ("Sumy, Konotop, Krasnopillya"):
    ``place_names`` are the folded names the article tags as places."""
    if PLACE_OF.search(text[max(0, s - 80) : s]):
        return True
    g = gazetteer()
    for m in (LIST_PLACE_BEFORE.search(text[max(0, s - 30) : s]), LIST_PLACE_AFTER.match(text, e)):
        if m:
            word = m.group(1)
            if (fold(word) in place_names or g.place_code(word)) and not g.classify(word, places=False):
                return True  # a town, not a country: "Ukraine and NATO" lists no places
    return False


def acronym_matches(acronym: str, words: list[str]) -> bool:
    """True when ``acronym`` spells the content words' initials, a word giving more letters from inside
    it ("Eurasian Economic Union" -> EAEU, "Collective Security Treaty Organisation" -> CSTO)."""
    content = [w for w in words if w.lower() not in FUNCTION_WORDS]
    if not content or len(content) > len(acronym):
        return False

    def match(i: int, j: int) -> bool:
        """True when letters ``i:`` of the acronym spell content words ``j:``."""
        if j == len(content):
            return i == len(acronym)
        word = content[j].upper()
        if i >= len(acronym) or word[0] != acronym[i]:
            return False
        # The word may give further letters of the acronym from inside it, in order.
        k, pos = i + 1, 1
        if match(k, j + 1):
            return True
        while k < len(acronym):
            pos = word.find(acronym[k], pos)
            if pos < 0:
                return False
            k, pos = k + 1, pos + 1
            if match(k, j + 1):
                return True
        return False

    return match(0, 0)


def defined_acronyms(text: str) -> dict[str, str]:
    """Acronyms an article defines: "the Eurasian Economic Union (EAEU)" -> {"EAEU": "Eurasian Economic Union"}."""
    found: dict[str, str] = {}
    for m in DEFINED_ACRONYM.finditer(text):
        words, acronym = m.group(1).split(), m.group(2)
        for i in range(len(words)):
            if (
                words[i][:1].isupper()
                and words[i].lower() not in FUNCTION_WORDS
                and acronym_matches(acronym, words[i:])
            ):
                found.setdefault(acronym, " ".join(words[i:]))
                break
    return found


def publisher_key(source: str) -> str:
    """The name an outlet's own host gives it: "theguardian.com" -> "guardian", "www.bbc.co.uk" -> "bbc"."""
    host = re.sub(r"^[a-z]+://", "", (source or "").lower()).split("/")[0]
    parts = [p for p in host.split(".") if p not in ("www", "en", "com", "co", "uk", "org", "net", "ru", "ua", "gov")]
    if not parts:
        return ""
    key = parts[0]
    return key[3:] if key.startswith("the") and len(key) > 6 else key


def body_key(name: str) -> str:
    """One key for the spellings of a body's name: "Ministry of Transport" and "Transport Ministry",
    "World Trade Organisation" and "... Organization", "Labour party" and "Labour"."""
    words = [SPELLINGS.get(w, w) for w in fold(name).split()]
    if len(words) > 1 and words[-1] == "party":
        words = words[:-1]
    if len(words) >= 3 and words[0] == "ministry" and words[1] in ("of", "for"):
        words = words[2:] + ["ministry"]
    return " ".join(words)


def _body_country(name: str) -> tuple[str, str] | None:
    """("Government", "RU") for "Russian Government" and "Government of the Russian Federation"."""
    g = gazetteer()
    words = name.split()
    if "of" in words[1:-1]:
        i = words.index("of", 1)
        rest = " ".join(words[i + 1 :])
        found = g.classify(rest, places=False, capitals=False)
        if found and found[1] == "name":
            return body_key(" ".join(words[:i])), found[0]
    for k in (2, 1):
        if len(words) > k:
            found = g.classify(" ".join(words[:k]), places=False, capitals=False)
            if found and found[1] in ("name", "demonym"):
                return body_key(" ".join(words[k:])), found[0]
    return None


def _not_org_name(name: str) -> bool:
    """True for a long name whose head noun is a place, an event or a document."""
    head = head_word(name)
    return head in PLACE_HEADS or head in EVENT_HEADS or head in DOCUMENT_HEADS


class _OrgUsage(NamedTuple):
    """How a corpus uses its organisation names: articles per name, mentions, locative mentions, and
    the long names each acronym is defined with."""

    totals: Counter[str]
    mentions: Counter[str]
    locative: Counter[str]
    defined: dict[str, Counter]


def _org_usage(batch: list[Entities]) -> _OrgUsage:
    usage = _OrgUsage(Counter(), Counter(), Counter(), defaultdict(Counter))
    for ents in batch:
        for o in ents.orgs:
            usage.totals[o.name] += 1
        for name, (n, loc) in ents.org_usage.items():
            usage.mentions[name] += n
            usage.locative[name] += loc
        for acr, long in ents.acronyms.items():
            usage.defined[acr][long] += 1
    return usage


def _acronym_renames(defined: dict[str, Counter]) -> tuple[dict[str, str], set[str]]:
    """Acronyms and their long names under one name (the long name the corpus defines most often, or its
    canonical alias), and the acronyms of places, events and documents, which are no organisation ("LPR")."""
    rename: dict[str, str] = {}
    not_orgs: set[str] = set()
    for acr, longs in defined.items():
        long = longs.most_common(1)[0][0]
        if _not_org_name(long):
            not_orgs.add(acr)
            continue
        canon = ORG_ALIASES.get(fold(long)) or (
            ORG_ALIASES[fold(acr)] if ORG_ALIASES.get(fold(acr)) in _ACRONYM_DISPLAYS else long
        )
        for name in (acr, long):
            if name != canon:
                rename[name] = canon
    return rename, not_orgs


def _spelling_renames(totals: Counter[str], rename: dict[str, str]) -> None:
    """One body of one country, however it is written, under its most used spelling (in ``rename``).

    A body named without its country joins the one country's body of that name the corpus knows
    ("Investigative Committee" -> "Investigative Committee of Russia"); spellings of one name join."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    spelled: dict[str, list[str]] = defaultdict(list)
    for name in totals:
        key = _body_country(rename.get(name, name))
        if key and key[0]:
            groups[key].append(name)
    by_body: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in groups:
        by_body[key[0]].append(key)
    for name in totals:
        if name in rename or _body_country(name):
            continue
        key = body_key(name)
        if len(by_body.get(key, ())) == 1:
            groups[by_body[key][0]].append(name)
        else:
            spelled[key].append(name)
    for names in list(groups.values()) + list(spelled.values()):
        if len(names) > 1:
            # The display names the country when one spelling does ("Security Council of the Russian Federation").
            best = max(names, key=lambda n: (_body_country(n) is not None, totals[n], n))
            for n in names:
                if n != best:
                    rename[n] = rename.get(best, best)


def _rename_orgs(ents: Entities, rename: dict[str, str], drop: set[str]) -> None:
    """Apply the corpus's renames and drops to one article's organisations and its org mentions."""
    merged: dict[str, Org] = {}
    for o in ents.orgs:
        if o.name in drop:
            continue
        name = rename.get(o.name, o.name)
        if name in merged:
            merged[name].count += o.count
        else:
            merged[name] = Org(name, o.count)
    ents.orgs = sorted(merged.values(), key=lambda o: (-o.count, o.name))
    if drop or rename:
        kept = []
        for m in ents.mentions:
            if m.kind == "org":
                if m.value in drop:
                    continue
                m.value = rename.get(m.value, m.value)
            kept.append(m)
        ents.mentions = kept


def merge_orgs(batch: list[Entities], sources: Sequence[str] | None = None) -> None:
    """One facet name per organisation across ``batch``, in place; places and self-references dropped.

    - an acronym joins the long name an article defines for it ("Eurasian Economic Union (EAEU)");
    - "Russian Government" and "Government of the Russian Federation" (one body, one country) are one;
    - a name used after a preposition of place in most of its mentions is a place ("in Borodyanka");
    - an outlet named in its own articles (the Guardian on theguardian.com) is the publisher.
    """
    usage = _org_usage(batch)
    rename, not_orgs = _acronym_renames(usage.defined)
    _spelling_renames(usage.totals, rename)
    places = {name for name, n in usage.mentions.items() if n >= 2 and usage.locative[name] >= LOCATIVE_SHARE * n}
    homes = [publisher_key(s) for s in sources] if sources is not None else [""] * len(batch)
    for ents, home in zip(batch, homes):
        drop = {
            o.name
            for o in ents.orgs
            if o.name in places or o.name in not_orgs or (home and len(home) > 2 and fold(o.name).split()[0] == home)
        }
        _rename_orgs(ents, rename, drop)


# --- One article's organisation names ------------------------------------------------------------

# Junk in organisation position: titles, wire words, time zones, currencies, social media.
NOT_ORGS = reference.words("not-orgs.txt")


def canonical_org(name: str) -> str | None:
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


# --- Acronyms across a corpus --------------------------------------------------------------------

ACRONYM = re.compile(r"[A-Z]{2,8}")


def _initials(name: str) -> str:
    """Initials of the capitalised words: "Organization for Economic Cooperation and Development" -> OECD."""
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def merge_acronyms(batch: list[Entities]) -> None:
    """Rename acronym orgs to the long name they abbreviate, decided by co-occurrence across the batch."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for ents in batch:
        names = [o.name for o in ents.orgs]
        acronyms = [n for n in names if ACRONYM.fullmatch(n)]
        if not acronyms:
            continue
        longs: dict[str, str] = {}
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
        if any(o.name in rename for o in ents.orgs):
            _rename_orgs(ents, rename, set())
