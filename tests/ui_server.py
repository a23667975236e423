"""Helpers for the chat page tests: a free loopback port and the page served in this process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(home: Path, **settings) -> Iterator[tuple[str, object]]:
    """The chat page over ``home`` on 127.0.0.1, as ``newsdesk chat`` would start it."""
    from conftest import make_newsdesk

    from assistant.ui import launch

    nd = make_newsdesk(home, port=free_port(), **settings)
    page = launch(nd, block=False)
    try:
        yield page.local_url.rstrip("/"), nd
    finally:
        page.close()
