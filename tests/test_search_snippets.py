"""Snippets: escaped text, our own <mark> around every matched (stemmed) word, at most three fragments."""

from __future__ import annotations

import re

from search.whoosh.parse import analyse_words
from search.whoosh.snippets import ELLIPSIS, find_matches, lead_paragraph, make_snippet


def terms(text):
    return frozenset(analyse_words(text))


def test_stemmed_forms_are_marked():
    body = "Migrants gathered at the border. One migrant said the crossing was closed."
    html = make_snippet(body, terms("migrants"))
    assert "<mark>Migrants</mark>" in html and "<mark>migrant</mark>" in html


def test_article_text_is_escaped_and_only_mark_tags_remain():
    body = 'Officials said <script>alert(1)</script> & "quotes" appeared next to the migrants.'
    html = make_snippet(body, terms("script migrants"))
    assert "<script>" not in html
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in html
    assert "&amp;" in html
    assert set(re.findall(r"</?(\w+)", html)) == {"mark"}


def test_lead_paragraph_when_nothing_matches():
    body = "First paragraph <b>bold</b> here.\n\nSecond paragraph."
    html = make_snippet(body, terms("absent"))
    assert html == "First paragraph &lt;b&gt;bold&lt;/b&gt; here."
    assert make_snippet(body, frozenset()) == html


def test_long_lead_paragraph_is_cut_at_a_word():
    text = lead_paragraph("word " * 200)
    assert text.endswith(ELLIPSIS) and len(text) < 300 and "wor " not in text


def test_at_most_three_fragments_with_ellipses_between():
    filler = "Nothing of note happened on this day in the town at all. " * 6
    body = filler.join(f"Sanctions round {i} began." for i in range(6)) + filler
    html = make_snippet(body, terms("sanctions"))
    assert html.count("<mark>") == 3
    assert html.count(ELLIPSIS) >= 3


def test_phrase_words_and_dotted_tokens_are_found():
    found = find_matches("U.S. humanitarian law applies; laws vary.", terms("U.S. humanitarian law"))
    assert [m[2] for m in found] == ["u.", "humanitarian", "law", "law"]


def test_words_inside_other_words_are_not_marked():
    assert find_matches("Antimigrant groups", terms("migrant")) == []


TRICKY_TEXT = (
    "Erdoğan met U.S. officials and the U.N.'s envoy in São Paulo; İstanbul's mayor spoke of co-operation "
    "and the economy's economic woes. Migrants (migrant, MIGRANTS) crossed at Kuźnica; x_migrant is one "
    "token, *migrant* is marked, 3.5% of the presidents' presidential aides. İİİ migration."
)


def test_the_finds_and_the_compiled_alternation_give_the_same_matches(monkeypatch):
    """A query's few word beginnings are looked for with str.find (no regex to compile per query); many
    (a wildcard's expansions) with one compiled alternation; both find the same words."""
    from search.whoosh import snippets

    queries = ["migrants", "erdogan us", "economy president", "u.s un", "istanbul sao paulo", "co operation 3.5"]
    queries += ["migrant migration president presidential economy economic istanbul kuznica erdogan us un"]
    texts = [TRICKY_TEXT, TRICKY_TEXT.lower(), TRICKY_TEXT.replace("İ", "I")]
    found = [[find_matches(t, terms(q)) for t in texts] for q in queries]
    monkeypatch.setattr(snippets, "FIND_MAX_PREFIXES", 0)  # every query through the alternation
    assert [[find_matches(t, terms(q)) for t in texts] for q in queries] == found
    plain = texts[2]  # without "İ", whose lower case is two characters (that text takes the alternation)
    assert [plain[s:e] for s, e, _ in found[0][2]] == ["Migrants", "migrant", "MIGRANTS"]  # not x_migrant
    assert [plain[s:e] for s, e, _ in found[1][2]] == ["Erdoğan"]
    assert [plain[s:e] for s, e, _ in found[3][2]] == ["U.S"]  # one token, not "S" again after the dot
    assert [plain[s:e] for s, e, _ in found[4][2]] == ["São", "Paulo", "Istanbul"]
