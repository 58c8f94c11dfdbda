"""A large commit's long-lived objects leave the cyclic collector's scans once loaded (gc.freeze, issue 13),
and what the commit before left in reference cycles is still freed when the next one settles."""

from __future__ import annotations

import gc
import weakref

import pytest

from search import SearchIndex
from search.whoosh import engine as engine_module


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture()
def unfrozen(monkeypatch):
    monkeypatch.setattr(engine_module, "SETTLE_MIN_ARTICLES", 0)  # the fixture index counts as large
    gc.unfreeze()
    yield
    gc.unfreeze()  # leave the test process's collector as it was


def test_warm_up_freezes_what_is_alive_and_the_next_settle_frees_old_cycles(fixture_index_dir, unfrozen):
    garbage = Node()
    alive = weakref.ref(garbage)
    engine = SearchIndex(fixture_index_dir)
    assert gc.get_freeze_count() == 0
    assert engine.warm_up()
    assert gc.get_freeze_count() > 0  # the commit's objects (and the cycle, then alive) are frozen
    del garbage
    gc.collect()
    assert alive() is not None  # frozen: even a full collection does not scan it
    engine_module.settle_heap(engine._snapshot(block=True))  # what a new commit's opening does
    assert alive() is None
    assert gc.get_freeze_count() > 0


def test_a_small_index_leaves_the_collector_alone(fixture_index_dir, monkeypatch):
    gc.unfreeze()
    SearchIndex(fixture_index_dir).warm_up()
    assert gc.get_freeze_count() == 0
