"""Reading articles: the three formats, column discovery, dates, titles, and every kind of bad input."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import DATA, SEEDS

from indexer.sources import derive_title, parse_date, read_articles, resolve_columns

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def read(paths, **options):
    problems: list[tuple[str, str]] = []
    articles = list(read_articles(paths, on_problem=lambda loc, why: problems.append((loc, why)), **options))
    return articles, problems


def test_seed_files_give_id_date_derived_title_and_dateline_source():
    articles, problems = read([SEEDS])
    assert problems == []
    by_id = {a.id: a for a in articles}
    assert set(by_id) == {"000_04ea6c0700b9ba97", "003_0e92e75e7bff483c"}
    first = by_id["000_04ea6c0700b9ba97"]
    assert first.date == datetime(2021, 11, 25)
    assert first.title_derived is True
    assert first.title.startswith("Russian President Vladimir Putin and European Council President Charles Michel")
    assert len(first.title) <= 101 and first.title.endswith("\u2026")
    assert not first.text.startswith("date")
    tass = by_id["003_0e92e75e7bff483c"]
    assert tass.source == "TASS"
    # The dateline is not part of the derived title.
    assert tass.title.startswith("Commenting on a phone conversation")
    assert tass.text.startswith("MOSCOW, November 17. /TASS/.")


def test_jsonl_fields_found_by_name(tmp_path):
    path = tmp_path / "a.jsonl"
    rows = [
        {
            "Headline": "Talks stall",
            "Published": "Wednesday, 23 February 2022",
            "Body": "Text one.",
            "Outlet": "Example Wire",
            "Link": "https://example.org/1",
            "ID": "x1",
        },
        {"title": "Second", "datetime": "2022-06-24T17:30:00Z", "content": "Text two."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    (a, b), problems = read([path])
    assert problems == []
    assert (a.id, a.title, a.text, a.source, a.url) == (
        "x1",
        "Talks stall",
        "Text one.",
        "Example Wire",
        "https://example.org/1",
    )
    assert a.date == datetime(2022, 2, 23)
    assert b.date == datetime(2022, 6, 24, 17, 30)
    assert len(b.id) == 16 and b.title_derived is False


def test_ids_without_a_given_id_are_stable_across_runs(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("headline,date,body\nOne,2021-11-01,First text.\nTwo,2021-11-02,Second text.\n", encoding="utf-8")
    first, _ = read([path])
    again, _ = read([tmp_path])
    assert [a.id for a in first] == [a.id for a in again]
    assert len({a.id for a in first}) == 2


def test_csv_reuters_style_dates_and_map_override(tmp_path):
    path = tmp_path / "wires.csv"
    path.write_text(
        'when,Story,Date Formatted\n"26-FEB-1987 15:01:01.79","Cocoa talks.",1987-02-27\n', encoding="utf-8"
    )
    articles, problems = read([path])
    assert articles == [] and problems[0][1].startswith("no text column")
    (article,), problems = read([path], mapping={"text": "Story", "date": "when"})
    assert problems == []
    assert article.date == datetime(1987, 2, 26, 15, 1, 1, 790000) and article.text == "Cocoa talks."
    (mapped,), _ = read([path], mapping={"text": "Story"})
    assert mapped.date == datetime(1987, 2, 27)  # found by name: "Date Formatted" has the word "date"


def test_map_to_a_missing_column_names_the_columns(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("title,body\nA,B\n", encoding="utf-8")
    articles, problems = read([path], mapping={"date": "Nope"})
    assert articles == []
    assert "--map date=Nope: no such column" in problems[0][1] and "title, body" in problems[0][1]


def test_guardian_columns_pick_the_article_url_not_the_image_url():
    header = [
        "",
        "Image Url",
        "Image Caption",
        "Image Alt",
        "Date",
        "Date Formatted",
        "Heading",
        "Article Url",
        "Text",
        "Comments key",
        "Comments Count",
        "Comments Url",
        "Thumb",
    ]
    columns = resolve_columns(header, {})
    assert columns == {"title": 6, "date": 4, "text": 8, "url": 7}


@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not beside the checkout")
@pytest.mark.parametrize(
    "path, count, source",
    [
        ("kremlin-zelenskyy-press-2021-22", 1796, "en.kremlin.ru"),
        ("guardian-ukraine-nato-2022/guard-articles-nato.csv", 250, "theguardian.com"),
    ],
)
def test_shared_csv_corpora_read_without_options(path, count, source):
    articles, problems = read([CORPORA / path])
    assert len(articles) == count
    assert all(a.date is not None and a.title for a in articles)
    assert source in {a.source for a in articles}
    assert not [p for p in problems if "date" in p[1]]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2021-11-25", datetime(2021, 11, 25)),
        ("2022-06-24T17:30:00Z", datetime(2022, 6, 24, 17, 30)),
        ("Wednesday, 23 February 2022", datetime(2022, 2, 23)),
        ("  3-MAR-1987 00:43:42.82", datetime(1987, 3, 3, 0, 43, 42, 820000)),
        (1657498680, datetime(2022, 7, 11, 0, 18)),
    ],
)
def test_dates_in_common_forms(value, expected):
    assert parse_date(value) == (expected, None)


@pytest.mark.parametrize(
    "value, reason",
    [
        ("", "missing date"),
        (None, "missing date"),
        ("2021-13-45", "impossible date"),
        ("yesterday-ish", "impossible date"),
        ("0001-01-01", "impossible date"),
    ],
)
def test_bad_dates_say_why(value, reason):
    parsed, problem = parse_date(value)
    assert parsed is None and problem.startswith(reason)


def test_derived_title_cuts_at_a_word_boundary():
    text = "Short first sentence. Second one."
    assert derive_title(text) == "Short first sentence."
    long = "word " * 40 + "end. Next."
    title = derive_title(long)
    assert title.endswith("\u2026") and len(title) <= 101 and "wor\u2026" not in title


# --- bad input: each gets one problem naming the file (and line), the rest is read ---------------


def test_bad_files_are_reported_and_the_rest_is_read(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(" date 2021-11-20 Poland closed the border crossing at Kuznica.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.csv").write_bytes(b"title,text\n\x00\x01\x02\x89PNG")
    (tmp_path / "latin1.txt").write_bytes(" date 2021-11-20 Caf\xe9 in Minsk.".encode("latin-1"))
    (tmp_path / "nodate.txt").write_text("No header here, just text.", encoding="utf-8")
    (tmp_path / "baddate.txt").write_text(" date 2021-02-30 An impossible day.", encoding="utf-8")
    (tmp_path / "notext.csv").write_text("date,author\n2021-11-01,Someone\n", encoding="utf-8")
    (tmp_path / "lines.jsonl").write_text(
        '{"title": "Fine", "text": "A good line.", "date": "2021-11-01"}\n'
        '{"title": "Broken", "text": \n'
        '["not", "an", "object"]\n',
        encoding="utf-8",
    )
    articles, problems = read([tmp_path])
    reasons = {
        Path(loc.split(":")[0]).name + (":" + loc.split(":")[1] if ":" in loc else ""): why for loc, why in problems
    }
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.csv"].startswith("binary file")
    assert reasons["latin1.txt"].startswith("not valid UTF-8 (byte 0xe9 on line 1)")
    assert reasons["nodate.txt"].startswith("no ' date YYYY-MM-DD ' header")
    assert reasons["baddate.txt"].startswith("impossible date '2021-02-30'")
    assert reasons["notext.csv"].startswith("no text column")
    assert reasons["lines.jsonl:2"].startswith("malformed JSON")
    assert reasons["lines.jsonl:3"] == "expected a JSON object, found list"
    ids = {a.id for a in articles}
    # Undated articles are kept (with the warning above); nothing good is lost.
    assert {"good", "nodate", "baddate"} <= ids
    assert "Fine" in {a.title for a in articles}
    assert len(articles) == 4


def test_huge_file_is_skipped_without_reading_it(tmp_path):
    huge = tmp_path / "huge.jsonl"
    with open(huge, "wb") as fh:
        fh.truncate(300 * 2**20)  # a sparse 300 MB file: costs no disk and no time
    small = tmp_path / "small.jsonl"
    small.write_text('{"title": "T", "text": "Body.", "date": "2021-11-01"}\n', encoding="utf-8")
    articles, problems = read([tmp_path])
    assert [a.title for a in articles] == ["T"]
    assert problems == [(str(huge.resolve()), "file too large (300 MB > 200 MB limit)")]


def test_missing_path_and_unsupported_type(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"PK")
    articles, problems = read([tmp_path / "nope", tmp_path / "notes.docx"])
    assert articles == []
    assert problems[0][1] == "no such file or directory"
    assert problems[1][1].startswith("unsupported file type .docx")


def test_fixture_corpus_reads_cleanly():
    articles, problems = read([DATA / "fixture_articles.jsonl"])
    assert problems == [] and 20 <= len(articles) <= 50


def test_summary_column_is_the_lead_paragraph():
    [article] = read_articles([DATA / "aliases" / "kremlin_summary.csv"])
    assert article.title == "BRICS+ meeting"
    assert article.lead == (
        "Vladimir Putin attended a BRICS+ meeting involving the leaders of several invited "
        "states, held via videoconference."
    )
    assert article.text.startswith("The meeting's topic is") and "attended" not in article.text


@pytest.mark.parametrize("column", ["lead", "Lede", "description", "standfirst", "summary"])
def test_every_lead_column_name_is_read(tmp_path, column):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"title": "T", "text": "Body.", column: "The lead."}) + "\n", encoding="utf-8")
    assert [a.lead for a in read_articles([path])] == ["The lead."]


def test_an_image_description_is_not_a_lead(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Heading,Image Description,Text\nT,A photo of Kyiv,Body text.\n", encoding="utf-8")
    [article] = read_articles([path])
    assert article.lead == "" and article.text == "Body text."
