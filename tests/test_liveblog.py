"""Guardian live blogs scraped as glued text get their breaks back when read (indexer/liveblog.py).

tests/data/liveblog/guardian-excerpts.csv holds three real excerpts of ../shared/corpora/guardian-ukraine-nato-2022/,
as stored there: two live blogs (24 February and 3 July 2022) and an ordinary report that must stay as it is.
"""

from __future__ import annotations

import csv
from pathlib import Path

from indexer.enrich import ner_text
from indexer.liveblog import count_glued_joins, is_glued, restore_breaks
from indexer.sources import read_articles

EXCERPTS = Path(__file__).resolve().parent / "data" / "liveblog" / "guardian-excerpts.csv"


def raw_texts() -> dict[str, str]:
    """The excerpts' text column exactly as stored, by heading."""
    with open(EXCERPTS, encoding="utf-8", newline="") as fh:
        return {row["Heading"]: row["Text"] for row in csv.DictReader(fh)}


def read_texts() -> dict[str, str]:
    """The excerpts as the indexer reads them, by title."""
    return {a.title: a.text for a in read_articles([EXCERPTS])}


def slovyansk(texts: dict[str, str]) -> str:
    return next(t for title, t in texts.items() if "Slovyansk" in title)


def biden(texts: dict[str, str]) -> str:
    return next(t for title, t in texts.items() if "Putin chose this war" in title)


def test_block_stamps_headings_and_sentences_are_separated():
    blog = slovyansk(read_texts())
    lines = blog.splitlines()
    # "13.44'Many killed' in attack on ... of SlovyanskThe eastern Ukrainian city ..." as stored
    assert lines[:3] == ["13.44", "'Many killed' in attack on eastern Ukrainian city of Slovyansk", lines[2]]
    assert lines[2].startswith("The eastern Ukrainian city of Slovyansk was hit")
    assert "Vadim Lyakh said.\n“There are 15 fires." in blog  # said.“There
    assert "shelling of the city.\nWe’ll be bring you more" in blog
    assert "Updated at 14.04\u00a0BST" in lines  # the footer on a line of its own, zone kept
    assert "1h ago 14.04" in lines  # "1h ago14.04At least six people" as stored
    assert "At least six people have died in the attack on Slovyansk" in blog
    assert "SlovyanskThe" not in blog and "ago14.04" not in blog


def test_read_more_links_and_dated_block_headers_are_separated():
    blog = biden(read_texts())
    lines = blog.splitlines()
    # "...on multiple frontsRead moreUpdated at 23.50 GMT 24 Feb 202223.33Asked when ... asked?Psaki ..."
    assert "Read more" in lines
    assert lines[lines.index("Read more") - 1].endswith("amid invasion on multiple fronts")
    assert "Updated at 23.50\u00a0GMT" in lines
    assert "24 Feb 2022 23.33" in lines
    assert lines[lines.index("24 Feb 2022 23.33") + 1].startswith("Asked when Biden would impose")
    assert "a reporter asked?\nPsaki roundly rejected that notion." in blog


def test_every_glued_join_of_the_excerpts_is_restored_and_nothing_else_changes():
    raw, read = raw_texts(), read_texts()
    for title, text in read.items():
        after = count_glued_joins(text)
        restored = {kind: n for kind, n in after.items() if kind != "camel case (names kept)" and n}
        assert restored == {}, (title, restored)
        # only breaks were added: the words are the same words in the same order
        assert text.split() == restore_breaks(raw[title]).split()
        assert "".join(text.split()) == "".join(raw[title].split())
    # counted by hand: 13.44'Many, SlovyanskThe, said.“There, city.We’ll, "BST 1h ago" after the footer, ago14.04At
    assert +count_glued_joins(slovyansk(raw)) == {"block stamp": 2, "heading": 1, "sentence": 2, "update footer": 1}
    ordinary = next(t for t in raw if "McDonnell" in t)
    assert not is_glued(raw[ordinary])
    assert read[ordinary] == raw[ordinary].strip()  # an ordinary report is read exactly as stored


def test_names_written_in_camel_case_stay_whole():
    text = "13.44Talks endedBlackRock and DeSantis met on LinkedIn. #StandWithUkraine"
    restored = restore_breaks(text)
    for name in ("BlackRock", "DeSantis", "LinkedIn", "#StandWithUkraine"):
        assert name in restored
    assert "Talks ended\nBlackRock" in restored  # a whole lower-case word run into a name is a join


def test_ner_sees_the_place_not_the_glued_word(nlp):
    """With the real model: the glued text gives NER "SlovyanskThe" to read; the restored one, Slovyansk."""
    article = next(a for a in read_articles([EXCERPTS]) if "Slovyansk" in a.title)
    entities = {(e.text, e.label_) for e in nlp(ner_text(article)).ents}
    assert any(text == "Slovyansk" and label == "GPE" for text, label in entities), entities
    assert not any("SlovyanskThe" in text or "13.44'Many" in text for text, _ in entities)
    assert not any("\n" in text for text, _ in entities)
