"""Dates in the text, measured: the resolver against a hand-resolved sample of DATE mentions.

    .venv/bin/python bench/event_dates.py bench/data/event-dates/sample.jsonl [--errors] [--corpus PATH ...]

The sample (bench/data/event-dates/, drawn and resolved by hand as its GUIDE.md says) holds DATE spans that
spaCy found in the Kremlin, President-of-Ukraine and Guardian corpora, each with its publication date and the
day, week, month or year it names (or null: a length of time, a recurrence, a vague period). Prints:

- dated accuracy: of the expressions that name a point in time, the share resolved to the right first day
  and precision (the issue's measure, goal >= 90 %);
- day-level accuracy: the same, counting a right day at a finer precision than the gold one as wrong;
- null agreement: of the expressions the readers left undated, the share the resolver also leaves out;
- cost: expressions per second, cold (dateparser's first load included) and warm.

With ``--corpus`` (the corpora the sample was drawn from) each mention is resolved as the indexer resolves
it: inside its article's whole body, against the article's publication time. Without it, or for a row whose
article is not found, the row's own context (about 110 characters each side) and publication day are used.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.event_dates import resolve_event_dates  # noqa: E402
from indexer.sources import read_articles  # noqa: E402


def locate(row: dict, articles: dict) -> tuple[str, int, int, object]:
    """The text, span and publication date to resolve one row with: its article's body when known."""
    found = in_article(row, articles)
    if found is not None:
        return found
    before, rest = row.get("context", "[[" + row["text"] + "]]").split("[[", 1)
    mention, after = rest.split("]]", 1)
    return before + mention + after, len(before), len(before) + len(mention), date.fromisoformat(row["published"])


def in_article(row: dict, articles: dict) -> tuple[str, int, int, object] | None:
    """The row's mention inside its article's body, with the article's publication time; None if not found."""
    article = articles.get(row.get("url"))
    if article is None or not article.text:
        return None
    # The sample's offsets are into title + blank line + body (the NER text when it was drawn).
    start = row["start"] - len(article.title) - 2
    if article.text[start : start + len(row["text"])] != row["text"]:
        start = _find(article.text, row)
    return (article.text, start, start + len(row["text"]), article.date) if start >= 0 else None


def _find(text: str, row: dict) -> int:
    """Where the row's mention is in ``text``: the occurrence whose surroundings match the row's context
    (compared without whitespace, which restored live-blog breaks may have added); -1 when none does."""
    before = "".join(row.get("context", "").split("[[", 1)[0].split())[-40:]
    at = text.find(row["text"])
    while at >= 0:
        if "".join(text[max(0, at - 200) : at].split()).endswith(before):
            return at
        at = text.find(row["text"], at + 1)
    return -1


def resolve(row: dict, articles: dict):
    """Resolve one sample row through the indexer's entry point; (first day, precision) or None."""
    text, start, end, published = locate(row, articles)
    found = resolve_event_dates(text, [(start, end, "DATE")], published)
    return (found[0].date, found[0].precision) if found else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sample", help="JSONL of hand-resolved date mentions")
    ap.add_argument("--errors", action="store_true", help="list every disagreement")
    ap.add_argument(
        "--corpus",
        action="append",
        default=[],
        help="a file or folder the sample was drawn from (repeatable): resolve in the whole article",
    )
    args = ap.parse_args(argv)
    articles = {a.url: a for a in read_articles(args.corpus) if a.url} if args.corpus else {}
    try:
        rows = [json.loads(line) for line in Path(args.sample).read_text(encoding="utf-8").splitlines() if line]
    except (OSError, ValueError) as exc:
        print(f"error: {args.sample}: {exc}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    found = sum(1 for r in rows if in_article(r, articles) is not None)
    got = [resolve(r, articles) for r in rows]
    cold = time.perf_counter() - started
    dated = right = null = null_right = 0
    errors = []
    for row, answer in zip(rows, got):
        gold = row["expected"]
        mine = (answer[0].isoformat(), answer[1]) if answer else (None, None)
        if gold.get("date"):
            dated += 1
            ok = mine == (gold["date"], gold["precision"])
            right += ok
        else:
            null += 1
            ok = answer is None
            null_right += ok
        if not ok:
            errors.append((row, mine))
    started = time.perf_counter()
    for _ in range(5):
        for r in rows:
            resolve(r, articles)
    warm = (time.perf_counter() - started) / 5
    if args.errors:
        for row, mine in errors:
            gold = row["expected"]
            print(
                f"{row['published']} {row['text']!r:32} gold {gold.get('date')} {gold.get('precision')}"
                f"  got {mine[0]} {mine[1]}   | {row['context'][60:170]}"
            )
    print(
        f"expressions: {len(rows)} ({dated} dated, {null} undated by the readers); "
        f"{found} resolved in their article's whole text"
        if articles
        else f"expressions: {len(rows)} ({dated} dated, {null} undated by the readers); resolved in their context"
    )
    print(f"dated accuracy (right first day and precision): {right}/{dated} = {right / max(dated, 1):.3f}")
    print(f"undated left out: {null_right}/{null} = {null_right / max(null, 1):.3f}")
    print(f"all agreement: {right + null_right}/{len(rows)} = {(right + null_right) / max(len(rows), 1):.3f}")
    print(
        f"cost: cold {len(rows) / cold:.0f} expressions/s (dateparser load included), "
        f"warm {len(rows) / max(warm, 1e-9):.0f} expressions/s (answers cached)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
