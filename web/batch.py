"""Batch search: a list of names or queries (pasted, or a CSV column) summarised against the index.

Each query runs through the same engine path as /api/search (``search.batch``), without hits or
snippets. The page's form and its CSV download are POSTs with a CSRF token; ``POST /api/batch`` takes
JSON (same-origin rule, see ``web.protection``).
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from search import InvalidParameter
from search.batch import MAX_QUERIES, SHARED_KEYS, BatchRow, read_csv_column, run_batch, shared_filters

from .protection import require_same_origin_json

CSV_COLUMNS = ("query", "total", "first", "last", "countries", "actors", "error", "link")
FORM_FILTERS = (("country", "Country"), ("actor", "Actor"), ("source", "Source"), ("from", "From"), ("to", "To"))

pages = Blueprint("batch", __name__)
api = Blueprint("batch_api", __name__)
api.before_request(require_same_origin_json)


def search_index():
    """Return the app's search index (imported late: app.py imports this module)."""
    from app import search_index as index
    return index()


def results_link(query: str, shared: dict[str, list[str]], external: bool = False) -> str:
    """Return the results page of one batch query with the shared filters."""
    params = [("q", query)] + [(k, v) for k, values in shared.items() for v in values]
    return url_for("pages.results", _external=external) + "?" + urlencode(params)


@api.post("/api/batch")
def api_batch():
    """Summarise ``{"queries": [...], <shared filters as in /api/search>}``: one result per query."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter('send a JSON object {"queries": [...], ...filters}')
    shared = shared_filters(body)
    rows = run_batch(search_index(), body.get("queries"), shared)
    return jsonify({"results": [row.to_dict() for row in rows]})


@pages.get("/batch")
def batch_page():
    """Show the batch form: paste queries or upload a CSV, with optional shared filters."""
    return render_template("batch.html", rows=None, form={}, error=None, max_queries=MAX_QUERIES,
                           filters=FORM_FILTERS)


@pages.post("/batch")
def batch_run():
    """Run the posted batch and show the table, or (``format=csv``) download it as CSV."""
    form = {key: request.form.get(key, "") for key in ("queries", "column", *SHARED_KEYS)}
    try:
        queries = form_queries()
        shared = shared_filters({k: v for k, v in form.items() if k in SHARED_KEYS and v.strip()})
        rows = run_batch(search_index(), queries, shared)
    except InvalidParameter as exc:
        return render_template("batch.html", rows=None, form=form, error=str(exc), max_queries=MAX_QUERIES,
                               filters=FORM_FILTERS), 400
    if request.form.get("format") == "csv":
        return csv_response(rows, shared)
    form["queries"] = "\n".join(queries)  # an uploaded column becomes the list, for the download form
    return render_template("batch.html", rows=rows, form=form, error=None, max_queries=MAX_QUERIES,
                           filters=FORM_FILTERS, link=lambda q: results_link(q, shared))


def form_queries() -> list[str]:
    """Return the posted queries: the uploaded CSV's column if a file came, else the pasted lines."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        queries = read_csv_column(upload.read(), request.form.get("column", ""))
        if not queries:
            raise InvalidParameter("the CSV column has no values")
    else:
        queries = [line.strip() for line in request.form.get("queries", "").splitlines() if line.strip()]
        if not queries:
            raise InvalidParameter("paste at least one query (one a line) or upload a CSV file")
    return queries


def csv_response(rows: list[BatchRow], shared: dict[str, list[str]]) -> Response:
    """Return the batch table as a CSV download; no cell can start a spreadsheet formula."""
    from app import join_values, spreadsheet_safe

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([
            spreadsheet_safe(row.query), row.total, row.first.isoformat() if row.first else "",
            row.last.isoformat() if row.last else "",
            spreadsheet_safe(join_values([f"{c.value} ({c.count})" for c in row.countries])),
            spreadsheet_safe(join_values([f"{a.value} ({a.count})" for a in row.actors])),
            spreadsheet_safe(row.error or ""),
            results_link(row.query, shared, external=True),
        ])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="crisis-desk-batch.csv"'})
