"""Organisations' names: the word tables that tell an organisation's name from a person's or a place's.

Tables in ``indexer/data/``: organisation spellings and the one facet name each gets (``org-aliases.csv``),
nouns that make a name an organisation (``org-words.txt``) and words that alone name no particular one
(``generic-org-words.txt``). Which spans are organisations is decided in ``orgs.py``.
"""

from __future__ import annotations

from indexer.normalise import reference

# Organisation spellings (folded) -> the one facet name ("eu", "european union" -> "European Union").
ORG_ALIASES = reference.mapping("org-aliases.csv")
# Nouns that make a name an organisation or a place, never a person ("Donetsk People Republic").
ORG_WORDS = reference.words("org-words.txt")
# Words that alone name no particular organisation ("Government", "Armed Forces").
GENERIC_ORG_WORDS = reference.words("generic-org-words.txt")
