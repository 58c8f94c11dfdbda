"""Entity normalisation on real text through the real spaCy model: seeds and excerpts in tests/data/entities/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.entities import normalise_entities, resolve_corpus, resolve_country

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
    assert {"Vladimir Putin", "Charles Michel", "Alexander Lukashenko", "Angela Merkel",
            "Dmitry Peskov"} <= names
    # Junk and bare surnames never reach the facet.
    assert not names & {"Putin", "Michel", "Merkel", "Lukashenko", "Peskov", "Twitter", "Belarus",
                        "Angela] Merkel", "Kremlin"}
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
    putin, merkel, peskov, michel = (actors[n] for n in ("Vladimir Putin", "Angela Merkel",
                                                            "Dmitry Peskov", "Charles Michel"))
    assert (putin.role, putin.country, putin.leader) == ("President", "RU", True)
    assert (merkel.role, merkel.country, merkel.leader) == ("Chancellor", "DE", True)
    assert (peskov.role, peskov.country, peskov.leader) == ("Spokesman", "RU", False)
    assert (michel.role, michel.leader) == ("President of the European Council", True)
    assert actors["Alexander Lukashenko"].country == "BY"


def test_seed_mentions_point_at_the_text(seeds):
    text = seed_text(SEEDS[1])
    for m in seeds[1].mentions:
        assert 0 <= m.start < m.end <= len(text)
    merkel = [text[m.start:m.end] for m in seeds[1].mentions if m.value == "Angela Merkel"]
    assert "Merkel" in merkel and all("]" not in s or s.index("]") > 0 for s in merkel)
    minsk = [m for m in seeds[1].mentions if text[m.start:m.end] == "Minsk"]
    assert minsk and minsk[0].kind == "country" and minsk[0].value == "BY"


def test_seed_orgs_one_name_for_the_eu(seeds):
    orgs = {o.name for e in seeds for o in e.orgs}
    assert "European Union" in orgs
    assert not orgs & {"EU", "the European Union", "Kremlin", "Minsk", "Kremlin Spokesman"}


@pytest.mark.parametrize("value, code, name", [
    ("BY", "BY", "Belarus"), ("by", "BY", "Belarus"), ("Belarus", "BY", "Belarus"),
    ("Belarusian", "BY", "Belarus"), ("Minsk", "BY", "Belarus"), ("Kremlin", "RU", "Russia"),
    ("U.S.", "US", "United States"), ("US", "US", "United States"), ("America", "US", "United States"),
    ("Britain", "GB", "United Kingdom"), ("UK", "GB", "United Kingdom"), ("Kiev", "UA", "Ukraine"),
    ("Kyiv", "UA", "Ukraine"), ("White House", "US", "United States"), ("Iran", "IR", "Iran"),
    ("South Korea", "KR", "South Korea"), ("Taiwan", "TW", "Taiwan"),
])
def test_resolve_country_reads_every_form(value, code, name):
    country = resolve_country(value)
    assert country is not None and (country.code, country.name) == (code, name)


@pytest.mark.parametrize("value", ["", "Europe", "Middle East", "Balkans", "EU", "xyzzy"])
def test_resolve_country_refuses_regions_and_nonsense(value):
    assert resolve_country(value) is None
