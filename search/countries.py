"""The read side's one country lookup: display names and what a country filter value means.

Built from the served generation's ``country-names.json`` (written by the indexer, format in
``indexer/layout.py``), so the search side reads countries exactly as the rules that built the index do,
without importing them. A generation built before that file existed gets the same lookup from pycountry
(ISO names and common names only: no demonyms, capitals or cities).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from indexer.layout import COUNTRIES_FILE, COUNTRIES_FORMAT, COUNTRY_TABLES, fold_country_key

log = logging.getLogger("crisis_desk.search")


class CountryNames:
    """Alpha-2 codes <-> display names, and the folded forms (names, demonyms, capitals...) that name a country."""

    def __init__(self, display: dict[str, str], tables: list[dict[str, str]], source: str):
        self.display = {code.upper(): name for code, name in display.items() if name}
        self.tables = tables  # folded form -> code, in COUNTRY_TABLES order
        self.source = source  # where the tables came from (the file, or "pycountry")

    @classmethod
    def read(cls, gen_dir: str | Path) -> "CountryNames":
        """Return the lookup of one generation: its reference file, else pycountry's names."""
        path = Path(gen_dir) / COUNTRIES_FILE
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
            if not isinstance(data, dict) or data.get("format") != COUNTRIES_FORMAT:
                raise ValueError(f"format {data.get('format') if isinstance(data, dict) else None!r}")
            tables = [{str(k): str(v).upper() for k, v in (data.get(name) or {}).items()} for name in COUNTRY_TABLES]
            return cls({str(k): str(v) for k, v in (data.get("display") or {}).items()}, tables, str(path))
        except FileNotFoundError:
            return cls.from_pycountry()
        except (OSError, ValueError, AttributeError, TypeError) as exc:  # an unreadable file costs the extras only
            log.warning("%s unreadable (%s); reading countries with pycountry", path, exc)
            return cls.from_pycountry()

    @classmethod
    def from_pycountry(cls) -> "CountryNames":
        """Return the lookup pycountry alone gives: ISO, common and official names."""
        import pycountry

        display, names = {}, {}
        for c in pycountry.countries:
            display[c.alpha_2] = getattr(c, "common_name", None) or c.name
            for name in (getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)):
                if name:
                    names.setdefault(fold_country_key(name), c.alpha_2)
        return cls(display, [names] + [{} for _ in COUNTRY_TABLES[1:]], "pycountry")

    def name(self, code: str) -> str:
        """Return the display name of an alpha-2 code ("RU" -> "Russia"), or the code itself when unknown."""
        return self.display.get(str(code).upper(), code)

    def code(self, text: str) -> str | None:
        """Return the alpha-2 code a country filter value means: a code, name, metonym ("Kremlin"), demonym
        (also plural), capital or place ("Minsk"); None when it names no country."""
        text = (text or "").strip()
        if not text:
            return None
        if len(text) == 2 and text.isalpha() and text.upper() in self.display:
            return text.upper()
        key = fold_country_key(text)
        if not key:
            return None
        acronym = len(key) <= 3 and text.isupper()  # "EDO Corp": an acronym, not Edo (Tokyo)
        names, metonyms, demonyms, capitals, places = self.tables
        for table in (names, metonyms):
            if key in table:
                return table[key]
        if key in demonyms:
            return demonyms[key]
        if key.endswith("s") and key[:-1] in demonyms:
            return demonyms[key[:-1]]
        if not acronym:
            for table in (capitals, places):
                if key in table:
                    return table[key]
        return None
