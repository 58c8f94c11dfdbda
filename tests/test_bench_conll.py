"""The CoNLL-2003 reader and people-per-article scoring of bench/facet_quality.py, on a file in its format.

The tokens are written here (CoNLL-2003 itself is research-only and stays out of tests/data/)."""

from __future__ import annotations

import pytest

from bench.conll import ConllError, read_conll, split_path
from bench.facet_quality import actor_matches, gold_people, main, score_article

SAMPLE = """-DOCSTART- -X- -X- O

UKRAINE NNP I-NP I-LOC
TALKS NNP I-NP O

KYIV NNP I-NP I-LOC
2022-03-01 CD I-NP O

Defender NNP I-NP O
Olaf NNP I-NP I-PER
Scholz NNP I-NP I-PER
met VBD I-VP O
Volodymyr NNP I-NP I-PER
Zelenskyy NNP I-NP I-PER
. . O O

Scholz NNP I-NP I-PER
said VBD I-VP O
Kuleba NNP I-NP I-PER
Yermak NNP I-NP B-PER
agreed VBD I-VP O
. . O O

-DOCSTART- -X- -X- O

Lula NNP I-NP I-PER
spoke VBD I-VP O
. . O O
"""


@pytest.fixture
def conll_dir(tmp_path):
    (tmp_path / "eng.testb").write_text(SAMPLE, encoding="utf-8")
    return tmp_path


def test_articles_are_cut_at_docstart_with_sentences_on_lines(conll_dir):
    docs = list(read_conll(split_path(conll_dir, "testb")))
    assert [d["id"] for d in docs] == ["testb-1", "testb-2"]
    assert docs[0]["text"].split("\n")[:2] == ["UKRAINE TALKS", "KYIV 2022-03-01"]
    spans = [name for _, _, name in docs[0]["people"]]
    assert spans == ["Olaf Scholz", "Volodymyr Zelenskyy", "Scholz", "Kuleba", "Yermak"]
    s, e, name = docs[0]["people"][0]
    assert docs[0]["text"][s:e] == name


def test_b_tag_starts_a_new_person(tmp_path):
    # IOB1: "I-PER I-PER B-PER" is one name and then another.
    (tmp_path / "eng.testa").write_text(
        "-DOCSTART- -X- O O\n\nAnna NNP I-NP I-PER\nLee NNP I-NP I-PER\nTom NNP I-NP B-PER\n", encoding="utf-8"
    )
    doc = next(read_conll(tmp_path / "eng.testa"))
    assert [n for _, _, n in doc["people"]] == ["Anna Lee", "Tom"]


def test_a_surname_alone_joins_the_full_name_of_the_article(conll_dir):
    doc = next(read_conll(conll_dir / "eng.testb"))
    assert gold_people(doc["people"]) == ["Olaf Scholz", "Volodymyr Zelenskyy", "Kuleba", "Yermak"]


def test_an_actor_matches_a_person_by_full_form_not_by_glued_words():
    text = "Defender Olaf Scholz met Volodymyr Zelenskyy . J. Crawley 94 . Lula spoke ."
    words = " defender olaf scholz met volodymyr zelenskyy j crawley 94 lula spoke "
    assert actor_matches("Olaf Scholz", "Olaf Scholz", words)
    assert actor_matches("Scholz", "Olaf Scholz", words)  # a fragment of the gold name
    assert not actor_matches("Defender Olaf Scholz", "Olaf Scholz", words)  # glued from the text
    assert actor_matches("Luiz Inácio Lula da Silva", "Lula", words)  # the corpus's full name
    assert actor_matches("John Crawley", "J. Crawley", words)  # an initial for the word it starts
    assert not actor_matches("Olaf Scholz", "Volodymyr Zelenskyy", words)
    false, missed = score_article(
        ["Olaf Scholz", "Defender Olaf Scholz", "Kyiv"], ["Olaf Scholz", "Volodymyr Zelenskyy"], text
    )
    assert false == ["Defender Olaf Scholz", "Kyiv"] and missed == ["Volodymyr Zelenskyy"]


def test_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys):
    with pytest.raises(ConllError):
        split_path(tmp_path, "testb")
    (tmp_path / "eng.train").write_text("no docstart here\n", encoding="utf-8")
    assert main([str(tmp_path), "--split", "train"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
