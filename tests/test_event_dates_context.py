"""Dates in the text that need their sentence or the article: real excerpts from the crisis corpora
(Kremlin, President of Ukraine and Guardian releases, 2021-22), resolved through the indexer's entry point."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from indexer.event_dates import resolve_event_dates, resolve_expression


def resolve_in(text: str, mention: str, published, nth: int = 0):
    """Resolve the ``nth`` occurrence of ``mention`` in ``text``; (first day, precision) or None."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(mention, start + 1)
    found = resolve_event_dates(text, [(start, start + len(mention), "DATE")], published)
    return (found[0].date, found[0].precision) if found else None


@pytest.mark.parametrize(
    "text, published",
    [
        # Kremlin, 25 March 2022: "today" as "nowadays", in the general present
        (
            "...has recently been cancelled in much the same way for displeasing supporters of so-called gender freedoms. "
            "Today, they are trying to cancel an entire millennium-old country, our people.",
            datetime(2022, 3, 25, 16, 5),
        ),
        # Kremlin, 23 April 2022: in a "that" clause after a present main verb
        (
            "It is important that today, amid unprecedented external pressure, Almaz-Antey not only preserves, but also "
            "builds up its technological and production capacities.",
            datetime(2022, 4, 23, 10, 0),
        ),
        # President of Ukraine, 2 February 2022: reported, but the clause itself is general ("should be made")
        (
            "For his part, the Prime Minister of the Netherlands stressed that today every effort should be made to "
            "de-escalate the situation near Ukraine's borders, including through diplomacy.",
            datetime(2022, 2, 2, 15, 34),
        ),
        # President of Ukraine, 8 March 2022
        (
            "The same thing is happening now. I just didn't know it could happen in today's world.",
            datetime(2022, 3, 8, 13, 20),
        ),
    ],
)
def test_today_meaning_nowadays_is_no_date(text, published):
    mention = "Today" if "Today" in text else "today"
    assert resolve_in(text, mention, published) is None


@pytest.mark.parametrize(
    "text, mention, published, expected",
    [
        # first person, past tense, the day's own event, "as of"
        (
            "And brings life back. Today I visited our border guards, our heroes in the hospital of the Border Guard "
            "Service of Ukraine.",
            "Today",
            datetime(2022, 4, 3, 21, 22),
            date(2022, 4, 3),
        ),
        (
            "I would like to point out something that has not yet been discussed today. An elementary but also extremely "
            "important matter.",
            "today",
            datetime(2022, 2, 21, 22, 0),
            date(2022, 2, 21),
        ),
        (
            "In this context, Vladimir Putin pointed out the latest barbarous action of the Ukrainian military – today's "
            "missile attack at Donetsk central part.",
            "today",
            datetime(2022, 3, 14, 20, 25),
            date(2022, 3, 14),
        ),
        (
            "As of today, one can apply for compensation for the loss of housing due to the Russian invasion.",
            "today",
            datetime(2022, 3, 30, 9, 5),
            date(2022, 3, 30),
        ),
    ],
)
def test_today_naming_the_day_is_that_day(text, mention, published, expected):
    assert resolve_in(text, mention, published) == (expected, "day")


def test_an_evening_address_put_online_after_midnight_speaks_of_the_day_before():
    """President of Ukraine, "Address ... in the evening of the second day of the large-scale war", stamped
    00:38 on 26 February 2022; a stamp of exactly midnight is a bare date and moves nothing."""
    text = (
        "Address by the President of Ukraine in the evening of the second day of the large-scale war\n\n"
        "Today was a hard yet courageous day. We are fighting for our state absolutely on all frontlines."
    )
    assert resolve_in(text, "Today", datetime(2022, 2, 26, 0, 38)) == (date(2022, 2, 25), "day")
    assert resolve_in(text, "Today", datetime(2022, 2, 26, 0, 0)) == (date(2022, 2, 26), "day")
    assert resolve_in(text, "Today", datetime(2022, 2, 26, 9, 15)) == (date(2022, 2, 26), "day")


def test_an_offset_is_a_point_ahead_but_a_stretch_of_the_war_is_not():
    # President of Ukraine, Saturday 11 June 2022 and 26 March 2022
    marathon = (
        "The final phase of the big diplomatic marathon, which is to end in a week and a half, has started today."
    )
    assert resolve_in(marathon, "a week and a half", datetime(2022, 6, 11, 23, 30)) == (date(2022, 6, 20), "week")
    war = '"In 31 days of this war, Russian strikes damaged at least 59 buildings of spiritual significance.'
    assert resolve_in(war, "31 days", datetime(2022, 3, 26, 12, 14)) is None


def test_years_later_count_from_the_year_the_text_named():
    # Guardian, 28 March 2022
    text = (
        "“The people of Yugoslavia cannot accept the postulate that humanity today has only one choice,” "
        "Yugoslavia’s minister of foreign affairs, Edvard Kardelj, told the UN in 1950. “We believe that there "
        "exists another road.” The Non-Aligned Movement was born five years later, uniting more than 100 nations "
        "around the world."
    )
    assert resolve_in(text, "five years later", datetime(2022, 3, 28)) == (date(1955, 1, 1), "year")
    assert resolve_in("It was born five years later.", "five years later", datetime(2022, 3, 28)) is None


def test_did_not_begin_yesterday_is_the_idiom_not_the_day():
    # Kremlin, 25 March 2022
    text = (
        "...no matter how absurd they actually are. This did not begin yesterday. For example, as we are well "
        "aware, Hollywood has regularly released films."
    )
    assert resolve_in(text, "yesterday", datetime(2022, 3, 25, 16, 5)) is None
    assert resolve_in("The Turkish Embassy returned yesterday.", "yesterday", datetime(2022, 4, 6, 22)) == (
        date(2022, 4, 5),
        "day",
    )


def test_a_weekday_opening_a_sentence_in_the_future_is_still_to_come():
    # President of Ukraine, Monday 31 January 2022 (same weekday: the day itself); a Friday with "will"
    text = "On Monday, January 31, the Office of the President will host a meeting of the delegations."
    assert resolve_in(text, "Monday, January 31", datetime(2022, 1, 31, 12, 17)) == (date(2022, 1, 31), "day")
    friday = datetime(2022, 3, 25, 12, 0)
    assert resolve_in("Poland. On Saturday, he is to meet Andrzej Duda.", "Saturday", friday) == (
        date(2022, 3, 26),
        "day",
    )
    assert resolve_in("Poland. On Saturday, he said he will meet Duda.", "Saturday", friday) == (
        date(2022, 3, 19),
        "day",
    )


WED_9_MAR_2022 = date(2022, 3, 9)


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("earlier this week", (date(2022, 3, 7), "week")),
        ("later this week", (date(2022, 3, 7), "week")),
        ("later this month", (date(2022, 3, 1), "month")),
        ("late last year", (date(2021, 1, 1), "year")),
        ("early 2022", (date(2022, 1, 1), "year")),
        ("mid-2024", (date(2024, 1, 1), "year")),
        ("fiscal 2022", (date(2022, 1, 1), "year")),
        ("last weekend", (date(2022, 2, 28), "week")),
        ("this weekend", (date(2022, 3, 7), "week")),
        ("the week before last", (date(2022, 2, 21), "week")),
        ("two months", None),  # a length of time
    ],
)
def test_parts_of_periods_weekends_and_fiscal_years(expression, expected):
    assert resolve_expression(expression, WED_9_MAR_2022) == expected


def test_in_a_count_of_time_is_a_point_ahead_only_in_a_sentence_about_what_is_to_come():
    assert resolve_expression("in two months", WED_9_MAR_2022, before="The elections will be held ", after=".") == (
        date(2022, 5, 1),
        "month",
    )
    # President of Ukraine, 2 June 2022; Guardian, 3 April 2022
    assert resolve_in(
        "There are schools where only windows or roofs are damaged, it can be restored in a month and a half.",
        "a month and a half",
        datetime(2022, 6, 2, 10, 52),
    ) == (date(2022, 7, 1), "month")
    assert (
        resolve_in(
            "A new survey showed 61% of Americans believe higher petrol prices, up 20% in a month, are "
            "worth it to beat Russia.",
            "a month",
            datetime(2022, 4, 3),
        )
        is None
    )


def test_the_following_year_needs_a_year_before_it():
    assert resolve_expression("the following year", WED_9_MAR_2022, before="He came to power in 1999. ") == (
        date(2000, 1, 1),
        "year",
    )
    assert resolve_expression("the following year", WED_9_MAR_2022, before="He came to power. ") is None


def test_a_range_of_days_is_no_single_date():
    # Kremlin, 5 May 2022 and 7 February 2022
    assert (
        resolve_in(
            "It will take place on May 17–19, for three days, across the entire country.",
            "May 17–19",
            datetime(2022, 5, 5, 14, 5),
        )
        is None
    )
    assert (
        resolve_in(
            "The tennis tournament is taking place in St Petersburg on February 5–13, 2022.",
            "February 5–13, 2022",
            datetime(2022, 2, 7, 11),
        )
        is None
    )
    assert resolve_expression("2022-02-24", WED_9_MAR_2022) == (date(2022, 2, 24), "day")  # not a range


def test_a_day_in_a_list_takes_the_year_the_list_ends_with():
    # Kremlin, 1 April 2022: without the list's year, 11 January would be placed in 2022
    text = (
        "the tripartite agreements between the leaders of Armenia, Azerbaijan and Russia of November 9, 2020, "
        "and January 11 and November 26, 2021."
    )
    assert resolve_in(text, "January 11", datetime(2022, 4, 1, 19, 5)) == (date(2021, 1, 11), "day")


def test_the_day_before_counts_from_the_date_named_else_from_the_report():
    # Kremlin, 30 March 2022: the call's own day is the publication day
    text = (
        "Vladimir Putin and Olaf Scholz exchanged views on the latest round of talks between Russian and "
        "Ukrainian representatives in Istanbul held the day before."
    )
    assert resolve_in(text, "the day before", datetime(2022, 3, 30, 18, 10)) == (date(2022, 3, 29), "day")
    assert resolve_in(
        "The summit opened on June 28, 2022, and talks were held the day before.",
        "the day before",
        datetime(2022, 7, 3),
    ) == (date(2022, 6, 27), "day")


def test_at_least_before_a_date_is_dropped():
    # Kremlin, 1 June 2022
    text = "The programme will be extended until at least December 31, 2023."
    assert resolve_in(text, "at least December 31, 2023", datetime(2022, 6, 1, 15, 40)) == (date(2023, 12, 31), "day")


@pytest.mark.parametrize(
    "text, mention, published",
    [
        # Kremlin, 20 November 2021; 12 April 2022; President of Ukraine, 26 April 2022
        (
            "He was one of the twelve apostles who shed the light of Christ's truth onto the land which is today a "
            "significant part of Russia.",
            "today",
            datetime(2021, 11, 20, 12, 30),
        ),
        (
            "Can't today's Russia, with advanced technologies at its disposal, continue to work on its space programme?",
            "today",
            datetime(2022, 4, 12, 12, 30),
        ),
        (
            'The Head of State noted the symbolism of the conversation. "Today, during the aggression against Ukraine, '
            'Russia resorts to "nuclear terrorism".',
            "Today",
            datetime(2022, 4, 26, 18, 19),
        ),
    ],
)
def test_more_todays_meaning_nowadays(text, mention, published):
    assert resolve_in(text, mention, published) is None


def test_today_said_to_the_one_reporting_is_that_day():
    # Kremlin, 14 February 2022
    text = "Mr Shoigu, I know that today you are ready to report on the exercises underway in various parts."
    assert resolve_in(text, "today", datetime(2022, 2, 14, 16)) == (date(2022, 2, 14), "day")


@pytest.mark.parametrize(
    "expression, before, expected",
    [
        # page stamps as the Guardian prints them, and the pieces NER cuts from them
        ("Thu 24 Mar 2022 15.03", "", (date(2022, 3, 24), "day")),
        ("Mon 7 Mar 2022 04.24 GMT", "", (date(2022, 3, 7), "day")),
        ("2022 14.50", "", (date(2022, 1, 1), "year")),
        ("May 2022 16.08", "", (date(2022, 5, 1), "month")),
        ("14.50", "", None),  # a time alone names no day
        # "late on Friday" in a Thursday report; ordinal days
        ("late on Friday", "", (date(2022, 3, 18), "day")),
        ("on the 24th", "", (date(2022, 3, 24), "day")),
        ("the 30th", "", (date(2022, 1, 30), "day")),  # February has none
        ("the eighth", "On April 9 they shelled the town. And they shelled it on ", (date(2022, 4, 8), "day")),
    ],
)
def test_clock_times_late_on_and_ordinal_days(expression, before, expected):
    assert resolve_expression(expression, date(2022, 3, 24), before=before) == expected


@pytest.mark.parametrize(
    "text, mention, published, expected",
    [
        # President of Ukraine, 9 May 2022: the "will" after ", so" is another clause
        (
            "Ursula von der Leyen stressed that today Ukraine is fighting for common European values and democracy, so "
            "the EU will continue to provide its support.",
            "today",
            datetime(2022, 5, 9, 15, 46),
            None,
        ),
        # 4 May 2022: ", the President said" reports the sentence, it does not date it
        (
            "Today, the state budget needs support of up to $ 7 billion a month, the President said.",
            "Today",
            datetime(2022, 5, 4, 13, 17),
            None,
        ),
        # 20 December 2021: "not today" after "started" is "long since"
        (
            '"We started this path not today and we have first successful steps."',
            "today",
            datetime(2021, 12, 20, 15, 34),
            None,
        ),
        # 20 May 2022: the speaker's own appeal is the day's
        (
            "Ukrainians! All our defenders! But also our partners in the world. Today my appeal is broader than usual.",
            "Today",
            datetime(2022, 5, 20, 22, 25),
            (date(2022, 5, 20), "day"),
        ),
        # 18 April 2022: a day counted from an event the text does not date
        (
            "Ukrainians! Our defenders! The 54th day of our defense against the Russian invasion is coming to an end.",
            "The 54th day",
            datetime(2022, 4, 18, 23, 15),
            None,
        ),
        # Guardian, Saturday 30 April 2022
        (
            "European ambassadors are reportedly expected to agree to a finalised proposal by the end of next week.",
            "the end of next week",
            datetime(2022, 4, 30),
            (date(2022, 5, 2), "week"),
        ),
    ],
)
def test_sentences_of_the_third_tuning_sample(text, mention, published, expected):
    assert resolve_in(text, mention, published) == expected


def test_sentences_of_the_fourth_tuning_sample():
    # Kremlin, 6 March 2022: NER cut "the day [before]"
    text = "In follow up to talks held in Moscow the day before, Vladimir Putin had a telephone conversation."
    assert resolve_in(text, "the day", datetime(2022, 3, 6, 20, 10)) == (date(2022, 3, 5), "day")
    # Kremlin, New Year Address, 31 December 2021: "in the coming year" is next year, not a count ahead
    text = "We all want them to remain a reliable pillar of strength supporting us in the coming year."
    assert resolve_in(text, "the coming year", datetime(2021, 12, 31, 23, 55)) == (date(2022, 1, 1), "year")
    # Kremlin, 13 November 2021
    text = "The achievements of today's school students and young people determine our country's future."
    assert resolve_in(text, "today", datetime(2021, 11, 13, 19, 20)) is None
    assert resolve_expression("the coming week", WED_9_MAR_2022, before="They will meet in ", after=".") == (
        date(2022, 3, 14),
        "week",
    )
