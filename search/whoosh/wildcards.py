"""Wildcards over the words as written: ``escalat*`` -> escalation, escalate, escalating.

Title, body and lead are indexed as stems, and a prefix of a word is often not a prefix of its stem
("escalation" -> "escal"). Whoosh's spelling sub-fields (``spell_title``, ``spell_body``,
``spell_lead``: see ``indexer/schema.py``) hold the unstemmed, accent-folded words, so a wildcard is
expanded there and each word found is mapped to its stem, which the query then matches. A word
whose articles were all deleted may linger in that list until Whoosh merges the segment; its stem
then matches only live articles that share it, which the wildcard's own words already match.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh import query as wq
from whoosh.support.charset import accent_map

from indexer.schema import TEXT_ANALYZER

from .codec import multiterm_texts

SPELLING_PREFIX = "spell_"
MAX_WORDS = 2048  # unstemmed words one wildcard may look at
_FOLD = str.maketrans({chr(k): v for k, v in accent_map.items()})


def surface_stems(reader, q: wq.Query) -> Iterator[bytes]:
    """Yield the stems of the written words a prefix/wildcard query matches (nothing for other queries)."""
    if not isinstance(q, (wq.Prefix, wq.Wildcard)):
        return
    fieldname = q.field()
    spell = SPELLING_PREFIX + fieldname
    schema = getattr(reader, "schema", None)
    if schema is None or spell not in schema or fieldname not in schema:
        return
    pattern = str(q.text).lower().translate(_FOLD)
    surface = q.__class__(spell, pattern)
    seen: set[str] = set()
    for count, btext in enumerate(multiterm_texts(surface, reader)):
        if count >= MAX_WORDS:
            break
        word = btext.decode("utf-8") if isinstance(btext, bytes) else str(btext)
        for token in TEXT_ANALYZER(word):
            if token.text not in seen:
                seen.add(token.text)
                stem = schema[fieldname].to_bytes(token.text)
                if (fieldname, stem) in reader:
                    yield stem
