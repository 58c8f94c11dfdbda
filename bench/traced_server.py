"""Serve the app (Werkzeug, threaded, like ``flask run``) with tracemalloc on, dumping snapshots as it runs.

    python bench/traced_server.py INDEX_DIR --port 5000 --out DIR [--every 300] [--frames 12]

Used by ``bench/reliability.py soak --tracemalloc DIR``: a snapshot is written to ``DIR/snap-NNNN.pickle``
every ``--every`` seconds (the first after the first interval), so ``bench/reliability.py`` can diff the
first against the last and name the lines whose allocations grew. tracemalloc slows the server and
roughly doubles the memory of what it traces, so RSS figures come from an untraced soak.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def dump_snapshots(out: Path, every: float) -> None:
    """Write a tracemalloc snapshot to ``out`` every ``every`` seconds, for ever."""
    n = 0
    while True:
        time.sleep(every)
        tracemalloc.take_snapshot().dump(str(out / f"snap-{n:04d}.pickle"))
        n += 1


def main() -> None:
    """Start tracemalloc, then serve the app until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--every", type=float, default=300)
    parser.add_argument("--frames", type=int, default=12)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from werkzeug.serving import run_simple

    from app import create_app

    app = create_app({"INDEX_DIR": args.index})
    # Started after the imports (tracing them takes minutes on a busy machine); growth is what matters.
    tracemalloc.start(args.frames)
    threading.Thread(target=dump_snapshots, args=(args.out, args.every), daemon=True).start()
    run_simple("127.0.0.1", args.port, app, threaded=True)


if __name__ == "__main__":
    main()
