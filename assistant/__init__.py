"""Newsdesk: question answering over a news archive, with citations to the exact passage."""

from assistant import offline as _offline

_offline.apply()

__version__ = "0.1.0"
