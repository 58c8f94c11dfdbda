"""Reuters-21578 SGML -> the JSONL corpora the benchmarks index.

    python bench/prepare_corpus.py ../shared/corpora/reuters21578 bench/out [--scale 5]

Writes ``OUT_DIR/reuters.jsonl`` (21,578 articles: id, title, date, text, source "Reuters") and
``OUT_DIR/reuters-x5.jsonl`` (SCALE copies; copy k has ids ``reuters-N-xk`` and its dates shifted by
k whole years, so the scale set has the same text statistics but a wider date range). An article with
no BODY keeps its title as its text; an UNPROC article (no TITLE/BODY) keeps its whole text and an
empty title (the indexer derives one). The SGML is read by ``bench/reuters.py`` (the dateline opens the
text, the "Reuter" sign-off is dropped). The last lines printed are the counts.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.reuters import ReutersError, read_reuters  # noqa: E402  (after sys.path)


def _shift_years(d: datetime | None, years: int) -> datetime | None:
    """Move ``d`` by whole years (29 Feb -> 28 Feb when the target year is not a leap year)."""
    if d is None or years == 0:
        return d
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _record(article: dict, copy: int) -> dict:
    """Return the JSONL record of ``article`` for scale copy ``copy`` (0 = the original)."""
    date = _shift_years(article["date"], copy)
    return {
        "id": article["id"] if copy == 0 else f"{article['id']}-x{copy}",
        "title": article["title"],
        "date": date.isoformat() if date else "",
        "text": article["text"] or article["title"],
        "source": "Reuters",
    }


def write_corpora(reuters_dir: str | Path, out_dir: str | Path, scale: int = 5) -> dict[str, int]:
    """Write reuters.jsonl and reuters-x{scale}.jsonl into ``out_dir``; return article counts by file."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    try:
        articles = list(read_reuters(reuters_dir))
    except ReutersError as exc:
        raise SystemExit(f"error: {exc}") from None
    counts = {}
    base = out / "reuters.jsonl"
    with base.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(json.dumps(_record(a, 0), ensure_ascii=False) + "\n")
    counts[str(base)] = len(articles)
    if scale > 1:
        scaled = out / f"reuters-x{scale}.jsonl"
        with scaled.open("w", encoding="utf-8") as fh:
            for copy in range(scale):
                for a in articles:
                    fh.write(json.dumps(_record(a, copy), ensure_ascii=False) + "\n")
        counts[str(scaled)] = len(articles) * scale
    counts["_with_title"] = sum(1 for a in articles if a["title"])
    counts["_with_date"] = sum(1 for a in articles if a["date"])
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reuters_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--scale", type=int, default=5, help="copies in the scale set (default 5; 1 = none)")
    args = ap.parse_args(argv)
    counts = write_corpora(args.reuters_dir, args.out_dir, args.scale)
    print(f"articles with a title: {counts.pop('_with_title')}, with a date: {counts.pop('_with_date')}")
    for path, n in counts.items():
        print(f"{path}: {n} articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
