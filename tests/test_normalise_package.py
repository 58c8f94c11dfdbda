"""The normaliser as a package (issue 10): indexer/normalise/ behind the indexer/entities.py facade, pure
Python (no spaCy, Whoosh or web code), with named mentions instead of positional tuples."""

from __future__ import annotations

import ast
from datetime import date

from indexer import entities
from indexer.normalise.countries import Dateline, find_dateline
from indexer.normalise.person import PersonMention, read_person
from indexer.normalise.places import CountryHit
from indexer.normalise.roles import Role, role_before
from indexer.normaliser_version import PACKAGE_DIR, rule_files

PACKAGE = PACKAGE_DIR / "normalise"
FORBIDDEN = {"spacy", "whoosh", "flask", "search", "app"}


def _top_imports(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_normaliser_imports_no_ner_index_or_web_code():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {p.stem for p in modules} >= {
        "article",
        "person",
        "people",
        "people_corpus",
        "roles",
        "role_timeline",
        "countries",
        "places",
        "orgs",
        "corpus",
        "reference",
    }
    for path in modules + [PACKAGE_DIR / "entities.py"]:
        assert not _top_imports(path) & FORBIDDEN, path.name


def test_every_module_of_the_package_is_part_of_the_normaliser_version():
    files, _ = rule_files()
    assert set(PACKAGE.glob("*.py")) <= set(files)


def test_the_facade_is_the_three_entry_points():
    assert set(entities.__all__) == {"normalise_entities", "resolve_corpus", "resolve_country"}
    text = "Russian President Vladimir Putin met Olaf Scholz in Moscow."
    spans = [
        (text.index(s), text.index(s) + len(s), label)
        for s, label in (("Vladimir Putin", "PERSON"), ("Olaf Scholz", "PERSON"), ("Moscow", "GPE"))
    ]
    ents = entities.normalise_entities(text, spans, date=date(2022, 2, 15))
    putin = next(a for a in ents.actors if a.name == "Vladimir Putin")
    assert (putin.role, putin.country, putin.leader) == ("President", "RU", True)
    assert [(m.kind, m.value) for m in ents.mentions if m.kind == "country"] == [("country", "RU")]  # Moscow
    assert ents.countries == []  # one city, once: the story is not shown as about Russia
    assert entities.resolve_country("Kremlin").code == "RU"


def test_mentions_are_named_not_positional():
    text = "MOSCOW, November 17. Russian Foreign Minister Sergei Lavrov said so."
    dateline = find_dateline(text)
    assert isinstance(dateline, Dateline) and (dateline.start, dateline.end, dateline.code) == (0, 6, "RU")
    people, hits = [], []
    start = text.index("Sergei")
    read_person(text, start, start + len("Sergei Lavrov"), False, people, hits, 0)
    (lavrov,) = people
    assert isinstance(lavrov, PersonMention) and lavrov.name == "Sergei Lavrov" and not lavrov.weak
    assert isinstance(lavrov.role, Role) and lavrov.role == Role("Foreign Minister", "RU", True)
    assert lavrov.role.title == "Foreign Minister" and lavrov.role.leader
    assert role_before("the Kremlin Spokesman ", len("the Kremlin Spokesman ")) == ("Spokesman", "RU", False)
    read_person("Belarus\n\nsaid", 0, 7, False, people, hits, 0)  # spaCy's PERSON that is a country
    assert hits == [CountryHit(0, 7, "BY", "name")] and hits[0].kind == "name"
