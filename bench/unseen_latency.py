"""Latency of queries the engine has not seen, beside tantivy-py in the same process and the same run.

    python bench/unseen_latency.py INDEX_DIR --corpus CORPUS.jsonl [--timed 40] [--warm 40] [--seed 1]
                                   [--cold] [--out FILE.json] [--profile FILE.pstats]

A user's query is usually new to the engine: its posting lists may not be decoded yet and the result cache
cannot answer it. This script draws two disjoint query sets from the corpus (words of its titles, names,
phrases, boolean forms, prefix wildcards, long questions, and the same with a country filter, newest-first
and a date range), warms each engine on the first set, then times every query of the second set ONCE,
through the code path of ``/api/search`` (``parse_request`` -> ``SearchIndex.search`` with its result
cache as shipped -> ``to_dict`` -> JSON (orjson, as ``web/json_provider.py``): top 10 with snippets, total, all facets, histogram).
tantivy-py answers the same queries on the same articles and facet values (top 10, count, snippets of the 10
hits, terms aggregations on actor/country/org/source and a monthly histogram), built as
``bench/query_latency.py`` builds it. Engines alternate query by query, so machine noise hits both.

``--cold`` drops the operating system's page cache first (root only; ``/proc/sys/vm/drop_caches``) and times
the first queries after opening, without warming: what a user meets after a restart or a busy night.

Prints per engine p50/p95/max and the p95 ratio, the load average before and after, and the commit.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.query_latency import build_tantivy, percentiles, tantivy_answer  # noqa: E402

STOP = set(
    "about after again against also among been before being below between both could does doing down "
    "during each from further have having here into itself just more most must need only other over "
    "same says said should some such than that their them then there these they this those through "
    "under until very were what when where which while will with would year years your".split()
)
COUNTRIES = ("US", "GB", "JP", "DE", "FR", "CA", "BR", "RU", "UA", "CN")


def corpus_vocabulary(corpus: Path) -> tuple[list[str], list[str], list[tuple[str, str]], list[str]]:
    """Words, capitalised names, adjacent word pairs of titles, and the corpus's months (YYYY-MM)."""
    words: dict[str, None] = {}
    names: dict[str, None] = {}
    pairs: dict[tuple[str, str], None] = {}
    months: dict[str, None] = {}
    with open(corpus, encoding="utf-8") as fh:
        for line in fh:
            try:
                art = json.loads(line)
            except ValueError:
                continue
            title = art.get("title") or ""
            tokens = re.findall(r"[A-Za-z]{4,}", title)
            for t in tokens:
                if t.lower() not in STOP:
                    (names if t[0].isupper() and not t.isupper() else words).setdefault(t.lower(), None)
            for a, b in zip(tokens, tokens[1:]):
                if a.lower() not in STOP and b.lower() not in STOP:
                    pairs.setdefault((a.lower(), b.lower()), None)
            if art.get("date"):
                months.setdefault(str(art["date"])[:7], None)
    return list(words), list(names), list(pairs), sorted(months)


def draw_queries(vocab, n: int, rng: random.Random, used: set[str]) -> list[dict]:
    """``n`` queries of mixed kinds whose words are not in ``used`` (then added to it)."""
    words, names, pairs, months = vocab

    def fresh(pool):
        for _ in range(1000):
            w = rng.choice(pool)
            key = " ".join(w) if isinstance(w, tuple) else w
            if key not in used:
                used.add(key)
                return w
        raise SystemExit("error: the corpus has too few distinct title words for this many queries")

    kinds = ["broad", "broad", "name", "name", "phrase", "boolean", "wildcard", "long", "filter", "newest", "date"]
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        args: dict[str, list[str]] = {}
        if kind == "broad":
            args["q"] = [fresh(words)]
        elif kind == "name":
            args["q"] = [fresh(names)]
        elif kind == "phrase":
            args["q"] = ['"{} {}"'.format(*fresh(pairs))]
        elif kind == "boolean":
            args["q"] = [f"{fresh(words)} OR {fresh(names)}"]
        elif kind == "wildcard":
            w = fresh(words)
            args["q"] = [w[: max(4, len(w) - 3)] + "*"]
        elif kind == "long":
            args["q"] = [f"what did {fresh(names)} say about the {fresh(words)} and {fresh(words)} this week"]
        elif kind == "filter":
            args.update(q=[fresh(words)], country=[rng.choice(COUNTRIES)])
        elif kind == "newest":
            args.update(q=[fresh(words)], sort=["newest"])
        else:
            m = rng.choice(months) if months else "1987-03"
            args.update(q=[fresh(words)], **{"from": [m], "to": [m]})
        out.append({"kind": kind, "args": args})
    return out


def drop_page_cache() -> str:
    """Drop the OS page cache (root only); return what was done."""
    try:
        subprocess.run(["sync"], check=False)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return "page cache dropped"
    except OSError as exc:
        return f"page cache NOT dropped ({exc.strerror}): the cold figures are warm-cache figures"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index_dir")
    ap.add_argument("--corpus", required=True, help="the JSONL the index was built from")
    ap.add_argument("--timed", type=int, default=40)
    ap.add_argument("--warm", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cold", action="store_true", help="drop the page cache and time the first queries")
    ap.add_argument("--skip-tantivy", action="store_true")
    ap.add_argument("--out", help="write every sample here as JSON")
    ap.add_argument(
        "--profile",
        metavar="FILE",
        help="cProfile the engine's timed queries into FILE (pstats) and print the top functions",
    )
    args = ap.parse_args(argv)
    if not (Path(args.index_dir) / "CURRENT").exists():
        print(f"error: no index in {args.index_dir}", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    vocab = corpus_vocabulary(Path(args.corpus))
    used: set[str] = set()
    warm_set = [] if args.cold else draw_queries(vocab, args.warm, rng, used)
    timed_set = draw_queries(vocab, args.timed, rng, used)
    load_before = os.getloadavg()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()

    tdir = tempfile.mkdtemp(prefix="bench-tantivy-")
    try:
        if not args.skip_tantivy:
            index, schema, _stats = build_tantivy(args.corpus, args.index_dir, tdir)
            aggs = {name: {"terms": {"field": name, "size": 100}} for name in ("actor", "country", "org", "source")}
            aggs["ym"] = {"terms": {"field": "ym", "size": 2000}}
        cold_note = drop_page_cache() if args.cold else "warm page cache"

        import search  # noqa: E402

        t_open = time.perf_counter()
        engine = search.SearchIndex(args.index_dir)  # result cache as shipped

        def run_engine(q):
            res = engine.search(search.parse_request(q["args"]))
            orjson.dumps(res.to_dict(), option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)  # as /api/search encodes
            return res

        if not args.skip_tantivy:
            searcher = index.searcher()

            def run_tantivy(q, relaxed):
                return tantivy_answer(index, schema, searcher, aggs, q["args"], relaxed)

        for q in warm_set:
            res = run_engine(q)
            if not args.skip_tantivy:
                run_tantivy(q, bool(res.relaxed))
        if warm_set:  # a warmed engine has finished its background loads, as a server that has run a while
            engine.warm_up()
            engine.wait_sidecars()
        samples = {"engine": [], "tantivy": []}
        first_answer_s = None
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
        for q in timed_set:
            t = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            res = run_engine(q)
            if profiler is not None:
                profiler.disable()
            samples["engine"].append((time.perf_counter() - t) * 1000)
            if first_answer_s is None:
                first_answer_s = time.perf_counter() - t_open
            if not args.skip_tantivy:
                t = time.perf_counter()
                run_tantivy(q, bool(res.relaxed))
                samples["tantivy"].append((time.perf_counter() - t) * 1000)
    finally:
        shutil.rmtree(tdir, ignore_errors=True)
    load_after = os.getloadavg()
    if profiler is not None:
        import pstats

        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(40)
    eng = percentiles(samples["engine"])
    print(
        f"index {args.index_dir}; {len(timed_set)} first-seen queries"
        + (f" after warming on {len(warm_set)} others" if warm_set else " right after opening")
        + f"; {cold_note}; commit {commit}"
    )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores)")
    print(
        f"crisis desk: p50 {eng['p50']:.1f} ms  p95 {eng['p95']:.1f} ms  max {max(samples['engine']):.1f} ms"
        + (f"  (first answer {first_answer_s:.2f} s after opening)" if args.cold else "")
    )
    if samples["tantivy"]:
        tan = percentiles(samples["tantivy"])
        print(f"tantivy-py:  p50 {tan['p50']:.1f} ms  p95 {tan['p95']:.1f} ms  max {max(samples['tantivy']):.1f} ms")
        print(f"ratio at p95: {eng['p95'] / tan['p95']:.2f}x  at p50: {eng['p50'] / tan['p50']:.2f}x")
    if args.out:
        Path(args.out).write_text(
            json.dumps(
                {"queries": timed_set, "samples": samples, "commit": commit, "load": [load_before[0], load_after[0]]},
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
