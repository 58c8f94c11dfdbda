"""The normaliser's entry points, for the build and the benchmarks: one article, a corpus, a country filter.

``normalise_entities`` turns one article's raw spaCy entities into canonical actors, countries and
organisations; ``resolve_corpus`` merges them across a batch (one name per person and organisation,
roles in time); ``resolve_country`` reads a user's ``country:`` filter value. The rules live in the
``indexer/normalise/`` package, their reference tables in ``indexer/data/``.
"""

from __future__ import annotations

from indexer.normalise.article import normalise_entities
from indexer.normalise.corpus import resolve_corpus
from indexer.normalise.countries import resolve_country

__all__ = ["normalise_entities", "resolve_corpus", "resolve_country"]
