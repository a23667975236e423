"""Advisory file locks (flock) that keep processes sharing one home out of each other's way."""

from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("newsdesk")


@contextmanager
def file_lock(path: Path, wait: bool = True, waiting: str | None = None):
    """An exclusive lock on ``path``: yields True holding it. Taken by another process, it waits
    (logging ``waiting`` first) or, with ``wait=False``, yields False at once. A file that cannot be
    opened (a read-only home) yields False: there is nothing such a process could write anyway."""
    try:
        handle = open(path, "a")
    except OSError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if waiting:
                log.warning("%s", waiting)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
