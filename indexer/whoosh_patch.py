"""The one change the writer makes to Whoosh's classes, and the check that Whoosh is the version it fits.

whoosh-reloaded 2.7.5 asks the file system whether a length column exists for every posting of a field
without one (keyword, id and spelling fields), which is a third of the time a commit takes. A segment's
columns never change once written, so the answer can be kept: ``apply_patch`` makes
``W3PerDocReader._cached_reader`` remember a missing column. The patch reads a private method of that
release, so it is applied only to the version it was written for; any other version stops the build
with a message saying which version is needed (``WhooshVersionError``), never with a wrong index.
"""

from __future__ import annotations

from importlib import metadata

from indexer.errors import IndexerError

DISTRIBUTION = "whoosh-reloaded"
SUPPORTED_VERSION = "2.7.5"


class WhooshVersionError(IndexerError):
    """The installed Whoosh is not the release the writer's patch was written for."""


def installed_version() -> str:
    """The installed whoosh-reloaded version ("" when the distribution's metadata is missing)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        import whoosh

        return ".".join(map(str, getattr(whoosh, "__version__", ())))


def check_version(version: str | None = None) -> None:
    """Raise WhooshVersionError unless ``version`` (default: the installed one) is the supported release."""
    version = installed_version() if version is None else version
    if version != SUPPORTED_VERSION:
        raise WhooshVersionError(
            f"the indexer needs {DISTRIBUTION}=={SUPPORTED_VERSION} (it patches a private method of that "
            f"release), but {version or 'an unknown version'} is installed; install the pinned version with: "
            "pip install -r requirements.txt"
        )


def apply_patch() -> None:
    """Check the Whoosh version, then make Whoosh remember that an unscored field has no length column (once)."""
    check_version()
    from whoosh.codec.whoosh3 import W3PerDocReader

    if getattr(W3PerDocReader, "_crisis_desk_patched", False):
        return
    original = W3PerDocReader._cached_reader

    def cached_reader(self, fieldname, column):
        if fieldname in self._readers:
            return self._readers[fieldname]
        reader = original(self, fieldname, column)
        if reader is None:
            self._readers[fieldname] = None
        return reader

    W3PerDocReader._cached_reader = cached_reader
    W3PerDocReader._crisis_desk_patched = True
