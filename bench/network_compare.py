"""Warm latency of /api/network and /api/compare on one index, through the real Flask app.

    python bench/network_compare.py INDEX_DIR [--runs 20] [--out FILE.json]

The index is warmed first (facet arrays and the name-alias table, which a fresh process loads in the
background and a query waits up to 0.5 s for). Each request of a fixed set (the whole index, broad words, a name, a filter, countries too; two to five
series compared, with and without shared filters) is sent once to warm the index (facet arrays, postings
cache), then ``--runs`` times; the figures are p50, p95 and max per endpoint in milliseconds, over every
(request, run) sample, measured around ``client.get`` (query parsing, matching, counting, JSON). Neither
view has a result cache, so a warm run is real work. The last lines printed are the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402

NETWORK = [
    {},
    {"kinds": "actor,country"},
    {"q": "Ukraine"},
    {"q": "Russia", "kinds": "actor,country"},
    {"q": "Putin"},
    {"q": "sanctions gas"},
    {"country": "BY"},
    {"q": "Nato", "from": "2022-01-01", "to": "2022-06-30"},
]
COMPARE = [
    {"q": ["Ukraine", "Russia"]},
    {"q": ["Putin", "Zelenskyy", "Biden", "Lukashenko", "Macron"]},
    {"q": ['actor:"Vladimir Putin"', 'actor:"Volodymyr Zelenskyy"']},
    {"q": ["sanctions", "gas", "grain"], "country": "UA"},
    {"q": ["Nato", "Sweden"], "from": "2022-03-01", "to": "2022-04-15"},
]


def percentiles(samples: list[float]) -> dict:
    """Return p50, p95 and max of millisecond samples."""
    a = np.asarray(samples)
    return {
        "p50": round(float(np.percentile(a, 50)), 2),
        "p95": round(float(np.percentile(a, 95)), 2),
        "max": round(float(a.max()), 2),
        "n": len(samples),
    }


def time_requests(client, path: str, requests: list[dict], runs: int) -> tuple[list[float], list[dict]]:
    """Warm each request once, then time ``runs`` repeats; return samples and a per-request summary."""
    samples, rows = [], []
    for params in requests:
        response = client.get(path, query_string=params)
        if response.status_code != 200:
            raise SystemExit(f"{path} {params}: HTTP {response.status_code} {response.get_data(as_text=True)[:200]}")
        body = response.get_json()
        size = len(body.get("nodes", body.get("series", [])))
        own = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(path, query_string=params)
            own.append((time.perf_counter() - start) * 1000)
        samples += own
        rows.append({"params": params, "items": size, **percentiles(own)})
    return samples, rows


def main(argv: list[str] | None = None) -> int:
    """Time both endpoints on INDEX_DIR and print per-request lines, then the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args(argv)
    app = create_app({"INDEX_DIR": args.index_dir, "TESTING": True})
    client = app.test_client()
    start = time.perf_counter()
    app.extensions["crisis_desk.index"].warm_up()  # facet arrays and the alias table, as serving does
    health = client.get("/healthz").get_json()
    open_ms = (time.perf_counter() - start) * 1000
    report = {"index": health, "open_ms": round(open_ms, 1)}
    for name, path, requests in (("network", "/api/network", NETWORK), ("compare", "/api/compare", COMPARE)):
        samples, rows = time_requests(client, path, requests, args.runs)
        for row in rows:
            print(
                f"{name:8s} {json.dumps(row['params'], ensure_ascii=False):70s} items={row['items']:3d} "
                f"p50={row['p50']:7.2f} ms  max={row['max']:7.2f} ms"
            )
        report[name] = {"all": percentiles(samples), "requests": rows}
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"index: {health.get('articles')} articles ({args.index_dir}); opened and warmed in {open_ms:.0f} ms")
    for name in ("network", "compare"):
        fig = report[name]["all"]
        print(f"{name} warm: p50 {fig['p50']} ms, p95 {fig['p95']} ms, max {fig['max']} ms ({fig['n']} samples)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
