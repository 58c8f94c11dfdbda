"""Does a query of any spelling of a name find the articles the facet counts for it? (issue 8 goal)

For each of the N most frequent actors and M most frequent countries of an index, every spelling of
the entity's name (the spellings search widens to: for a person the full name and the surname as the
articles write them, for a country its name, not its cities or demonyms) is searched as a plain query,
and the articles found are compared with the articles the facet counts for the entity:

    recall = |found ∩ facet| / |facet|        (goal: ≥ 0.95 for every spelling)

Also shown: how many facet articles contain none of the spellings at all (a country counted from a
city or a demonym only; a person from a title), which no text search for the name can find.

    python bench/alias_recall.py INDEX_DIR [--actors 20] [--countries 10] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from search import SearchIndex, SearchRequest  # noqa: E402
from search.whoosh.aliases import analysed  # noqa: E402

GOAL = 0.95


def found_docs(idx: SearchIndex, q: str) -> np.ndarray:
    """Return the match mask of a plain query, as the search page would evaluate it."""
    snap = idx._snapshot()
    _parsed, mask, _score = idx._matching(snap, SearchRequest(q=q))
    return mask


def entity_names(table, kind: str, value: str, display: str) -> list[str]:
    """The spellings of an entity's name: the groups holding its display name (and a person's surname)."""
    wanted = {analysed(display)}
    if kind == "actor" and " " in display:
        wanted.add(analysed(display.split()[-1]))
    spellings: list[str] = []
    for name in table.names:
        if name.kind == kind and name.value == value and wanted & set(name.keys):
            spellings += [s for s in name.spellings if s not in spellings]
    return spellings or [display]


def run(index_dir: str, n_actors: int, n_countries: int) -> dict:
    """Measure recall per entity and spelling; return the figures."""
    idx = SearchIndex(index_dir)
    snap = idx._snapshot()
    table = snap.aliases.get()
    live = snap.table.live
    rows = []
    for kind, top in (("actor", n_actors), ("country", n_countries)):
        column = snap.table.columns[kind]
        counts = column.count(live)
        for vid in np.argsort(-counts, kind="stable")[:top].tolist():
            value = column.values[vid]
            display = snap.country_name(vid) if kind == "country" else value
            facet = snap.table.value_mask(kind, vid) & live
            total = int(facet.sum())
            spellings = entity_names(table, kind, value.upper() if kind == "country" else value, display)
            any_spelling = np.zeros_like(facet)
            per = []
            for s in spellings:
                mask = found_docs(idx, s) & live
                any_spelling |= mask
                hit = int((mask & facet).sum())
                per.append(
                    {
                        "spelling": s,
                        "found": int(mask.sum()),
                        "recall": round(hit / total, 4) if total else 1.0,
                        "outside_facet": int((mask & ~facet).sum()),
                    }
                )
            rows.append(
                {
                    "kind": kind,
                    "value": display,
                    "articles": total,
                    "spellings": per,
                    "min_recall": min(p["recall"] for p in per),
                    "without_any_spelling": int((facet & ~any_spelling).sum()),
                }
            )
    met = sum(r["min_recall"] >= GOAL for r in rows)
    return {
        "index": index_dir,
        "entities": len(rows),
        "meeting_goal": met,
        "mean_min_recall": round(float(np.mean([r["min_recall"] for r in rows])), 4),
        "rows": rows,
    }


def main(argv=None) -> int:
    """Print the table; ``--json`` also writes the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index")
    ap.add_argument("--actors", type=int, default=20)
    ap.add_argument("--countries", type=int, default=10)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    result = run(args.index, args.actors, args.countries)
    for r in result["rows"]:
        flag = "ok " if r["min_recall"] >= GOAL else "LOW"
        spelled = ", ".join(f"{p['spelling']} {p['recall']:.3f}" for p in r["spellings"])
        print(
            f"{flag} {r['kind']:<7} {r['value'][:28]:<28} {r['articles']:>5}  min {r['min_recall']:.3f}  "
            f"no spelling in text {r['without_any_spelling']:>3}  [{spelled}]"
        )
    print(
        f"{result['meeting_goal']}/{result['entities']} entities at >= {GOAL:.0%} for every spelling; "
        f"mean of the per-entity minimum {result['mean_min_recall']:.3f}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
