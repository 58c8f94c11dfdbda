"""The CSV export: every matching row, filters, the row limit, and cells that cannot run as formulas.

The web app through Flask's test client (fixtures `app` and `client` in conftest.py), over a real
index of tests/data built by the real indexer; counts are checked against tests/data/fixture_counts.json,
counted by hand from the fixture corpus (how is written in the file).
"""

from __future__ import annotations

import csv
import io

from conftest import GOLDEN

from app import create_app


def test_export_streams_every_matching_row(client):
    response = client.get("/export.csv", query_string={"source": "The Guardian"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == GOLDEN["source"]["The Guardian"]
    assert list(rows[0]) == ["id", "date", "title", "source", "url", "actors", "countries", "organisations", "score"]
    assert {r["source"] for r in rows} == {"The Guardian"}
    joe = next(r for r in rows if r["id"] == "guardian-joe-biden-gives-support-to-sweden-and-fi")
    assert "Sweden" in joe["countries"] and joe["date"] == "2022-05-19"


def test_export_ignores_paging_and_honours_filters(client):
    all_rows = client.get("/export.csv?per_page=10&page=2").get_data(as_text=True).strip().splitlines()
    assert len(list(csv.reader(all_rows))) == 1 + 37
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv?q=Tokayev").get_data(as_text=True))))
    assert {r["id"] for r in rows} == set(GOLDEN["query"]["Tokayev"])


def test_export_limit_is_a_setting(fixture_index_dir):
    small = create_app({"INDEX_DIR": str(fixture_index_dir), "EXPORT_LIMIT": 5}).test_client()
    rows = list(csv.DictReader(io.StringIO(small.get("/export.csv").get_data(as_text=True))))
    assert len(rows) == 5


def test_export_cells_cannot_run_as_spreadsheet_formulas():
    from app import csv_lines
    from search import ExportRow

    row = ExportRow(
        id="x1",
        date=None,
        title='=HYPERLINK("http://evil")',
        source="+Kremlin",
        url="http://a",
        actors=["@someone"],
        countries=["Belarus"],
        orgs=[],
        score=None,
    )
    header, line = list(csv_lines([row]))
    cells = next(csv.reader([line]))
    assert cells[2] == '\'=HYPERLINK("http://evil")' and cells[3] == "'+Kremlin" and cells[5] == "'@someone"
    assert cells[6] == "Belarus" and cells[1] == "" and cells[8] == ""
