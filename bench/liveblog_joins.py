"""Glued joins in a CSV corpus, as stored and as the indexer reads it (live-blog breaks restored).

    .venv/bin/python bench/liveblog_joins.py ../shared/corpora/guardian-ukraine-nato-2022/guard-articles-nato.csv

Counts, over every row's text, the joins ``indexer.liveblog`` looks for: block stamps run into a word
("202223.44Asked", "13.44'Many"), update footers ("Updated at 14.04 BST1h ago"), "Read more" links,
sentences run together ("asked?Psaki") and headings run into their first sentence ("SlovyanskThe"); and,
apart, other lower-case letters run into a capitalised word, which are mostly names (BlackRock) and are kept.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.liveblog import count_glued_joins  # noqa: E402
from indexer.sources import clean_text, read_articles, resolve_columns  # noqa: E402

KEPT = "camel case (names kept)"


def stored_texts(path: Path) -> list[str]:
    """Every row's text column as stored (only control characters and line ends normalised)."""
    csv.field_size_limit(2**31 - 1)
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        column = resolve_columns(next(reader), {})["text"]
        return [clean_text(row[column]) for row in reader if len(row) > column and row[column].strip()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path, help="a CSV corpus with a text column")
    args = ap.parse_args(argv)
    try:
        stored = stored_texts(args.csv)
    except (OSError, csv.Error, KeyError, StopIteration) as exc:
        print(f"error: {args.csv}: cannot read its text column ({exc})", file=sys.stderr)
        return 1
    read = [a.text for a in read_articles([args.csv]) if a.text]
    before = sum((count_glued_joins(t) for t in stored), Counter())
    after = sum((count_glued_joins(t) for t in read), Counter())
    as_stored = set(stored)
    changed = sum(1 for t in read if t not in as_stored)
    print(f"{len(stored)} texts, {changed} read with breaks restored")
    for kind in before:
        print(f"  {kind:26} {before[kind]:6} -> {after[kind]:6}")
    total = [sum(v for k, v in c.items() if k != KEPT) for c in (before, after)]
    print(f"glued joins (names kept aside): {total[0]} -> {total[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
