"""The normaliser: spaCy's raw entities -> the people, countries and organisations the facets show.

The stages, in the order an article meets them:

- ``article.py``: one article's pipeline (``normalise_entities``), reading every span;
- ``person.py``: one mention of a person (clean the span, read its title, find people spaCy missed);
  ``person_words.py``: the word tables and name patterns those readings use; ``names.py``: what a
  given name looks like and when two spellings are one person;
- ``people.py``: people within one article (surnames and shorter forms join the full name);
- ``roles.py``: a title around a name -> (role, country, leader);
- ``countries.py``: which countries an article names and is about; ``places.py``: the gazetteer;
- ``orgs.py``: which spans are organisations, and one name per organisation; ``org_words.py``: their
  word tables;
- ``corpus.py``: across a batch (``resolve_corpus``): ``people_corpus.py`` (one name per person),
  ``orgs.merge_orgs``/``merge_acronyms``, ``role_timeline.py`` (the role held at each article's date).

Reference tables live as data files in ``indexer/data/`` (read once by ``reference.py``). Every module
here and every data file is part of the normaliser's version (``indexer/normaliser_version.py``).
Callers use the facade ``indexer/entities.py``. spaCy is never imported here.
"""
