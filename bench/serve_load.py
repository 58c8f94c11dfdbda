"""Serving under load: `make run`'s server (gunicorn, serving.py) against concurrent clients.

    .venv/bin/python bench/serve_load.py INDEX_DIR --corpus CORPUS.jsonl [--clients 1,8,32] [--seconds 20]
                                         [--workers 2] [--threads 1]

Starts the server exactly as `make run` does (same command line and `--workers` as the Makefile's default
unless given; `--threads N` > 1 serves with gunicorn's threaded worker instead, as `make run` did before),
then for each client count runs that many client *processes* for ``--seconds``
each, every client sending a mix of first-seen searches (words drawn from the corpus titles, some with a
country filter, some newest-first, some paged) to ``/api/search``. Reports requests/s, p50/p95/max latency,
errors (any status but 200, or a refused connection), the ratio of throughput to one client's, the RSS of
each worker after the run, and the machine's load average before and after (2 cores: the clients share
them with the server, which is what a user on the same box meets).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def query_words(corpus: Path, limit: int = 5000) -> list[str]:
    """Distinct capitalised and long words of the corpus titles: what a reader types."""
    words: dict[str, None] = {}
    with open(corpus, encoding="utf-8") as fh:
        for line in fh:
            try:
                title = json.loads(line).get("title") or ""
            except ValueError:
                continue
            for word in re.findall(r"[A-Za-z][a-z]{4,}", title):
                words.setdefault(word.lower(), None)
            if len(words) >= limit:
                break
    return list(words)


def make_urls(words: list[str], n: int, seed: int) -> list[str]:
    """``n`` search URLs mixing one/two-word queries, a country filter, newest-first and page 2."""
    rng = random.Random(seed)
    urls = []
    for _ in range(n):
        params = [("q", " ".join(rng.sample(words, rng.choice((1, 1, 2)))))]
        roll = rng.random()
        if roll < 0.2:
            params.append(("country", rng.choice(("US", "GB", "JP", "DE", "FR", "RU", "UA"))))
        elif roll < 0.35:
            params.append(("sort", "newest"))
        elif roll < 0.45:
            params.append(("page", "2"))
        urls.append("/api/search?" + urllib.parse.urlencode(params))
    return urls


def client(base: str, urls: list[str], seconds: float, out) -> None:
    """Send requests one after another until time is up; put (latencies, errors) on ``out``."""
    latencies, errors = [], 0
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        url = base + urls[i % len(urls)]
        i += 1
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
                if response.status != 200:
                    errors += 1
        except Exception:  # noqa: BLE001 - any failure is an error to count
            errors += 1
            continue
        latencies.append(time.perf_counter() - started)
    out.put((latencies, errors))


def start_server(index_dir: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    """Start gunicorn as `make run` does and wait until it answers. ``threads`` > 1: gunicorn's threaded
    worker (gthread) instead of serving.py's single-threaded one, the configuration `make run` used before."""
    env = {**os.environ, "CRISIS_DESK_INDEX": index_dir}
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "serving.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
        "--access-logfile",
        "/dev/null",
        "app:create_app()",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"error: the server did not start: {proc.stderr.read().decode()[-500:]}") from None
            time.sleep(0.2)


def worker_rss(proc: subprocess.Popen) -> list[float]:
    """RSS in MB of each gunicorn worker (the children of the arbiter)."""
    import psutil

    return [round(child.memory_info().rss / 2**20, 1) for child in psutil.Process(proc.pid).children()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index_dir")
    ap.add_argument("--corpus", required=True, help="the JSONL the index was built from (query words)")
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--threads", type=int, default=1, help="> 1: gunicorn's gthread worker with this many threads (for comparison)"
    )
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    if not (Path(args.index_dir) / "CURRENT").exists():
        print(f"error: no index in {args.index_dir}", file=sys.stderr)
        return 1
    words = query_words(Path(args.corpus))
    if len(words) < 50:
        print(f"error: {args.corpus} gave too few title words for queries", file=sys.stderr)
        return 1
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(args.index_dir, port, args.workers, args.threads)
    results = []
    try:
        # warm both workers on queries that are not timed
        for url in make_urls(words, 40, seed=0):
            urllib.request.urlopen(base + url, timeout=30).read()
        ctx = multiprocessing.get_context("fork")
        for seed, n in enumerate(int(c) for c in args.clients.split(",")):
            load_before = os.getloadavg()[0]
            out = ctx.Queue()
            procs = [
                ctx.Process(
                    target=client, args=(base, make_urls(words, 2000, seed=1000 * (seed + 1) + k), args.seconds, out)
                )
                for k in range(n)
            ]
            started = time.perf_counter()
            for p in procs:
                p.start()
            parts = [out.get() for _ in procs]
            for p in procs:
                p.join()
            elapsed = time.perf_counter() - started
            latencies = sorted(x for lat, _ in parts for x in lat)
            errors = sum(e for _, e in parts)
            row = {
                "clients": n,
                "requests": len(latencies),
                "errors": errors,
                "rps": round(len(latencies) / elapsed, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1) if latencies else None,
                "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
                "worker_rss_mb": worker_rss(proc),
                "load_before": round(load_before, 2),
                "load_after": round(os.getloadavg()[0], 2),
            }
            results.append(row)
            ratio = row["rps"] / results[0]["rps"] if results[0]["rps"] else 0
            print(
                f"{n:>3} clients: {row['rps']:7.1f} req/s ({ratio:.2f}x one client)  p50 {row['p50_ms']} ms  "
                f"p95 {row['p95_ms']} ms  max {row['max_ms']} ms  errors {errors}  "
                f"worker RSS {row['worker_rss_mb']} MB  load {row['load_before']}->{row['load_after']}",
                flush=True,
            )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"index": args.index_dir, "workers": args.workers, "threads": args.threads, "runs": results}, indent=1
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
