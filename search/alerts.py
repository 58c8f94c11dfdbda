"""Alerts for saved searches: how many matches each gained since a time (after a build, for the CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .backend import open_backend
from .errors import InvalidParameter
from .params import parse_request
from .saved import SavedSearches


@dataclass
class Alert:
    """One saved search's new matches since a time, or why it could not be run."""

    name: str
    new: int = 0
    error: str | None = None


def new_matches(index_dir: str | Path, since: float) -> list[Alert]:
    """Count, for every saved search of ``index_dir``, its matches first indexed at or after ``since``."""
    searches = SavedSearches(index_dir).all()
    if not searches:
        return []
    index = open_backend({"INDEX_DIR": index_dir})
    index.warm_up()  # wait for the alias table, so names widen exactly as they do in the web app
    alerts = []
    for saved in searches:
        try:
            req = parse_request(saved.params)
        except InvalidParameter as exc:
            alerts.append(Alert(saved.name, error=str(exc)))
            continue
        new, _ = index.count_since(req, since)
        alerts.append(Alert(saved.name, new))
    return alerts
