"""People across a corpus: what one article cannot decide alone.

- A string spaCy tags PERSON only a minority of the times it appears (the other times as a place, an
  organisation, or not at all) is not a person: "Borodyanka", "Nord Stream", "Attendance".
- Two full names that are one person written twice (a transliterated or mistyped given name, a mistyped
  surname) become one: Vadim/Vadym Lyakh, Olaf Scholz/Scholtz. Names that stand side by side in one
  article as two people stay apart unless they differ by a single letter.
- A fragment becomes the full name the corpus knows: a given name ("Bashar"), an inner name ("Lula"),
  the first words of a longer name ("Abdel Fattah").
- Two known surnames joined by a hyphen ("Yermak-McFaul") are two people.

Dictionary work plus rapidfuzz over small groups; spaCy is never imported.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict

from rapidfuzz.distance import Levenshtein

from indexer.model import Actor, Entities, Mention
from indexer.normalise.names import (
    SURNAME_MIN,
    fold_word,
    is_given_name,
    person_shaped,
    same_person_spelling,
    surnames_close,
)
from indexer.normalise.people import merge_full_names, same_ending
from indexer.normalise.person_words import CANONICAL_NAMES, INITIALS, person_key, surname_key
from indexer.normalise.places import gazetteer

# Below this share of PERSON tags among a string's appearances, the string is not a person ...
PERSON_MINORITY = 0.5
# ... when it appeared at least this many times otherwise (one stray tag decides nothing).
MIN_OTHER_VOTES = 2
# A name that has no known given name and is no one's surname is a person only when spaCy reads it as one this
# often, given at least UNKNOWN_WORD_MIN_VOTES other reads.
UNKNOWN_WORD_PERSON_SHARE = 0.8
UNKNOWN_WORD_MIN_VOTES = 3
# A fragment joins a full name that has this share of the corpus's mentions among the candidates.
FRAGMENT_DOMINANCE = 0.85
# A name of two words or more is the first words of a longer one only if it is used at most this many times
# as often as the longer name.
PREFIX_RARITY = 5
# A lone mistyped surname is at most this rare beside the full name it joins.
TYPO_RATIO = 3
# Names that one article shows as two people merge only when this close (a typo inside the article).
IN_ARTICLE_EDITS = 1


def name_key(name: str) -> str:
    """The key votes are counted under: folded words of the name."""
    return " ".join(fold_word(w) for w in name.replace("-", " ").split())


# Two capitalised words joined by a hyphen: maybe two people ("the Macron-Merkel model").
HYPHEN_PAIR = re.compile(r"(?<![\w-])[A-Z][a-z]+(?:[A-Z][a-z]+)?-[A-Z][a-z]+(?:[A-Z][a-z]+)?(?![\w-])")
PAIRS_KEY = "\0pairs"  # where count_votes keeps them, beside the name votes
LINE_START = re.compile(r"(?:^|\n)[ \t]*$")


def _occurrences(text: str, name: str):
    """Start offsets of ``name`` as whole words in ``text``."""
    at = text.find(name)
    while at >= 0:
        end = at + len(name)
        if (at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "-")) and (
            end == len(text) or not (text[end].isalnum() or text[end] == "-")
        ):
            yield at
        at = text.find(name, at + 1)


def count_votes(text: str, ents, people, others_labels) -> dict[str, list]:
    """Per name of this article: [times read as a person, times read as something else].

    A person read is a PERSON span or a line-up name that became a person; the other reads are spans of
    ``others_labels`` with the same words and the times the name stands in the text outside any entity.
    Under PAIRS_KEY: the article's hyphenated pairs, as (start, end, text)."""
    votes: dict[str, list] = {}
    covered = sorted((s, e) for s, e, _ in ents)
    for _, _, name, _, _ in people:
        votes.setdefault(name_key(name), [0, 0])[0] += 1
    for s, e, label in ents:
        if label in others_labels:
            key = name_key(re.sub(r"^(?:the|The)\s+", "", text[s:e].strip()))
            key = re.sub(r"(?: \d+)+$", "", key)  # "Nord Stream 2" is a mention of "Nord Stream"
            if key and key.count(" ") < 4:
                votes.setdefault(key, [0, 0])[1] += 1
                for word in set(key.split()) if " " in key else ():
                    votes.setdefault(word, [0, 0])[1] += 1  # "Rosatom State Corporation"
    starts = [c[0] for c in covered]
    for name in {p[2] for p in people}:
        shaped = person_shaped(name)
        key = name_key(name)
        for at in _occurrences(text, name):
            # "the Babyn Yar", "the Maidan": a person's name does not take an article.
            if text.endswith("the ", max(0, at - 4), at):
                votes[key][1] += 1
                continue
            i = bisect.bisect_right(starts, at) - 1
            if shaped or (i >= 0 and covered[i][1] > at):
                continue
            # Untagged at the start of a line, a capital says nothing ("Attendance : 5,000"); in a
            # line-up a name shaped like a person's is often untagged ("b Croft", "Magnus Larsson (").
            if " " in name or LINE_START.search(text, max(0, at - 3), at):
                votes[key][1] += 1
    pairs = [
        (m.start(), m.end(), m.group(0))
        for m in HYPHEN_PAIR.finditer(text)
        if not any(m.start() < e and m.end() > s for s, e, _, _, _ in people)
    ]
    if pairs:
        votes[PAIRS_KEY] = pairs
    return votes


def drop_minority_people(batch: list[Entities]) -> None:
    """Remove actors whose name the corpus reads as a person only a minority of the times.

    An actor the corpus gives a title ("President ...") is a person whatever spaCy says elsewhere."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    titled = set()
    surnames = set()
    for ents in batch:
        for key, vote in getattr(ents, "name_votes", {}).items():
            if key == PAIRS_KEY:
                continue
            p, o = vote
            totals[key][0] += p
            totals[key][1] += o
        for a in ents.actors:
            if a.role:
                titled.add(a.name)
            if " " in a.name and person_shaped(a.name):
                surnames.add(fold_word(a.name.split()[-1]))
    doomed = set()
    for ents in batch:
        for a in ents.actors:
            if a.name in titled or a.name in doomed:
                continue
            key = name_key(a.name)
            p, o = totals.get(key, (0, 0))
            if (
                " " not in key
                and key not in surnames
                and (key + "s" in totals or key.endswith("s") and key[:-1] in totals)
            ):
                doomed.add(a.name)  # "Javelin" and "Javelins", "Bayraktars": things come in plural
                continue
            if o < MIN_OTHER_VOTES or " " not in key and key in surnames:
                continue  # someone's surname ("Bangemann" of Martin Bangemann) tagged ORG is noise
            first = key.split()[0]
            if key not in surnames and not is_given_name(first) and not (" " in key and first in surnames):
                # No given name and no one's surname: read as a place or an organisation a fifth of the
                # time, it is one ("Borodyanka": 36 PERSON, 17 GPE, 12 ORG; "Babyn Yar" FAC).
                if p < UNKNOWN_WORD_PERSON_SHARE * (p + o) and o >= UNKNOWN_WORD_MIN_VOTES:
                    doomed.add(a.name)
                continue
            if p < PERSON_MINORITY * (p + o):
                if person_shaped(a.name) and p >= 0.25 * (p + o):
                    continue  # a name shaped like a person's that spaCy often mislabels in lists
                doomed.add(a.name)
    if doomed:
        for ents in batch:
            if any(a.name in doomed for a in ents.actors):
                ents.actors = [a for a in ents.actors if a.name not in doomed]
                ents.mentions = [m for m in ents.mentions if not (m.kind == "actor" and m.value in doomed)]


def _co_occurring(batch: list[Entities], names: set[str]) -> set[frozenset]:
    """Pairs of ``names`` that one article names side by side."""
    pairs = set()
    for ents in batch:
        here = [a.name for a in ents.actors if a.name in names]
        for i, a in enumerate(here):
            for b in here[i + 1 :]:
                pairs.add(frozenset((a, b)))
    return pairs


def spelling_renames(batch: list[Entities], totals: Counter, preferred: set[str]) -> dict[str, str]:
    """Full names that are one person written differently -> the most used spelling (``preferred`` first)."""
    full = [n for n in totals if " " in n and not re.match(r"^[A-Z]\.", n)]
    groups: dict[tuple, list[str]] = defaultdict(list)
    for n in full:
        words = n.split()
        first, last = fold_word(words[0]), fold_word(words[-1])
        if first and last:
            groups[("y" if first[0] in "yjie" else first[0], last[:2], len(words))].append(n)
    candidates = []
    for names in groups.values():
        if len(names) < 2 or len(names) > 2000:
            continue
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if same_person_spelling(a, b):
                    candidates.append((a, b))
    if not candidates:
        return {}
    together = _co_occurring(batch, {n for pair in candidates for n in pair})
    parent = {n: n for pair in candidates for n in pair}

    def find(n):
        """Union-find root of ``n``."""
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in candidates:
        if frozenset((a, b)) in together and Levenshtein.distance(name_key(a), name_key(b)) > IN_ARTICLE_EDITS:
            continue  # two people in one article ("Jan and Dan Smith"), not one written twice
        parent[find(a)] = find(b)
    clusters: dict[str, list[str]] = defaultdict(list)
    for n in parent:
        clusters[find(n)].append(n)
    rename = {}
    for members in clusters.values():
        best = max(members, key=lambda n: (n in preferred, totals[n], len(n), n))
        rename.update({n: best for n in members if n != best})
    return rename


def _is_place(word: str) -> bool:
    """True for a country, a country's adjective or a city: not a part of a person's name."""
    return gazetteer().lookup(word) is not None


def fragment_renames(totals: Counter) -> dict[str, str]:
    """Fragments -> the full name the corpus knows: a lone given or inner name ("Bashar" -> "Bashar
    al-Assad", "Lula" -> "Luiz Inacio Lula da Silva"), or the first words of a longer name ("Abdel
    Fattah" -> "Abdel Fattah el-Sisi"), when one full name has FRAGMENT_DOMINANCE of the candidates."""
    full = {n: name_key(n).split() for n in totals if " " in n}
    surnames = {words[-1] for words in full.values()}
    by_word: dict[str, Counter] = defaultdict(Counter)
    by_prefix: dict[tuple, Counter] = defaultdict(Counter)
    for n, words in full.items():
        for w in words[:-1]:
            by_word[w][n] += totals[n]
        for k in range(2, len(words)):
            extra = n.split()[k:]
            if not any(_is_place(w) or w.isupper() for w in extra):  # not "Marcelo Filippini Uruguay"
                by_prefix[tuple(words[:k])][n] += totals[n]
            by_prefix[tuple(words[-k:])][n] += totals[n]  # "Fogh Rasmussen" of "Anders Fogh Rasmussen"
    rename = {}
    for n in totals:
        words = name_key(n).split()
        if len(words) == 1:
            # a surname of someone ("Giles" of "A. Giles") is not the given name of someone else
            cands = by_word.get(words[0]) if words[0] not in surnames else None
            if not cands and len(words[0]) > SURNAME_MIN and words[0] not in surnames:
                # a mistyped surname ("Scholtz", "Vereschuk") of a full name the corpus knows
                # (a typo is rare beside what it mistypes: a frequent "Reagan" is not "Donald Regan")
                cands = Counter(
                    {
                        f: totals[f]
                        for f, fw in full.items()
                        if fw[-1][:2] == words[0][:2]
                        and surnames_close(fw[-1], words[0])
                        and totals[f] >= TYPO_RATIO * totals[n]
                    }
                )
        elif " " in n:
            cands = by_prefix.get(tuple(words))
        else:
            cands = None
        if not cands:
            continue
        best, count = cands.most_common(1)[0]
        if " " in n and totals[n] > PREFIX_RARITY * totals[best]:
            # The first words of a rare longer name are a name of their own when they are far more used:
            # "Joe Biden" (hundreds of articles) is not a fragment of one headline's "Joe Biden Is Succeeding".
            continue
        if best != n and count >= FRAGMENT_DOMINANCE * sum(cands.values()):
            rename[n] = best
    return rename


def split_pairs(batch: list[Entities], surnames: dict[str, str]) -> None:
    """ "Yermak-McFaul", "Macron-Merkel": a hyphenated pair of two known surnames names two people."""
    for ents in batch:
        pairs = {}
        for a in ents.actors:
            parts = a.name.split("-")
            if " " in a.name or len(parts) != 2:
                continue
            people = [surnames.get(fold_word(p)) or "" for p in parts]
            if all(people) and people[0] != people[1]:
                pairs[a.name] = people
        extra = []  # untagged pairs and pairs inside organisations ("the Yermak-McFaul group")
        for s, e, pair in getattr(ents, "name_votes", {}).get(PAIRS_KEY, ()):
            people = [surnames.get(fold_word(p)) or "" for p in pair.split("-")]
            if all(people) and people[0] != people[1]:
                extra.append((s, e, people))
        if not pairs and not extra:
            continue
        actors = {a.name: a for a in ents.actors if a.name not in pairs}
        found = list(pairs.values()) + [people for _, _, people in extra]
        for people in found:
            for person in people:
                if person in actors:
                    actors[person].count += 1
                else:
                    actors[person] = Actor(name=person, count=1)
        ents.actors = sorted(actors.values(), key=lambda a: (-a.count, a.name))
        mentions = [Mention(s, e, "actor", p) for s, e, people in extra for p in people]
        for m in ents.mentions:
            if m.kind == "actor" and m.value in pairs:
                mentions.extend(Mention(m.start, m.end, "actor", p) for p in pairs[m.value])
            else:
                mentions.append(m)
        ents.mentions = sorted(mentions, key=lambda m: (m.start, m.end))


# --- One name per person across a corpus ----------------------------------------------------------

# A bare surname joins the corpus's full name when that person has this share of the surname's mentions.
SURNAME_DOMINANCE = 0.85


def _orgs_to_people(ents: Entities, people_by_key: dict, surnames: dict[str, str]) -> None:
    """Move organisations whose name ends with a known person's full name to that person; a one-word
    org that the corpus also writes as a person's bare surname ("Trump" tagged ORG) goes too."""
    moved: dict[str, str] = {}
    own = {surname_key(a.name): a.name for a in ents.actors if " " in a.name}
    for org in ents.orgs:
        words = org.name.split()
        person = None
        for n in (3, 2):
            if len(words) >= n and all(w[:1].isupper() for w in words[-n:]):
                person = people_by_key.get(person_key(" ".join(words[-n:])))
                if person:
                    break
        if person is None and len(words) == 1:
            person = own.get(surname_key(org.name)) or surnames.get(org.name)
        if person:
            moved[org.name] = person
    if not moved:
        return
    actors = {a.name: a for a in ents.actors}
    for org in ents.orgs:
        if org.name in moved:
            name = moved[org.name]
            if name in actors:
                actors[name].count += org.count
            else:
                actors[name] = Actor(name=name, count=org.count)
    ents.orgs = [o for o in ents.orgs if o.name not in moved]
    ents.actors = sorted(actors.values(), key=lambda a: (-a.count, a.name))
    for m in ents.mentions:
        if m.kind == "org" and m.value in moved:
            m.kind, m.value = "actor", moved[m.value]


def _apply_renames(ents: Entities, rename: dict[str, str]) -> None:
    """Rename actors in one article and re-sum the counts of names that now coincide."""
    merged: dict[str, Actor] = {}
    for a in ents.actors:
        name = rename.get(a.name, a.name)
        if name in merged:
            m = merged[name]
            m.count += a.count
            if not m.role and a.role:
                m.role, m.country, m.leader = a.role, a.country, a.leader
        else:
            a.name = name
            merged[name] = a
    ents.actors = sorted(merged.values(), key=lambda a: (-a.count, a.name))
    for m in ents.mentions:
        if m.kind == "actor":
            m.value = rename.get(m.value, m.value)


def _initials_only(name: str) -> bool:
    """True for a surname behind initials only: "J. Biden", "V.V. Putin"."""
    words = name.split()
    return len(words) >= 2 and all(INITIALS.fullmatch(w) for w in words[:-1])


def _country_first(name: str) -> bool:
    """True for two words whose first is a country's name: "Belarus Lukashenko" (from "President of
    Belarus Lukashenko"); it then resolves like a bare surname, so a real "Jordan Peterson" keeps his name."""
    words = name.split()
    if len(words) != 2:
        return False
    found = gazetteer().classify(words[0], places=False, capitals=False)
    return found is not None and found[1] == "name"


def merge_people(batch: list[Entities]) -> None:
    """One canonical name per person across ``batch``: spellings, shorter forms, surnames, ORG-tagged names."""
    drop_minority_people(batch)
    totals = _totals(batch)
    # 0. One person written twice (Vadim/Vadym Lyakh, Olaf Scholz/Scholtz) -> the usual spelling.
    spelled = spelling_renames(batch, totals, CANONICAL_NAMES)
    if spelled:
        for ents in batch:
            _apply_renames(ents, spelled)
        totals = _totals(batch)
    # 1. Spelling variants and shorter forms of one full name -> one canonical full name.
    full = Counter({n: c for n, c in totals.items() if " " in n})
    canonical = merge_full_names(Counter({n: c for n, c in full.items() if not _initials_only(n)}))
    canonical.update({n: n for n in full if n not in canonical})
    rename = {n: c for n, c in canonical.items() if n != c}
    people_by_key: dict[tuple[str, str], str] = {}
    for name, canon in canonical.items():
        people_by_key.setdefault(person_key(name), canon)
    # A full name with a stray last word ("Vladimir Putin Fine" from a transcript missing its colon)
    # joins the far more frequent name it starts with.
    for name, n in full.items():
        head = name.rsplit(" ", 1)[0]
        if head.count(" ") >= 1 and totals.get(head, 0) >= 10 * n:
            rename[name] = rename.get(head, canonical.get(head, head))
    # 2. A surname alone, or behind initials ("J. Biden"), -> the full name that carries it.
    rename.update(_surname_renames(totals, full, canonical, rename))
    surname_people = {n: rename[n] for n in totals if " " not in n and n in rename}
    people_by_key = {key: rename.get(name, name) for key, name in people_by_key.items()}
    # 3. Organisations that are people named elsewhere in the corpus ("Olaf Scholz" tagged ORG).
    for ents in batch:
        if rename:
            _apply_renames(ents, rename)
    surname_people.update(_org_surnames(batch, surname_people))
    for ents in batch:
        _orgs_to_people(ents, people_by_key, surname_people)
    # 4. Fragments the surname rules leave ("Bashar", "Lula", "Abdel Fattah") -> the full name.
    totals = _totals(batch)
    fragments = fragment_renames(totals)
    if fragments:
        for ents in batch:
            _apply_renames(ents, fragments)
        totals = _totals(batch)
    # 5. "Yermak-McFaul": two known surnames joined by a hyphen are two people.
    surnames = _surname_owners(totals)
    split_pairs(batch, surnames)


def _surname_renames(
    totals: Counter, full: Counter, canonical: dict[str, str], rename: dict[str, str]
) -> dict[str, str]:
    """A surname alone, behind initials ("J. Biden") or behind a country's name ("Belarus Lukashenko") ->
    the full name that carries it, when one person (with those initials) dominates that surname."""
    by_surname: dict[str, Counter] = defaultdict(Counter)
    for name, n in full.items():
        if not _initials_only(name) and rename.get(name, canonical[name]) == canonical[name]:
            by_surname[surname_key(name)][canonical[name]] += n
    found: dict[str, str] = {}
    for name in totals:
        if " " not in name or _initials_only(name) or _country_first(name):
            cands = by_surname.get(surname_key(name))
            if cands and _initials_only(name):
                cands = Counter({c: n for c, n in cands.items() if c[:1] == name[:1]})
            if cands:
                narrowed = same_ending(name.split()[-1], set(cands))
                cands = Counter({c: n for c, n in cands.items() if c in narrowed})
                best, n = cands.most_common(1)[0]
                # Heads of state and government in the canonical table own their surname in news.
                share = SURNAME_DOMINANCE if best not in CANONICAL_NAMES else 0.5
                if n >= share * sum(cands.values()):
                    found[name] = best
    return found


def _org_surnames(batch: list[Entities], known: dict[str, str]) -> dict[str, str]:
    """One-word organisations that are the surname of one person the corpus names in full: "Sinema" and
    "Pence" tagged ORG in headlines ("Sinema Says She Won't...") -> Kyrsten Sinema, Mike Pence.

    The person must own the surname (SURNAME_DOMINANCE of its full names) and be named at least half as
    often as the organisation, so a company with a founder's or a film star's surname ("Ford" beside two
    mentions of Harrison Ford) stays an organisation; acronyms ("EV", "RNC") never move."""
    people = _totals(batch)
    owners = _surname_owners(people)
    org_counts: Counter[str] = Counter()
    for ents in batch:
        for o in ents.orgs:
            if " " not in o.name and o.name not in known and not o.name.isupper():
                org_counts[o.name] += o.count
    found = {}
    for org, n in org_counts.items():
        person = owners.get(fold_word(org))
        if person and people[person] >= max(2, n / 2):
            found[org] = person
    return found


def _surname_owners(totals: Counter) -> dict[str, str]:
    """Folded surname -> the full name that has SURNAME_DOMINANCE of that surname's mentions."""
    owners: dict[str, Counter] = defaultdict(Counter)
    for name, n in totals.items():
        if " " in name and not _initials_only(name):
            owners[fold_word(name.split()[-1])][name] += n
    surnames = {}
    for key, cands in owners.items():
        best, n = cands.most_common(1)[0]
        if n >= SURNAME_DOMINANCE * sum(cands.values()):
            surnames[key] = best
    return surnames


def _totals(batch: list[Entities]) -> Counter:
    """Mentions per actor name over ``batch``."""
    totals: Counter[str] = Counter()
    for ents in batch:
        for a in ents.actors:
            totals[a.name] += a.count
    return totals
