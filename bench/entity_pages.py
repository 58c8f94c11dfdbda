"""Warm latency of the entity view (``/api/entity/<kind>/<value>``) for an index's most written-about entities.

    python bench/entity_pages.py INDEX_DIR [--top 10] [--runs 5] [--out FILE.json]

Opens the index once (facet arrays and the spellings table loaded, as the served app does after warm-up),
answers every entity once (cold: first look-ups of display names, surnames, overall counts), then times
``SearchIndex.entity(kind, value).to_dict()`` plus ``json.dumps`` ``--runs`` times per entity: the code
path of the JSON endpoint without HTTP. The entities are the ``--top`` actors, countries and
organisations by article count. The last lines printed are the figures (median and p95 in ms).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search import SearchIndex, SearchRequest  # noqa: E402


def top_entities(index: SearchIndex, top: int) -> list[tuple[str, str]]:
    """Return (kind, value) of the ``top`` most frequent actors, countries and organisations."""
    result = index.search(SearchRequest(per_page=1))
    return [
        (kind, fv.code if kind == "country" and fv.code else fv.value)
        for kind in ("actor", "country", "org")
        for fv in result.facets.get(kind, [])[:top]
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print per-entity and overall figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out")
    args = parser.parse_args(argv)

    index = SearchIndex(args.index_dir)
    start = time.perf_counter()
    index.warm_up()
    print(f"opened and warmed in {time.perf_counter() - start:.2f} s")
    entities = top_entities(index, args.top)
    rows = []
    cold = []
    for kind, value in entities:
        t0 = time.perf_counter()
        view = index.entity(kind, value)
        json.dumps(view.to_dict())
        cold.append((time.perf_counter() - t0) * 1000)
    for kind, value in entities:
        samples = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            view = index.entity(kind, value)
            json.dumps(view.to_dict())
            samples.append((time.perf_counter() - t0) * 1000)
        rows.append(
            {
                "kind": kind,
                "value": value,
                "articles": view.total,
                "median_ms": round(float(np.median(samples)), 2),
                "max_ms": round(max(samples), 2),
            }
        )
        print(
            f"{kind:8s} {value[:32]:32s} {view.total:6d} articles  median {np.median(samples):7.2f} ms  "
            f"max {max(samples):7.2f} ms"
        )
    warm = [r["median_ms"] for r in rows]
    summary = {
        "entities": len(rows),
        "cold_first_ms": round(cold[0], 2) if cold else None,
        "cold_median_ms": round(float(np.median(cold)), 2) if cold else None,
        "warm_median_ms": round(float(np.median(warm)), 2) if warm else None,
        "warm_p95_ms": round(float(np.percentile(warm, 95)), 2) if warm else None,
        "warm_max_ms": round(max(warm), 2) if warm else None,
    }
    if args.out:
        Path(args.out).write_text(json.dumps({"summary": summary, "rows": rows}, indent=1), encoding="utf-8")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
