"""Memory freed after a request is reused, not kept per thread (issue 9, "memory grows with use").

glibc gives each thread that finds the heap busy a malloc arena of its own (up to 8 per core) and keeps
freed memory inside each one; a threaded server's RSS then creeps up while its live objects do not. The
app limits the process to two arenas when it is created. Counted here the way glibc reports them
(``malloc_info``'s ``<heap>`` elements) in a fresh process that creates the real app and then runs
threads allocating at once, as a threaded server's requests do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import ctypes, re, sys, threading
    from app import create_app

    config = {"INDEX_DIR": sys.argv[1], "TESTING": True, "SECRET_KEY": "allocator-test"}
    if len(sys.argv) > 2:
        config["MALLOC_ARENAS"] = int(sys.argv[2])
    app = create_app(config)
    client = app.test_client()
    start = threading.Barrier(12)

    def work():
        start.wait()
        for _ in range(200):  # blocks below the mmap threshold: they come from an arena
            kept = [bytearray(60_000) for _ in range(8)]
            client.get("/healthz")
            del kept

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    libc = ctypes.CDLL("libc.so.6")
    libc.open_memstream.restype = ctypes.c_void_p
    buf, size = ctypes.c_char_p(), ctypes.c_size_t()
    stream = libc.open_memstream(ctypes.byref(buf), ctypes.byref(size))
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    print(len(re.findall(r"<heap nr=", buf.value.decode())))
    """
)


def heaps(index_dir, *arenas: str) -> int:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(index_dir), *arenas],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def test_a_threaded_app_keeps_to_two_malloc_arenas(fixture_index_dir):
    assert heaps(fixture_index_dir) <= 2


def test_the_count_can_fail_glibc_gives_busy_threads_arenas_of_their_own(fixture_index_dir):
    """Without the limit (``MALLOC_ARENAS`` 0: glibc's default) the same run uses more: the count can fail."""
    assert heaps(fixture_index_dir, "0") > 2
