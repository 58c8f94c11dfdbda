"""Query latency of Crisis Desk's search path, beside naive Whoosh and tantivy-py on the same articles.

    python bench/query_latency.py INDEX_DIR --corpus bench/out/reuters.jsonl [--queries bench/queries.json]
                                  [--warm-runs 5] [--peer-runs 2] [--skip-peers] [--out FILE.json]

Each measurement runs in its own fresh process, one after the other (never two at once), so memory and
caches do not leak between them:

- engine: the code path of ``/api/search``: ``parse_request(args)`` -> ``SearchIndex(index_dir).search(req)``
  -> ``result.to_dict()`` -> JSON (orjson, as ``web/json_provider.py``) (top 10 with snippets, total, all facets, histogram). The first
  pass over the query set right after opening the index is "cold"; then ``--warm-runs`` passes are "warm".
  The engine's result cache (if any) is switched off for the whole process, so a warm run is a real
  search, not a cache lookup (the script prints how it did that). Start-up to first answer is measured from
  just before the process is spawned (interpreter start and imports included) to the first query's
  answer (the query set begins with the landing page, an empty query). RSS after the query set and peak
  RSS (ru_maxrss) come from the same process.
- whoosh-naive: the same Whoosh index, one searcher, a MultifieldParser(title, body) query,
  ``searcher.search(q, limit=10, groupedby={actor, country, org, source, ym FieldFacets}, maptype=Count)``
  for the facet counts and the monthly histogram, ``hit.highlights("body", top=3)`` for snippets.
- tantivy: a tantivy index built in a temp dir from the same JSONL, with each article's facet values read
  from the Whoosh index's stored ``entities`` (so both have the same facets); ``searcher.search`` (top 10,
  count) + ``searcher.aggregate`` (terms on actor, country, org, source, ym) + SnippetGenerator snippets.

Peers get the same filters and date ranges; a query that the engine answered in relaxed mode (long
questions) is an OR query for the peers. Percentiles are numpy's (linear interpolation) over every
(query, run) sample. The last lines printed are the figures.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FILTER_KINDS = ("actor", "country", "org", "source")
BROAD_KINDS = ("broad", "browse")


# ---------------------------------------------------------------- the query set


def load_queries(path: str | Path) -> list[dict]:
    """Return the query set: dicts with kind and args (every arg value a list of strings)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for entry in data["queries"]:
        args = {k: v if isinstance(v, list) else [v] for k, v in entry["args"].items()}
        out.append({"kind": entry["kind"], "args": args})
    return out


def _day(value: str, end: bool) -> date:
    """Turn YYYY, YYYY-MM or YYYY-MM-DD into the first (or, with end, the last) day it covers."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        first = date(parts[0], parts[1], 1)
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1) if end else first
    return date(parts[0], 12, 31) if end else date(parts[0], 1, 1)


def peer_filters(args: dict) -> tuple[dict, dict, date | None, date | None]:
    """Split query args into include/exclude filters (lower-cased, as the keyword fields hold them) and dates."""
    include, exclude = {}, {}
    for kind in FILTER_KINDS:
        for v in args.get(kind, []):
            target = exclude if v.startswith("-") else include
            target.setdefault(kind, []).append(v.lstrip("-").lower())
    if args.get("leaders") == ["1"]:
        pass  # narrows the actor facet only, not the matches
    dfrom = _day(args["from"][0], False) if args.get("from") else None
    dto = _day(args["to"][0], True) if args.get("to") else None
    return include, exclude, dfrom, dto


def percentiles(samples: list[float]) -> dict:
    """Return p50/p95/p99/max (ms) of ``samples``."""
    import numpy as np

    if not samples:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    a = np.asarray(samples)
    return {
        "n": len(samples),
        "p50": float(np.percentile(a, 50)),
        "p95": float(np.percentile(a, 95)),
        "p99": float(np.percentile(a, 99)),
        "max": float(a.max()),
    }


def _rss_mb() -> tuple[float, float]:
    """Return (current RSS, peak RSS) of this process in MB."""
    import psutil

    rss = psutil.Process().memory_info().rss / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return rss, peak


def time_passes(one, queries: list[dict], relaxed: list[bool], runs: int, kinds: set[str] | None) -> dict:
    """Time a peer: one cold pass then ``runs`` warm passes; queries of other kinds than ``kinds`` are skipped."""
    chosen = [i for i, q in enumerate(queries) if not kinds or q["kind"] in kinds]
    cold: list[float | None] = [None] * len(queries)
    totals: list[int | None] = [None] * len(queries)
    per_query_warm: list[list[float]] = [[] for _ in queries]
    for i in chosen:
        t = time.perf_counter()
        totals[i] = one(queries[i], relaxed[i])
        cold[i] = (time.perf_counter() - t) * 1000
    for _ in range(runs):
        for i in chosen:
            t = time.perf_counter()
            one(queries[i], relaxed[i])
            per_query_warm[i].append((time.perf_counter() - t) * 1000)
    return {"cold": cold, "totals": totals, "per_query_warm": per_query_warm}


# ---------------------------------------------------------------- role: engine


def _open_uncached(search, index_dir: str):
    """Open SearchIndex with its result cache switched off; return it and how (for the report)."""
    params = inspect.signature(search.SearchIndex).parameters
    if "cache_size" in params:
        return search.SearchIndex(index_dir, cache_size=0), "off (SearchIndex(index_dir, cache_size=0))"
    return search.SearchIndex(index_dir), "no cache_size parameter found; the result cache may serve warm runs"


def run_engine(index_dir: str, queries: list[dict], warm_runs: int, spawned_at: float) -> dict:
    """Run the query set through the /api/search code path; return latencies, start-up and RSS."""
    t_import = time.time()
    sys.path.insert(0, str(ROOT))
    import search  # noqa: E402  (after sys.path)

    import_s = time.time() - t_import
    idx, cache_note = _open_uncached(search, index_dir)

    def one(q):
        req = search.parse_request(q["args"])
        res = idx.search(req)
        orjson.dumps(res.to_dict(), option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)  # as /api/search encodes
        return res

    per_query = []
    cold, warm = [], []
    first_answer_s = None
    for q in queries:
        t = time.perf_counter()
        res = one(q)
        ms = (time.perf_counter() - t) * 1000
        if first_answer_s is None:
            first_answer_s = time.time() - spawned_at
        cold.append(ms)
        per_query.append(
            {
                "kind": q["kind"],
                "args": q["args"],
                "total": res.total,
                "relaxed": bool(res.relaxed),
                "hits": len(res.hits),
                "cold_ms": ms,
                "warm_ms": [],
                "facet_sizes": {k: len(v) for k, v in res.facets.items()},
                "buckets": len(res.histogram),
            }
        )
    for _ in range(warm_runs):
        for pq, q in zip(per_query, queries):
            t = time.perf_counter()
            one(q)
            ms = (time.perf_counter() - t) * 1000
            warm.append(ms)
            pq["warm_ms"].append(ms)
    rss, peak = _rss_mb()
    return {
        "role": "engine",
        "code": code_version(),
        "load": os.getloadavg()[0],
        "cache": cache_note,
        "import_s": import_s,
        "startup_first_answer_s": first_answer_s,
        "rss_mb": rss,
        "peak_rss_mb": peak,
        "cold": cold,
        "warm": warm,
        "per_query": per_query,
    }


# ---------------------------------------------------------------- role: naive Whoosh


def run_whoosh(index_dir: str, queries: list[dict], relaxed: list[bool], runs: int, kinds: set[str] | None) -> dict:
    """Run the query set the naive Whoosh way (groupedby facet counts); return latencies."""
    sys.path.insert(0, str(ROOT))
    from whoosh import index as windex
    from whoosh import query as wq
    from whoosh import sorting
    from whoosh.qparser import AndGroup, MultifieldParser, OrGroup

    from indexer.layout import current_generation_dir

    ix = windex.open_dir(str(current_generation_dir(index_dir)))
    searcher = ix.searcher()
    and_parser = MultifieldParser(["title", "body"], ix.schema, group=AndGroup)
    or_parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
    facets = {
        "actor": sorting.FieldFacet("actor", allow_overlap=True),
        "country": sorting.FieldFacet("country", allow_overlap=True),
        "org": sorting.FieldFacet("org", allow_overlap=True),
        "source": sorting.FieldFacet("source", allow_overlap=True),
        "ym": sorting.FieldFacet("ym"),
    }

    def build(args, is_relaxed):
        text = args.get("q", [""])[0].strip()
        main = (or_parser if is_relaxed else and_parser).parse(text) if text else wq.Every()
        include, exclude, dfrom, dto = peer_filters(args)
        musts = [wq.Term(k, v) for k, vs in include.items() for v in vs]
        if dfrom or dto:
            musts.append(
                wq.DateRange(
                    "date",
                    datetime.combine(dfrom, datetime.min.time()) if dfrom else None,
                    datetime.combine(dto, datetime.max.time()) if dto else None,
                )
            )
        nots = [wq.Term(k, v) for k, vs in exclude.items() for v in vs]
        return main, (wq.And(musts) if musts else None), (wq.Or(nots) if nots else None)

    def one(q, is_relaxed):
        main, flt, mask = build(q, is_relaxed)
        sort = q["args"].get("sort", [""])[0] or ("newest" if not q["args"].get("q", [""])[0].strip() else "")
        kw = {}
        if sort in ("newest", "oldest"):
            kw = {"sortedby": "date", "reverse": sort == "newest"}
        res = searcher.search(main, limit=10, filter=flt, mask=mask, groupedby=facets, maptype=sorting.Count, **kw)
        total = len(res)
        top_values = {name: sorted(res.groups(name).items(), key=lambda kv: -kv[1])[:100] for name in facets}
        assert len(top_values) == len(facets)  # the facet work being timed
        for hit in res:
            hit.highlights("body", top=3)
        return total

    out = time_passes(one, queries, relaxed, runs, kinds)
    rss, peak = _rss_mb()
    return {"role": "whoosh", **out, "rss_mb": rss, "peak_rss_mb": peak}


# ---------------------------------------------------------------- role: tantivy


def _whoosh_facets(index_dir: str) -> dict[str, dict]:
    """Read every article's title and facet values from the Whoosh index's stored fields, by article id."""
    sys.path.insert(0, str(ROOT))
    from whoosh import index as windex

    from indexer.layout import current_generation_dir

    ix = windex.open_dir(str(current_generation_dir(index_dir)))
    out = {}
    with ix.reader() as reader:
        for _docnum, stored in reader.iter_docs():
            ents = stored.get("entities") or {}
            if isinstance(ents, (str, bytes)):
                ents = json.loads(ents)
            out[stored["id"]] = {
                "title": stored.get("title", ""),
                "actor": [a["name"].lower() for a in ents.get("actors", [])],
                "country": [c["code"].lower() for c in ents.get("countries", [])],
                "org": [o["name"].lower() for o in ents.get("orgs", [])],
                "source": [s.strip().lower() for s in (stored.get("source") or "").split(",") if s.strip()],
            }
    return out


def build_tantivy(corpus: str, index_dir: str, tdir: str):
    """Build a tantivy index of the JSONL ``corpus`` with the Whoosh index's facet values; return (index, schema, stats)."""
    import tantivy

    t0 = time.perf_counter()
    facets = _whoosh_facets(index_dir)
    read_s = time.perf_counter() - t0
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
    for name in ("actor", "country", "org", "source", "ym"):
        sb.add_text_field(name, fast=True, tokenizer_name="raw")
    sb.add_date_field("date", indexed=True, fast=True)
    sb.add_unsigned_field("ts", indexed=False, fast=True)  # order_by_field needs an unsigned fast field
    schema = sb.build()
    index = tantivy.Index(schema, path=tdir)
    writer = index.writer(heap_size=200_000_000, num_threads=2)
    t1 = time.perf_counter()
    n = missing = 0
    with open(corpus, encoding="utf-8") as fh:
        for line in fh:
            art = json.loads(line)
            f = facets.get(str(art["id"]))
            if f is None:
                missing += 1
                continue
            doc = tantivy.Document()
            doc.add_text("id", str(art["id"]))
            doc.add_text("title", f["title"] or art.get("title", ""))
            doc.add_text("body", art.get("text", ""))
            for name in ("actor", "country", "org", "source"):
                for v in f[name]:
                    doc.add_text(name, v)
            if art.get("date"):
                d = datetime.fromisoformat(art["date"])
                doc.add_date("date", d)
                doc.add_unsigned("ts", int(d.timestamp()) + 2**32)
                doc.add_text("ym", d.strftime("%Y-%m"))
            writer.add_document(doc)
            n += 1
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    stats = {"docs": n, "not_in_whoosh": missing, "read_whoosh_s": read_s, "build_s": time.perf_counter() - t1}
    return index, schema, stats


def _tantivy_text(text: str, is_relaxed: bool) -> str:
    """Make plain words required (+word), as the engine's all-words default; leave boolean syntax alone."""
    if is_relaxed or re.search(r"\b(AND|OR|NOT)\b|[()]", text):
        return text
    tokens = re.findall(r'"[^"]*"|\S+', text)
    return " ".join(t if t[0] in "+-" else "+" + t for t in tokens)


def tantivy_answer(index, schema, searcher, aggs: dict, args: dict, is_relaxed: bool) -> int:
    """The peer's whole answer to one query: top 10 (count), terms aggregations, snippets of the 10 hits."""
    import tantivy

    text = args.get("q", [""])[0].strip()
    if text:
        main, _errors = index.parse_query_lenient(
            _tantivy_text(text, is_relaxed), ["title", "body"], field_boosts={"title": 2.5}
        )
    else:
        main = tantivy.Query.all_query()
    include, exclude, dfrom, dto = peer_filters(args)
    clauses = [(tantivy.Occur.Must, main)]
    for k, vs in include.items():
        clauses += [(tantivy.Occur.Must, tantivy.Query.term_query(schema, k, v)) for v in vs]
    for k, vs in exclude.items():
        clauses += [(tantivy.Occur.MustNot, tantivy.Query.term_query(schema, k, v)) for v in vs]
    if dfrom or dto:
        lo = datetime.combine(dfrom or date(1800, 1, 1), datetime.min.time())
        hi = datetime.combine(dto or date(2100, 12, 31), datetime.max.time())  # tantivy rejects year 9999
        clauses.append((tantivy.Occur.Must, tantivy.Query.range_query(schema, "date", tantivy.FieldType.Date, lo, hi)))
    query = tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else main
    sort = args.get("sort", [""])[0] or ("newest" if not text else "")
    if sort in ("newest", "oldest"):
        res = searcher.search(
            query,
            10,
            count=True,
            order_by_field="ts",
            order=tantivy.Order.Desc if sort == "newest" else tantivy.Order.Asc,
        )
    else:
        res = searcher.search(query, 10, count=True)
    searcher.aggregate(query, aggs)
    gen = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
    for _score, addr in res.hits:
        gen.snippet_from_doc(searcher.doc(addr)).to_html()
    return res.count


def run_tantivy(
    corpus: str, index_dir: str, queries: list[dict], relaxed: list[bool], runs: int, kinds: set[str] | None
) -> dict:
    """Build the tantivy peer and run the query set: search + count + term aggregations + snippets."""
    import tantivy

    tdir = tempfile.mkdtemp(prefix="bench-tantivy-")
    try:
        index, schema, stats = build_tantivy(corpus, index_dir, tdir)
        searcher = index.searcher()
        aggs = {name: {"terms": {"field": name, "size": 100}} for name in ("actor", "country", "org", "source")}
        aggs["ym"] = {"terms": {"field": "ym", "size": 2000}}

        def one(q, is_relaxed):
            return tantivy_answer(index, schema, searcher, aggs, q["args"], is_relaxed)

        out = time_passes(one, queries, relaxed, runs, kinds)
        rss, peak = _rss_mb()
        return {
            "role": "tantivy",
            "version": getattr(tantivy, "__version__", ""),
            "build": stats,
            **out,
            "rss_mb": rss,
            "peak_rss_mb": peak,
        }
    finally:
        shutil.rmtree(tdir, ignore_errors=True)


# ---------------------------------------------------------------- orchestration


def _spawn(role_args: list[str]) -> dict:
    """Run this script in a fresh process in one role; return its JSON answer."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *role_args, "--spawned-at", repr(time.time())]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT))
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        role = role_args[role_args.index("--role") + 1]
        raise SystemExit(f"error: the {role} run failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(xs: list[float]) -> float:
    """Return the median of ``xs``."""
    s = sorted(xs)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def code_version() -> str:
    """Return the commit the engine ran at, and whether search/ or indexer/ had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "search", "indexer"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' + uncommitted changes in search/ or indexer/' if dirty else ''}"


def summarise(engine: dict, whoosh: dict | None, tant: dict | None) -> list[str]:
    """Return the report lines (the figures) for the three runs."""
    lines = [
        f"code: {engine.get('code', '?')}; {os.cpu_count()} CPUs, load average "
        f"{engine.get('load', float('nan')):.2f} after the engine run, {os.getloadavg()[0]:.2f} at the end"
    ]
    eq = engine["per_query"]
    kinds = [pq["kind"] for pq in eq]
    n = len(kinds)
    broad = {i for i, k in enumerate(kinds) if k in BROAD_KINDS}
    e_warm = [pq["warm_ms"] for pq in eq]
    e_cold = [pq["cold_ms"] for pq in eq]

    def flat(per_query: list[list[float]], idxs) -> list[float]:
        return [ms for i in sorted(idxs) for ms in per_query[i]]

    def ran(peer) -> set[int]:
        return {i for i in range(n) if peer["per_query_warm"][i]}

    lines.append(
        f"queries: {n} ({', '.join(f'{k} {kinds.count(k)}' for k in dict.fromkeys(kinds))}); "
        f"engine result cache: {engine['cache']}"
    )
    lines.append("per-kind warm p50 ms:    engine  naive-whoosh   tantivy")
    for kind in dict.fromkeys(kinds):
        idxs = {i for i, k in enumerate(kinds) if k == kind}
        row = [percentiles(flat(e_warm, idxs))["p50"]]
        for peer in (whoosh, tant):
            row.append(percentiles(flat(peer["per_query_warm"], idxs))["p50"] if peer else float("nan"))
        lines.append(f"  {kind:10s} {row[0]:14.1f} {row[1]:13.1f} {row[2]:9.1f}")

    def fmt(name, st):
        return (
            f"{name}: p50 {st['p50']:.1f} ms  p95 {st['p95']:.1f} ms  p99 {st['p99']:.1f} ms  "
            f"max {st['max']:.1f} ms  (n={st['n']})"
        )

    eng_w, eng_b = percentiles(flat(e_warm, range(n))), percentiles(flat(e_warm, broad))
    for name, peer in (("naive whoosh", whoosh), ("tantivy", tant)):
        if not peer:
            continue
        idxs = ran(peer)
        pw, pb = (
            percentiles(flat(peer["per_query_warm"], idxs)),
            percentiles(flat(peer["per_query_warm"], idxs & broad)),
        )
        ew, eb = percentiles(flat(e_warm, idxs)), percentiles(flat(e_warm, idxs & broad))
        lines.append(fmt(f"{name} cold", percentiles([peer["cold"][i] for i in sorted(idxs)])))
        lines.append(fmt(f"{name} warm ({len(idxs)} queries)", pw))
        lines.append(fmt(f"{name} warm (broad queries)", pb))
        diff = [i for i in sorted(idxs) if peer["totals"][i] != eq[i]["total"]]
        lines.append(
            f"{name}: totals differ from the engine's on {len(diff)} of {len(idxs)} queries (query "
            f"syntax and analyzers are not identical; see the JSON)"
        )
        # Per-query median ratios, so one slow query does not dominate.
        ratios = {i: _median(peer["per_query_warm"][i]) / max(_median(e_warm[i]), 1e-6) for i in idxs}
        br = [ratios[i] for i in idxs & broad]
        if name == "tantivy":
            lines.append(
                f"RATIO engine/tantivy (same queries): p50 {ew['p50'] / pw['p50']:.1f}x  p95 "
                f"{ew['p95'] / pw['p95']:.1f}x  broad p50 {eb['p50'] / pb['p50']:.1f}x  "
                f"broad p95 {eb['p95'] / pb['p95']:.1f}x  (how much faster tantivy is)"
            )
            b = tant["build"]
            lines.append(
                f"tantivy build: {b['docs']} docs in {b['build_s']:.1f} s "
                f"(+{b['read_whoosh_s']:.1f} s reading facets from Whoosh); its RSS {peer['rss_mb']:.0f} MB"
            )
        else:
            lines.append(
                f"RATIO naive-whoosh/engine (same queries): p50 {pw['p50'] / ew['p50']:.1f}x  p95 "
                f"{pw['p95'] / ew['p95']:.1f}x  broad p50 {pb['p50'] / eb['p50']:.1f}x  broad p95 "
                f"{pb['p95'] / eb['p95']:.1f}x  broad per-query speed-up min {min(br) if br else float('nan'):.1f}x"
                f" (goal >= 10x on broad queries)"
            )
    lines.append(fmt("ENGINE cold (first pass after opening)", percentiles(e_cold)))
    lines.append(fmt("ENGINE warm (all queries)", eng_w))
    lines.append(fmt("ENGINE warm (broad queries)", eng_b))
    lines.append(
        f"ENGINE start-up to first answer: {engine['startup_first_answer_s']:.2f} s "
        f"(imports {engine['import_s']:.2f} s; goal <= 2 s)"
    )
    lines.append(
        f"ENGINE RSS after the query set: {engine['rss_mb']:.0f} MB, peak {engine['peak_rss_mb']:.0f} MB "
        f"(goal <= 300 MB on the 108k set)"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index_dir")
    ap.add_argument("--corpus", help="the JSONL the index was built from (for the tantivy peer)")
    ap.add_argument("--queries", default=str(BENCH / "queries.json"))
    ap.add_argument("--warm-runs", type=int, default=5)
    ap.add_argument("--peer-runs", type=int, default=2, help="warm passes for the peers (naive Whoosh is slow)")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--skip-whoosh", action="store_true")
    ap.add_argument(
        "--whoosh-kinds",
        help="comma-separated query kinds naive Whoosh runs (default all), e.g. broad,browse to keep it short on 108k",
    )
    ap.add_argument("--out", help="write every sample as JSON here (default bench/out/latency-<index>.json)")
    ap.add_argument("--summarise", metavar="JSON", help="print the figures of a saved run again and exit")
    ap.add_argument("--role", choices=("engine", "whoosh", "tantivy"), help=argparse.SUPPRESS)
    ap.add_argument("--relaxed", help=argparse.SUPPRESS)
    ap.add_argument("--spawned-at", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.summarise:
        saved = json.loads(Path(args.summarise).read_text(encoding="utf-8"))
        for line in summarise(saved["engine"], saved["whoosh"], saved["tantivy"]):
            print(line)
        return 0
    if not Path(args.index_dir).is_dir():
        print(f"error: no index directory at {args.index_dir}", file=sys.stderr)
        return 2
    queries = load_queries(args.queries)
    kinds = set(args.whoosh_kinds.split(",")) if args.whoosh_kinds else None
    if args.role:
        relaxed = json.loads(args.relaxed) if args.relaxed else [False] * len(queries)
        try:
            if args.role == "engine":
                out = run_engine(args.index_dir, queries, args.warm_runs, args.spawned_at or time.time())
            elif args.role == "whoosh":
                out = run_whoosh(args.index_dir, queries, relaxed, args.peer_runs, kinds)
            else:
                out = run_tantivy(args.corpus, args.index_dir, queries, relaxed, args.peer_runs, None)
        except Exception as exc:  # a missing or unreadable index: one line, not a traceback
            print(f"error: {args.role}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(out))
        return 0

    common = [
        args.index_dir,
        "--queries",
        args.queries,
        "--warm-runs",
        str(args.warm_runs),
        "--peer-runs",
        str(args.peer_runs),
    ] + (["--whoosh-kinds", args.whoosh_kinds] if args.whoosh_kinds else [])
    print(f"engine run ({args.warm_runs} warm passes) ...", flush=True)
    engine = _spawn([*common, "--role", "engine"])
    relaxed = json.dumps([pq["relaxed"] for pq in engine["per_query"]])
    whoosh = tant = None
    if not args.skip_peers and not args.skip_whoosh:
        print(f"naive whoosh run ({args.peer_runs} warm passes) ...", flush=True)
        whoosh = _spawn([*common, "--role", "whoosh", "--relaxed", relaxed])
    if not args.skip_peers:
        if not args.corpus:
            print("error: --corpus is needed for the tantivy peer (or pass --skip-peers)", file=sys.stderr)
            return 2
        print(f"tantivy run ({args.peer_runs} warm passes) ...", flush=True)
        tant = _spawn([*common, "--corpus", args.corpus, "--role", "tantivy", "--relaxed", relaxed])
    out = Path(args.out) if args.out else BENCH / "out" / f"latency-{Path(args.index_dir).resolve().name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"engine": engine, "whoosh": whoosh, "tantivy": tant}, indent=1), encoding="utf-8")
    print(f"samples: {out}")
    for line in summarise(engine, whoosh, tant):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
