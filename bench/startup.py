"""Start-up of a fresh process: open an index and warm it as a served worker does, then answer one search.

    .venv/bin/python bench/startup.py INDEX_DIR [--query "oil prices"]

Times, in one new process: importing the read side and constructing the engine, ``warm_up()`` (the facet
arrays, the alias table and did-you-mean's words; what ``serving.py``'s ``post_worker_init`` does before a
gunicorn worker takes requests), and the first search after it. Prints the process's peak RSS and the
machine's load average, on one line.

The first opening of a commit derives those tables from every document and writes them to
``INDEX_DIR/read-cache/``; every later opening reads them back (``search/whoosh/read_cache.py``). Run it
twice to see both: the first run after a build is the derivation, the second what a restart costs.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", help="index directory")
    parser.add_argument("--query", default="oil prices", help="the first search after warming up")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    from search import SearchError, SearchIndex, parse_request

    try:
        index = SearchIndex(args.index)
        constructed = time.perf_counter()
        index.warm_up()
        warmed = time.perf_counter()
        result = index.search(parse_request({"q": args.query}))
        answered = time.perf_counter()
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.index}: import + construct {constructed - start:.2f} s, open + warm {warmed - constructed:.2f} s, "
        f"first search {1000 * (answered - warmed):.0f} ms ({result.total:,} results); peak RSS {peak:.0f} MB; "
        f"load {load:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
