"""BM25 scoring per field over the index's own statistics (field lengths, term frequencies, boosts).

Ranking: BM25 per field with the standard k1/b, Okapi idf floored (so words in most articles still count
a little), and the title's score weighted down: titles cut from an article's first sentence repeat the
body, and summing two full scores over-rewarded them. Chosen on the TIME collection (bench/relevance.py):
Whoosh's own BM25F scoring gave nDCG@10 0.710 there, this 0.771 (plain BM25 baseline 0.769).
"""

from __future__ import annotations

import numpy as np

K1 = 1.5
B = 0.75
IDF_FLOOR = 0.2
FIELD_WEIGHTS = {"title": 0.3}


def bm25_scores(fieldname: str, weights: np.ndarray, lengths: np.ndarray, avg: float, n_live: int) -> np.ndarray:
    """Return the BM25 score of each posting of one term (``weights``: term frequencies times the field
    boost; ``lengths``: the field length of each posting's document; ``avg``: the average field length)."""
    df = len(weights)
    idf = max(float(np.log((n_live - df + 0.5) / (df + 0.5))), IDF_FLOOR)
    scores = idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avg))
    return (scores * FIELD_WEIGHTS.get(fieldname, 1.0)).astype(np.float32)
