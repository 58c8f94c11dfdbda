"""A byline's name ends at its line: spaCy runs "Simon Jenkins" into the "Read more" link after it.

In full Guardian live blogs (breaks restored by indexer/liveblog.py) spaCy tagged "Simon Jenkins\\nRead"
and "Katharine Murphy\\nRead" as one PERSON each; the spans below are the ones it gave there. Hard-wrapped
wire names ("Satoshi\\nSumita") must stay whole.
"""

from __future__ import annotations

from indexer.entities import normalise_entities


def _people(text: str, spans: list[tuple[str, str]]) -> list[str]:
    found, at = [], 0
    for words, label in spans:
        s = text.index(words, at)
        found.append((s, s + len(words), label))
        at = s + len(words)
    return sorted(a.name for a in normalise_entities(text, found).actors)


def test_a_byline_name_stops_before_the_read_more_line():
    text = (
        "Truss is recklessly inflaming Ukraine's war to serve her own ambition | Simon Jenkins\n"
        "Read more\nYet the uncomfortably brutal blow came from Berlin."
    )
    assert _people(text, [("Simon Jenkins\nRead", "PERSON")]) == ["Simon Jenkins"]


def test_a_byline_name_stops_before_a_short_caption_line_after_blank_lines():
    text = "in no small part due to Penny Wong | Katharine Murphy\n\nRead more\nSaifuddin met Retno Marsudi."
    people = _people(text, [("Penny Wong", "PERSON"), ("Katharine Murphy\n\nRead", "PERSON")])
    assert people == ["Katharine Murphy", "Penny Wong"]


def test_a_hard_wrapped_wire_name_stays_whole():
    text = "Bank of Japan Governor Satoshi\nSumita said on Tuesday the yen was stable."
    assert _people(text, [("Satoshi\nSumita", "PERSON")]) == ["Satoshi Sumita"]


def test_a_name_wrapped_before_a_sentence_that_goes_on_stays_whole():
    # Two words before the break, but the next line is a sentence going on: the name continues.
    text = "Finance Minister Nigel Lawson\nHolmes told reporters in London on Friday that rates would stay."
    assert _people(text, [("Nigel Lawson\nHolmes", "PERSON")]) == ["Nigel Lawson Holmes"]
