"""Issue 9: an export row reads only what it shows, and the stream comes in bounded chunks."""

from __future__ import annotations

import csv
import io

import pytest

import app as app_module
import search.whoosh.snapshot as snapshot
import search.whoosh.views as views
from app import create_app
from search import SearchIndex, SearchRequest


@pytest.fixture(scope="module")
def client(fixture_index_dir):
    return create_app({"INDEX_DIR": str(fixture_index_dir), "TESTING": True}).test_client()


def test_export_rows_never_parse_the_stored_entities(fixture_index_dir, monkeypatch):
    """Each row's actors, countries and organisations come from the facet arrays, not the entities JSON
    (every mention of a long article, most of a row's cost). A country's display name is looked up once
    per index commit, so the first export may read it; the second reads no entities at all."""
    index = SearchIndex(fixture_index_dir)
    expected = {a.id: a for a in (index.article(r.id) for r in index.export(SearchRequest()))}

    def refuse(stored):
        raise AssertionError("the export parsed the stored entities")

    monkeypatch.setattr(snapshot, "stored_entities", refuse)
    monkeypatch.setattr(views, "stored_entities", refuse)
    rows = list(index.export(SearchRequest()))
    assert len(rows) == len(expected) == 37
    for row in rows:
        article = expected[row.id]
        assert row.actors == [a["name"] for a in article.actors]
        assert row.countries == [c["name"] for c in article.countries]
        assert row.orgs == [o["name"] for o in article.orgs]
        assert (row.title, row.source, row.url, row.date) == (article.title, article.source, article.url, article.date)


def test_export_streams_in_chunks_of_rows_not_a_write_per_row(client, monkeypatch):
    monkeypatch.setattr(app_module, "EXPORT_CHUNK_ROWS", 10)
    monkeypatch.setattr(app_module.csv_lines, "__defaults__", (10,))
    response = client.get("/export.csv")
    pieces = [p for p in response.response if p]
    text = b"".join(p if isinstance(p, bytes) else p.encode() for p in pieces).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 37
    # the header, three chunks of ten rows and the last seven: five writes for 37 rows
    assert len(pieces) == 5
    assert all(p.endswith(b"\n" if isinstance(p, bytes) else "\n") for p in pieces)
