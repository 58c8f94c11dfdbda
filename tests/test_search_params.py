"""parse_request: every parameter validated into a SearchRequest, bad input as InvalidParameter."""

from __future__ import annotations

from datetime import date

import pytest

from search import InvalidParameter, SearchRequest, parse_request


def test_defaults_for_no_parameters():
    req = parse_request({})
    assert req == SearchRequest()
    assert req.effective_sort == "newest"  # an empty query browses newest first


def test_all_parameters_are_read():
    req = parse_request(
        {
            "q": ["  Lukashenko  "],
            "page": ["3"],
            "per_page": ["50"],
            "sort": ["oldest"],
            "from": ["2021-11"],
            "to": ["2022"],
            "actor": ["Vladimir Putin", "-Angela Merkel"],
            "country": ["BY", "-Poland"],
            "org": ["NATO"],
            "source": ["-Kremlin"],
            "leaders": ["1"],
        }
    )
    assert req.q == "Lukashenko"
    assert (req.page, req.per_page, req.sort, req.leaders) == (3, 50, "oldest", True)
    assert req.date_from == date(2021, 11, 1) and req.date_to == date(2022, 12, 31)
    assert req.include == {"actor": ["Vladimir Putin"], "country": ["BY"], "org": ["NATO"]}
    assert req.exclude == {"actor": ["Angela Merkel"], "country": ["Poland"], "source": ["Kremlin"]}
    assert req.effective_sort == "oldest"


def test_partial_dates_cover_their_whole_period():
    req = parse_request({"from": ["2021-02"], "to": ["2021-02"]})
    assert (req.date_from, req.date_to) == (date(2021, 2, 1), date(2021, 2, 28))
    req = parse_request({"from": ["2024-02-29"], "to": ["2024-02-29"]})
    assert req.date_from == req.date_to == date(2024, 2, 29)


def test_blank_and_repeated_values_are_ignored():
    req = parse_request({"q": [""], "page": [""], "country": ["", " ", "-", "BY", "BY"], "from": [""]})
    assert req.page == 1 and req.date_from is None
    assert req.include == {"country": ["BY"]} and req.exclude == {}


def test_plain_string_values_are_accepted():
    assert parse_request({"q": "Belarus", "per_page": "20"}).per_page == 20


@pytest.mark.parametrize(
    "args, message",
    [
        ({"q": ["x" * 1001]}, "q must be at most 1000 characters"),
        ({"page": ["-1"]}, "page must be from 1 to 1000"),
        ({"page": ["0"]}, "page must be from 1 to 1000"),
        ({"page": ["1001"]}, "page must be from 1 to 1000"),
        ({"page": ["two"]}, "page must be a whole number"),
        ({"per_page": ["100000"]}, "per_page must be 10, 20 or 50"),
        ({"per_page": ["ten"]}, "per_page must be 10, 20 or 50"),
        ({"sort": ["random"]}, "sort must be relevance, newest or oldest"),
        ({"from": ["yesterday-ish"]}, "from must be a date like 2021, 2021-11 or 2021-11-25"),
        ({"to": ["2021-13"]}, "to is not a real date"),
        ({"from": ["2021-02-30"]}, "from is not a real date"),
        ({"from": ["2022"], "to": ["2021"]}, "from must not be after to"),
        ({"actor": ["x" * 201]}, "actor values must be at most 200 characters"),
    ],
)
def test_bad_parameters_raise_a_one_line_message(args, message):
    with pytest.raises(InvalidParameter) as exc:
        parse_request(args)
    text = str(exc.value)
    assert text.startswith(message)
    assert "\n" not in text
