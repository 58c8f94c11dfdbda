"""Names in title-cased headlines (the Reddit news set): a headline's verb is not part of a name, one
headline's run-on name does not rename a person the corpus names hundreds of times, and a surname spaCy
tags as an organisation ("Sinema Says...") is the person the corpus names in full.

Headlines are real ones from ../shared/corpora/reddit-news-headlines-2021-22, run through the real model.
"""

from __future__ import annotations

from indexer.entities import normalise_entities, resolve_corpus


def _batch(nlp, texts):
    batch = [
        normalise_entities(text, [(e.start_char, e.end_char, e.label_) for e in doc.ents])
        for text, doc in zip(texts, nlp.pipe(texts))
    ]
    resolve_corpus(batch)
    return batch


def _actors(ents) -> set[str]:
    return {a.name for a in ents.actors}


def test_a_headline_verb_ends_the_name(nlp):
    (ents,) = _batch(nlp, ["Joe Biden Is Succeeding"])
    assert _actors(ents) == {"Joe Biden"}


def test_names_that_are_also_words_stay_whole(nlp):
    will, said = _batch(nlp, ["Columnist George Will criticised the plan.", "Edward Said wrote Orientalism."])
    assert "George Will" in _actors(will) and "Edward Said" in _actors(said)


def test_one_run_on_headline_does_not_rename_a_frequent_name(nlp):
    texts = ["Joe Biden Is Succeeding"] + [f"President Joe Biden spoke on day {i}." for i in range(12)]
    batch = _batch(nlp, texts)
    assert all(_actors(ents) <= {"Joe Biden"} for ents in batch)
    assert sum("Joe Biden" in _actors(ents) for ents in batch) == len(texts)


def test_a_surname_tagged_as_an_organisation_is_the_person_the_corpus_names():
    # spaCy tags the bare surname of a headline as ORG; the spans are given so the test says what it covers.
    headline = "Sinema defends filibuster vote"
    full = "Senator Kyrsten Sinema of Arizona voted against the change."
    batch = [
        normalise_entities(headline, [(0, 6, "ORG")]),
        normalise_entities(full, [(8, 22, "PERSON"), (26, 33, "GPE")]),
        normalise_entities(full, [(8, 22, "PERSON"), (26, 33, "GPE")]),
    ]
    resolve_corpus(batch)
    assert "Kyrsten Sinema" in _actors(batch[0]) and not batch[0].orgs


def test_a_company_named_like_a_rarely_named_person_stays_a_company():
    texts = [("Ford recalls 100,000 trucks", [(0, 4, "ORG")])] * 5 + [
        ("Actor Harrison Ford arrived.", [(6, 19, "PERSON")]),
    ]
    batch = [normalise_entities(t, spans) for t, spans in texts]
    resolve_corpus(batch)
    assert all(o.name == "Ford" for ents in batch[:5] for o in ents.orgs)
    assert not any(_actors(ents) for ents in batch[:5])
