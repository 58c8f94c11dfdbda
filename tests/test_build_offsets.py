"""Mentions the corpus-wide rules add land on the right words of the body, also when a title comes first."""

from __future__ import annotations

import json

from whoosh import index

from indexer.layout import current_generation_dir

ARTICLE = {
    "id": "p1",
    "date": "2022-04-27",
    "title": "Yermak presents the group's action plan on sanctions against Russia",
    # from president.gov.ua, 27 April 2022 (shortened)
    "text": "Head of the Office of the President of Ukraine Andriy Yermak and former US Ambassador to Russia "
    "Michael McFaul presented the action plan. The Yermak-McFaul group was created to coordinate "
    "sanctions. Andriy Yermak thanked Michael McFaul.",
}


def test_hyphenated_pair_mentions_point_into_the_body(build_index, tmp_path):
    corpus = tmp_path / "a.jsonl"
    corpus.write_text(json.dumps(ARTICLE) + "\n", encoding="utf-8")
    build_index([corpus], tmp_path / "idx")
    ix = index.open_dir(str(current_generation_dir(tmp_path / "idx")))
    with ix.searcher() as searcher:
        stored = searcher.stored_fields(0)
    body, mentions = stored["body"], json.loads(stored["entities"])["mentions"]
    actors = [(body[s:e], v) for s, e, kind, v in mentions if kind == "actor"]
    assert ("Yermak-McFaul", "Andriy Yermak") in actors
    assert ("Yermak-McFaul", "Michael McFaul") in actors
    for text, value in actors:
        assert text == "Yermak-McFaul" or value.endswith(text.split()[-1])


def test_dates_in_the_text_point_into_the_body(build_index, tmp_path):
    article = dict(ARTICLE, text=ARTICLE["text"] + " The group met on Monday and again on 20 April.")
    corpus = tmp_path / "a.jsonl"
    corpus.write_text(json.dumps(article) + "\n", encoding="utf-8")
    build_index([corpus], tmp_path / "idx")
    ix = index.open_dir(str(current_generation_dir(tmp_path / "idx")))
    with ix.searcher() as searcher:
        stored = searcher.stored_fields(0)
        facets = json.loads(searcher.reader().column_reader("facets")[0])
    body = stored["body"]
    dates = {body[s:e]: (day, precision) for s, e, day, precision in json.loads(stored["entities"])["dates"]}
    assert dates["Monday"] == ("2022-04-25", "day")  # the Monday before Wednesday 27 April
    assert dates["20 April"] == ("2022-04-20", "day")
    assert ["20220425", "d"] in facets["ev"] and ["20220420", "d"] in facets["ev"]


def _all_entities(index_dir):
    ix = index.open_dir(str(current_generation_dir(index_dir)))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        column = reader.column_reader("facets")
        return {
            f["id"]: (json.loads(f["entities"]), json.loads(column[d]))
            for d, f in ((d, reader.stored_fields(d)) for d in reader.all_doc_ids())
        }


def test_a_rebuild_from_the_entity_cache_writes_the_same_entities(build_index, tmp_path):
    """Everything corpus resolution reads (name votes, acronyms, organisation usage, dates) survives the cache."""
    from pathlib import Path

    corpus = Path(__file__).resolve().parent / "data" / "fixture_articles.jsonl"
    first = build_index([corpus], tmp_path / "idx")
    assert first.normalised == first.read
    before = _all_entities(tmp_path / "idx")
    second = build_index([corpus], tmp_path / "idx", rebuild=True)
    assert second.normalised == 0 and second.ner_runs == 0  # every article from the entity cache
    assert _all_entities(tmp_path / "idx") == before


def test_people_named_only_in_the_lead_paragraph_are_actors(build_index, tmp_path):
    """Kremlin releases often name the President only in their summary column (en.kremlin.ru, 24 June 2022)."""
    row = {
        "id": "brics",
        "date": "2022-06-24",
        "title": "BRICS+ meeting",
        "summary": "Vladimir Putin attended a BRICS+ meeting involving the leaders of several invited "
        "states, held via videoconference.",
        "text": "The meeting's topic is Foster Partnership for Global Development in a New Era Towards Joint "
        "Implementation of the 2030 Agenda for Sustainable Development. Taking part in the BRICS+ "
        "meeting were President of the People's Republic of China Xi Jinping and Prime Minister of "
        "India Narendra Modi.",
    }
    corpus = tmp_path / "a.jsonl"
    corpus.write_text(json.dumps(row) + "\n", encoding="utf-8")
    build_index([corpus], tmp_path / "idx")
    ix = index.open_dir(str(current_generation_dir(tmp_path / "idx")))
    with ix.searcher() as searcher:
        stored = searcher.stored_fields(0)
    ents = json.loads(stored["entities"])
    assert "Vladimir Putin" in {a["name"] for a in ents["actors"]}
    body = stored["body"]
    for start, end, _kind, _value in ents["mentions"]:  # mentions point into the body, never the lead
        assert 0 <= start < end <= len(body)
    assert any(body[s:e] == "India" for s, e, k, _ in ents["mentions"] if k == "country")
