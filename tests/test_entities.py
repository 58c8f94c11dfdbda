"""Entity normalisation on real text through the real spaCy model: seeds and excerpts in tests/data/entities/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from indexer.entities import normalise_entities, resolve_corpus, resolve_country
from indexer.normalise.roles import role_after, role_before

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
EXCERPTS = Path(__file__).resolve().parent / "data" / "entities"


def seed_text(path: Path) -> str:
    """The article text of a seed file, without its ` date YYYY-MM-DD ` header."""
    return re.sub(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s", "", path.read_text(encoding="utf-8"), count=1)


def run(nlp, texts: list[str], corpus: bool = True):
    """spaCy NER -> normalise_entities (-> resolve_corpus), as the indexer runs them."""
    batch = []
    for text, doc in zip(texts, nlp.pipe(texts)):
        batch.append(normalise_entities(text, [(e.start_char, e.end_char, e.label_) for e in doc.ents]))
    if corpus:
        resolve_corpus(batch)
    return batch


@pytest.fixture(scope="module")
def seeds(nlp):
    """The two seed articles' entities, resolved as one corpus."""
    return run(nlp, [seed_text(p) for p in SEEDS])


def actors_of(ents) -> dict:
    return {a.name: a for a in ents.actors}


def test_seed_actors_are_full_canonical_names(seeds):
    names = set().union(*(actors_of(e) for e in seeds))
    assert {"Vladimir Putin", "Charles Michel", "Alexander Lukashenko", "Angela Merkel", "Dmitry Peskov"} <= names
    # Junk and bare surnames never reach the facet.
    assert not names & {
        "Putin",
        "Michel",
        "Merkel",
        "Lukashenko",
        "Peskov",
        "Twitter",
        "Belarus",
        "Angela] Merkel",
        "Kremlin",
    }
    assert all(name == " ".join(name.split()) and "]" not in name for name in names)


def test_seed_countries(seeds):
    codes = {c.code for e in seeds for c in e.countries}
    assert {"RU", "BY", "UA", "PL", "LT", "LV", "AM", "AZ", "DE"} <= codes
    names = {c.name for e in seeds for c in e.countries}
    assert "Russia" in names and "Russian Federation" not in names


def test_seed_country_counts_rank_the_subject_first(seeds):
    # Belarus is what both seeds are about; Armenia is mentioned once in passing.
    first = seeds[0].countries
    assert first[0].code == "BY"
    assert {c.code: c.count for c in first}["AM"] == 1


def test_seed_roles(seeds):
    actors = {}
    for e in seeds:
        actors.update(actors_of(e))
    putin, merkel, peskov, michel = (
        actors[n] for n in ("Vladimir Putin", "Angela Merkel", "Dmitry Peskov", "Charles Michel")
    )
    assert (putin.role, putin.country, putin.leader) == ("President", "RU", True)
    assert (merkel.role, merkel.country, merkel.leader) == ("Chancellor", "DE", True)
    assert (peskov.role, peskov.country, peskov.leader) == ("Spokesman", "RU", False)
    assert (michel.role, michel.leader) == ("President of the European Council", True)
    assert actors["Alexander Lukashenko"].country == "BY"


def test_seed_mentions_point_at_the_text(seeds):
    text = seed_text(SEEDS[1])
    for m in seeds[1].mentions:
        assert 0 <= m.start < m.end <= len(text)
    merkel = [text[m.start : m.end] for m in seeds[1].mentions if m.value == "Angela Merkel"]
    assert "Merkel" in merkel and all("]" not in s or s.index("]") > 0 for s in merkel)
    minsk = [m for m in seeds[1].mentions if text[m.start : m.end] == "Minsk"]
    assert minsk and minsk[0].kind == "country" and minsk[0].value == "BY"


def test_seed_orgs_one_name_for_the_eu(seeds):
    orgs = {o.name for e in seeds for o in e.orgs}
    assert "European Union" in orgs
    assert not orgs & {"EU", "the European Union", "Kremlin", "Minsk", "Kremlin Spokesman"}


@pytest.fixture(scope="module")
def excerpts(nlp):
    """Real excerpts from the shared corpora (tests/data/entities/excerpts.json), resolved as one corpus."""
    cases = json.loads((EXCERPTS / "excerpts.json").read_text(encoding="utf-8"))
    keys = list(cases)
    texts = [cases[k]["text"] for k in keys]
    return {k: (text, ents) for k, text, ents in zip(keys, texts, run(nlp, texts))}


def country_codes(ents) -> set[str]:
    return {c.code for c in ents.countries}


@pytest.mark.parametrize("key", ["guardian-zelenskiy", "zelenskyy-office", "kremlin-zelensky", "reddit-zelensky"])
def test_zelenskyy_spellings_are_one_actor(excerpts, key):
    # Zelenskiy (Guardian), Zelenskyy (his office), Vladimir Zelensky (Kremlin), Zelensky (headline).
    _, ents = excerpts[key]
    names = {a.name for a in ents.actors}
    assert "Volodymyr Zelenskyy" in names
    assert not {n for n in names if "elensk" in n} - {"Volodymyr Zelenskyy"}


def test_zelenskyy_is_one_actor_across_the_corpus(excerpts):
    spellings = {a.name for _, ents in excerpts.values() for a in ents.actors if "elensk" in a.name}
    # His wife, Olena Zelenska, shares the surname's spelling key but stays her own person.
    assert spellings == {"Volodymyr Zelenskyy", "Olena Zelenska"}


def test_lukashenka_merges_with_lukashenko(excerpts):
    _, ents = excerpts["reddit-lukashenka"]
    names = {a.name for a in ents.actors}
    assert "Alexander Lukashenko" in names and "Lukashenka" not in names


def test_reagan_and_regan_stay_two_people(excerpts):
    names = {a.name for a in excerpts["reuters-reagan-regan"][1].actors}
    assert "Donald Regan" in names
    assert "Reagan" in names  # the President, never merged into his chief of staff


def test_role_from_an_apposition(excerpts):
    luka = actors_of(excerpts["guardian-lukashenko"][1])["Alexander Lukashenko"]
    assert (luka.role, luka.country, luka.leader) == ("President", "BY", True)


def test_role_of_a_country_written_after_the_title(excerpts):
    # "President of Ukraine Volodymyr Zelenskyy", where spaCy tags part of it as an organisation.
    zel = actors_of(excerpts["zelenskyy-lukashenko-call"][1])["Volodymyr Zelenskyy"]
    assert (zel.role, zel.country, zel.leader) == ("President", "UA", True)


def test_hard_wrapped_wire_names_and_titles(excerpts):
    # "Bank of Japan Governor Satoshi\nSumita", "Foreign\nMinister Tadashi Kuranari".
    actors = actors_of(excerpts["reuters-wrapped-name"][1])
    assert "Satoshi Sumita" in actors and "Satoshi" not in actors
    assert actors["Tadashi Kuranari"].role == "Foreign Minister"
    assert actors["Satoshi Sumita"].role == "Governor of the Bank of Japan"
    assert actors["Satoshi Sumita"].leader is False


@pytest.mark.parametrize(
    "key, metonym, code",
    [
        ("guardian-downing-street", "Downing Street", "GB"),
        ("guardian-pentagon", "Pentagon", "US"),
        ("guardian-white-house", "White House", "US"),
        ("reddit-kremlin", "Kremlin", "RU"),
    ],
)
def test_metonyms_map_to_their_country(excerpts, key, metonym, code):
    text, ents = excerpts[key]
    assert code in country_codes(ents)
    assert any(m.kind == "country" and m.value == code and text[m.start : m.end] == metonym for m in ents.mentions)
    assert metonym not in {a.name for a in ents.actors} | {o.name for o in ents.orgs}


def test_old_spelling_of_a_capital(excerpts):
    text, ents = excerpts["guardian-kiev"]
    assert "UA" in country_codes(ents)
    assert any(text[m.start : m.end] == "Kiev" and m.value == "UA" for m in ents.mentions)


def test_wire_dateline_gives_the_country(excerpts):
    # "PORTLAND, Ore., Feb 26 - Red Lion Inns ...": no country is named, the dateline places it.
    assert country_codes(excerpts["reuters-dateline"][1]) == {"US"}


def test_currency_is_not_a_country(excerpts):
    # "6.28 billion U.S. Dlrs" in a Taipei story is about Taiwan, not the United States.
    ents = excerpts["reuters-currency"][1]
    assert "TW" in country_codes(ents) and "US" not in country_codes(ents)
    assert not ents.actors  # spaCy's PERSON "U.S. Dlrs" is dropped


@pytest.mark.parametrize(
    "key, junk",
    [
        ("guardian-map", "Map"),
        ("reuters-caps-headline", "Regan Departure Makes"),
        ("reuters-caps-headline", "Volcker Term"),
        ("reuters-currency", "U.S. Dlrs"),
        ("kremlin-zelensky", "President"),
        ("reuters-dateline", "RED LION INNS FILES"),
    ],
)
def test_junk_never_reaches_the_facets(excerpts, key, junk):
    ents = excerpts[key][1]
    values = {a.name for a in ents.actors} | {o.name for o in ents.orgs}
    assert junk not in values
    assert all(
        not a.name.isupper() and a.name.split()[0].lower() not in ("president", "mr", "the") for a in ents.actors
    )


def test_a_relative_of_an_office_holder_is_not_a_leader(excerpts):
    zelenska = actors_of(excerpts["zelenskyy-wife-of"][1])["Olena Zelenska"]
    assert (zelenska.role, zelenska.country, zelenska.leader) == ("Wife of the President", "UA", False)


def test_transcript_speaker_label_is_not_part_of_the_name(excerpts):
    # "President of Russia Vladimir Putin: Comrades, good afternoon." (spaCy: "Vladimir Putin: Comrades")
    putin = actors_of(excerpts["kremlin-speaker-label"][1])["Vladimir Putin"]
    assert (putin.role, putin.country, putin.leader) == ("President", "RU", True)
    assert len(excerpts["kremlin-speaker-label"][1].actors) == 1


def test_city_tagged_as_person_is_a_place(excerpts):
    # "three regions - Donetsk, Luhansk, Zaporizhzhia." with Luhansk and Zaporizhzhia tagged PERSON.
    text, ents = excerpts["zelenskyy-city-as-person"]
    assert not ents.actors
    assert any(text[m.start : m.end] == "Zaporizhzhia" and m.value == "UA" for m in ents.mentions)
    assert "UA" in country_codes(ents)


def test_person_spacy_missed_is_found_by_title(excerpts):
    # "Finance Minister Barend du Plessis said": spaCy tags nothing there.
    actors = actors_of(excerpts["reuters-untagged-minister"][1])
    assert actors["Barend du Plessis"].role == "Finance Minister"
    assert actors["Barend du Plessis"].leader is True


def test_organisation_tagged_person_is_an_actor(excerpts):
    # "Alexander Lukashenko called President of Ukraine Volodymyr Zelenskyy." tags part of it ORG.
    ents = excerpts["zelenskyy-lukashenko-call"][1]
    assert {a.name for a in ents.actors} == {"Alexander Lukashenko", "Volodymyr Zelenskyy"}
    assert not ents.orgs


def test_orgs_have_one_name_and_blocs_are_not_countries(excerpts):
    # "they ran to Nato and the EU": NATO and the European Union, neither a country.
    ents = excerpts["guardian-nato-eu"][1]
    assert {o.name for o in ents.orgs} == {"NATO", "European Union"}
    assert country_codes(ents) == {"RU"}


def test_acronym_and_long_name_are_one_org(excerpts):
    orgs = {o.name for o in excerpts["reuters-wrapped-name"][1].orgs}
    assert "Organization for Economic Cooperation and Development" in orgs and "OECD" not in orgs


@pytest.mark.parametrize(
    "value, code, name",
    [
        ("BY", "BY", "Belarus"),
        ("by", "BY", "Belarus"),
        ("Belarus", "BY", "Belarus"),
        ("Belarusian", "BY", "Belarus"),
        ("Minsk", "BY", "Belarus"),
        ("Kremlin", "RU", "Russia"),
        ("U.S.", "US", "United States"),
        ("US", "US", "United States"),
        ("America", "US", "United States"),
        ("Britain", "GB", "United Kingdom"),
        ("UK", "GB", "United Kingdom"),
        ("Kiev", "UA", "Ukraine"),
        ("Kyiv", "UA", "Ukraine"),
        ("White House", "US", "United States"),
        ("Iran", "IR", "Iran"),
        ("South Korea", "KR", "South Korea"),
        ("Taiwan", "TW", "Taiwan"),
        ("Elysee", "FR", "France"),
        ("Élysée", "FR", "France"),
        ("Downing Street", "GB", "United Kingdom"),
        ("Whitehall", "GB", "United Kingdom"),
        ("Pentagon", "US", "United States"),
        ("Soviet", "SU", "Soviet Union"),
        ("West German", "DE", "Germany"),
        ("Mykolaiv", "UA", "Ukraine"),
        ("Polish", "PL", "Poland"),
        ("United States of America", "US", "United States"),
    ],
)
def test_resolve_country_reads_every_form(value, code, name):
    country = resolve_country(value)
    assert country is not None and (country.code, country.name) == (code, name)


@pytest.mark.parametrize("value", ["", "Europe", "Middle East", "Balkans", "EU", "xyzzy"])
def test_resolve_country_refuses_regions_and_nonsense(value):
    assert resolve_country(value) is None


# Title patterns, each a phrase found in the shared corpora (the name follows or precedes it).
@pytest.mark.parametrize(
    "phrase, name, role",
    [
        (
            "UN Secretary-General António Guterres",
            "António Guterres",
            ("Secretary-General of the United Nations", "", True),
        ),
        ("NATO Secretary General Jens Stoltenberg", "Jens Stoltenberg", ("Secretary General of NATO", "", True)),
        ("Russian Foreign Minister Sergei Lavrov", "Sergei Lavrov", ("Foreign Minister", "RU", True)),
        ("British Prime Minister Boris Johnson", "Boris Johnson", ("Prime Minister", "GB", True)),
        ("Prime Minister of the Kingdom of Spain Pedro Sánchez", "Pedro Sánchez", ("Prime Minister", "ES", True)),
        ("Secretary of State Antony Blinken", "Antony Blinken", ("Secretary of State", "", True)),
        ("Minister of Foreign Affairs of Ukraine Dmytro Kuleba", "Dmytro Kuleba", ("Foreign Minister", "UA", True)),
        ("Kremlin Spokesman Dmitry Peskov", "Dmitry Peskov", ("Spokesman", "RU", False)),
        ("German acting Chancellor Angela Merkel", "Angela Merkel", ("Chancellor", "DE", True)),
        ("Bank of Japan Governor Satoshi Sumita", "Satoshi Sumita", ("Governor of the Bank of Japan", "JP", False)),
    ],
)
def test_role_written_before_a_name(phrase, name, role):
    assert role_before(phrase, phrase.index(name)) == role


@pytest.mark.parametrize(
    "phrase, name, role",
    [
        ("the Russian president, Vladimir Putin, said", "Vladimir Putin", ("President", "RU", True)),
        ("Ukraine’s foreign minister, Dmytro Kuleba, said", "Dmytro Kuleba", ("Foreign Minister", "UA", True)),
    ],
)
def test_role_before_a_comma(phrase, name, role):
    assert role_before(phrase, phrase.index(name)) == role


@pytest.mark.parametrize(
    "phrase, name, role",
    [
        (
            "Alexander Lukashenko, the Belarusian president who is a close Putin ally",
            "Alexander Lukashenko",
            ("President", "BY", True),
        ),
        ("Sergei Lavrov, Russia’s foreign minister, said", "Sergei Lavrov", ("Foreign Minister", "RU", True)),
        (
            "Jens Stoltenberg, the Nato secretary general, said",
            "Jens Stoltenberg",
            ("Secretary General of NATO", "", True),
        ),
    ],
)
def test_role_in_an_apposition(phrase, name, role):
    assert role_after(phrase, phrase.index(name) + len(name)) == role


def test_scraped_name_forms_join_the_person_the_corpus_knows():
    """Forms seen in the Kremlin transcripts: initials, a doubled surname, a country word glued in
    front, a stray word after a speaker label without its colon, a lower-case word after the name."""
    from indexer.model import Actor, Entities
    from indexer.normalise.people_corpus import merge_people
    from indexer.normalise.person import _strip_titles

    assert _strip_titles("Alexander Lukashenko Lukashenko")[0] == "Alexander Lukashenko"
    assert _strip_titles("Vladimir Putin on")[0] == "Vladimir Putin"
    assert _strip_titles("Ursula von der Leyen")[0] == "Ursula von der Leyen"
    batch = [
        Entities(actors=[Actor("Joe Biden", 40), Actor("Vladimir Putin", 30), Actor("Alexander Lukashenko", 20)]),
        Entities(actors=[Actor("J. Biden", 1), Actor("V. Putin", 1), Actor("Belarus Lukashenko", 1)]),
        Entities(actors=[Actor("Vladimir Putin Fine", 1), Actor("Jill Biden", 1), Actor("Jordan Peterson", 1)]),
    ]
    merge_people(batch)
    names = [sorted(a.name for a in ents.actors) for ents in batch]
    assert names[1] == ["Alexander Lukashenko", "Joe Biden", "Vladimir Putin"]
    assert names[2] == ["Jill Biden", "Jordan Peterson", "Vladimir Putin"]
