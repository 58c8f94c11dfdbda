"""People within one article: surname-only, shorter and variant mentions join the full name the article uses.

``resolve_people`` turns an article's ``PersonMention``s into its actors; ``merge_full_names`` (also used
across a corpus) decides which full names are one person. Dictionary work; spaCy is never imported.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from indexer.model import Actor, Mention
from indexer.normalise.person import is_place_name
from indexer.normalise.person_words import CANONICAL_BY_KEY, first_key, person_key, surname_key
from indexer.normalise.places import CountryHit, fold, gazetteer

# Above this many spellings under one surname, only exact spelling keys merge (pairwise checks are O(n^2)).
MAX_SURNAME_GROUP = 200


def resolve_people(people, mentions, places, lower_words=frozenset(), hits=None) -> list[Actor]:
    """Within one article: surname-only, shorter and variant mentions -> the full name used in the article.

    A name seen only in an all-caps headline of a mixed-case text ("weak") is kept only when the body
    names the same person; otherwise it is most likely headline words ("REGAN DEPARTURE MAKES").
    """
    full_names = Counter(name for _, _, name, _, weak in people if " " in name and not weak)
    canon_full = merge_full_names(full_names)
    by_surname: dict[str, set[str]] = defaultdict(set)
    by_person: dict[tuple[str, str], str] = {}
    by_first: dict[str, set[str]] = defaultdict(set)
    for name, canonical in canon_full.items():
        by_surname[surname_key(name)].add(canonical)
        by_person[person_key(name)] = canonical
        by_first[name.split()[0]].add(canonical)

    actors: dict[str, Actor] = {}
    roles: dict[str, Counter] = defaultdict(Counter)
    for s, e, name, role, weak in people:
        if " " in name and not weak:
            canonical = canon_full[name]
        elif " " in name:
            canonical = by_person.get(person_key(name))
            if canonical is None:
                fulls = by_surname.get(surname_key(name), set())
                canonical = next(iter(fulls)) if len(fulls) == 1 else None
        else:
            fulls = same_ending(name, by_surname.get(surname_key(name), set()))
            if len(fulls) == 1:
                canonical = next(iter(fulls))
            elif not fulls and len(by_first.get(name, ())) == 1:
                canonical = next(iter(by_first[name]))  # "Boris" in a story about Boris Johnson
            elif weak or (not fulls and (is_place_name(name) or fold(name) in places or name.lower() in lower_words)):
                canonical = None  # "Mykolaiv", "Bucha": places spaCy took for people
                code = None if weak or hits is None else gazetteer().place_code(name)
                if code:
                    hits.append(CountryHit(s, e, code, "city"))
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


def same_ending(name: str, fulls: set[str]) -> set[str]:
    """Of several full names sharing a surname key, those whose surname ends like ``name``
    ("Zelensky" is Volodymyr Zelenskyy, not Olena Zelenska); all of them when none does."""
    if len(fulls) < 2:
        return fulls
    ending = _ending(name.split()[-1])
    same = {f for f in fulls if _ending(f.split()[-1]) == ending}
    return same or fulls


def merge_full_names(counts: Counter) -> dict[str, str]:
    """Map each full name to its canonical form: variant spellings and shorter forms of one person merge.

    "Tayyip Erdogan" joins "Recep Tayyip Erdogan" (its given names are a subset); the canonical table,
    then the most frequent spelling, then the longest, gives the display form.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name in counts:
        groups[surname_key(name)].append(name)
    canonical: dict[str, str] = {}
    for names in groups.values():
        given = {n: {first_key(w) for w in n.split()[:-1]} for n in names}
        # Union-find over "same person": same first-name key, or given names a subset of the other's.
        parent = {n: n for n in names}

        def find(n, parent=parent):  # bound now: parent is rebound for the next group
            """Union-find root of ``n``."""
            while parent[n] != n:
                parent[n] = parent[parent[n]]
                n = parent[n]
            return n

        if len(names) > MAX_SURNAME_GROUP:
            by_key: dict = {}
            for n in names:
                first = by_key.setdefault(person_key(n), n)
                parent[find(n)] = find(first)
        else:
            for i, a in enumerate(names):
                for b in names[i + 1 :]:
                    ga, gb = given[a], given[b]
                    if person_key(a) == person_key(b) or ga <= gb or gb <= ga:
                        parent[find(a)] = find(b)
        clusters: dict[str, list[str]] = defaultdict(list)
        for n in names:
            clusters[find(n)].append(n)
        for members in clusters.values():
            # Two different given names under one surname ("James Baker", "Howard Baker") stay apart:
            # only merge a cluster whose members are all compatible with its fullest name.
            widest = max(members, key=lambda n: (len(given[n]), counts[n]))
            for n in members:
                if not (given[n] <= given[widest] or person_key(n) == person_key(widest)):
                    widest = None
                    break
            if widest is None:
                for n in members:
                    canonical[n] = n
                continue
            best = None
            for n in members:
                if person_key(n) in CANONICAL_BY_KEY:
                    best = CANONICAL_BY_KEY[person_key(n)]
            if best is None:
                best = max(members, key=lambda n: (counts[n], len(n), n))
            for n in members:
                canonical[n] = best
    return canonical
