"""What collapsing results to stories costs at scale: the numpy work behind ``versions=stories``.

    python bench/story_collapse.py [--docs 107890] [--versions 5] [--postings 10] [--runs 20]

Builds a StoryTable (``search/stories.py``) shaped like the Reuters x5 scale set (every text five times,
``--versions`` documents per story, the copies not adjacent in document order) and random facet postings
(``--postings`` values per document over 5,000 values), then times, for match sets of 1 %, 10 % and 100 %
of the documents, each part a collapsed search adds over ``versions=all``: matches per story (the story
total and "+N versions"), collapsing the top 4,000 ordered matches to their first member per story
(np.unique return_index), and one facet's counts de-duplicated per story (the engine's path for that
match-set size, checked against the other), beside the plain article count.
Synthetic keys and postings: this measures the arithmetic, not a query; ``bench/query_latency.py`` times
whole searches.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.facets import FacetColumn  # noqa: E402
from search.stories import SegmentStories, merge_stories  # noqa: E402


def best_ms(fn, runs: int) -> float:
    """Return the fastest of ``runs`` calls of ``fn``, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main(argv=None) -> None:
    """Print the cost of each collapsing step for three match-set sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=107_890)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--postings", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    n, values = args.docs, 5_000
    # copy j of text i sits at document j * (n / versions) + i, as when the copies are appended in turn
    local = (np.arange(n) % (n // args.versions)).astype(np.int32)
    seg = SegmentStories([f"story-{i}" for i in range(n // args.versions + 1)], local)
    live = np.ones(n, dtype=bool)
    stories = merge_stories([(0, seg)], n, live)
    post_doc = np.repeat(np.arange(n, dtype=np.int32), args.postings)
    # distinct values per document, as in a facet column
    steps = np.arange(args.postings) * (values // args.postings)
    post_val = ((rng.integers(0, values, n)[:, None] + steps) % values).ravel().astype(np.int32)
    column = FacetColumn(
        [""] * values,
        {},
        post_doc,
        post_val,
        post_doc,
        np.zeros(values + 1, dtype=np.int64),
        np.zeros(values, dtype=np.int32),
        np.arange(0, len(post_doc) + 1, args.postings, dtype=np.int64),
    )
    print(f"{n:,} documents, {len(stories.names):,} stories, {len(post_doc):,} facet postings")
    for share in (0.01, 0.1, 1.0):
        mask = rng.random(n) < share
        ordered = rng.permutation(np.flatnonzero(mask))[:4000]
        per_story = stories.matching_per_story(mask)
        posting = mask[post_doc]
        docs, vals = post_doc[posting], post_val[posting]
        t_per_story = best_ms(lambda: stories.matching_per_story(mask), args.runs)
        t_collapse = best_ms(lambda: stories.collapse(ordered), args.runs)
        if share * 8 < 1:  # the engine's sparse path (few matches): de-duplicate only stories matching twice
            ids = np.flatnonzero(mask)
            t_facet = best_ms(
                lambda: stories.distinct_story_postings(*column.postings_of(ids), per_story, values), args.runs
            )
        else:  # many matches: postings presorted by (story, value) once per commit
            stories.count_stories_dense("actor", post_doc, post_val, mask, values)
            t_facet = best_ms(lambda: stories.count_stories_dense("actor", post_doc, post_val, mask, values), args.runs)
            dense = stories.count_stories_dense("actor", post_doc, post_val, mask, values)
            assert (dense == stories.distinct_story_postings(docs, vals, per_story, values)).all()
        ids = np.flatnonzero(mask) if share * 8 < 1 else None  # the engine's choice of path
        t_plain = best_ms(lambda: column.count(mask, ids), args.runs)
        print(
            f"matches {int(mask.sum()):>7,} ({share:>4.0%}): per story {t_per_story:6.2f} ms, "
            f"collapse top {len(ordered):,} {t_collapse:5.2f} ms, one facet by stories {t_facet:6.2f} ms "
            f"(by articles {t_plain:5.2f} ms)"
        )


if __name__ == "__main__":
    main()
