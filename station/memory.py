"""Keep a long-running daemon's memory flat: fewer glibc malloc arenas.

glibc gives each thread that allocates concurrently its own arena (up to 8 per core) and rarely hands
freed memory back from them; a daemon with forty web worker threads, device threads and a database
pool ends up holding tens of megabytes of free-but-kept heap after a busy hour. Two arenas are
plenty for a process whose Python code runs one thread at a time under the GIL anyway.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # from glibc's malloc.h


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Call before the daemon starts its threads. False (and harmless) where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(M_ARENA_MAX, arenas))
    log.debug("malloc arenas limited to %s: %s", arenas, ok)
    return ok
