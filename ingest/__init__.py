"""The archive: articles loaded, chunked, embedded and stored in Chroma and a keyword index."""

from ingest import offline as _offline

_offline.apply()
