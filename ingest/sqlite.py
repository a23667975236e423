"""Opening the home's SQLite files (manifest, keyword index) the same way."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_SECONDS = 30


def connect(path: Path, **options) -> sqlite3.Connection:
    """A connection in WAL mode that waits up to BUSY_SECONDS for other writers.

    Switching a new file to WAL takes a lock that SQLite does not wait for: two processes creating
    one home at once (two ingests started together) had the second fail with "database is locked".
    The switch is retried until the wait is used up; once the file is in WAL mode it is a no-op.
    """
    db = sqlite3.connect(path, timeout=BUSY_SECONDS, check_same_thread=False, **options)
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                db.close()
                raise
            time.sleep(0.05)
    db.execute("PRAGMA synchronous=NORMAL")
    return db
