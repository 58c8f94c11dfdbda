"""What grows in memory under the soak's mixed requests: tracemalloc snapshots diffed, in one process.

    python bench/memory_growth.py INDEX_DIR [--warm 1500] [--requests 3000] [--frames 4] [--top 20]

The soak of ``bench/reliability.py`` (a real server, RSS sampled) says *whether* memory grows; this says
*where*. It sends the same mix of requests (``soak_paths``) through the real app's test client: ``--warm``
requests first (the bounded caches fill), a snapshot, ``--requests`` more, a second snapshot, and prints
the source lines whose live allocations grew most between the two, then the sizes of the app's caches.
tracemalloc makes every allocation slower, so the server soak stays the figure for RSS.
"""

from __future__ import annotations

import argparse
import functools
import gc
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def lru_caches() -> list[tuple[str, int, int]]:
    """Return (name, entries, maxsize) of every functools.lru_cache in the project's modules."""
    found = []
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in ("search", "web", "app", "indexer"):
            continue
        for attr, value in vars(module).items():
            if isinstance(value, functools._lru_cache_wrapper):
                info = value.cache_info()
                found.append((f"{name}.{attr}", info.currsize, info.maxsize))
    return sorted(found, key=lambda row: -row[1])


def engine_caches(client) -> str:
    """Describe the engine's own bounded caches: postings (bytes as counted), results, expansions."""
    index = client.application.extensions["crisis_desk.index"]
    snap = index._snap
    if snap is None:
        return "no snapshot"
    postings = snap.matcher._postings
    return (
        f"postings {postings.size / 2**20:.1f} MB in {len(postings.data):,} entries, "
        f"results {len(index._cache)}, expansions {len(snap.matcher._expansions)}"
    )


def send(client, next_path, count: int, every: int = 250) -> float:
    """Send ``count`` requests (printing RSS and the engine's caches every ``every``); return the seconds."""
    import psutil

    start = time.perf_counter()
    for n in range(1, count + 1):
        response = client.get(next_path())
        response.get_data()
        if response.status_code >= 500:
            raise SystemExit(f"error: {response.status_code} on the soak mix")
        if n % every == 0:
            print(
                f"  {n:6d} requests  RSS {psutil.Process().memory_info().rss / 2**20:6.1f} MB  {engine_caches(client)}",
                flush=True,
            )
    return time.perf_counter() - start


def main() -> None:
    """Run the mix, diff the snapshots and print what grew."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index")
    parser.add_argument("--warm", type=int, default=1500, help="requests before the first snapshot")
    parser.add_argument("--requests", type=int, default=3000, help="requests between the snapshots")
    parser.add_argument("--frames", type=int, default=4, help="frames kept per allocation")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument(
        "--no-trace", action="store_true", help="no tracemalloc (fast): only the caches' sizes and the process's RSS"
    )
    args = parser.parse_args()

    from reliability import soak_paths

    from app import create_app

    client = create_app({"INDEX_DIR": args.index}).test_client()
    next_path = soak_paths(client)
    import psutil

    if not args.no_trace:
        tracemalloc.start(args.frames)
    print(f"warm-up: {args.warm} requests in {send(client, next_path, args.warm):.0f} s", flush=True)
    gc.collect()
    rss_before = psutil.Process().memory_info().rss / 2**20
    before = tracemalloc.take_snapshot() if not args.no_trace else None
    caches_before = dict((name, size) for name, size, _ in lru_caches())
    print(f"measured: {args.requests} requests in {send(client, next_path, args.requests):.0f} s", flush=True)
    gc.collect()
    print(f"RSS {rss_before:.1f} MB -> {psutil.Process().memory_info().rss / 2**20:.1f} MB")
    if args.no_trace:
        print_caches(caches_before)
        return
    after = tracemalloc.take_snapshot()
    current, peak = tracemalloc.get_traced_memory()
    print(f"traced now {current / 2**20:.1f} MiB (peak {peak / 2**20:.1f} MiB)")
    print(f"\ngrowth by line over {args.requests} requests:")
    for stat in after.compare_to(before, "lineno")[: args.top]:
        print(f"  {stat.size_diff / 2**10:+9.1f} KiB {stat.count_diff:+7d} blocks  {stat.traceback}")
    print("\ngrowth by call path:")
    for stat in after.compare_to(before, "traceback")[:8]:
        print(f"  {stat.size_diff / 2**10:+9.1f} KiB {stat.count_diff:+7d} blocks")
        for line in stat.traceback.format(limit=args.frames):
            print("      " + line)
    print_caches(caches_before)


def print_caches(before: dict) -> None:
    """Print the project's lru caches: entries now, before the measured requests, and at most."""
    print("\nlru caches (entries now / before / most):")
    for name, size, maxsize in lru_caches()[:12]:
        print(f"  {name}: {size} / {before.get(name, 0)} / {maxsize}")


if __name__ == "__main__":
    main()
