"""NER: long texts in chunks with the right offsets, and the cache keyed by text and model."""

from __future__ import annotations

from conftest import SEEDS

from indexer.enrich import CHUNK_CHARS, NerCache, entities_for, model_id, recognise, split_text, text_hash
from indexer.model import Article


def seed_text() -> str:
    return (SEEDS / "003_0e92e75e7bff483c.txt").read_text(encoding="utf-8")


def test_split_text_covers_the_text_at_natural_breaks():
    text = ("Paragraph about Minsk. " * 60 + "\n\n") * 40
    parts = split_text(text)
    assert len(parts) > 1
    assert "".join(piece for _, piece in parts) == text
    assert all(text[offset : offset + len(piece)] == piece for offset, piece in parts)
    assert all(len(piece) <= CHUNK_CHARS for _, piece in parts)
    assert all(piece.endswith(("\n", ". ")) for _, piece in parts[:-1])


def test_long_texts_are_recognised_in_chunks_with_document_offsets(nlp):
    text = seed_text()
    long_text = "\n\n".join([text] * 12)  # about 30,000 characters: more than one chunk
    assert len(long_text) > CHUNK_CHARS
    (short,), (long,) = recognise(nlp, [text], n_process=1), recognise(nlp, [long_text], n_process=1)
    # Offsets point into the whole text: every span reads as an entity the short text also has.
    assert {long_text[s:e] for s, e, _ in long} <= {text[s:e] for s, e, _ in short}
    people = [long_text[s:e] for s, e, label in long if label == "PERSON"]
    assert people.count("Dmitry Peskov") == 12  # once per copy, wherever the chunk boundaries fell
    assert len(long) >= 11 * len(short)


def test_second_run_takes_entities_from_the_cache(nlp, tmp_path):
    article = Article(id="a", title="Minsk talks", text=seed_text(), date=None)
    twin = Article(id="b", title="Minsk talks", text=seed_text(), date=None)
    cache = NerCache(tmp_path / "cache.sqlite", model_id(nlp))
    spans, runs = entities_for([article, twin], nlp, cache, n_process=1)
    assert runs == 1  # identical texts go through spaCy once
    assert spans[0] == spans[1] and ("PERSON" in {label for _, _, label in spans[0]})
    again, runs = entities_for([article], nlp, cache, n_process=1)
    assert runs == 0 and again[0] == spans[0]
    other_model = NerCache(tmp_path / "cache.sqlite", "en_other@9.9")
    assert other_model.get_many([text_hash("Minsk talks\n\n" + seed_text())]) == {}
    cache.close()
    other_model.close()
