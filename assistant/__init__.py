"""Newsdesk: question answering over a news archive, with citations to the exact passage."""

import ingest  # noqa: F401  (keeps every library off the network before any third-party import)

__version__ = "0.1.0"
