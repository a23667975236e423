"""Giving freed heap memory back to the operating system in a long-running server.

glibc's malloc keeps memory that Python, NumPy and ONNX Runtime have freed inside its arenas (one per
thread that allocated, up to eight per core), so a chat server's resident size ratchets up with each
new peak even when nothing is leaked. ``malloc_trim`` hands those free pages back. It is a no-op
where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time

MIN_INTERVAL_S = 2.0  # a trim walks every arena: at most one every this many seconds

_lock = threading.Lock()
_last = 0.0


def _load_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


_malloc_trim = _load_trim()


def release_free_heap(now: float | None = None) -> bool:
    """Trim the heap unless another thread did so in the last ``MIN_INTERVAL_S``; True when trimmed."""
    global _last
    if _malloc_trim is None:
        return False
    now = time.monotonic() if now is None else now
    with _lock:
        if now - _last < MIN_INTERVAL_S:
            return False
        _last = now
    _malloc_trim(0)
    return True
