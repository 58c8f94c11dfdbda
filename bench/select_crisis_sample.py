"""Draw the hand-annotated crisis sample: articles from the Kremlin, President-of-Ukraine and Guardian CSVs.

    python bench/select_crisis_sample.py ../shared/corpora bench/data/crisis-sample/articles.jsonl

A fixed seed draws 15 Kremlin, 15 President-of-Ukraine and 10 Guardian articles whose body is at most 7,000
characters (so that two readers can annotate every one in full), leaving out every URL in tests/data/.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

PLAN = [
    ("kremlin-zelenskyy-press-2021-22/putin.csv", "en.kremlin.ru", "kremlin", 15),
    ("kremlin-zelenskyy-press-2021-22/zelenskyy.csv", "president.gov.ua", "ukraine", 15),
    ("guardian-ukraine-nato-2022/guard-articles-nato.csv", "theguardian.com", "guardian", 10),
]
MAX_BODY = 7000
SEED = 20261128


def fixture_urls(repo: Path) -> set[str]:
    """URLs of the articles already in tests/data (kept out of the sample)."""
    urls = set()
    for path in (repo / "tests" / "data").rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                urls.add(json.loads(line).get("url", ""))
            except ValueError:
                pass
    return urls


def rows(path: Path):
    """Yield (url, title, date, summary, body) of a corpus CSV."""
    csv.field_size_limit(10**9)
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            url = row.get("link") or row.get("Article Url") or ""
            title = row.get("headline") or row.get("Heading") or ""
            date = row.get("date") or row.get("Date Formatted") or row.get("Date") or ""
            body = row.get("body") or row.get("Text") or ""
            yield url.strip(), title.strip(), date.strip(), (row.get("summary") or "").strip(), body.strip()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", help="the shared corpora folder")
    ap.add_argument("out", help="JSONL file to write")
    args = ap.parse_args(argv)
    repo = Path(__file__).resolve().parent.parent
    skip = fixture_urls(repo)
    rng = random.Random(SEED)
    out = []
    for rel, source, prefix, n in PLAN:
        pool = [r for r in rows(Path(args.corpora) / rel) if r[0] not in skip and 200 <= len(r[4]) <= MAX_BODY]
        for url, title, date, summary, body in sorted(rng.sample(pool, n), key=lambda r: r[2]):
            out.append(
                {
                    "id": f"{prefix}-{len(out):02d}",
                    "source": source,
                    "url": url,
                    "date": date,
                    "title": title,
                    "summary": summary,
                    "text": body,
                }
            )
    with open(args.out, "w", encoding="utf-8") as fh:
        for rec in out:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{len(out)} articles -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
