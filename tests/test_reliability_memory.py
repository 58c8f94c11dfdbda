"""Issue 9: memory does not grow with use. Query text is not remembered by any cache that outlives the
request, so a stream of never-seen queries (what a soak or an attacker sends) leaves nothing behind."""

from __future__ import annotations

import functools
import random
import string
import sys

from search import SearchIndex, SearchRequest


def cache_entries() -> dict[str, int]:
    """Entries in every functools.lru_cache of the project's modules."""
    found = {}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in ("search", "web", "app", "indexer"):
            continue
        for attr, value in vars(module).items():
            if isinstance(value, functools._lru_cache_wrapper):
                found[f"{name}.{attr}"] = value.cache_info().currsize
    return found


def test_never_seen_queries_leave_no_cache_entries_behind(fixture_index_dir):
    index = SearchIndex(fixture_index_dir)
    index.warm_up()
    index.search(SearchRequest(q="Belarus border talks"))
    before = cache_entries()
    rng = random.Random(9)
    queries = [
        " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(8)) for _ in range(3)) for _ in range(60)
    ]
    for q in queries:
        index.search(SearchRequest(q=q))  # plain words: the path that widens names
        index.search(SearchRequest(q=f'"{q}" OR Putin'))  # parsed syntax
    after = cache_entries()
    grown = {name: after[name] - before.get(name, 0) for name in after if after[name] > before.get(name, 0)}
    assert all(n < len(queries) for n in grown.values()), grown


def test_the_postings_cache_counts_what_its_entries_really_hold():
    """Wildcards and fuzzy terms fill the postings cache with one-posting terms; its byte bound must count
    their real size (dict node, key, array objects), not only the arrays' data."""
    import tracemalloc

    import numpy as np

    from search.whoosh.match import _LRU

    cache = _LRU(max_bytes=1 << 40)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            cache.put(
                ("body", f"zq{i:06d}".encode()), (np.array([i], dtype=np.int32), np.array([1.5], dtype=np.float32))
            )
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.8 * held <= cache.size <= 1.5 * held, (cache.size, held)
