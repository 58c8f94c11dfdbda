"""Roles in time on real excerpts of the crisis corpora (Kremlin, President of Ukraine, Guardian), through
the real spaCy model: a role belongs to a person and a period, names its country, and marks leaders."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from indexer.entities import normalise_entities, resolve_corpus
from indexer.normalise.role_timeline import source_country
from indexer.normalise.roles import role_after, role_before

KREMLIN, UKRAINE, GUARDIAN = "en.kremlin.ru", "www.president.gov.ua", "theguardian.com"


def day(text: str) -> datetime:
    """An ISO date as a UTC datetime, as the CSV readers give it."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (date, source, text): sentences as the corpora print them (../shared/corpora/kremlin-zelenskyy-press-2021-22/,
# ../shared/corpora/guardian-ukraine-nato-2022/).
CORPUS = [
    (
        "2021-11-19",
        KREMLIN,
        "Alexander Lukashenko spoke about the measures Minsk is taking to de-escalate the crisis "
        "and provide humanitarian aid to the migrants, as well as about his telephone conversation "
        "with Acting Federal Chancellor of Germany Angela Merkel on November 17.",
    ),
    (
        "2021-11-24",
        KREMLIN,
        "Support was affirmed for systematic EU-Minsk cooperation, as agreed during President of "
        "Belarus Alexander Lukashenko's telephone conversations with Acting Chancellor of Germany "
        "Angela Merkel.",
    ),
    ("2021-11-26", UKRAINE, "Angela Merkel discussed the situation on the border with Belarus."),
    ("2021-11-30", KREMLIN, "Later we made the same offer to President Trump."),
    (
        "2021-12-12",
        KREMLIN,
        'Condolences to US President Joseph Biden\n\nThe message reads, in part: "Russia shares the '
        'grief of those who lost their family members or friends to this disaster."',
    ),
    ("2021-12-14", KREMLIN, "This issue also came up during a recent videoconference with US President Joseph Biden."),
    (
        "2021-12-14",
        KREMLIN,
        "President of Russia Vladimir Putin told Sauli Niinisto about the results of his talks with "
        "US President Joseph Biden via videoconference on December 7, 2021, and made principled "
        "assessments of the developments regarding Ukraine.",
    ),
    (
        "2021-12-31",
        KREMLIN,
        "Telephone conversations with US President Joseph Biden\n\nThe conversation focused on the "
        "implementation of the agreement to launch negotiations on providing Russia with legally "
        "binding security guarantees.",
    ),
    (
        "2022-02-15",
        KREMLIN,
        "Talks with Federal Chancellor of Germany Olaf Scholz\n\nThe discussion focused on topical "
        "issues of the bilateral and international agenda.",
    ),
    (
        "2022-02-15",
        KREMLIN,
        "Federal Chancellor of Germany Olaf Scholz: Ladies and gentlemen, It is important and good "
        "to be here in Moscow today.",
    ),
    (
        "2022-02-21",
        KREMLIN,
        "Telephone conversations with President of France Emmanuel Macron and Federal Chancellor "
        "of Germany Olaf Scholz\n\nVladimir Putin informed the leaders of the outcomes of the "
        "expanded meeting of the Security Council of the Russian Federation.",
    ),
    (
        "2022-02-08",
        KREMLIN,
        "Of course, we are doing this jointly with German Chancellor Olaf Scholz, with whom we "
        "coordinated our positions several days ago.",
    ),
    (
        "2022-02-14",
        UKRAINE,
        "The President said this during the meeting with media representatives following the "
        "negotiations with German Chancellor Olaf Scholz in Kyiv.",
    ),
    (
        "2022-02-25",
        UKRAINE,
        "Address by the President of Ukraine\n\nChancellor of Germany Olaf Scholz yesterday said "
        "Russia's invasion of Ukraine is something Europe has not seen for 75 years.",
    ),
    (
        "2022-02-19",
        UKRAINE,
        'Three years ago, it was here that Angela Merkel said: "Who will pick up the wreckage of '
        'the world order? Only all of us, together." The audience gave a standing ovation.',
    ),
    (
        "2022-03-24",
        GUARDIAN,
        "So low was the bar set by former US president Donald Trump that, merely by condemning "
        "Russia's Vladimir Putin rather than gushing over his biceps, Joe Biden earned good will "
        "on his unity and resolve tour of Europe.",
    ),
    (
        "2022-06-07",
        KREMLIN,
        "Meeting on economic issues\n\nTaking part in the meeting were Prime Minister Mikhail "
        "Mishustin, Chief of Staff of the Presidential Executive Office Anton Vaino, First Deputy "
        "Prime Minister Andrei Belousov, Deputy Prime Minister Marat Khusnullin.",
    ),
    (
        "2022-06-18",
        KREMLIN,
        "Healthcare centres opening in Russian regions\n\nTaking part in the event were Deputy "
        "Prime Minister Tatyana Golikova, Healthcare Minister Mikhail Murashko, heads of several "
        "regions and managers of new medical centres.",
    ),
    (
        "2022-06-12",
        KREMLIN,
        "In all these respects, Emperor Peter the Great, whose 350th birth anniversary we "
        "celebrate this year, holds a special place.",
    ),
    (
        "2022-05-30",
        KREMLIN,
        "Meeting with permanent members of the Security Council\n\nTaking part in the meeting were "
        "Security Council Secretary Nikolai Patrushev, Defence Minister Sergei Shoigu and Director "
        "of the Federal Security Service Alexander Bortnikov.",
    ),
    (
        "2022-05-30",
        UKRAINE,
        "He expressed belief that the term of office of Ambassador Bridget Brink would only "
        "increase the strength of this partnership.",
    ),
    (
        "2022-01-18",
        KREMLIN,
        "Meeting with Minister of Culture Olga Lyubimova\n\nOlga Lyubimova told the President "
        "about the progress of the Culture national project and the Pushkin Card programme. She "
        "also talked about the development of domestic restoration schools, a nationwide plan for "
        "guest performances and music competitions held in Russia.*** President of Russia "
        "Vladimir Putin: Good afternoon, Shall we begin with the restoration of cultural "
        "landmarks? Minister of Culture Olga Lyubimova Lyubimova OlgaMinister of Culture: "
        "Certainly.",
    ),
]


@pytest.fixture(scope="module")
def corpus(nlp):
    """The excerpts normalised and resolved as one dated corpus with their sources, as the indexer runs them."""
    texts = [text for _, _, text in CORPUS]
    batch = [
        normalise_entities(text, [(e.start_char, e.end_char, e.label_) for e in doc.ents])
        for text, doc in zip(texts, nlp.pipe(texts))
    ]
    resolve_corpus(batch, dates=[day(d) for d, _, _ in CORPUS], sources=[s for _, s, _ in CORPUS])
    return batch


def actor(corpus, index: int, name: str):
    """The actor ``name`` in article ``index`` of the corpus."""
    found = {a.name: a for a in corpus[index].actors}
    assert name in found, (name, sorted(found))
    return found[name]


def test_role_stated_in_the_article_wins(corpus):
    merkel = actor(corpus, 0, "Angela Merkel")
    assert (merkel.role, merkel.country, merkel.leader) == ("Federal Chancellor", "DE", True)


def test_untitled_mention_takes_the_role_held_at_its_date(corpus):
    # November 2021: the corpus calls her Chancellor around that date.
    merkel = actor(corpus, 2, "Angela Merkel")
    assert merkel.role in ("Chancellor", "Federal Chancellor") and (merkel.country, merkel.leader) == ("DE", True)


def test_untitled_mention_after_the_handover_is_a_former_holder(corpus):
    # February 2022: Scholz is stated as Chancellor of Germany, so Merkel no longer is.
    merkel = actor(corpus, 14, "Angela Merkel")
    assert merkel.role == "Former Chancellor" and merkel.country == "DE" and not merkel.leader
    assert actor(corpus, 11, "Olaf Scholz").leader


def test_former_role_is_not_a_leader(corpus):
    trump = actor(corpus, 15, "Donald Trump")
    assert (trump.role, trump.country, trump.leader) == ("Former President", "US", False)


def test_president_trump_in_a_biden_period_is_not_a_leader(corpus):
    # "the same offer to President Trump" (30 November 2021), while Biden is stated as US President.
    trump = actor(corpus, 3, "Donald Trump")
    assert trump.role == "Former President" and not trump.leader
    assert actor(corpus, 4, "Joe Biden").leader


def test_domestic_title_takes_the_sources_country(corpus):
    mishustin = actor(corpus, 16, "Mikhail Mishustin")
    assert (mishustin.role, mishustin.country, mishustin.leader) == ("Prime Minister", "RU", True)
    vaino = actor(corpus, 16, "Anton Vaino")
    assert vaino.country == "RU" and not vaino.leader  # head of the presidential office: no leader


def test_deputy_prime_ministers_are_leaders(corpus):
    assert actor(corpus, 16, "Andrei Belousov").leader
    assert actor(corpus, 16, "Marat Khusnullin").leader
    golikova = actor(corpus, 17, "Tatyana Golikova")
    assert (golikova.role, golikova.country, golikova.leader) == ("Deputy Prime Minister", "RU", True)


def test_historical_monarch_is_not_a_leader(corpus):
    peter = actor(corpus, 18, "Peter the Great")
    assert peter.role.endswith("Emperor") and not peter.leader


def test_national_security_council_is_not_the_uns(corpus):
    patrushev = actor(corpus, 19, "Nikolai Patrushev")
    assert patrushev.role == "Secretary of the Security Council" and patrushev.country == "RU"
    assert "UN" not in patrushev.role and not patrushev.leader


def test_a_title_does_not_swallow_a_given_name(corpus):
    lyubimova = actor(corpus, 21, "Olga Lyubimova")
    assert (lyubimova.role, lyubimova.country, lyubimova.leader) == ("Culture Minister", "RU", True)
    assert not {a.name for a in corpus[21].actors} & {"Olga", "Lyubimova"}


def test_an_envoy_does_not_take_the_country_of_the_site_naming_her(corpus):
    # The US ambassador to Ukraine on president.gov.ua: her post is abroad, not Ukraine's.
    brink = actor(corpus, 20, "Bridget Brink")
    assert brink.role == "Ambassador" and brink.country != "UA" and not brink.leader


@pytest.mark.parametrize(
    "text, name, role",
    [
        ("former US president Donald Trump said", "Donald Trump", ("Former President", "US", False)),
        ("ex-President Donald Trump", "Donald Trump", ("Former President", "", False)),
        (
            "Russia's Security Council secretary Nikolai Patrushev",
            "Nikolai Patrushev",
            ("Secretary of the Security Council", "RU", False),
        ),
        ("First Deputy Prime Minister Andrei Belousov", "Andrei Belousov", ("First Deputy Prime Minister", "", True)),
        ("Deputy Foreign Minister Sergei Ryabkov", "Sergei Ryabkov", ("Deputy Foreign Minister", "", False)),
    ],
)
def test_title_reading(text, name, role):
    assert role_before(text, text.index(name)) == role


def test_former_in_an_apposition():
    text = "Donald Trump, the former US president, said"
    assert role_after(text, len("Donald Trump")) == ("Former President", "US", False)


@pytest.mark.parametrize(
    "source, code",
    [
        ("en.kremlin.ru", "RU"),
        ("http://en.kremlin.ru/events/president/news/68700", "RU"),
        ("www.president.gov.ua", "UA"),
        ("mfa.gov.ua", "UA"),
        ("www.gov.uk", "GB"),
        ("theguardian.com", ""),
        ("", ""),
    ],
)
def test_source_country(source, code):
    assert source_country(source) == code


def test_build_passes_dates_and_sources(build_index, tmp_path):
    """A real build: the stored role of an untitled mention follows the article's date and source."""
    rows = [
        {
            "id": "k1",
            "title": "Meeting with Government members",
            "date": "2022-06-07T12:00:00Z",
            "url": "http://en.kremlin.ru/events/president/news/1",
            "text": CORPUS[16][2],
        },
        {
            "id": "k2",
            "title": "Statement",
            "date": "2022-02-08T12:00:00Z",
            "url": "http://en.kremlin.ru/events/president/news/2",
            "text": CORPUS[11][2],
        },
        {
            "id": "k3",
            "title": "Talks",
            "date": "2022-02-15T12:00:00Z",
            "url": "http://en.kremlin.ru/events/president/news/3",
            "text": CORPUS[8][2],
        },
        {
            "id": "u2",
            "title": "Negotiations",
            "date": "2022-02-14T12:00:00Z",
            "url": "https://www.president.gov.ua/en/news/2",
            "text": CORPUS[12][2],
        },
        {
            "id": "u3",
            "title": "Address",
            "date": "2022-02-25T12:00:00Z",
            "url": "https://www.president.gov.ua/en/news/3",
            "text": CORPUS[13][2],
        },
        {
            "id": "g1",
            "title": "Merkel as Chancellor",
            "date": "2021-11-24T12:00:00Z",
            "url": "http://en.kremlin.ru/events/president/news/5",
            "text": CORPUS[1][2],
        },
        {
            "id": "u1",
            "title": "Munich",
            "date": "2022-02-19T12:00:00Z",
            "url": "https://www.president.gov.ua/en/news/1",
            "text": CORPUS[14][2],
        },
    ]
    corpus_file = tmp_path / "articles.jsonl"
    corpus_file.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index([corpus_file], index_dir)
    from indexer.build import open_current

    ix = open_current(index_dir)
    with ix.searcher() as searcher:
        stored = {doc["id"]: json.loads(doc["entities"]) for doc in searcher.all_stored_fields()}
    actors = {a["name"]: a for a in stored["k1"]["actors"]}
    assert actors["Mikhail Mishustin"]["country"] == "RU" and actors["Mikhail Mishustin"]["leader"]
    merkel = {a["name"]: a for a in stored["u1"]["actors"]}["Angela Merkel"]
    assert not merkel["leader"]


def test_dates_must_match_the_batch():
    with pytest.raises(ValueError):
        resolve_corpus([], dates=[day("2022-01-01")])
