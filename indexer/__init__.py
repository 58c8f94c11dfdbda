"""Crisis Desk indexer: article files on disk -> an entity-faceted Whoosh index.

The pipeline, one module per stage: sources (read) -> enrich (spaCy NER, cached)
-> entities (normalise) -> schema/build (write). ``python -m indexer`` is the CLI.
"""
