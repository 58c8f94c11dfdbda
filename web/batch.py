"""Batch search: a list of names or queries (pasted, or a CSV column) summarised against the index.

Each query runs through the same engine path as /api/search (``search.batch``), without hits or
snippets. The page's form and its CSV download are POSTs with a CSRF token; ``POST /api/batch`` takes
JSON (same-origin rule, see ``web.protection``).

No request holds a worker for long: a batch runs in the request for at most ``BATCH_INLINE_SECONDS``;
when it is not done by then, the rest runs as a background job (``web.batch_jobs``) and the answer is
``202`` with the job's status URL (the page shows its progress and polls it). A full queue is a 503.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from search import InvalidParameter
from search.batch import MAX_QUERIES, SHARED_KEYS, BatchRow, check_queries, read_csv_column, shared_filters

from .batch_jobs import BatchJobs, QueueFull, public
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


def batch_jobs() -> BatchJobs:
    """Return this process's batch jobs (created on first use, in INDEX_DIR/batch-jobs)."""
    jobs = current_app.extensions.get("crisis_desk.batch_jobs")
    if jobs is None:
        config = current_app.config
        folder = config.get("BATCH_JOBS_DIR") or f"{config['INDEX_DIR']}/batch-jobs"
        jobs = current_app.extensions["crisis_desk.batch_jobs"] = BatchJobs(
            folder, search_index(), queue_size=config["BATCH_QUEUE"], keep_seconds=config["BATCH_KEEP_SECONDS"]
        )
    return jobs


def start_batch(queries: list, shared: dict) -> tuple[list[BatchRow], dict | None]:
    """Run a batch within the request's budget: (rows, None) when it finished, else (rows so far, the job
    that runs the rest). Raises QueueFull when no job can be queued."""
    queries = check_queries(queries)
    jobs = batch_jobs()
    rows = jobs.run_within(queries, shared, current_app.config["BATCH_INLINE_SECONDS"])
    if len(rows) == len(queries):
        return rows, None
    return rows, jobs.submit(queries, shared, rows)


def busy(exc: QueueFull, page: bool = False):
    """Answer a batch refused because the queue is full: 503 with Retry-After."""
    headers = {"Retry-After": "30"}
    if page:
        return (
            render_template(
                "batch.html", rows=None, form={}, error=str(exc), max_queries=MAX_QUERIES, filters=FORM_FILTERS
            ),
            503,
            headers,
        )
    return jsonify({"error": str(exc), "status": 503}), 503, headers


def job_urls(job_id: str) -> dict:
    """Return the URLs of a job: its JSON status, its page and its CSV."""
    return {
        "status_url": url_for("batch_api.api_batch_job", job_id=job_id),
        "page_url": url_for("batch.batch_job_page", job_id=job_id),
        "csv_url": url_for("batch.batch_job_csv", job_id=job_id),
    }


def job_state(job_id: str, results: bool = True) -> dict:
    """Return a job's state (``results``: with its rows once done), or raise NotFound (unknown, or removed
    after BATCH_KEEP_SECONDS)."""
    state = batch_jobs().state(job_id, results=results)
    if state is None:
        raise NotFound()
    return state


def job_rows(state: dict) -> list[BatchRow]:
    """Return a finished job's rows as BatchRow objects, for the page and the CSV."""
    return [BatchRow.from_dict(row) for row in state.get("results", [])]


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
    try:
        rows, job = start_batch(body.get("queries"), shared)
    except QueueFull as exc:
        return busy(exc)
    if job is None:
        return jsonify({"results": [row.to_dict() for row in rows]})
    urls = job_urls(job["id"])
    return jsonify({**job, **urls}), 202, {"Location": urls["status_url"]}


@api.get("/api/batch/<job_id>")
def api_batch_job(job_id: str):
    """Return a batch job's progress; once ``status`` is ``done``, its ``results`` (as ``POST /api/batch``)."""
    state = job_state(job_id)
    return jsonify({**public(state), **job_urls(job_id)})


@pages.get("/batch")
def batch_page():
    """Show the batch form: paste queries or upload a CSV, with optional shared filters."""
    return render_template("batch.html", rows=None, form={}, error=None, max_queries=MAX_QUERIES, filters=FORM_FILTERS)


@pages.post("/batch")
def batch_run():
    """Run the posted batch and show the table, or (``format=csv``) download it as CSV."""
    form = {key: request.form.get(key, "") for key in ("queries", "column", *SHARED_KEYS)}
    try:
        queries = form_queries()
        shared = shared_filters({k: v for k, v in form.items() if k in SHARED_KEYS and v.strip()})
        rows, job = start_batch(queries, shared)
    except InvalidParameter as exc:
        return render_template(
            "batch.html", rows=None, form=form, error=str(exc), max_queries=MAX_QUERIES, filters=FORM_FILTERS
        ), 400
    except QueueFull as exc:
        return busy(exc, page=True)
    if job is not None:  # the rest runs in the background: its page shows progress, then the table
        return redirect(url_for("batch.batch_job_page", job_id=job["id"]), 303)
    if request.form.get("format") == "csv":
        return csv_response(rows, shared)
    form["queries"] = "\n".join(queries)  # an uploaded column becomes the list, for the download form
    return render_template(
        "batch.html",
        rows=rows,
        form=form,
        error=None,
        max_queries=MAX_QUERIES,
        filters=FORM_FILTERS,
        link=lambda q: results_link(q, shared),
    )


@pages.get("/batch/<job_id>")
def batch_job_page(job_id: str):
    """Show a batch job: its progress while it runs (the page polls its status), then its table."""
    state = job_state(job_id)
    shared = state.get("shared", {})
    form = {
        "queries": "\n".join(str(q) for q in state.get("queries", [])),
        **{k: ", ".join(v) for k, v in shared.items()},
    }
    done = state["status"] == "done"
    return render_template(
        "batch.html",
        rows=job_rows(state) if done else None,
        form=form,
        error=state.get("error"),
        max_queries=MAX_QUERIES,
        filters=FORM_FILTERS,
        link=lambda q: results_link(q, shared),
        job=public(state),
        job_urls=job_urls(job_id),
    )


@pages.get("/batch/<job_id>.csv")
def batch_job_csv(job_id: str):
    """Download a finished batch job's table as CSV (409 while it still runs)."""
    state = job_state(job_id)
    if state["status"] != "done":
        return jsonify(
            {
                "error": f"this batch is {state['status']}: {state['done']:,} of {state['total']:,} queries done",
                "status": 409,
            }
        ), 409
    return csv_response(job_rows(state), state.get("shared", {}))


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
        writer.writerow(
            [
                spreadsheet_safe(row.query),
                row.total,
                row.first.isoformat() if row.first else "",
                row.last.isoformat() if row.last else "",
                spreadsheet_safe(join_values([f"{c.value} ({c.count})" for c in row.countries])),
                spreadsheet_safe(join_values([f"{a.value} ({a.count})" for a in row.actors])),
                spreadsheet_safe(row.error or ""),
                results_link(row.query, shared, external=True),
            ]
        )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="crisis-desk-batch.csv"'},
    )
