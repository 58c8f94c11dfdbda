"""parse_query: what the user's text means (syntax, fallbacks), before any index is involved (the Whoosh
backend's parser, search/whoosh/parse.py)."""

from __future__ import annotations

import pytest
from whoosh import query as wq

from search.query import NOTICE_NOTHING, NOTICE_RELAXED, NOTICE_STOPWORDS, NOTICE_UNPARSED, tidy_text
from search.whoosh.parse import parse_query


def leaves(q):
    """Every leaf query of a tree."""
    if not list(q.children()):
        return [q]
    return [leaf for child in q.children() for leaf in leaves(child)]


def test_plain_words_are_stemmed_and_all_required_in_title_body_or_lead():
    parsed = parse_query("migrants Belarus")
    assert parsed.plain and parsed.words == ["migrant", "belaru"]
    assert isinstance(parsed.query, wq.And)
    assert {(t.fieldname, t.text) for t in leaves(parsed.query)} == {
        (field, word) for field in ("title", "body", "lead") for word in ("migrant", "belaru")
    }


def test_accents_are_folded_in_query_words():
    assert parse_query("Erdoğan").words == parse_query("Erdogan").words == ["erdogan"]


def test_minus_excludes_only_at_a_word_start():
    parsed = parse_query("crisis -Poland de-escalation")
    assert isinstance(parsed.query, wq.AndNot)
    excluded = {t.text for t in leaves(parsed.query.b)}
    assert excluded == {"poland"}


@pytest.mark.parametrize(
    "text, kind, field",
    [
        ('"humanitarian law"', wq.Phrase, "body"),
        ('actor:"Vladimir Putin"', wq.Term, "actor"),
        ("person:Putin", wq.Term, "actor"),
        ("country:Belarus", wq.Term, "country"),
        ("org:NATO", wq.Term, "org"),
        ("source:Kremlin", wq.Term, "source"),
        ("title:Tokayev", wq.Term, "title"),
        ("date:[2021-11-01 TO 2021-11-30]", wq.NumericRange, "date"),
        ("migra*", wq.Prefix, "body"),
        ("Lukashenka~", wq.FuzzyTerm, "body"),
    ],
)
def test_syntax_forms(text, kind, field):
    parsed = parse_query(text)
    assert parsed.notice is None and not parsed.plain
    assert any(isinstance(leaf, kind) and leaf.field() == field for leaf in leaves(parsed.query))


def test_fuzzy_terms_keep_their_first_letter():
    fuzzy = [leaf for leaf in leaves(parse_query("Lukashenka~").query)]
    assert all(f.prefixlength >= 1 for f in fuzzy)


def test_long_questions_are_relaxed():
    parsed = parse_query("what pressure did the EU put on Belarus over migrants")
    assert parsed.relaxed and parsed.notice == NOTICE_RELAXED
    assert "belaru" in parsed.words and "the" not in parsed.words


def test_short_queries_are_not_relaxed():
    assert not parse_query("Belarus migrants border").relaxed


def test_unparseable_text_becomes_words_with_a_notice():
    parsed = parse_query("date:[garbage TO never]")
    assert parsed.notice == NOTICE_UNPARSED and parsed.plain
    assert "garbag" in parsed.words


@pytest.mark.parametrize(
    "text, notice, empty",
    [
        ("the of and", NOTICE_STOPWORDS, True),
        ('"', NOTICE_NOTHING, False),
        ("((", NOTICE_NOTHING, False),
    ],
)
def test_nothing_searchable(text, notice, empty):
    parsed = parse_query(text)
    assert parsed.query is None and parsed.notice == notice and parsed.empty is empty


def test_star_matches_everything():
    assert all(isinstance(leaf, wq.Every) for leaf in leaves(parse_query("*").query))


def test_empty_text_browses():
    parsed = parse_query("   ")
    assert parsed.query is None and parsed.notice is None


@pytest.mark.parametrize(
    "text, tidy",
    [
        ("what did Putin say about Belarus?", "what did Putin say about Belarus"),
        ("Belarus?!", "Belarus!"),
        ("migra?t", "migra?t"),  # a wildcard inside a word stays
        ('"unterminated phrase', "unterminated phrase"),
    ],
)
def test_question_marks_and_a_lone_quote_are_not_syntax(text, tidy):
    assert tidy_text(text) == tidy


def test_a_question_is_relaxed_not_a_wildcard():
    parsed = parse_query("what did Putin say about Belarus?")
    assert parsed.plain and parsed.relaxed
    assert parse_query("?").notice == NOTICE_NOTHING


@pytest.mark.parametrize("text", ["Tokayev date:yesterday", "Tokayev NOT date:yesterday", "Tokayev OR date:soon"])
def test_an_unreadable_date_is_left_out_with_a_notice_not_silently_matching_nothing(text):
    from search.query import NOTICE_PARTLY

    parsed = parse_query(text)
    assert parsed.notice == NOTICE_PARTLY
    assert {(t.fieldname, t.text) for t in leaves(parsed.query)} == {(f, "tokayev") for f in ("title", "body", "lead")}
