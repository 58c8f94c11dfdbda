"""Dates in the text, measured: the resolver against a hand-resolved sample of DATE mentions.

    .venv/bin/python bench/event_dates.py bench/data/event-dates/sample.jsonl [--errors]

The sample (bench/data/event-dates/, drawn and resolved by hand as its GUIDE.md says) holds DATE spans that
spaCy found in the Kremlin, President-of-Ukraine and Guardian corpora, each with its publication date and the
day, week, month or year it names (or null: a length of time, a recurrence, a vague period). Prints:

- dated accuracy: of the expressions that name a point in time, the share resolved to the right first day
  and precision (the issue's measure, goal >= 90 %);
- day-level accuracy: the same, counting a right day at a finer precision than the gold one as wrong;
- null agreement: of the expressions the readers left undated, the share the resolver also leaves out;
- cost: expressions per second, cold (dateparser's first load included) and warm.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.event_dates import resolve_expression  # noqa: E402


def resolve(row: dict):
    """Resolve one sample row as the indexer does, with the text before the mention as context."""
    before = row.get("context", "").split("[[", 1)[0]
    return resolve_expression(row["text"], date.fromisoformat(row["published"]), before=before)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sample", help="JSONL of hand-resolved date mentions")
    ap.add_argument("--errors", action="store_true", help="list every disagreement")
    args = ap.parse_args(argv)
    try:
        rows = [json.loads(line) for line in Path(args.sample).read_text(encoding="utf-8").splitlines() if line]
    except (OSError, ValueError) as exc:
        print(f"error: {args.sample}: {exc}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    got = [resolve(r) for r in rows]
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
            resolve(r)
    warm = (time.perf_counter() - started) / 5
    if args.errors:
        for row, mine in errors:
            gold = row["expected"]
            print(f"{row['published']} {row['text']!r:32} gold {gold.get('date')} {gold.get('precision')}"
                  f"  got {mine[0]} {mine[1]}   | {row['context'][60:170]}")
    print(f"expressions: {len(rows)} ({dated} dated, {null} undated by the readers)")
    print(f"dated accuracy (right first day and precision): {right}/{dated} = {right / max(dated, 1):.3f}")
    print(f"undated left out: {null_right}/{null} = {null_right / max(null, 1):.3f}")
    print(f"all agreement: {right + null_right}/{len(rows)} = {(right + null_right) / max(len(rows), 1):.3f}")
    print(f"cost: cold {len(rows) / cold:.0f} expressions/s (dateparser load included), "
          f"warm {len(rows) / max(warm, 1e-9):.0f} expressions/s (answers cached)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
