"""Issue 9, cases 3 and 9: a bad record is one warning naming its file and line; the batch goes on."""

from __future__ import annotations

import json

from indexer.sources import read_articles

GOOD = {"id": "good-1", "title": "Talks in Minsk", "date": "2021-11-20", "text": "Officials met in Minsk."}


def read(paths):
    """Return (articles, [(location, reason)]) for ``paths``."""
    problems = []
    articles = list(read_articles(paths, on_problem=lambda loc, why: problems.append((loc, why))))
    return articles, problems


def test_a_json_file_nested_100000_deep_is_one_warning_and_other_files_are_read(tmp_path):
    (tmp_path / "a-bomb.json").write_text("[" * 100_000, encoding="utf-8")
    (tmp_path / "b-good.jsonl").write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    articles, problems = read([tmp_path])
    assert [a.id for a in articles] == ["good-1"]
    assert len(problems) == 1 and problems[0][0].endswith("a-bomb.json")
    assert "nested too deeply" in problems[0][1]


def test_a_jsonl_line_nested_50000_deep_is_one_warning_naming_its_line(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text(
        json.dumps(GOOD) + "\n" + "[" * 50_000 + "\n" + json.dumps({**GOOD, "id": "good-2"}) + "\n", encoding="utf-8"
    )
    articles, problems = read([path])
    assert [a.id for a in articles] == ["good-1", "good-2"]
    assert [loc for loc, _ in problems] == [f"{path}:2"]
    assert "nested too deeply" in problems[0][1]


def test_a_5000_digit_date_is_a_warning_naming_its_line_and_the_article_is_kept(tmp_path):
    path = tmp_path / "digits.jsonl"
    path.write_text(
        '{"id": "big", "title": "Huge", "text": "Body.", "date": ' + "9" * 5000 + "}\n" + json.dumps(GOOD) + "\n",
        encoding="utf-8",
    )
    articles, problems = read([path])
    assert [a.id for a in articles] == ["big", "good-1"]
    assert articles[0].date is None  # kept, without a date
    assert [loc for loc, _ in problems] == [f"{path}:1"]
    assert "impossible date" in problems[0][1] and len(problems[0][1]) < 200


def test_an_unpaired_surrogate_does_not_stop_the_build(build_index, tmp_path):
    path = tmp_path / "surrogate.jsonl"
    path.write_text(
        '{"id": "odd", "title": "Odd \\ud800 title", "text": "Text with \\udc80 in it."}\n' + json.dumps(GOOD) + "\n",
        encoding="utf-8",
    )
    summary = build_index([path], tmp_path / "index")
    assert summary.added == 2


def test_an_unexpected_error_in_one_record_is_a_warning_and_the_batch_goes_on(tmp_path, monkeypatch):
    import indexer.sources as sources

    real = sources.derive_title

    def fragile(text):  # stands for any bug a strange record could hit while being read
        if "explode" in text:
            raise KeyError("boom")
        return real(text)

    monkeypatch.setattr(sources, "derive_title", fragile)
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"id": "bad", "date": "2021-11-20", "text": "We explode here."}) + "\n" + json.dumps(GOOD) + "\n",
        encoding="utf-8",
    )
    articles, problems = read([path])
    assert [a.id for a in articles] == ["good-1"]
    assert [loc for loc, _ in problems] == [f"{path}:1"] and "KeyError" in problems[0][1]


def test_a_csv_with_a_utf8_row_then_a_latin1_row_keeps_both_and_names_the_line(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        b"title,date,body\n"
        + "Café talks,2021-11-01,Minsk café reopened.\n".encode()
        + "Caf\xe9 again,2021-11-02,Second caf\xe9 text.\n".encode("latin-1")
        + b"Third,2021-11-03,Plain text.\n"
    )
    articles, problems = read([path])
    assert [a.title for a in articles] == ["Café talks", "Café again", "Third"]
    assert articles[1].text == "Second café text."
    assert [loc for loc, _ in problems] == [f"{path}:3"]
    assert "not valid UTF-8" in problems[0][1] and "0xe9" in problems[0][1]


def test_titles_lose_nul_and_control_bytes(tmp_path):
    path = tmp_path / "nul.jsonl"
    path.write_text(json.dumps({**GOOD, "title": "Talks\x00 in\x07 Minsk"}) + "\n", encoding="utf-8")
    articles, _ = read([path])
    assert articles[0].title == "Talks in Minsk"


def test_cli_names_the_file_and_line_and_exits_0_for_a_huge_number(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "digits.jsonl"
    path.write_text('{"title": "Huge", "text": "x", "date": ' + "9" * 5000 + "}\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "--index", str(tmp_path / "ix"), "build", str(path), "--quiet"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"warning: {path}:1: impossible date" in done.stderr
    assert "Traceback" not in done.stderr
