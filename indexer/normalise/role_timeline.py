"""Roles in time: one role per person and article, from the article or from the corpus at its date.

``resolve_roles`` gives each actor of a corpus the role held at the article's date: the article's own
title, else the nearest dated statement of the corpus, made a former role when the corpus shows the person
left the office or someone else holding it; titles without a country take the corpus's or the official
source's country (``source_country``). The titles themselves are read by ``roles.py``; the offices and
official sources are in ``indexer/data/roles.json``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from operator import attrgetter

from indexer.model import Entities
from indexer.normalise.org_words import ORG_ALIASES
from indexer.normalise.places import fold
from indexer.normalise.roles import (
    FOREIGN_POSTS,
    FORMER,
    HEADS_OF_STATE,
    INTERNATIONAL_BODIES,
    SOURCE_COUNTRIES,
    UNIQUE_OFFICES,
)

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
        return role[len(FORMER) + 1 :], True
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
            formers = [d for d, s in dated if s.former and s.base == base]
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
    # Per person: each article's statement of a role, with the country its source speaks for.
    raw: dict[str, list[tuple[Statement, str]]] = defaultdict(list)
    for ents, day, home in zip(batch, days, homes):
        for a in ents.actors:
            if a.role:
                base, former = split_former(a.role)
                raw[a.name].append((Statement(day, base, a.country, a.leader and not former, former, a.count), home))
    stated: dict[str, list[Statement]] = {}
    for name, rows in raw.items():
        # A title without a country takes the one the texts give this person's title elsewhere, else
        # that of the official sources that state it ("Prime Minister Mikhail Mishustin" on kremlin.ru).
        fill: dict[str, str] = {}
        for base in {st.base for st, _ in rows}:
            if _domestic(base):
                text = Counter(st.country for st, _ in rows if st.base == base and st.country)
                homes_of = Counter(
                    home for st, home in rows if st.base == base and not st.country and home and _from_source(base)
                )
                best = text or homes_of
                fill[base] = best.most_common(1)[0][0] if best else ""
        stated[name] = [replace(st, country=st.country or fill.get(st.base, "")) for st, _ in rows]
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
            if not former and (
                tl.left_office(base, day)
                or _succeeded(a.name, base, country, day, offices)
                or HISTORICAL.search(a.name)
            ):
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
    mine = sum(
        n for (b, f, c), n in counts.items() if b == base and not f and (not own.country or not c or c == own.country)
    )
    if total and mine < ROLE_MINORITY * total:
        return vote
    return own


def _domestic(role: str) -> bool:
    """True for a title of a national office ("Prime Minister", "Head of the Office of the President"),
    not of an international body ("Secretary General of NATO")."""
    base, _ = split_former(role)
    for m in re.finditer(r"\b(?:of|to|for)\s+(?:the\s+)?", base):
        if fold(base[m.end() :]) in INTERNATIONAL_BODIES or fold(base[m.end() :]) in _INTERNATIONAL_NAMES:
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
