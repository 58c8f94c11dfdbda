"""The exception family of the search package; app.py turns each into a page or a JSON error."""

from __future__ import annotations


class SearchError(Exception):
    """Base class of every error the search package raises on purpose."""


class IndexMissing(SearchError):
    """There is no index to search yet (build one with ``python -m indexer build``)."""


class InvalidParameter(SearchError):
    """A request parameter is malformed; the message is one line fit to show the user."""


class IndexUnreadable(SearchError):
    """The served index is damaged or foreign; the message names the generation and the cause."""


class IndexWarming(SearchError):
    """The index is being opened in the background and nothing older can answer meanwhile (a 503 with
    Retry-After: ask again in a few seconds)."""
