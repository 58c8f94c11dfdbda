"""The Whoosh backend: the only part of ``search`` that imports Whoosh or reads its files."""

from .engine import SearchIndex

__all__ = ["SearchIndex"]
