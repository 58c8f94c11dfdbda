"""Batch search speed: 1,000 names against an index, on the same path as ``POST /api/batch``.

    python bench/batch.py INDEX_DIR [--names FILE] [--count 1000] [--runs 3] [--warm-up] [--out FILE.json]

Names: one a line from ``--names``, else the index's own facet values (actors first, then countries by
name, organisations and sources, most frequent first) until ``--count``: the names a journalist's list
would hold, each matching real articles. Each run posts the whole list to ``/api/batch`` through the real
Flask app (``create_app(...).test_client()``: JSON in, JSON out, no network), so parsing, name widening,
matching, facet counts and serialisation are all in the figure. The POST answers within its budget
(``BATCH_INLINE_SECONDS``) with a 202 and the job's status URL, which is polled until the job is done: the
figure is the time from the POST to the results, and how long the POST itself held its worker. The first run after opening the index is
"cold" (facet arrays and the alias table are loaded inside it); the others are "warm". With ``--warm-up`` the
index is warmed first, as a served worker does before its first request, so the first batch is the first one
a served worker meets. Each run reports wall
time and the process's CPU time: on a shared machine the second says what the batch itself costs. A last pass runs
each name alone through ``search.batch.run_one`` for per-query percentiles. The last lines are the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def index_names(index, count: int) -> list[str]:
    """Return up to ``count`` distinct names from the index's facets, most frequent first per kind."""
    from search import parse_request

    names: list[str] = []
    seen: set[str] = set()
    req = parse_request({})
    for kind in ("actor", "country", "org", "source"):
        offset = 0
        while len(names) < count:
            page = index.facet_values(req, kind, offset=offset, limit=500)
            for value in page.values:
                if value.value.casefold() not in seen and len(names) < count:
                    seen.add(value.value.casefold())
                    names.append(value.value)
            offset += 500
            if offset >= page.total_values:
                break
    return names


def main(argv: list[str] | None = None) -> int:
    """Time batches of names against INDEX_DIR and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", help="index directory")
    parser.add_argument("--names", help="file with one name or query a line (default: the index's facet values)")
    parser.add_argument("--count", type=int, default=1000, help="how many names (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="batches timed (the first one cold; default 3)")
    parser.add_argument(
        "--warm-up",
        action="store_true",
        help="warm the app's index first, as a served worker does before its first request (then the first "
        "timed batch is the first one a served worker meets, not one that opens the index)",
    )
    parser.add_argument("--out", help="write every figure as JSON here")
    args = parser.parse_args(argv)

    import numpy as np

    from app import create_app
    from search import SearchError, SearchIndex
    from search.batch import run_one

    try:
        return run(args, np, create_app, SearchIndex, run_one)
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run(args, np, create_app, SearchIndex, run_one) -> int:
    """Run the timed batches and the per-query pass; print and optionally write the figures."""

    if args.names:
        names = [line.strip() for line in Path(args.names).read_text(encoding="utf-8").splitlines() if line.strip()]
        names = names[: args.count]
    else:
        names = index_names(SearchIndex(args.index), args.count)  # a separate reader: the app's starts cold
    jobs_dir = tempfile.mkdtemp(prefix="batch-jobs-")  # never inside the index, which may be shared
    app = create_app({"INDEX_DIR": args.index, "SECRET_KEY": "bench", "BATCH_JOBS_DIR": jobs_dir})
    client = app.test_client()
    warm_up_s = None
    if args.warm_up:  # what serving.py's post_worker_init does before the worker takes requests
        start = time.perf_counter()
        app.extensions["crisis_desk.index"].warm_up()
        warm_up_s = time.perf_counter() - start
        print(f"warm-up (as a served worker does before its first request): {warm_up_s:.2f} s")
    first_label = "first after warm-up" if args.warm_up else "cold"
    body = json.dumps({"queries": names})
    runs = []
    cpu = []
    for run in range(args.runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.post("/api/batch", data=body, content_type="application/json")
        answered = time.perf_counter() - start
        if response.status_code == 202:  # past the request's budget: the rest runs as a job, polled here
            status_url = response.get_json()["status_url"]
            while (response := client.get(status_url)).get_json()["status"] in ("queued", "running"):
                time.sleep(0.1)
        seconds = time.perf_counter() - start
        cpu.append(time.process_time() - cpu_start)
        if response.status_code != 200 or "results" not in response.get_json():
            print(
                f"error: /api/batch answered {response.status_code}: {response.get_data(as_text=True)[:300]}",
                file=sys.stderr,
            )
            return 1
        results = response.get_json()["results"]
        runs.append(seconds)
        print(
            f"run {run + 1} ({first_label if run == 0 else 'warm'}): {len(names)} names in {seconds:.2f} s "
            f"({cpu[-1]:.2f} s CPU; the POST answered in {answered:.2f} s)"
        )
    errors = sum(1 for r in results if r.get("error"))
    matched = sum(1 for r in results if r["total"])
    shared: dict = {}
    index = app.extensions["crisis_desk.index"]
    per_query = []
    for name in names:
        start = time.perf_counter()
        run_one(index, name, shared)
        per_query.append((time.perf_counter() - start) * 1000)
    per_query_arr = np.array(per_query)
    articles = index.health()["articles"]
    figures = {
        "index": args.index,
        "articles": articles,
        "names": len(names),
        "matched": matched,
        "errors": errors,
        "cold_s": None if args.warm_up else runs[0],
        "first_after_warm_up_s": runs[0] if args.warm_up else None,
        "warm_up_s": warm_up_s,
        "warm_s": runs[1:],
        "cpu_s": cpu,
        "per_query_ms": {
            "p50": float(np.percentile(per_query_arr, 50)),
            "p95": float(np.percentile(per_query_arr, 95)),
            "max": float(per_query_arr.max()),
        },
    }
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    warm = (
        f"{min(runs[1:]):.2f} s warm (best of {len(runs) - 1}; {min(cpu[1:]):.2f} s CPU)"
        if len(runs) > 1
        else "no warm run"
    )
    print(f"{articles:,} articles, {len(names):,} names ({matched:,} with matches, {errors} errors)")
    print(
        f"batch: {runs[0]:.2f} s {first_label} ({cpu[0]:.2f} s CPU), {warm}; per query p50 {figures['per_query_ms']['p50']:.1f} ms, "
        f"p95 {figures['per_query_ms']['p95']:.1f} ms, max {figures['per_query_ms']['max']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
