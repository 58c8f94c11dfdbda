"""ViewFile: Whoosh's compound-segment files are read in place from the mmap, not copied."""

from __future__ import annotations

import pickle

from whoosh.filedb.structfile import BufferFile

from search.storage import ViewFile, install_zero_copy_reads


def test_view_file_reads_seeks_and_unpickles_without_copying():
    payload = pickle.dumps((1, "two", [3.0]), 2)
    data = bytearray(b"head\nline two\n" + payload + b"tail")
    view = ViewFile(memoryview(data))
    assert view.readline() == b"head\n" and view.readline() == b"line two\n"
    assert pickle.load(view) == (1, "two", [3.0])
    assert view.read() == b"tail" and view.read(5) == b""
    view.seek(-4, 2)
    assert view.tell() == len(data) - 4
    data[-4:] = b"TAIL"  # the view sees the buffer itself, so nothing was copied
    assert view.read(2) == b"TA"
    view.seek(1)
    buf = bytearray(3)
    assert view.readinto(buf) == 3 and bytes(buf) == b"ead"


def test_whoosh_buffer_files_use_the_view():
    install_zero_copy_reads()
    f = BufferFile(memoryview(b"\x00\x00\x00\x07rest"), name="x")
    assert isinstance(f.file, ViewFile)
    assert f.read_int() == 7 and f.read(4) == b"rest" and f.get(0, 4) == b"\x00\x00\x00\x07"
