"""Ranking quality on the TIME collection: Crisis Desk's query path beside a plain BM25 baseline.

    python bench/relevance.py ../shared/corpora/time-ir [--index DIR] [--depth 1000]

1. TIME.ALL (423 articles) -> ``bench/out/time.jsonl`` (id ``time-NNN`` = 1-based position, the issue date,
   the text with its line breaks folded, no title: the indexer derives one as for any untitled article),
   then ``python -m indexer build`` into a temp dir (or ``--index``; an existing index there is reused).
2. Every query of TIME.QUE, as written (upper case and all), goes through the path users get:
   ``search.parse_request({"q": [text], "per_page": ["50"], "page": [p]})`` -> ``SearchIndex.search``,
   paging until ``--depth`` hits or the end (long queries run in the engine's relaxed mode by themselves).
3. The baseline: rank_bm25's BM25Okapi (k1 1.5, b 0.75) over the same tokens, i.e. each article's text and
   each query run through ``indexer.schema.TEXT_ANALYZER`` (stemming, stop words); articles with a
   positive score, best first.

Judgements (TIME.REL) name 1-based positions in TIME.ALL; from id 378 on the judged article sits two
places earlier (two articles of the original 425 are missing), so those ids are shifted by -2 (see the
corpus's SOURCE.md; checked by word overlap with the queries). Only the odd-numbered queries are in this
copy. Metrics: nDCG@10 (binary gains) and MAP (average precision over the ranking down to ``--depth``,
divided by all relevant articles), averaged over the queries. The last lines printed are the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SHIFT_FROM = 378  # first TIME.REL id whose article sits two positions earlier in TIME.ALL
HEADER = re.compile(r"^\*TEXT\s+(\d+)\s+(\d{2})/(\d{2})\D?(\d{2})\s+PAGE\s+(\d+)", re.M)


def read_time_articles(time_dir: Path) -> list[dict]:
    """Return TIME.ALL's articles in file order: dicts with pos (1-based), number, date and text."""
    raw = (time_dir / "TIME.ALL").read_text(encoding="latin-1").split("*STOP")[0]
    heads = list(HEADER.finditer(raw))
    if len(heads) != raw.count("*TEXT"):
        raise SystemExit(f"error: {len(heads)} article headers parsed but {raw.count('*TEXT')} *TEXT lines")
    out = []
    for pos, m in enumerate(heads, start=1):
        end = heads[pos].start() if pos < len(heads) else len(raw)
        number, mm, dd, yy, _page = m.groups()
        out.append(
            {
                "pos": pos,
                "number": int(number),
                "date": f"19{yy}-{mm}-{dd}",
                "text": " ".join(raw[m.end() : end].split()),
            }
        )
    return out


def read_time_queries(time_dir: Path) -> dict[int, str]:
    """Return query number -> query text (as written) from TIME.QUE."""
    raw = (time_dir / "TIME.QUE").read_text(encoding="latin-1").split("*STOP")[0]
    parts = re.split(r"^\*FIND\s+(\d+)\s*$", raw, flags=re.M)
    return {int(parts[i]): " ".join(parts[i + 1].split()) for i in range(1, len(parts), 2)}


def read_time_judgements(time_dir: Path, n_articles: int) -> dict[int, set[int]]:
    """Return query number -> relevant article positions, with the -2 shift from id SHIFT_FROM on."""
    rel = {}
    for line in (time_dir / "TIME.REL").read_text(encoding="latin-1").splitlines():
        fields = line.split()
        if not fields:
            continue
        ids = [int(x) for x in fields[1:]]
        positions = {d - 2 if d >= SHIFT_FROM else d for d in ids}
        if not all(1 <= p <= n_articles for p in positions):
            raise SystemExit(f"error: query {fields[0]} judges a position outside 1..{n_articles}")
        rel[int(fields[0])] = positions
    return rel


def article_id(pos: int) -> str:
    """The id a TIME article gets in the JSONL."""
    return f"time-{pos:03d}"


def write_jsonl(articles: list[dict], path: Path) -> None:
    """Write the articles as the indexer's JSONL input."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(
                json.dumps(
                    {"id": article_id(a["pos"]), "title": "", "date": a["date"], "text": a["text"], "source": "TIME"}
                )
                + "\n"
            )


def ndcg_at(ranking: list[int], relevant: set[int], k: int = 10) -> float:
    """Binary-gain nDCG@k of ``ranking`` (positions) against ``relevant``."""
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranking[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def average_precision(ranking: list[int], relevant: set[int]) -> float:
    """Average precision of ``ranking`` over all of ``relevant`` (unretrieved ones count as zero)."""
    hits, total = 0, 0.0
    for i, d in enumerate(ranking, start=1):
        if d in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def engine_rankings(index_dir: Path, queries: dict[int, str], depth: int, lower: bool = False) -> dict:
    """Rank with Crisis Desk's query path; return qid -> (positions, relaxed, notice)."""
    sys.path.insert(0, str(ROOT))
    from search import SearchIndex, parse_request

    idx = SearchIndex(index_dir)
    out = {}
    for qid, text in queries.items():
        q = text.lower() if lower else text
        ranking, relaxed, notice, page = [], False, None, 1
        while len(ranking) < depth:
            res = idx.search(parse_request({"q": [q], "per_page": ["50"], "page": [str(page)]}))
            if page == 1:
                relaxed, notice = res.relaxed, res.notice
            ranking += [int(h.id.split("-")[1]) for h in res.hits if h.id.startswith("time-")]
            if len(res.hits) < 50 or page * 50 >= res.total or page >= 1000:
                break
            page += 1
        out[qid] = (ranking[:depth], relaxed, notice)
    return out


def bm25_rankings(articles: list[dict], queries: dict[int, str], depth: int) -> dict[int, list[int]]:
    """Rank with plain BM25 (rank_bm25) over TEXT_ANALYZER tokens; return qid -> positions."""
    sys.path.insert(0, str(ROOT))
    from rank_bm25 import BM25Okapi

    from indexer.schema import TEXT_ANALYZER

    def tokens(text: str) -> list[str]:
        return [t.text for t in TEXT_ANALYZER(text)]

    bm25 = BM25Okapi([tokens(a["text"]) for a in articles])
    out = {}
    for qid, text in queries.items():
        scores = bm25.get_scores(tokens(text))
        order = sorted(range(len(articles)), key=lambda i: -scores[i])
        out[qid] = [articles[i]["pos"] for i in order if scores[i] > 0][:depth]
    return out


def evaluate(rankings: dict[int, list[int]], judgements: dict[int, set[int]]) -> tuple[float, float]:
    """Return mean nDCG@10 and MAP over the judged queries."""
    qids = sorted(judgements)
    ndcg = sum(ndcg_at(rankings.get(q, []), judgements[q]) for q in qids) / len(qids)
    mean_ap = sum(average_precision(rankings.get(q, []), judgements[q]) for q in qids) / len(qids)
    return ndcg, mean_ap


def build(jsonl: Path, index_dir: Path) -> str:
    """Index the JSONL with the real indexer CLI; return its summary line."""
    cmd = [sys.executable, "-m", "indexer", "build", str(jsonl), "--index", str(index_dir), "--quiet"]
    proc = subprocess.run(cmd, cwd=str(ROOT), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"error: {' '.join(cmd)} exited {proc.returncode}")
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("time_dir")
    ap.add_argument("--index", help="index directory to build into and keep (reused when it holds an index)")
    ap.add_argument("--depth", type=int, default=1000, help="ranking depth for MAP (default 1000)")
    ap.add_argument("--out", help="per-query figures as JSON (default bench/out/relevance-time.json)")
    ap.add_argument("--baseline-only", action="store_true", help="only the BM25 baseline (no index needed)")
    args = ap.parse_args(argv)

    time_dir = Path(args.time_dir)
    if not (time_dir / "TIME.ALL").is_file():
        print(f"error: no TIME.ALL in {time_dir}", file=sys.stderr)
        return 2
    articles = read_time_articles(time_dir)
    queries = read_time_queries(time_dir)
    judgements = read_time_judgements(time_dir, len(articles))
    queries = {q: t for q, t in queries.items() if q in judgements}
    print(
        f"TIME: {len(articles)} articles, {len(queries)} judged queries, "
        f"{sum(map(len, judgements.values()))} judgements",
        flush=True,
    )

    bm25 = bm25_rankings(articles, queries, args.depth)
    results = {"bm25": evaluate(bm25, judgements)}
    per_query = {
        q: {"query": queries[q], "relevant": sorted(judgements[q]), "bm25_top10": bm25[q][:10]} for q in queries
    }
    tmp = None
    if not args.baseline_only:
        jsonl = BENCH / "out" / "time.jsonl"
        write_jsonl(articles, jsonl)
        if args.index:
            index_dir = Path(args.index)
        else:
            tmp = Path(tempfile.mkdtemp(prefix="bench-time-"))
            index_dir = tmp / "index"
        try:
            summary = build(jsonl, index_dir) if not (index_dir / "CURRENT").exists() else "existing index reused"
            print(f"index: {index_dir} [{summary}]", flush=True)
            eng = engine_rankings(index_dir, queries, args.depth)
            low = engine_rankings(index_dir, queries, args.depth, lower=True)
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
        results["engine"] = evaluate({q: r for q, (r, _, _) in eng.items()}, judgements)
        results["engine_lower"] = evaluate({q: r for q, (r, _, _) in low.items()}, judgements)
        for q in queries:
            per_query[q].update(
                {
                    "engine_top10": eng[q][0][:10],
                    "relaxed": eng[q][1],
                    "notice": eng[q][2],
                    "engine_ndcg10": ndcg_at(eng[q][0], judgements[q]),
                    "bm25_ndcg10": ndcg_at(bm25[q], judgements[q]),
                    "engine_ap": average_precision(eng[q][0], judgements[q]),
                    "bm25_ap": average_precision(bm25[q], judgements[q]),
                }
            )
        relaxed = sum(1 for r in eng.values() if r[1])
        empty = sum(1 for r in eng.values() if not r[0])
        print(f"engine: {relaxed} of {len(queries)} queries ran relaxed, {empty} found nothing")
    out = Path(args.out) if args.out else BENCH / "out" / "relevance-time.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"results": results, "per_query": per_query}, indent=1), encoding="utf-8")
    print(f"per-query figures: {out}")
    b_ndcg, b_map = results["bm25"]
    print(f"BM25 baseline (rank_bm25 BM25Okapi, TEXT_ANALYZER tokens): nDCG@10 {b_ndcg:.4f}  MAP {b_map:.4f}")
    if "engine" in results:
        e_ndcg, e_map = results["engine"]
        l_ndcg, l_map = results["engine_lower"]
        print(f"Crisis Desk, queries lower-cased (diagnostic): nDCG@10 {l_ndcg:.4f}  MAP {l_map:.4f}")
        print(
            f"Crisis Desk (parse_request + SearchIndex.search, queries as written): nDCG@10 {e_ndcg:.4f}  "
            f"MAP {e_map:.4f}"
        )
        print(
            f"engine - BM25: nDCG@10 {e_ndcg - b_ndcg:+.4f}, MAP {e_map - b_map:+.4f} "
            f"(goal: both >= 0) -> {'MET' if e_ndcg >= b_ndcg and e_map >= b_map else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
