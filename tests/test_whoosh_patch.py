"""The writer's one Whoosh patch lives in indexer/whoosh_patch.py and applies only to the release it fits."""

from __future__ import annotations

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3PerDocReader

from indexer.errors import IndexerError
from indexer.whoosh_patch import SUPPORTED_VERSION, WhooshVersionError, apply_patch, check_version, installed_version


def test_the_installed_whoosh_is_the_pinned_release():
    assert installed_version() == SUPPORTED_VERSION == "2.7.5"
    check_version()  # no error


@pytest.mark.parametrize("version", ["2.7.4", "2.8.0", ""])
def test_another_release_is_refused_with_a_clear_message(version):
    with pytest.raises(WhooshVersionError) as caught:
        check_version(version)
    message = str(caught.value)
    assert "whoosh-reloaded==2.7.5" in message and (version or "an unknown version") in message
    assert "pip install -r requirements.txt" in message and "\n" not in message
    assert isinstance(caught.value, IndexerError)  # the CLI reports it as one line, exit 1


def test_the_patch_remembers_a_missing_length_column(tmp_path):
    import indexer.build  # noqa: F401 - importing the writer applies the patch

    assert W3PerDocReader._crisis_desk_patched
    patched = W3PerDocReader._cached_reader
    apply_patch()  # applying it again changes nothing
    assert W3PerDocReader._cached_reader is patched
    schema = fields.Schema(id=fields.ID(stored=True), tag=fields.KEYWORD(scorable=False))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    with ix.writer() as w:
        w.add_document(id="a", tag="x y")
    with ix.reader() as r:
        per_doc = r._perdoc if hasattr(r, "_perdoc") else r.segment_readers()[0]._perdoc
        assert per_doc._cached_reader("tag", None) is None
        assert "tag" in per_doc._readers and per_doc._readers["tag"] is None  # remembered, not asked again
        assert r.doc_field_length(0, "tag", 0) == 0  # Whoosh still answers as before
