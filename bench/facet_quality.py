"""Facet quality on data nobody here wrote: the real entity pipeline vs Reuters-21578's gold tags.

    .venv/bin/python bench/facet_quality.py /work/shared/corpora/reuters21578 [--limit N] [--workers 2]

Runs spaCy NER (the indexer's own NER-only pipeline, ``nlp.pipe`` over ``--workers`` processes) ->
``normalise_entities`` -> ``resolve_corpus`` over every story that has a BODY and at least one PLACES
tag, and prints as its last lines:

- country precision/recall: micro, over (article, country) pairs, facet codes vs PLACES mapped to ISO;
- actor recall: over (article, person) pairs, a PEOPLE tag ("reagan", "james-baker") counts as found
  when its words appear, in order, inside one actor name of the article (surname, and the first name
  where the tag has one);
- articles/s of the whole pipeline (NER + normalisation + corpus merge, reading excluded).

Reuters is from 1987: the Soviet Union, West Germany, Czechoslovakia. Gold ``ussr`` is SU and a facet
"Russia" (RU) counts as SU; the same for the parts of Czechoslovakia and Yugoslavia.
``--dump FILE`` writes per-article predictions and gold as JSONL for error analysis.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reuters import ReutersError, read_reuters  # noqa: E402
from indexer.enrich import EnrichError, NerCache, entities_for, load_nlp, model_id, ner_text  # noqa: E402
from indexer.entities import normalise_entities, resolve_corpus  # noqa: E402
from indexer.gazetteer import fold, gazetteer  # noqa: E402
from indexer.model import Article  # noqa: E402

# Reuters PLACES codes whose ISO code a name lookup cannot find (or finds for today's borders).
PLACE_CODES = {
    "usa": "US", "uk": "GB", "west-germany": "DE", "east-germany": "DD", "ussr": "SU",
    "yemen-arab-republic": "YE", "yemen-demo-republic": "YE", "us-virgin-islands": "VI",
    "british-virgin-islands": "VG", "netherlands-antilles": "CW", "trinidad-tobago": "TT",
    "western-samoa": "WS", "kampuchea": "KH", "macao": "MO", "vatican": "VA", "czechoslovakia": "CS",
    "yugoslavia": "YU", "zaire": "CD", "congo": "CG", "burma": "MM", "ivory-coast": "CI",
    "french-guiana": "GF", "american-samoa": "AS", "anguilla": "AI", "aruba": "AW",
}
# Facet codes that name (part of) a 1987 state under today's borders.
ERA = {"RU": "SU", "CZ": "CS", "SK": "CS", "RS": "YU", "HR": "YU", "SI": "YU", "BA": "YU", "ME": "YU",
       "MK": "YU", "XK": "YU", "YD": "YE"}


def place_code(tag: str) -> str | None:
    """ISO alpha-2 of a Reuters PLACES tag, or None for a tag that is not a country."""
    if tag in PLACE_CODES:
        return PLACE_CODES[tag]
    return gazetteer().names.get(fold(tag.replace("-", " ")))


# Titles some PEOPLE tags carry ("king-fahd"): not part of the name an article writes.
TAG_TITLES = {"king", "queen", "sheikh", "prince", "pope", "president", "sir", "lord"}


def person_found(tag: str, actor_names: list[list[str]]) -> bool:
    """True when the tag's words appear, in order and adjacent, inside one actor's name."""
    want = fold(tag.replace("-", " ")).split()
    while len(want) > 1 and want[0] in TAG_TITLES:
        want = want[1:]
    n = len(want)
    for words in actor_names:
        for i in range(len(words) - n + 1):
            if words[i:i + n] == want:
                return True
    return False


def select_stories(corpus_dir: str, limit: int | None) -> list[dict]:
    """Stories with a BODY and at least one PLACES tag, in NEWID order, at most ``limit``."""
    stories = []
    for story in read_reuters(corpus_dir):
        if story["body"] is not None and story["places"]:
            stories.append(story)
            if limit and len(stories) >= limit:
                break
    return stories


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus_dir", help="folder with reut2-*.sgm")
    ap.add_argument("--limit", type=int, default=None, help="first N eligible stories only")
    ap.add_argument("--workers", type=int, default=2, help="spaCy processes (default 2)")
    ap.add_argument("--cache", help="NER cache file (the indexer's); speeds re-runs, reported below")
    ap.add_argument("--dump", help="write per-article predictions and gold to this JSONL file")
    args = ap.parse_args(argv)

    try:
        stories = select_stories(args.corpus_dir, args.limit)
        nlp = load_nlp()
    except (ReutersError, EnrichError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    articles = [Article(id=s["id"], title=s["title"], text=s["text"], date=s["date"]) for s in stories]
    cache = NerCache(args.cache, model_id(nlp)) if args.cache else None

    started = time.perf_counter()
    spans, ner_runs = entities_for(articles, nlp, cache, n_process=args.workers)
    ner_done = time.perf_counter()
    batch = [normalise_entities(ner_text(a), s) for a, s in zip(articles, spans)]
    resolve_corpus(batch)
    finished = time.perf_counter()
    if cache:
        cache.close()

    tp = fp = fn = 0
    people_total = people_found = 0
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    for story, ents in zip(stories, batch):
        gold = {place_code(p) for p in story["places"]} - {None}
        pred = {ERA.get(c.code, c.code) for c in ents.countries}
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        names = [fold(a.name.replace("-", " ")).split() for a in ents.actors]
        missed = [t for t in story["people"] if not person_found(t, names)]
        people_total += len(story["people"])
        people_found += len(story["people"]) - len(missed)
        if dump:
            dump.write(json.dumps({
                "id": story["id"], "title": story["title"], "gold": sorted(gold), "pred": sorted(pred),
                "fp": sorted(pred - gold), "fn": sorted(gold - pred), "people": story["people"],
                "missed": missed, "actors": [a.name for a in ents.actors],
                "countries": {c.code: c.count for c in ents.countries},
            }) + "\n")
    if dump:
        dump.close()

    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    seconds = finished - started
    skipped = len(stories) - ner_runs
    reuse = (f"{skipped} from the cache or duplicates" if cache else f"{skipped} duplicate texts recognised once")
    print(f"stories: {len(stories)} (BODY and >= 1 PLACES); NER run on {ner_runs} texts, {reuse}; "
          f"NER {ner_done - started:.1f} s, normalise + corpus merge {finished - ner_done:.1f} s")
    print(f"country precision: {precision:.3f} recall: {recall:.3f} "
          f"(micro over (article, country) pairs: tp={tp} fp={fp} fn={fn})")
    print(f"actor recall: {people_found / people_total if people_total else 0.0:.3f} "
          f"({people_found} of {people_total} (article, person) pairs)")
    print(f"speed: {len(stories) / seconds if seconds else 0.0:.1f} articles/s "
          f"({seconds:.1f} s, {args.workers} workers{', NER partly from the cache' if cache and skipped else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
