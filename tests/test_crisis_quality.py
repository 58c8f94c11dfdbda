"""The scoring rules of bench/crisis_quality.py on tiny hand-made annotations (no corpus, no spaCy)."""

from __future__ import annotations

import json

import pytest

from bench.crisis_quality import (
    Counts,
    SampleError,
    agreement_article,
    cohen_kappa,
    country_right,
    fold,
    load_reading,
    main,
    match_names,
    score_article,
)


def person(name, aliases=(), role="", country="", leader=False):
    return {"name": name, "aliases": list(aliases), "role": role, "country": country, "leader": leader}


def actor(name, leader=False, country="", role=""):
    return {"name": name, "leader": leader, "country": country, "role": role}


def test_fold_ignores_accents_case_and_letters_nfkd_keeps():
    assert fold("Recep Tayyip Erdoğan") == fold("recep tayyip ERDOGAN")
    assert fold("Jarosław Kaczyński") == "jaroslaw kaczynski"  # ł has no NFKD decomposition
    assert fold("Bashar al-Assad") == fold("Bashar al Assad")
    assert fold("Zelenskyy") != fold("Zelenskiy")  # spellings are told apart; aliases join them


def test_an_actor_matches_the_name_or_an_alias_once():
    gold = [person("Volodymyr Zelenskyy", aliases=["Zelenskiy"]), person("Olena Zelenska")]
    assert match_names(["Zelenskiy", "Olena Zelenska"], gold) == [(0, 0), (1, 1)]
    # the full name is preferred to the alias, and a person is matched by one actor only
    assert match_names(["Zelenskiy", "Volodymyr Zelenskyy"], gold) == [(1, 0)]
    assert match_names(["Volodymyr Zelensky"], gold) == []  # not an alias the reader saw


def test_people_split_and_junk_cost_precision_missed_costs_recall():
    gold = {
        "people": [person("Olaf Scholz", aliases=["Scholz"]), person("Emmanuel Macron")],
        "countries_about": [],
        "countries_mentioned": [],
        "orgs": [],
    }
    pred = {"actors": [actor("Olaf Scholz"), actor("Scholz"), actor("Borodyanka")], "countries": [], "orgs": []}
    counts, errors = score_article(pred, gold)
    assert counts["people"] == (1, 2, 1)
    assert errors["people_false"] == ["Scholz", "Borodyanka"]
    assert errors["people_missed"] == ["Emmanuel Macron"]


def test_a_leader_is_right_only_with_the_right_country():
    gold = {
        "people": [
            person("Vladimir Putin", role="President", country="RU", leader=True),
            person("Dmitry Peskov", role="Spokesman", country="RU"),
            person("António Guterres", role="Secretary-General", country="UN", leader=True),
            person("Mikhail Mishustin", role="Prime Minister", country="RU", leader=True),
        ],
        "countries_about": [],
        "countries_mentioned": [],
        "orgs": [],
    }
    pred = {
        "actors": [
            actor("Vladimir Putin", True, "RU", "President"),
            actor("Dmitry Peskov", True, "RU", "Press Secretary"),  # not a leader
            actor("Antonio Guterres", True, "", "Secretary-General of the United Nations"),
            actor("Mikhail Mishustin", True, "", "Prime Minister"),
        ],  # no country
        "countries": [],
        "orgs": [],
    }
    counts, errors = score_article(pred, gold)
    assert counts["leaders"] == (2, 2, 1)
    assert errors["leaders_missed"] == ["Mikhail Mishustin (RU)"]
    assert counts["people"] == (4, 0, 0)


def test_country_of_an_international_body():
    assert country_right("", "Secretary General of NATO", "NATO")
    assert country_right("NATO", "Secretary General", "NATO")
    assert not country_right("", "President", "EU")
    assert not country_right("BE", "President of the European Commission", "EU")
    assert not country_right("", "", "")
    assert not country_right("UA", "President", "RU")


def test_countries_about_and_mentioned_from_the_same_facet_codes():
    gold = {"people": [], "orgs": [], "countries_about": ["RU", "DE"], "countries_mentioned": ["RU", "DE", "FR", "US"]}
    counts, errors = score_article({"actors": [], "countries": ["RU", "FR", "GB"], "orgs": []}, gold)
    assert counts["countries_about"] == (1, 2, 1)
    assert counts["countries_mentioned"] == (2, 1, 2)
    assert errors["countries_about_missed"] == ["DE"]


def test_precision_recall_arithmetic():
    c = Counts()
    c.add(3, 1, 0)
    c.add(3, 1, 4)
    assert (c.tp, c.fp, c.fn) == (6, 2, 4)
    assert c.precision == pytest.approx(0.75)
    assert c.recall == pytest.approx(0.6)
    assert c.f1 == pytest.approx(2 * 6 / (12 + 2 + 4))
    assert Counts().precision == 1.0 and Counts().recall == 1.0  # nothing shown, nothing to find


def test_cohen_kappa():
    # 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: observed 0.7, chance 0.5 -> 0.4
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([(True, True), (False, False)]) == pytest.approx(1.0)
    assert cohen_kappa([(True, True)] * 3) is None  # one label only: chance agreement is 1
    assert cohen_kappa([]) is None


def test_agreement_of_two_readers():
    a = {
        "people": [
            person("Volodymyr Zelenskyy", leader=True, country="UA", role="President"),
            person("Andriy Yermak", role="Head of the Office of the President", country="UA"),
            person("Denys Shmyhal", leader=True, country="UA", role="Prime Minister"),
        ],
        "countries_about": ["UA"],
        "countries_mentioned": ["UA", "RU"],
        "orgs": [{"name": "NATO", "aliases": []}],
    }
    b = {
        "people": [
            person("Volodymyr Zelensky", aliases=["Volodymyr Zelenskyy"], leader=True, country="UA"),
            person("Andriy Yermak", leader=True, country="UA"),
        ],
        "countries_about": ["UA", "RU"],
        "countries_mentioned": ["UA", "RU"],
        "orgs": [{"name": "North Atlantic Treaty Organization", "aliases": ["NATO"]}],
    }
    counts, flags = agreement_article(a, b)
    assert counts["people"] == (2, 0, 1)
    assert counts["leaders"] == (1, 1, 1)
    assert counts["countries_about"] == (1, 1, 0)
    assert counts["countries_mentioned"] == (2, 0, 0)
    assert counts["orgs"] == (1, 0, 0)
    assert flags == [(True, True), (False, True)]


def write_reading(path, reader, ids):
    arts = [
        {
            "id": i,
            "people": [person("Vladimir Putin", leader=True, country="RU", role="President")],
            "countries_about": ["RU"],
            "countries_mentioned": ["RU"],
            "orgs": [],
        }
        for i in ids
    ]
    path.write_text(json.dumps({"reader": reader, "articles": arts}), encoding="utf-8")


def test_readings_mode_prints_the_table_and_rejects_an_incomplete_reading(tmp_path, capsys):
    sample = tmp_path / "articles.jsonl"
    sample.write_text("".join(json.dumps({"id": f"k-{n}", "url": f"u{n}", "title": "t"}) + "\n" for n in range(2)))
    write_reading(tmp_path / "reading-a.json", "A", ["k-0", "k-1"])
    write_reading(tmp_path / "reading-b.json", "B", ["k-0", "k-1"])
    assert main(["--readings", "--sample", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "| people | 1.000 | 2 | 0 | 0 |" in out
    assert "leader flag over the 2 people both list" in out

    write_reading(tmp_path / "reading-b.json", "B", ["k-0"])
    with pytest.raises(SampleError, match="lacks 1"):
        load_reading(tmp_path / "reading-b.json", [{"id": "k-0"}, {"id": "k-1"}])
    assert main(["--readings", "--sample", str(sample)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1
