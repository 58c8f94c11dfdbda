"""The one Whoosh schema of Crisis Desk. Nothing else defines index fields.

Field guide for readers of the index (``search/``):

- ``id``: unique article id (stored).
- ``title``, ``body``: stemmed full text, both stored (snippets are cut from ``body``);
  ``title`` is boosted above ``body``.
- ``title_derived``: stored bool, True when the title was cut from the first sentence.
- ``date``: DATETIME, stored and sortable (a column), may be missing.
- ``ym``, ``day``: "YYYY-MM" and "YYYY-MM-DD" keywords for the histogram and date facets.
- ``actor``, ``country``, ``org``, ``source``: lower-cased keyword fields for filtering
  (canonical actor name, ISO alpha-2 code, canonical org name, source name).
  ``leader`` holds the canonical names of actors recognised as leaders.
- ``entities``: stored JSON, the display form of every facet value with counts and roles:
  ``{"actors": [{"name", "count", "role", "country", "leader"}], "countries": [{"code", "name",
  "count"}], "orgs": [{"name", "count"}], "mentions": [[start, end, kind, value], ...]}``;
  mention offsets point into ``body``.
- ``facets``: a per-document column (compact JSON bytes) of the same facet values, so the search side
  can load every document's facets into arrays in one pass without touching stored fields:
  ``{"a": [actor names], "l": [leader names], "c": [codes], "o": [orgs], "s": source, "d": "YYYYMMDD" | "",
  "st": story id}``. ``st`` names the article's story of near-duplicates (indexer/stories.py; absent when
  built without stories); a story's size is the number of documents with its ``st``, its lead the member
  published first (``date``, ties by ``id``). Neither is stored, because both change when a copy joins.
- ``source``/``url``/``path``/``location``/``hash``: provenance; ``hash`` is the content hash that
  decides whether a re-run updates the article.
"""

from __future__ import annotations

from whoosh import fields
from whoosh.analysis import StemmingAnalyzer
from whoosh.columns import VarBytesColumn

SCHEMA_VERSION = 1

# Whoosh's default English stop list is used; minsize=1 keeps short tokens such as "EU" searchable.
TEXT_ANALYZER = StemmingAnalyzer(minsize=1)


def build_schema() -> fields.Schema:
    """Return the Whoosh schema every Crisis Desk index uses."""
    keyword = dict(stored=False, lowercase=True, commas=True, scorable=False)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=TEXT_ANALYZER, stored=True, field_boost=2.5),
        body=fields.TEXT(analyzer=TEXT_ANALYZER, stored=True, spelling=True),
        title_derived=fields.STORED(),
        date=fields.DATETIME(stored=True, sortable=True),
        ym=fields.ID(stored=False),
        day=fields.ID(stored=False),
        actor=fields.KEYWORD(**keyword),
        leader=fields.KEYWORD(**keyword),
        country=fields.KEYWORD(**keyword),
        org=fields.KEYWORD(**keyword),
        source=fields.KEYWORD(stored=True, lowercase=True, commas=True, scorable=False),
        url=fields.STORED(),
        path=fields.ID(stored=True),
        location=fields.STORED(),
        hash=fields.STORED(),
        entities=fields.STORED(),
        facets=fields.COLUMN(VarBytesColumn()),
    )


SCHEMA = build_schema()
