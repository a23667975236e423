"""Keeping freed heap memory from piling up in the chat server and in an ingest.

glibc's malloc keeps memory that Python, NumPy and ONNX Runtime have freed inside its arenas (one per
thread that allocated, up to eight per core), so a chat server's resident size ratchets up with each
new peak even when nothing is leaked, and an ingest's embedding threads (each batch of MiniLM frees
and asks again for tensors of a slightly different size) strand hundreds of MiB in theirs.
``malloc_trim`` hands free pages back, and a cap on the arenas (what ``MALLOC_ARENA_MAX`` sets) keeps
freed memory from stranding in one per thread. Both are no-ops where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
import time

MIN_INTERVAL_S = 2.0  # a trim walks every arena: at most one every this many seconds
M_ARENA_MAX = -8  # mallopt's parameter for the arena cap, from glibc's malloc.h
# Arenas for every process, set when ``ingest`` is imported (before any library starts a thread).
# Chat, 20 sessions for 120 s on 2 cores: 369 MiB at the end, +1.4 MiB/min after warm-up, against
# 400 MiB and +4.5 MiB/min with glibc's default of eight per core.
# Ingest of 300 RealTime QA articles with two embedding workers: peak 1,216 MiB against 1,596 with
# glibc's default, at the same speed (`python -m eval.benchmarks.ingest_memory --embedder model --sizes 300`).
MALLOC_ARENAS = 2

_lock = threading.Lock()
_last = 0.0


def _load(name: str):
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None


_malloc_trim = _load("malloc_trim")
_mallopt = _load("mallopt")


def limit_arenas(count: int) -> bool:
    """Let malloc make at most ``count`` arenas from now on (glibc makes one per thread that allocates,
    up to eight per core); False where that is not glibc, or where ``MALLOC_ARENA_MAX`` already set
    the cap (the operator's value stands). Call it before the threads start."""
    if _mallopt is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(_mallopt(M_ARENA_MAX, count))


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
