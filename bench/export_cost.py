"""CPU time of a CSV export at its 10,000-row cap, with and without the export rows the indexer writes beside
each segment (issue 9: a row used to decompress Whoosh's whole stored record, body included).

The index is copied (it is not written to): first exported as it is, then with the segments' export rows
written into the copy exactly as a build writes them at its commit (``indexer.export_rows``, then the
manifest), as a fresh build or any later commit of that generation would have them. Each export goes
through the real app (``/export.csv``, every column formula-neutralised, streamed); the figure is the CPU
time of the thread that serves it (``time.thread_time``), which is what holds a worker, and its wall time.

    $PY bench/export_cost.py INDEX [--runs 5] [--q QUERY]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def export_once(client, query: str) -> tuple[float, float, int]:
    """Return (CPU seconds, wall seconds, rows) of one /export.csv, its body read to the end."""
    cpu, wall = time.thread_time(), time.perf_counter()
    response = client.get("/export.csv", query_string={"q": query, "sort": "newest"})
    body = response.get_data()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    assert response.status_code == 200, body[:300]
    return cpu, wall, body.count(b"\n") - 1


def measure(index_dir: Path, query: str, runs: int) -> dict:
    """Export ``runs`` times from a fresh app (the index opened and warmed first); the first export apart."""
    from app import create_app

    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True, "EXPORT_LIMIT": 10_000})
    app.extensions["crisis_desk.index"].warm_up()
    client = app.test_client()
    first = export_once(client, query)
    rest = [export_once(client, query) for _ in range(runs)]
    return {
        "rows": first[2],
        "first_cpu_s": round(first[0], 3),
        "first_wall_s": round(first[1], 3),
        "cpu_s_median": round(statistics.median(r[0] for r in rest), 3),
        "cpu_s_max": round(max(r[0] for r in rest), 3),
        "wall_s_median": round(statistics.median(r[1] for r in rest), 3),
    }


def main() -> None:
    """Copy the index, export without and with the export rows, print both."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--q", default="", help="the query exported (default: every article, newest first)")
    args = parser.parse_args()

    from indexer import check, layout
    from indexer.check import open_generation
    from indexer.export_rows import write_export_rows

    with tempfile.TemporaryDirectory(prefix="export-cost-") as tmp:
        index_dir = Path(tmp) / "index"
        generation = layout.current_generation(args.index)
        index_dir.mkdir()
        (index_dir / layout.CURRENT).write_text(generation + "\n", encoding="utf-8")
        shutil.copytree(args.index / generation, index_dir / generation)
        gen_dir = index_dir / generation
        for path in gen_dir.glob(f"{layout.EXPORT_ROWS_PREFIX}*"):  # start from the stored records alone
            path.unlink()
        check.write_manifest(gen_dir)
        result = {"index": str(args.index), "generation": generation, "load": os.getloadavg()[0]}
        result["stored_records"] = measure(index_dir, args.q, args.runs)
        started = time.process_time()
        written = write_export_rows(open_generation(gen_dir, readonly=False))
        check.write_manifest(gen_dir)
        result["writing_export_rows"] = {"segments": written, "cpu_s": round(time.process_time() - started, 3)}
        result["export_rows"] = measure(index_dir, args.q, args.runs)
        result["load_after"] = os.getloadavg()[0]
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
