"""The ingest manifest: one SQLite row per document with its content hash, stored text and chunk ids.

It is the record of what the archive holds. A document's row is written only after its chunks are
in Chroma, so an interrupted ingest leaves at worst chunks the manifest does not know yet, which
the next run of the same ingest writes again under the same deterministic ids.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ingest.settings import server_identity
from ingest.types import Article
from ingest.sqlite import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    published_at TEXT NOT NULL,
    url TEXT NOT NULL,
    author TEXT NOT NULL,
    category TEXT NOT NULL,
    path TEXT NOT NULL,
    text TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_path ON documents(path);
CREATE TABLE IF NOT EXISTS also_published (
    alias_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    added_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS also_published_doc ON also_published(doc_id);
CREATE TABLE IF NOT EXISTS near_dup_docs (ref INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS near_dup_bands (band INTEGER NOT NULL, ref INTEGER NOT NULL, PRIMARY KEY (band, ref)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS near_dup_bands_ref ON near_dup_bands(ref);
"""
# ``also_published``: the other copies of a stored story (``ingest.duplicates``): another outlet's or
# another URL's near-identical text, folded into the story (``doc_id``) instead of stored again.
# ``near_dup_*``: each stored document's MinHash LSH bands, which find those copies. Both are created
# on open, so a manifest from before them gains them; its documents get their bands on the next ingest.


class ManifestMismatch(RuntimeError):
    """The home folder belongs to another Chroma store than the one configured."""


@dataclass(frozen=True)
class Copy:
    """Another copy of a stored story, folded into it (``ingest.duplicates``): where else it was published."""

    source: str
    url: str  # its link, or its document id when it has none


@dataclass(frozen=True)
class DocumentEntry:
    """One line of ``newsdesk list``: what a document is, and the id that ``remove`` takes."""

    doc_id: str
    title: str
    source: str
    published_at: str  # YYYY-MM-DD, "" when undated
    chunks: int
    path: str
    also: tuple[Copy, ...] = ()  # the other copies of this story, oldest first


@dataclass(frozen=True)
class ArchiveSummary:
    documents: int
    chunks: int
    sources: list[str]
    published_at_min: str | None
    published_at_max: str | None


class Manifest:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = connect(path, isolation_level=None)
        self.db.executescript(SCHEMA)

    def bind(self, target: str) -> None:
        """Record which vector store this manifest describes; refuse to pair it with another."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'store'").fetchone()
        if row is not None and row[0] != target:
            url, _, rest = row[0].partition(" ")
            if f"{server_identity(url)} {rest}" == target:  # recorded before passwords and spellings were evened out
                row = None
            elif not self.has_documents():
                row = None  # a home with no documents describes no store yet (a first connection may have failed)
        if row is None:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('store', ?)", (target,))
        elif row[0] != target:
            raise ManifestMismatch(
                f"{self.path} describes {row[0]}, not {target}; use another --home for this store"
            )

    def close(self) -> None:
        self.db.close()

    def known(self, doc_id: str) -> tuple[str, list[str]] | None:
        """``(content_hash, chunk_ids)`` of a stored document, or None."""
        row = self.db.execute("SELECT content_hash, chunk_ids FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def home_id(self) -> str:
        """This home's own id (made once), which marks the Chroma collection it writes as its own."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'home_id'").fetchone()
        if row is None:
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('home_id', ?)", (uuid.uuid4().hex,))
            row = self.db.execute("SELECT value FROM meta WHERE key = 'home_id'").fetchone()
        return row[0]

    def has_documents(self) -> bool:
        return self.db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is not None

    def ids_at(self, path: str) -> list[str]:
        """Ids of the documents stored from this file."""
        return [r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE path = ? ORDER BY doc_id", (path,))]

    def origin(self, doc_id: str) -> tuple[str, str] | None:
        """``(title, path)`` of a stored document, or None."""
        row = self.db.execute("SELECT title, path FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def record(self, article: Article, content_hash: str, chunk_ids: list[str]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                article.doc_id, content_hash, article.title, article.source, article.published_at,
                article.url, article.author, article.category, article.path, article.text,
                json.dumps(chunk_ids), time.time(),
            ),
        )

    def forget(self, doc_id: str) -> None:
        """Delete a document's row, the copies folded into it and its near-duplicate bands."""
        self.db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM also_published WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM near_dup_bands WHERE ref IN (SELECT ref FROM near_dup_docs WHERE doc_id = ?)", (doc_id,))
        self.db.execute("DELETE FROM near_dup_docs WHERE doc_id = ?", (doc_id,))

    def record_copy(self, copy: Article, doc_id: str, content_hash: str) -> None:
        """Record ``copy`` (another URL or outlet's version) as folded into the stored ``doc_id``."""
        self.db.execute(
            "INSERT OR REPLACE INTO also_published VALUES (?,?,?,?,?,?,?)",
            (copy.doc_id, doc_id, copy.url, copy.source, copy.title, content_hash, time.time()),
        )

    def copy_of(self, copy_id: str) -> tuple[str, str] | None:
        """``(doc_id, content_hash)`` of the stored story that ``copy_id`` was folded into, or None."""
        row = self.db.execute("SELECT doc_id, content_hash FROM also_published WHERE alias_id = ?", (copy_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def folded_copies(self) -> dict[str, str]:
        """Every copy's id (its URL, or its own document id) mapped to the stored story it was folded into."""
        return dict(self.db.execute("SELECT alias_id, doc_id FROM also_published"))

    def forget_copy(self, copy_id: str) -> None:
        self.db.execute("DELETE FROM also_published WHERE alias_id = ?", (copy_id,))

    def copies(self, doc_ids: list[str] | None = None) -> dict[str, tuple[Copy, ...]]:
        """The copies folded into each story (of ``doc_ids``, or all), oldest first."""
        where = f"WHERE doc_id IN ({','.join('?' * len(doc_ids))})" if doc_ids is not None else ""
        found: dict[str, list[Copy]] = {}
        for doc_id, source, url, alias_id in self.db.execute(
            f"SELECT doc_id, source, url, alias_id FROM also_published {where} ORDER BY added_at, alias_id", doc_ids or ()
        ):
            found.setdefault(doc_id, []).append(Copy(source, url or alias_id))
        return {doc_id: tuple(copies) for doc_id, copies in found.items()}

    def article(self, doc_id: str) -> Article | None:
        row = self.db.execute(
            "SELECT doc_id, title, text, source, published_at, url, author, category, path FROM documents WHERE doc_id = ?",
            (doc_id,),
        ).fetchone()
        return Article(*row) if row else None

    def listing(self, sources: tuple[str, ...] = ()) -> list[DocumentEntry]:
        """Every document (or those from the given outlets), newest first, undated last."""
        where = f"WHERE source IN ({','.join('?' * len(sources))})" if sources else ""
        rows = self.db.execute(
            "SELECT doc_id, title, source, substr(published_at, 1, 10), json_array_length(chunk_ids), path FROM documents "
            f"{where} ORDER BY published_at = '', published_at DESC, doc_id",
            sources,
        )
        copies = self.copies()
        return [DocumentEntry(*row, also=copies.get(row[0], ())) for row in rows]

    def doc_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT doc_id FROM documents ORDER BY doc_id")]

    def documents_from(self, path: Path) -> list[tuple[str, str]]:
        """``(doc_id, stored path)`` of the documents whose source file is ``path`` or lies under it
        (compared as resolved paths; ``os.path.realpath`` because ``Path.resolve`` raises on a symlink
        loop, and a stored file may since have been replaced by one)."""
        target = Path(os.path.realpath(path))
        out = []
        for doc_id, stored in self.db.execute("SELECT doc_id, path FROM documents ORDER BY doc_id"):
            if "://" in stored:  # read from a URL, not from a file
                continue
            source = Path(os.path.realpath(stored))
            if source == target or source.is_relative_to(target):
                out.append((doc_id, stored))
        return out

    def chunk_ids(self) -> dict[str, str]:
        """Every chunk id the manifest knows, mapped to its document id."""
        out: dict[str, str] = {}
        for doc_id, ids in self.db.execute("SELECT doc_id, chunk_ids FROM documents"):
            for chunk in json.loads(ids):
                out[chunk] = doc_id
        return out

    def chunk_count(self) -> int:
        return self.db.execute("SELECT COALESCE(SUM(json_array_length(chunk_ids)), 0) FROM documents").fetchone()[0]

    def summary(self) -> ArchiveSummary:
        documents = self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = self.chunk_count()
        sources = [r[0] for r in self.db.execute("SELECT DISTINCT source FROM documents WHERE source != '' ORDER BY source")]
        low, high = self.db.execute(
            "SELECT MIN(substr(published_at, 1, 10)), MAX(substr(published_at, 1, 10)) FROM documents WHERE published_at != ''"
        ).fetchone()
        return ArchiveSummary(documents, chunks, sources, low, high)
