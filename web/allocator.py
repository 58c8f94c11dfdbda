"""The C allocator of a serving process: few malloc arenas, so memory freed after a request is reused.

glibc's malloc gives a thread that finds the heap busy an arena of its own, up to eight per core, and
keeps what is freed inside each arena for that arena's next allocations. A threaded server (gunicorn's
threads, Werkzeug's thread per request) thus spreads numpy's per-query temporaries over many arenas, each
holding its own high-water mark: the soak's RSS grew ~55 MB while the heap's live objects (tracemalloc)
grew 5 MB. Two arenas bound that (``MALLOC_ARENA_MAX=2`` does the same, but only when set before the
process starts; ``mallopt`` works from inside, provided it runs before the threads multiply).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

log = logging.getLogger("crisis_desk.allocator")

M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)


@functools.cache
def _libc():
    """Return glibc, or None on a C library without mallopt (musl, macOS): then nothing is tuned."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_arenas(count: int) -> bool:
    """Let malloc use at most ``count`` arenas from now on (0: glibc's default); True when it took effect."""
    libc = _libc()
    if libc is None or count <= 0:
        return False
    done = bool(libc.mallopt(M_ARENA_MAX, int(count)))
    if not done:
        log.warning("could not limit malloc arenas to %d", count)
    return done
