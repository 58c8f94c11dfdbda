"""The normaliser's reference tables are data files in indexer/data/ that an analyst can edit (issue 10):
each loads once, holds no duplicate entry, and is what the rules use."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from indexer.normalise import reference
from indexer.normalise.names import NICKNAMES
from indexer.normalise.org_words import ORG_ALIASES
from indexer.normalise.person_words import CANONICAL_PEOPLE, HONORIFICS, NOT_PEOPLE
from indexer.normalise.places import ALIASES, DEMONYMS, DISPLAY_NAMES, METONYMS
from indexer.normalise.roles import INTERNATIONAL_BODIES, MINISTRY_NAMES, PORTFOLIOS, TITLE_HEADS

DATA = reference.DATA_DIR
TABLES = sorted(p for p in DATA.iterdir() if p.is_file())


def _content(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def _repeated(items) -> list:
    return sorted(item for item, n in Counter(items).items() if n > 1)


def duplicates(path: Path) -> list[str]:
    """Every entry of a reference table written more than once (keys of a mapping, items of a list)."""
    found: list[str] = []
    if path.suffix == ".txt":
        found += _repeated(line.strip().lower() for line in _content(path))
    elif path.suffix in (".csv", ".tsv"):
        rows = list(csv.reader(_content(path), delimiter="\t" if path.suffix == ".tsv" else ","))
        found += _repeated(row[0].strip().lower() for row in rows)
    elif path.suffix == ".json":

        def keys_once(pairs):
            found.extend(f"key {k!r}" for k in _repeated(k for k, _ in pairs))
            return dict(pairs)

        def walk(value):
            if isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                heads = [v[0] if isinstance(v, list) and v else v for v in value]
                found.extend(repr(v) for v in _repeated(h for h in heads if isinstance(h, str)))
                for v in value:
                    walk(v)

        walk(json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=keys_once))
    else:
        raise AssertionError(f"{path.name}: a reference table is .txt, .csv, .tsv or .json")
    return found


@pytest.mark.parametrize("path", TABLES, ids=[p.name for p in TABLES])
def test_no_reference_table_repeats_an_entry(path):
    assert duplicates(path) == []


def test_the_duplicate_check_finds_repeats(tmp_path):
    (tmp_path / "honorifics.txt").write_text("# titles\nlady\nmr\nLady\n", encoding="utf-8")
    (tmp_path / "aliases.csv").write_text("# a comment\nname,code\nuk,GB\nbritain,GB\nUK,GB\n", encoding="utf-8")
    (tmp_path / "words.json").write_text(
        '{"a": ["x", "y", "x"], "b": {"k": 1, "k": 2}, "heads": [["chair", false], ["chair", true]]}', encoding="utf-8"
    )
    assert duplicates(tmp_path / "honorifics.txt") == ["lady"]
    assert duplicates(tmp_path / "aliases.csv") == ["uk"]
    assert sorted(duplicates(tmp_path / "words.json")) == ["'chair'", "'x'", "key 'k'"]


def test_csv_tables_have_a_header_and_two_cells_a_row():
    for path in DATA.glob("*.csv"):
        rows = list(csv.reader(_content(path)))
        assert len(rows[0]) == 2 and all(len(row) == 2 and all(cell.strip() for cell in row) for row in rows), path.name


def test_the_rules_use_the_tables_as_written():
    # The duplicates the issue named are gone, and the entries themselves kept.
    assert "lady" in HONORIFICS and "spokesman" in HONORIFICS
    assert len(HONORIFICS) == len(_content(DATA / "honorifics.txt"))
    assert "instagram" in NOT_PEOPLE and "brexit" in NOT_PEOPLE
    assert DISPLAY_NAMES["RU"] == "Russia" and DISPLAY_NAMES["SU"] == "Soviet Union"
    assert ALIASES["britain"] == "GB" and DEMONYMS["belarusian"] == "BY" and METONYMS["kremlin"] == "RU"
    assert ORG_ALIASES["north atlantic alliance"] == "NATO"
    assert CANONICAL_PEOPLE[:2] == ["Joe Biden", "Emmanuel Macron"] and "Volodymyr Zelenskyy" in CANONICAL_PEOPLE
    assert NICKNAMES["joe"] == "joseph"
    assert "european council" in INTERNATIONAL_BODIES and MINISTRY_NAMES["foreign affairs"] == "Foreign"
    assert "chief" in PORTFOLIOS
    assert TITLE_HEADS[0] == ("secretary of state", True)  # longest first, as the title reader needs them
    assert [h for h, _ in TITLE_HEADS].index("prime minister") < [h for h, _ in TITLE_HEADS].index("minister")


def test_tables_are_read_once():
    before = reference.words.cache_info().hits
    assert reference.words("honorifics.txt") is reference.words("honorifics.txt")
    assert reference.words.cache_info().hits >= before + 2
