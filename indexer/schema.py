"""The one Whoosh schema of Crisis Desk. Nothing else defines index fields.

Field guide for readers of the index (``search/``):

- ``id``: unique article id (stored).
- ``title``, ``body``, ``lead``: stemmed, accent-folded full text, all stored (snippets are cut from
  ``body``, else ``lead``); ``title`` is boosted above ``body``. ``lead`` is the source's own lead
  paragraph (a CSV's ``summary``/``lead``/``lede``/``description``/``standfirst`` column), often empty.
  Each has a ``spell_<field>`` sub-field (Whoosh's spelling words) holding the unstemmed, folded
  words: wildcards expand against it (``escalat*`` -> escalation, escalate), then match the stems.
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
  ``t`` is the unix time (seconds, to the millisecond) the article first entered the index, kept when it
  is updated or rebuilt; saved searches count matches "new since last opened" and order feeds by it.
- ``spellings``: a per-document column (compact JSON bytes) of the surface spellings seen for each
  entity of the article, title included: ``{"a": {canonical actor: [spellings]}, "c": {alpha-2:
  [spellings]}, "o": {canonical org: [spellings]}, "cn": {alpha-2: [the spellings the gazetteer knows
  as names of the country]}, "v": normaliser version}`` (a spelling equal to the key is left out;
  every person and organisation is listed, with ``[]`` when its name is its only spelling; a
  country's display name is listed). The search side aggregates the live documents' spellings per
  index commit (``search/whoosh/aliases.py``), so the alias table is right after incremental builds and
  deletions without any file beside the index.
- ``source``/``url``/``path``/``location``/``hash``: provenance; ``hash`` is the content hash that
  decides whether a re-run updates the article.
"""

from __future__ import annotations

from whoosh import fields
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.columns import VarBytesColumn
from whoosh.support.charset import accent_map

# 2: accent folding, the lead field, spelling words of title and lead, the spellings column.
SCHEMA_VERSION = 2

# Whoosh's default English stop list is used; minsize=1 keeps short tokens such as "EU" searchable.
# Accents are folded before stemming, at index and query time alike, so "Erdogan" finds "Erdoğan".
# Every accent_map entry maps one character to one, so folding keeps offsets (snippets rely on it).
TEXT_ANALYZER = (
    RegexTokenizer()
    | LowercaseFilter()
    | CharsetFilter(accent_map)
    | StopFilter(minsize=1)
    | StemFilter(cachesize=50000)
)


def build_schema() -> fields.Schema:
    """Return the Whoosh schema every Crisis Desk index uses."""
    keyword = dict(stored=False, lowercase=True, commas=True, scorable=False)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=TEXT_ANALYZER, stored=True, field_boost=2.5, spelling=True),
        body=fields.TEXT(analyzer=TEXT_ANALYZER, stored=True, spelling=True),
        lead=fields.TEXT(analyzer=TEXT_ANALYZER, stored=True, spelling=True),
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
        spellings=fields.COLUMN(VarBytesColumn()),
    )


SCHEMA = build_schema()
