"""A corpus (one build's batch of articles): one name per person and organisation, roles in time.

What one article cannot decide alone is decided here, after every article of the batch was normalised
on its own (``article.normalise_entities``). Dictionary work only (100k articles in seconds).
"""

from __future__ import annotations

from collections.abc import Sequence

from indexer.model import Entities
from indexer.normalise.orgs import merge_acronyms, merge_orgs
from indexer.normalise.people_corpus import merge_people
from indexer.normalise.role_timeline import resolve_roles


def resolve_corpus(batch: list[Entities], dates: Sequence | None = None, sources: Sequence[str] | None = None) -> None:
    """Merge across a batch in place: one name per person and per organisation, roles filled in.

    Spellings, shorter forms and bare surnames of a person join the corpus's full name; organisations
    that are people move to the actors; acronyms join the long name they abbreviate; each actor gets
    the role held at the article's date (``dates``, parallel to ``batch``), with the country of an
    official source (``sources``: host names) for a domestic title. Counts are re-summed per
    article. Dictionary work only (100k articles in seconds).
    """
    for name, values in (("dates", dates), ("sources", sources)):
        if values is not None and len(values) != len(batch):
            raise ValueError(f"{name} has {len(values)} entries for {len(batch)} articles")
    merge_people(batch)
    merge_acronyms(batch)
    merge_orgs(batch, sources)
    resolve_roles(batch, dates, sources)
