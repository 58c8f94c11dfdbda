"""Zero-copy reads of compound Whoosh segments.

whoosh-reloaded 2.7.5 opens each file inside a compound segment (``.seg``) as ``BytesIO(memoryview)``,
which *copies* it into memory: on the 108k-article set that was 136 MB of postings and terms per
process, on top of the mmap (issue 5's 300 MB budget). ``ViewFile`` reads the memory-mapped bytes in
place instead; the page cache holds them, shared and reclaimable.
"""

from __future__ import annotations

import io

from whoosh.filedb import structfile

_installed = False


class ViewFile(io.RawIOBase):
    """A read-only, seekable file over a buffer (a memoryview of the segment's mmap), without copying."""

    def __init__(self, buf):
        super().__init__()
        self._view = memoryview(buf).cast("B") if not isinstance(buf, (bytes, bytearray)) else memoryview(buf)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` bytes from the current position (all that is left when negative)."""
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._pos = end
        return self._view[start:end].tobytes()

    def readinto(self, b) -> int:
        """Read into a writable buffer; return how many bytes were read."""
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes:
        """Return bytes up to and including the next newline."""
        view, start = self._view, self._pos
        limit = len(view) if size is None or size < 0 else min(start + size, len(view))
        end = start
        while end < limit and view[end] != 10:
            end += 1
        self._pos = min(end + 1, limit)
        return view[start:self._pos].tobytes()

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += len(self._view)
        self._pos = max(0, offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


def _buffer_file_init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = ViewFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def install_zero_copy_reads() -> None:
    """Make Whoosh's BufferFile read its buffer in place (idempotent; affects reading only)."""
    global _installed
    if not _installed:
        structfile.BufferFile.__init__ = _buffer_file_init
        _installed = True
