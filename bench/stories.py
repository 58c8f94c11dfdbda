"""Stories (near-duplicates): precision/recall of "same story" pairs, cost, and the real corpus's stories.

    python bench/stories.py ../shared/corpora [--originals 240] [--tune] [--build] [--reuters]

The evaluation set is made from the real crisis corpora (Kremlin, President of Ukraine, Guardian):

- known copies: real articles, each with two crafted versions, every version 1-3 of: a few words edited,
  re-titled, re-sourced (a wire credit added, the source changed), truncated to 60-90 %, a paragraph of
  another article appended, two sentences swapped; the original and its versions are one story;
- known distinct articles on one topic: real releases with the same title apart from numbers (calls with
  the same leader, "Meeting with permanent members of the Security Council", "Congratulations to ...
  126th/155th Brigade") less than 31 days apart, and the Guardian's "what we know on day N" pieces;
  every pair of them is two stories. Bodies identical to another article's are left out (their label is
  unknown).

Each original with its versions, and each distinct-topic group, goes whole into the tuning half or the
held-out half (by a hash of its id). ``--tune`` searches the settings on the tuning half; the figures
reported are those of the held-out half with the settings of ``indexer.stories.DEFAULT_PARAMS``.
Precision counts every predicted pair, also those between unrelated articles.

``--build`` times a cached build (the ``--ner-cache`` file copied into a temporary index directory, so
no NER runs) of the crisis corpora with and without stories.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from indexer import stories as stories_module  # noqa: E402
from indexer.model import Article  # noqa: E402  (after sys.path)
from indexer.sources import read_articles  # noqa: E402
from indexer.stories import DEFAULT_PARAMS, StoryParams, assign_stories  # noqa: E402

CRISIS = ("kremlin-zelenskyy-press-2021-22", "guardian-ukraine-nato-2022/guard-articles-nato.csv")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
SYNONYMS = {
    "said": "stated",
    "also": "further",
    "important": "significant",
    "discussed": "talked about",
    "meeting": "talks",
    "noted": "pointed out",
    "today": "on this day",
    "support": "backing",
    "issues": "matters",
    "continue": "keep up",
    "help": "assist",
    "situation": "state of affairs",
    "expressed": "voiced",
    "very": "highly",
    "many": "numerous",
    "countries": "nations",
}
WIRES = ["TASS", "Interfax", "Reuters", "AFP", "Ukrinform", "RIA Novosti"]


@dataclass
class Group:
    """Articles that go into one half together, and whether they are one story (copies) or not."""

    key: str
    articles: list[Article]
    same_story: bool


# --- crafting copies -------------------------------------------------------------------------------


def sentences(text: str) -> list[str]:
    """Split a body into sentences (good enough for crafting copies)."""
    return [s for s in SENTENCE.split(text) if s.strip()]


def edit_words(a: Article, rng: random.Random) -> Article:
    """Edit 3-6 words: a synonym, a deleted word, an inserted adverb (what a sub-editor does)."""
    words = a.text.split(" ")
    for _ in range(rng.randint(3, 6)):
        i = rng.randrange(len(words))
        w = words[i]
        if w.lower() in SYNONYMS:
            words[i] = SYNONYMS[w.lower()]
        elif w.isalpha() and w.islower() and len(w) > 3 and rng.random() < 0.5:
            words[i] = ""
        else:
            words.insert(i, rng.choice(["also", "now", "reportedly", "however,"]))
    return replace(a, text=re.sub(r" {2,}", " ", " ".join(words)))


def retitle(a: Article, rng: random.Random) -> Article:
    """Give the copy another title (its first words, or an UPDATE prefix)."""
    first = " ".join(a.text.split()[: rng.randint(6, 10)])
    return replace(a, title=rng.choice([f"UPDATE: {a.title}", first, f"{a.title} (full text)"]))


def resource(a: Article, rng: random.Random) -> Article:
    """Re-publish under a wire's name with its credit line."""
    wire = rng.choice(WIRES)
    credit = rng.choice([f"({wire}) - ", f"{wire} reports: ", ""])
    tail = rng.choice([f" Source: {wire}.", f" ({wire})", ""])
    return replace(a, source=wire.lower(), text=credit + a.text + tail)


def truncate(a: Article, rng: random.Random) -> Article:
    """Keep the first 60-90 % of the words, cut at a sentence end where one is near."""
    words = a.text.split()
    keep = int(len(words) * rng.uniform(0.6, 0.9))
    cut = " ".join(words[:keep])
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    if end > len(cut) * 0.8:
        cut = cut[: end + 1]
    return replace(a, text=cut)


def append(a: Article, rng: random.Random, pool: list[Article]) -> Article:
    """Append a paragraph (2-4 sentences) of another article (a later version, a related note)."""
    other = rng.choice(pool)
    sents = sentences(other.text)
    start = rng.randrange(max(1, len(sents) - 3))
    return replace(a, text=a.text + "\n\n" + " ".join(sents[start : start + rng.randint(2, 4)]))


def reorder(a: Article, rng: random.Random) -> Article:
    """Swap one or two pairs of neighbouring sentences."""
    sents = sentences(a.text)
    if len(sents) < 3:
        return a
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(sents) - 1)
        sents[i], sents[i + 1] = sents[i + 1], sents[i]
    return replace(a, text=" ".join(sents))


def craft_copy(a: Article, n: int, rng: random.Random, pool: list[Article]) -> tuple[Article, str]:
    """A version of ``a`` made by 1-3 of the transformations; returns it and what was done."""
    steps = rng.sample(["edit", "retitle", "resource", "truncate", "append", "reorder"], rng.randint(1, 3))
    date = a.date + timedelta(hours=rng.randint(-24, 72)) if a.date else None
    copy = replace(a, id=f"{a.id}-v{n}", date=date)
    for step in steps:
        if step == "append":
            copy = append(copy, rng, pool)
        else:
            copy = {
                "edit": edit_words,
                "retitle": retitle,
                "resource": resource,
                "truncate": truncate,
                "reorder": reorder,
            }[step](copy, rng)
    return copy, "+".join(steps)


# --- the evaluation set ----------------------------------------------------------------------------


def title_words(a: Article) -> set[str]:
    """The words of a title with numbers blanked ("126th Brigade" and "155th Brigade" look alike)."""
    return set(re.findall(r"\w+", re.sub(r"\d+(st|nd|rd|th)?", "#", a.title.lower())))


def same_topic(a: Article, b: Article) -> bool:
    """Two releases of one office on one topic: "what we know on day N", or near-identical titles."""
    if a.source != b.source:
        return False
    if re.search(r"(?i)what we know on day", a.title) and re.search(r"(?i)what we know on day", b.title):
        return True
    wa, wb = title_words(a), title_words(b)
    return len(wa & wb) / len(wa | wb) >= 0.6


def load_corpus(corpora: Path) -> list[Article]:
    """The crisis corpora as the indexer reads them."""
    return list(read_articles([str(corpora / p) for p in CRISIS]))


def make_groups(articles: list[Article], originals: int, seed: int) -> tuple[list[Group], dict[str, str]]:
    """Copy groups and distinct-topic groups; also id -> what was done to make each copy."""
    rng = random.Random(seed)
    by_body = defaultdict(list)
    for a in articles:
        by_body[a.text.strip()].append(a)
    usable = [a for a in articles if len(by_body[a.text.strip()]) == 1 and len(a.text.split()) >= 60]
    # distinct-topic groups: connected same-topic releases less than 31 days apart ("the same leader
    # the same week or month"), found pairwise within the window
    usable.sort(key=lambda a: (a.date, a.id))
    parent = {a.id: a.id for a in usable}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, a in enumerate(usable):
        for b in usable[i + 1 :]:
            if b.date - a.date >= timedelta(days=31):
                break
            if same_topic(a, b):
                parent[root(b.id)] = root(a.id)
    by_root = defaultdict(list)
    for a in usable:
        by_root[root(a.id)].append(a)
    groups, used = [], set()
    for key, members in sorted(by_root.items()):
        if len(members) >= 2:
            groups.append(Group(f"topic:{key}", members, same_story=False))
            used.update(x.id for x in members)
    candidates = [a for a in usable if a.id not in used]
    rng.shuffle(candidates)
    made = {}
    for a in candidates[:originals]:
        copies = []
        for n in (1, 2):
            copy, how = craft_copy(a, n, rng, candidates[originals:])
            copies.append(copy)
            made[copy.id] = how
        groups.append(Group(a.id, [a] + copies, same_story=True))
    return groups, made


def half_of(group: Group) -> str:
    """ "tune" or "test", fixed by the group's key."""
    return "tune" if int(hashlib.sha256(group.key.encode()).hexdigest(), 16) % 2 == 0 else "test"


def pairs_of(story: dict[str, str]) -> set[tuple[str, str]]:
    """Every pair of ids given one story."""
    members = defaultdict(list)
    for doc_id, st in story.items():
        members[st].append(doc_id)
    return {tuple(sorted(p)) for ids in members.values() for p in itertools.combinations(ids, 2)}


def evaluate(groups: list[Group], params: StoryParams) -> dict:
    """Precision/recall of same-story pairs over all articles of ``groups``, and what went wrong."""
    articles = [a for g in groups for a in g.articles]
    truth = {
        tuple(sorted(p)) for g in groups if g.same_story for p in itertools.combinations([a.id for a in g.articles], 2)
    }
    distinct = {
        tuple(sorted(p))
        for g in groups
        if not g.same_story
        for p in itertools.combinations([a.id for a in g.articles], 2)
    }
    started = time.perf_counter()
    predicted = pairs_of(assign_stories(articles, params))
    seconds = time.perf_counter() - started
    hit = predicted & truth
    return {
        "articles": len(articles),
        "true_pairs": len(truth),
        "predicted_pairs": len(predicted),
        "precision": len(hit) / len(predicted) if predicted else 1.0,
        "recall": len(hit) / len(truth) if truth else 1.0,
        "distinct_pairs": len(distinct),
        "distinct_merged": sorted(predicted & distinct),
        "other_false": sorted(predicted - truth - distinct),
        "missed": sorted(truth - predicted),
        "seconds": seconds,
    }


def tune(groups: list[Group], shingles: tuple[int, ...] = (3, 4, 5)) -> StoryParams:
    """The settings with the best min(precision, recall) on the tuning half (cheaper first on ties).

    Two stages: the shingle size, permutations and LSH threshold with the default checks, then the
    checks (Jaccard, containment, missing facts, boilerplate) with the best of those.
    """
    signature = stories_module.make_signature
    memo: dict = {}

    def cached(text, params=DEFAULT_PARAMS):  # the same text gets the same signature: compute it once
        key = (text, params.shingle, params.num_perm)
        if key not in memo:
            memo[key] = signature(text, params)
        return memo[key]

    def score(params: StoryParams) -> tuple:
        r = evaluate(groups, params)
        print(f"  {params}: P {r['precision']:.3f} R {r['recall']:.3f}", flush=True)
        return (
            round(min(r["precision"], r["recall"]), 3),
            round(r["precision"] + r["recall"], 3),
            -params.num_perm,
            params.lsh_threshold,
        )

    stories_module.make_signature = cached
    try:
        stage1 = [
            replace(DEFAULT_PARAMS, shingle=k, num_perm=n, lsh_threshold=t)
            for k in shingles
            for n in (64, 128)
            for t in (0.2, 0.3, 0.5)
        ]
        best = max(stage1, key=score)
        stage2 = [
            replace(best, jaccard=j, containment=c, max_missing_facts=f, boilerplate_df=d, own_containment=o)
            for j in (0.4, 0.5, 0.6)
            for c in (0.7, 0.8)
            for f in (0.05, 0.1, 1.0)
            for d in (5, 10)
            for o in (0.3, 0.5)
        ]
        return max(stage2, key=score)
    finally:
        stories_module.make_signature = signature


# --- reports ---------------------------------------------------------------------------------------


def show_errors(result: dict, titles: dict[str, str], made: dict[str, str], limit: int = 8) -> None:
    """Print the wrong pairs so a reader can judge them."""
    for label, pairs in (
        ("distinct merged", result["distinct_merged"]),
        ("other false", result["other_false"]),
        ("missed", result["missed"]),
    ):
        for a, b in pairs[:limit]:
            print(
                f"  {label}: {a} [{made.get(a, 'original')}] {titles[a][:50]!r} ~ "
                f"{b} [{made.get(b, 'original')}] {titles[b][:50]!r}"
            )


def real_stories(articles: list[Article], params: StoryParams, show: int = 5) -> None:
    """Stories of size > 1 in the real corpus, with examples, and the detection rate."""
    started = time.perf_counter()
    story = assign_stories(articles, params)
    seconds = time.perf_counter() - started
    members = defaultdict(list)
    by_id = {a.id: a for a in articles}
    for doc_id, st in story.items():
        members[st].append(by_id[doc_id])
    multi = [m for m in members.values() if len(m) > 1]
    print(
        f"real crisis corpus: {len(articles)} articles, {len(members)} stories, {len(multi)} of size > 1 "
        f"({sum(len(m) for m in multi)} articles); detection {len(articles) / seconds:.0f} articles/s"
    )
    for m in multi[:show]:
        print("  story:")
        for a in sorted(m, key=lambda a: (a.date, a.id)):
            print(f"    {a.date:%Y-%m-%d} {a.source:18} {a.id} {a.title[:80]!r} ({len(a.text)} chars)")


def time_builds(corpora: Path, ner_cache: Path, added: int = 100) -> None:
    """Cached builds (NER skipped) with and without stories: the crisis corpora less ``added`` articles
    from scratch, then an incremental build that adds those ``added``."""
    import json

    from indexer.build import build_index

    articles = sorted(load_corpus(corpora), key=lambda a: (a.date, a.id))
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name, part in (("old", articles[:-added]), ("new", articles[-added:])):
            path = Path(tmp) / f"{name}.jsonl"
            with path.open("w", encoding="utf-8") as fh:
                for a in part:
                    fh.write(
                        json.dumps(
                            {
                                "id": a.id,
                                "title": a.title,
                                "text": a.text,
                                "source": a.source,
                                "url": a.url,
                                "date": a.date.isoformat() if a.date else "",
                            }
                        )
                        + "\n"
                    )
            files.append(str(path))
        for stories in (False, True):
            index_dir = Path(tmp) / f"index-{stories}"
            index_dir.mkdir()
            shutil.copy(ner_cache, index_dir / "ner-cache.sqlite")
            label = "with" if stories else "without"
            full = build_index(files[:1], index_dir, stories=stories, n_process=1)
            print(
                f"cached build {label} stories: {full.indexed} articles in {full.seconds:.1f} s = "
                f"{full.indexed / full.seconds:.1f} articles/s ({full.ner_runs} NER runs)",
                flush=True,
            )
            more = build_index(files, index_dir, stories=stories, n_process=1)
            print(
                f"incremental build {label} stories: +{more.added} to {more.unchanged} unchanged in "
                f"{more.seconds:.1f} s = {more.added / more.seconds:.1f} new articles/s",
                flush=True,
            )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the last lines are the held-out figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", type=Path, help="the directory holding the shared corpora")
    ap.add_argument("--originals", type=int, default=240, help="real articles given crafted copies")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--tune", action="store_true", help="search the settings on the tuning half")
    ap.add_argument("--shingles", type=int, nargs="+", default=[3, 4, 5], help="shingle sizes --tune tries")
    ap.add_argument("--build", action="store_true", help="time cached builds with and without stories")
    ap.add_argument("--ner-cache", type=Path, help="a NER cache of the crisis corpora, for --build")
    ap.add_argument("--reuters", action="store_true", help="also time detection on Reuters-21578")
    args = ap.parse_args(argv)
    if not (args.corpora / CRISIS[0]).is_dir():
        print(f"error: no {CRISIS[0]} under {args.corpora}", file=sys.stderr)
        return 2
    if args.build and not (args.ner_cache and args.ner_cache.is_file()):
        print("error: --build needs --ner-cache FILE (a ner-cache.sqlite of the crisis corpora)", file=sys.stderr)
        return 2

    articles = load_corpus(args.corpora)
    groups, made = make_groups(articles, args.originals, args.seed)
    titles = {a.id: a.title for g in groups for a in g.articles}
    halves = {name: [g for g in groups if half_of(g) == name] for name in ("tune", "test")}
    for name, gs in halves.items():
        print(
            f"{name} half: {sum(g.same_story for g in gs)} originals with 2 copies each, "
            f"{sum(not g.same_story for g in gs)} distinct-topic groups "
            f"({sum(len(g.articles) for g in gs if not g.same_story)} articles)"
        )
    params = DEFAULT_PARAMS
    if args.tune:
        print("tuning on the tuning half:")
        params = tune(halves["tune"], tuple(args.shingles))
        print(f"best: {params}")
    real_stories(articles, params)
    if args.reuters:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench.reuters import read_reuters

        reuters = [
            Article(id=r["id"], title=r["title"], text=r["text"] or r["title"], date=r["date"])
            for r in read_reuters(args.corpora / "reuters21578")
        ]
        started = time.perf_counter()
        story = assign_stories(reuters, params)
        seconds = time.perf_counter() - started
        sizes = defaultdict(int)
        for st in story.values():
            sizes[st] += 1
        multi = sum(1 for n in sizes.values() if n > 1)
        print(
            f"reuters-21578: {len(reuters)} articles, {multi} stories of size > 1; "
            f"detection {len(reuters) / seconds:.0f} articles/s"
        )
    if args.build:
        time_builds(args.corpora, args.ner_cache)
    for name in ("tune", "test"):
        r = evaluate(halves[name], params)
        print(
            f"{name} half: {r['articles']} articles, {r['true_pairs']} same-story pairs, "
            f"{r['distinct_pairs']} distinct same-topic pairs: precision {r['precision']:.3f}, "
            f"recall {r['recall']:.3f}, distinct pairs merged {len(r['distinct_merged'])}, "
            f"other false pairs {len(r['other_false'])}; {r['articles'] / r['seconds']:.0f} articles/s"
        )
        show_errors(r, titles, made)
    return 0


if __name__ == "__main__":
    sys.exit(main())
