"""One numpy idiom the read side's columns share: the positions of many ranges of an array, one after another."""

from __future__ import annotations

import numpy as np


def concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """int64 positions ``starts[i], ..., starts[i] + lengths[i] - 1`` for every i, in order: the rows of
    many documents (or values, or postings) of a CSR-like array, gathered without a Python loop."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)
