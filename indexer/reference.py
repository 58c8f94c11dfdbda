"""The reference data each generation carries for the read side (``country-names.json``, see ``layout.py``).

The search side shows and reads countries ("BY" -> "Belarus"; "Belarusian", "Minsk", "the Kremlin" -> a
country filter) from this file instead of importing the indexer's gazetteer, so it never loads the rules
and always reads the tables of the normaliser that built the generation it serves.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .layout import COUNTRIES_FILE, COUNTRIES_FORMAT, COUNTRY_TABLES, fold_country_key
from .normalise.places import gazetteer


def country_tables() -> dict:
    """Return the country reference tables of the installed rules (display names and folded forms -> code)."""
    g = gazetteer()
    places: dict[str, str] = {}
    for table in (g.places_within, g.regions, g.cities):  # the gazetteer's own order of precedence
        for key, code in table.items():
            places.setdefault(key, code)
    tables = {
        "display": dict(sorted(g.display.items())),
        "names": g.names,
        "metonyms": g.metonyms,
        "demonyms": g.demonyms,
        "capitals": g.capitals,
        "places": places,
    }
    # The gazetteer's keys are folded as the file's format says; any that are not could never be found.
    return {
        name: ({k: v for k, v in table.items() if fold_country_key(k) == k} if name in COUNTRY_TABLES else table)
        for name, table in tables.items()
    }


def write_reference(gen_dir: str | os.PathLike, normaliser: str) -> bool:
    """Write ``country-names.json`` into a generation unless the same normaliser already wrote it there.

    Written atomically (a temporary file, then a rename), before the generation's manifest, which then
    lists it. Returns whether it was written."""
    path = Path(gen_dir) / COUNTRIES_FILE
    try:
        with open(path, encoding="utf-8") as fh:
            if json.load(fh).get("normaliser") == normaliser:
                return False
    except (OSError, ValueError, AttributeError):
        pass  # missing or unreadable: write it
    data = {"format": COUNTRIES_FORMAT, "normaliser": normaliser, **country_tables()}
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return True
