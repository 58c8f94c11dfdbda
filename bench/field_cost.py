"""What the issue-8 search fields cost on disk: build a corpus twice, with and without them.

The fields are the unstemmed words of title and lead (``spell_title``, ``spell_lead``; the body's
``spell_body`` existed before) that wildcards expand against, and the per-document ``spellings``
column that entity-aware search reads. Both builds reuse the NER and entity caches of CACHE_INDEX
(copied, never written), so neither runs NER.

    python bench/field_cost.py CACHE_INDEX CORPUS... [--work /tmp/field-cost]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh import fields  # noqa: E402

import indexer.build as build  # noqa: E402
from indexer import layout  # noqa: E402
from indexer.schema import SCHEMA, TEXT_ANALYZER  # noqa: E402


def lean_schema() -> fields.Schema:
    """The schema without the unstemmed title/lead words and without the spellings column."""
    names = [n for n in SCHEMA.names() if n not in ("spellings",) and not n.startswith("spell_")]
    kept = {n: SCHEMA[n] for n in names}
    kept["title"] = fields.TEXT(analyzer=TEXT_ANALYZER, stored=True, field_boost=2.5)
    kept["lead"] = fields.TEXT(analyzer=TEXT_ANALYZER, stored=True)
    return fields.Schema(**kept)


def size(gen_dir: Path) -> int:
    """Bytes of one generation's files."""
    return sum(p.stat().st_size for p in gen_dir.iterdir() if p.is_file())


def build_copy(cache_index: Path, target: Path, corpus: list[str], schema) -> int:
    """Build ``corpus`` into ``target`` with ``schema`` (caches copied in); return the index size."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in (layout.CACHE_FILE, layout.ENTITY_CACHE_FILE):
        if (cache_index / name).exists():
            shutil.copy(cache_index / name, target / name)
    build.SCHEMA = schema
    original = build.make_document

    def make_document(*args, **kwargs):
        doc = original(*args, **kwargs)
        return {k: v for k, v in doc.items() if k in schema.names()}

    build.make_document = make_document
    try:
        summary = build.build_index(corpus, target, n_process=1)
    finally:
        build.make_document = original
        build.SCHEMA = SCHEMA
    print(f"  {target.name}: {summary.indexed} articles, NER runs {summary.ner_runs}", file=sys.stderr)
    return size(layout.current_generation_dir(target))


def main(argv=None) -> int:
    """Print both sizes and the difference."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cache_index", type=Path)
    ap.add_argument("corpus", nargs="+")
    ap.add_argument("--work", type=Path, default=Path("/tmp/field-cost"))
    args = ap.parse_args(argv)
    full = build_copy(args.cache_index, args.work / "full", args.corpus, SCHEMA)
    lean = build_copy(args.cache_index, args.work / "lean", args.corpus, lean_schema())
    print(
        f"with the fields {full / 2**20:.2f} MB, without {lean / 2**20:.2f} MB: "
        f"+{(full - lean) / 2**20:.2f} MB ({(full - lean) / lean:+.1%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
