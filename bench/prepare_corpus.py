"""Reuters-21578 SGML -> the JSONL corpora the benchmarks index.

    python bench/prepare_corpus.py /work/shared/corpora/reuters21578 bench/out [--scale 5]

Writes ``OUT_DIR/reuters.jsonl`` (21,578 articles: id, title, date, text, source "Reuters") and
``OUT_DIR/reuters-x5.jsonl`` (SCALE copies; copy k has ids ``reuters-N-xk`` and its dates shifted by
k whole years, so the scale set has the same text statistics but a wider date range). An article with
no BODY keeps its title as its text; an UNPROC article (no TITLE/BODY) keeps its whole text and an
empty title (the indexer derives one). The last lines printed are the counts.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from datetime import datetime
from pathlib import Path

STORY = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
NEWID = re.compile(r'NEWID="(\d+)"')
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
DATE = re.compile(r"(\d{1,2})-([A-Z]{3})-(\d{4})(?:\s+(\d{1,2}):(\d{2}):(\d{2}))?")


def _element(name: str, story: str) -> str | None:
    """Return the raw content of the first <name>...</name> in ``story`` (None when absent)."""
    m = re.search(rf"<{name}\b[^>]*>(.*?)</{name}>", story, re.S)
    return m.group(1) if m else None


def _clean(raw: str) -> str:
    """Decode SGML entities and drop the wire's control characters."""
    return CONTROL.sub("", html.unescape(raw))


def _parse_date(raw: str) -> datetime | None:
    """Parse ``26-FEB-1987 15:01:01.79`` leniently (extra spaces, trailing junk)."""
    m = DATE.search(raw.upper())
    if not m or m.group(2) not in MONTHS:
        return None
    day, mon, year, hh, mm, ss = m.groups()
    try:
        day_start = datetime(int(year), MONTHS[mon], int(day))
    except ValueError:
        return None
    try:  # a garbled time ("605:12:19") still leaves a good day
        return day_start.replace(hour=int(hh), minute=int(mm), second=int(ss))
    except (TypeError, ValueError):
        return day_start


def read_reuters(reuters_dir: str | Path):
    """Yield one dict (id, title, date, text, source, places, people) per <REUTERS> story, in NEWID order."""
    files = sorted(Path(reuters_dir).glob("reut2-*.sgm"))
    if not files:
        raise SystemExit(f"error: no reut2-*.sgm files in {reuters_dir}")
    for path in files:
        data = path.read_text(encoding="latin-1")
        for m in STORY.finditer(data):
            attrs, story = m.groups()
            newid = NEWID.search(attrs).group(1)
            text_el = _element("TEXT", story) or ""
            title = _clean(_element("TITLE", text_el) or "").strip()
            body = _element("BODY", text_el)
            if body is not None:
                text = _clean(body)
            elif title:
                text = title
            else:  # UNPROC: the whole TEXT is the story
                text = _clean(re.sub(r"<[^>]+>", " ", text_el))
            text = re.sub(r"\s*\bReuter\s*$", "", text.strip()).strip() or title
            date = _parse_date(_element("DATE", story) or "")
            yield {
                "id": f"reuters-{newid}",
                "title": re.sub(r"\s+", " ", title),
                "date": date,
                "text": text,
                "source": "Reuters",
                "places": re.findall(r"<D>(.*?)</D>", _element("PLACES", story) or ""),
                "people": re.findall(r"<D>(.*?)</D>", _element("PEOPLE", story) or ""),
            }


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
        "text": article["text"],
        "source": article["source"],
    }


def write_corpora(reuters_dir: str | Path, out_dir: str | Path, scale: int = 5) -> dict[str, int]:
    """Write reuters.jsonl and reuters-x{scale}.jsonl into ``out_dir``; return article counts by file."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    articles = list(read_reuters(reuters_dir))
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
