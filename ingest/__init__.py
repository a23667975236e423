"""The archive: articles loaded, chunked, embedded and stored in Chroma and a keyword index."""

from ingest import memory as _memory, offline as _offline

_offline.apply()
_memory.limit_arenas(_memory.MALLOC_ARENAS)  # before any library starts a thread (ingest/memory.py)
