"""Facet quality on data nobody here wrote: the real entity pipeline vs Reuters-21578's and CoNLL-2003's gold.

    .venv/bin/python bench/facet_quality.py ../shared/corpora/reuters21578 [--limit N] [--workers 2]
    .venv/bin/python bench/facet_quality.py ../shared/corpora/conll2003-en --split testb [--cache F] [--dump F]

A folder with ``eng.train``/``eng.testa``/``eng.testb`` is read as CoNLL-2003 (see ``conll_main`` below);
any other folder as Reuters-21578.

Reuters:

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

from bench.conll import SPLITS, ConllError, read_conll, split_path  # noqa: E402
from bench.reuters import ReutersError, read_reuters  # noqa: E402
from indexer.enrich import (  # noqa: E402
    EnrichError,
    NerCache,
    entities_for,
    installed_model_id,
    load_nlp,
    model_id,  # noqa: E402
    ner_text,
)
from indexer.entities import normalise_entities, resolve_corpus  # noqa: E402
from indexer.model import Article  # noqa: E402
from indexer.normalise.places import fold, gazetteer  # noqa: E402

# Reuters PLACES codes whose ISO code a name lookup cannot find (or finds for today's borders).
PLACE_CODES = {
    "usa": "US",
    "uk": "GB",
    "west-germany": "DE",
    "east-germany": "DD",
    "ussr": "SU",
    "yemen-arab-republic": "YE",
    "yemen-demo-republic": "YE",
    "us-virgin-islands": "VI",
    "british-virgin-islands": "VG",
    "netherlands-antilles": "CW",
    "trinidad-tobago": "TT",
    "western-samoa": "WS",
    "kampuchea": "KH",
    "macao": "MO",
    "vatican": "VA",
    "czechoslovakia": "CS",
    "yugoslavia": "YU",
    "zaire": "CD",
    "congo": "CG",
    "burma": "MM",
    "ivory-coast": "CI",
    "french-guiana": "GF",
    "american-samoa": "AS",
    "anguilla": "AI",
    "aruba": "AW",
}
# Facet codes that name (part of) a 1987 state under today's borders.
ERA = {
    "RU": "SU",
    "CZ": "CS",
    "SK": "CS",
    "RS": "YU",
    "HR": "YU",
    "SI": "YU",
    "BA": "YU",
    "ME": "YU",
    "MK": "YU",
    "XK": "YU",
    "YD": "YE",
}


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
            if words[i : i + n] == want:
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


# Titles that some names carry ("Princess Diana", "Sheikh Hasina"): not part of who the person is.
NAME_TITLES = TAG_TITLES | {"princess", "patriarch", "emir", "sultan", "mr", "mrs", "ms", "dr"}


def _words(name: str) -> list[str]:
    """Folded words of a name, leading titles dropped ("Jean-Marie Le Pen" -> ["jean", "marie", "le", "pen"])."""
    words = fold(name.replace("-", " ")).split()
    while len(words) > 1 and words[0] in NAME_TITLES:
        words = words[1:]
    return words


def _same_words(a: list[str], b: list[str]) -> bool:
    """Word by word equal, an initial standing for a word it starts ("j crawley" = "john crawley")."""
    return len(a) == len(b) and all(
        x == y or (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)) for x, y in zip(a, b)
    )


def _inside(short: list[str], long: list[str]) -> bool:
    """True when ``short`` is a contiguous run of ``long``'s words."""
    n = len(short)
    return 0 < n <= len(long) and any(_same_words(long[i : i + n], short) for i in range(len(long) - n + 1))


def gold_people(spans: list[tuple[int, int, str]]) -> list[str]:
    """An article's gold people: PER spans, one-word mentions joined to the full name that carries them.

    "Ladki" in an article that also says "Nadim Ladki" is that person, already counted; a one-word
    mention is a person of its own only when no full name of the article has that word."""
    names = list(dict.fromkeys(" ".join(name.split()) for _, _, name in spans))
    full = [n for n in names if len(_words(n)) > 1]
    people = list(full)
    for name in names:
        words = _words(name)
        if len(words) == 1 and not any(words[0] in _words(f) for f in full):
            people.append(name)
    return people


def actor_matches(actor: str, person: str, text_words: str) -> bool:
    """True when a facet actor names a gold person of the article.

    Equal after folding accents and case (an initial matching the word it starts: "J. Crawley" is the
    "John Crawley" the corpus names); or the actor is a fragment of the gold full name ("Ladki" for
    "Nadim Ladki"); or the gold name is a fragment of the actor and the actor's form is not written in the
    article (the corpus knows the full name: "Lula" -> "Luiz Inacio Lula da Silva"). An actor whose longer
    form *is* in the text ("Defender Hassan Abbas", "Nadim Ladki AL-AIN") glued other words to the name."""
    a, p = _words(actor), _words(person)
    if _same_words(a, p) or _inside(a, p):
        return True
    return _inside(p, a) and f" {' '.join(a)} " not in text_words


def score_article(actors: list[str], people: list[str], text: str) -> tuple[list[str], list[str]]:
    """(false actors, missed people) of one article; each actor and each person matches at most once."""
    text_words = f" {' '.join(_words(text))} "
    missed = list(people)
    false = []
    for actor in actors:
        hit = next((p for p in missed if fold(actor) == fold(p)), None)
        hit = hit or next((p for p in missed if actor_matches(actor, p, text_words)), None)
        if hit is None:
            false.append(actor)
        else:
            missed.remove(hit)
    return false, missed


def conll_main(args) -> int:
    """People per article on CoNLL-2003: the actor facet against the gold PER spans of each article.

    Every article of one file goes through the indexer's NER (``indexer.enrich``), ``normalise_entities``
    and, as one corpus, ``resolve_corpus``. Precision is over (article, actor) pairs, recall over
    (article, gold person) pairs; a gold person is a full name, one-word mentions joined to it (see
    ``gold_people``; ``actor_matches`` says when an actor names a person)."""
    splits = [args.split] if args.split else list(SPLITS)
    try:
        files = [(split, split_path(args.corpus_dir, split)) for split in splits]
        docs_by_split = [(split, list(read_conll(path))) for split, path in files]
        cache = NerCache(args.cache, installed_model_id()) if args.cache else None
    except (ConllError, EnrichError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    lines = []
    for split, docs in docs_by_split:
        if args.limit:
            docs = docs[: args.limit]
        articles = [Article(id=d["id"], title="", text=d["text"], date=None) for d in docs]
        started = time.perf_counter()
        try:
            spans, ner_runs = entities_for(articles, load_nlp, cache, n_process=args.workers)
        except EnrichError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        ner_done = time.perf_counter()
        batch = [normalise_entities(ner_text(a), s) for a, s in zip(articles, spans)]
        resolve_corpus(batch)
        finished = time.perf_counter()
        n_actors = n_people = n_false = n_missed = 0
        for doc, ents in zip(docs, batch):
            actors = [a.name for a in ents.actors]
            people = gold_people(doc["people"])
            false, missed = score_article(actors, people, doc["text"])
            n_actors += len(actors)
            n_people += len(people)
            n_false += len(false)
            n_missed += len(missed)
            if dump and (false or missed):
                dump.write(
                    json.dumps(
                        {
                            "id": doc["id"],
                            "false": false,
                            "missed": missed,
                            "actors": actors,
                            "gold": people,
                            "text": doc["text"][:3000],
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        precision = (n_actors - n_false) / n_actors if n_actors else 0.0
        recall = (n_people - n_missed) / n_people if n_people else 0.0
        print(
            f"eng.{split}: {len(docs)} articles; NER run on {ner_runs} texts "
            f"({ner_done - started:.1f} s), normalise + corpus merge {finished - ner_done:.1f} s",
            flush=True,
        )
        lines.append(
            f"eng.{split} people per article: precision {precision:.3f} recall {recall:.3f} "
            f"({n_actors} actors, {n_false} false; {n_people} gold people, {n_missed} missed)"
        )
    if cache:
        cache.close()
    if dump:
        dump.close()
    print("\n".join(lines))
    return 0


def is_conll(corpus_dir: str) -> bool:
    """True for a folder holding CoNLL-2003's eng.* files."""
    return any((Path(corpus_dir) / f"eng.{s}").is_file() for s in SPLITS)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus_dir", help="folder with reut2-*.sgm, or with CoNLL-2003's eng.train/testa/testb")
    ap.add_argument("--limit", type=int, default=None, help="first N eligible stories (per CoNLL file) only")
    ap.add_argument("--workers", type=int, default=2, help="spaCy processes (default 2)")
    ap.add_argument("--cache", help="NER cache file (the indexer's); speeds re-runs, reported below")
    ap.add_argument(
        "--dump", help="write per-article predictions and gold to this JSONL file (CoNLL: only articles with an error)"
    )
    ap.add_argument("--split", choices=SPLITS, help="CoNLL-2003: one file only (default: all three)")
    args = ap.parse_args(argv)
    if is_conll(args.corpus_dir):
        return conll_main(args)
    if args.split:
        print(
            f"error: --split needs a CoNLL-2003 folder (eng.train, eng.testa, eng.testb): {args.corpus_dir}",
            file=sys.stderr,
        )
        return 2

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
            dump.write(
                json.dumps(
                    {
                        "id": story["id"],
                        "title": story["title"],
                        "gold": sorted(gold),
                        "pred": sorted(pred),
                        "fp": sorted(pred - gold),
                        "fn": sorted(gold - pred),
                        "people": story["people"],
                        "missed": missed,
                        "actors": [a.name for a in ents.actors],
                        "countries": {c.code: c.count for c in ents.countries},
                    }
                )
                + "\n"
            )
    if dump:
        dump.close()

    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    seconds = finished - started
    skipped = len(stories) - ner_runs
    reuse = f"{skipped} from the cache or duplicates" if cache else f"{skipped} duplicate texts recognised once"
    print(
        f"stories: {len(stories)} (BODY and >= 1 PLACES); NER run on {ner_runs} texts, {reuse}; "
        f"NER {ner_done - started:.1f} s, normalise + corpus merge {finished - ner_done:.1f} s"
    )
    print(
        f"country precision: {precision:.3f} recall: {recall:.3f} "
        f"(micro over (article, country) pairs: tp={tp} fp={fp} fn={fn})"
    )
    print(
        f"actor recall: {people_found / people_total if people_total else 0.0:.3f} "
        f"({people_found} of {people_total} (article, person) pairs)"
    )
    print(
        f"speed: {len(stories) / seconds if seconds else 0.0:.1f} articles/s "
        f"({seconds:.1f} s, {args.workers} workers{', NER partly from the cache' if cache and skipped else ''})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
