"""The keyword side of the archive: BM25 over chunks in SQLite FTS5, kept beside Chroma.

One file in the home folder (``keywords.sqlite3``). Chunks are written under the same ids as in
Chroma, in the same flush group, so ingest keeps the two in step: an add or a changed document
replaces rows by chunk id, a removed document deletes them, and nothing is ever rebuilt in full.
SQLite makes every write durable and the index survives restarts as it is.

Why FTS5 rather than an in-memory BM25 (``bm25s``, ``rank_bm25``): it is in the standard library,
updates one row at a time inside a transaction, filters on outlet and date in the same query, and
costs no start-up time to load; in-memory indexes must be rebuilt and re-saved whole after each
ingest.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from ingest.text import ENGLISH_STOPWORDS
from ingest.types import Article, Chunk, Filters, Passage
from ingest.sqlite import connect
from ingest.store import date_ordinal

TOKENIZER = "porter unicode61 remove_diacritics 2"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_day INTEGER NOT NULL,
    url TEXT NOT NULL,
    path TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
CREATE INDEX IF NOT EXISTS chunks_day ON chunks(published_day);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, body, source, content='chunks', content_rowid='id',
    tokenize='{TOKENIZER}'
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, title, body, source) VALUES (new.id, new.title, new.body, new.source);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, title, body, source) VALUES ('delete', old.id, old.title, old.body, old.source);
END;
"""

# bm25() column weights: a word in the headline counts more than one in the passage.
COLUMN_WEIGHTS = (2.0, 1.0, 1.0)
# Words in more than this share of the chunks say little about relevance and make FTS5 visit most
# of the index, so queries leave them out (a stopword list learned from the archive itself).
MAX_DOC_FREQUENCY = 0.25
MAX_QUERY_TERMS = 24
# FTS5 scores every row a query matches (~7 us each), so a query keeps its rarest words only while
# their document frequencies add up to this: the words that weigh most in BM25 anyway. A small
# archive never reaches it (dev figures are the same from 600 to no budget); at 100k chunks it
# holds a query near 10 ms instead of 300+.
POSTINGS_BUDGET = 1000

STOPWORDS = ENGLISH_STOPWORDS | frozenset("article articles report reported reports according news".split())
_WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(text: str) -> list[str]:
    """Distinct lower-case words of a query worth matching: no stopwords, no single characters."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) > 1 and word not in STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)


@dataclass(frozen=True)
class SourceStats:
    """What the keyword index knows about the archive's outlets and dates (for query parsing)."""

    chunks: int
    sources: tuple[str, ...]
    first_day: int
    last_day: int


class KeywordIndex:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = connect(path)
        with self.db:
            self.db.executescript(SCHEMA)
        self._stats: tuple[tuple[int, int], SourceStats] | None = None
        self._writes = 0
        self._df: dict[str, int] = {}
        self._df_for: SourceStats | None = None

    def close(self) -> None:
        self.db.close()

    # writes -------------------------------------------------------------------------------

    def upsert(self, chunks: Iterable[Chunk], articles: dict[str, Article]) -> None:
        """Add chunks, replacing any stored under the same chunk id (one transaction)."""
        rows = []
        for chunk in chunks:
            article = articles[chunk.doc_id]
            rows.append((
                chunk.chunk_id, chunk.doc_id, article.title, chunk.text, article.source, article.published_at,
                date_ordinal(article.published_at), article.url, article.path, chunk.start, chunk.end,
            ))
        if not rows:
            return
        with self.db:
            self.db.executemany("DELETE FROM chunks WHERE chunk_id = ?", [(r[0],) for r in rows])
            self.db.executemany(
                "INSERT INTO chunks (chunk_id, doc_id, title, body, source, published_at, published_day, url, path, "
                "start, end) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
        self._writes += 1

    def set_path(self, doc_id: str, path: str) -> None:
        with self.db:
            self.db.execute("UPDATE chunks SET path = ? WHERE doc_id = ?", (path, doc_id))

    def delete(self, chunk_ids: Iterable[str]) -> None:
        ids = [(c,) for c in chunk_ids]
        if not ids:
            return
        with self.db:
            self.db.executemany("DELETE FROM chunks WHERE chunk_id = ?", ids)
        self._writes += 1

    # reads --------------------------------------------------------------------------------

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def all_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM chunks")}

    def stats(self) -> SourceStats:
        """Outlets and date span of the archive, cached until the index changes (here or elsewhere)."""
        version = (self.db.execute("PRAGMA data_version").fetchone()[0], self._writes)
        if self._stats is None or self._stats[0] != version:
            sources = tuple(r[0] for r in self.db.execute("SELECT DISTINCT source FROM chunks WHERE source != ''"))
            low, high = self.db.execute(
                "SELECT MIN(published_day), MAX(published_day) FROM chunks WHERE published_day > 0"
            ).fetchone()
            self._stats = (version, SourceStats(self.count(), sources, low or 0, high or 0))
        return self._stats[1]

    def full_text_intact(self) -> bool:
        """Whether the FTS5 index matches the rows it indexes (SQLite's own check; it reads the whole
        index, so ``status`` runs it, not every question)."""
        try:
            with self.db:  # the check is an INSERT: end its transaction, or other writers wait on it
                self.db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            return False
        return True

    def rebuild_full_text(self) -> None:
        with self.db:
            self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")

    def any_within(self, filters: Filters) -> bool:
        """Whether any chunk meets the filters (outlets, published days)."""
        where, params = filter_clause(filters)
        sql = "SELECT 1 FROM chunks c" + (f" WHERE {' AND '.join(where)}" if where else "") + " LIMIT 1"
        return self.db.execute(sql, params).fetchone() is not None

    def passages(self, chunk_ids: list[str]) -> dict[str, Passage]:
        """Stored chunks by id (score 0), for ranking lists that come as ids alone."""
        found: dict[str, Passage] = {}
        for offset in range(0, len(chunk_ids), 500):
            part = chunk_ids[offset:offset + 500]
            for row in self.db.execute(
                "SELECT chunk_id, doc_id, body, start, end, 0.0, title, source, published_at, url, path FROM chunks "
                f"WHERE chunk_id IN ({','.join('?' * len(part))})",
                part,
            ):
                found[row[0]] = Passage(*row)
        return found

    def document_frequencies(self, stems: list[str]) -> dict[str, int]:
        """Chunks holding each stemmed term; fts5vocab counts them by reading the whole posting
        list, so counts are cached until the index changes."""
        stats = self.stats()
        if self._df_for is not stats:
            self._df, self._df_for = {}, stats
        missing = [t for t in dict.fromkeys(stems) if t not in self._df]
        if missing:
            self._df.update(dict.fromkeys(missing, 0))
            self._df.update(self.db.execute(
                f"SELECT term, doc FROM chunks_vocab WHERE term IN ({','.join('?' * len(missing))})", missing
            ).fetchall())
        return {t: self._df[t] for t in stems}

    def match_expression(self, text: str) -> str | None:
        """An FTS5 OR-query of the text's informative words, rarest first, within the postings
        budget; None when none is left."""
        terms = query_terms(text)
        if not terms:
            return None
        total = max(1, self.stats().chunks)
        frequency = self.document_frequencies([stem(t) for t in terms])
        scored = []
        for term in terms:
            df = frequency[stem(term)]
            if df == 0 or df / total > MAX_DOC_FREQUENCY and total >= 50:
                continue
            scored.append((df, term))
        scored.sort()
        kept, postings = [], 0
        for df, term in scored[:MAX_QUERY_TERMS]:
            if kept and postings + df > POSTINGS_BUDGET:
                break
            kept.append(term)
            postings += df
        return " OR ".join(f'"{term}"' for term in kept) if kept else None

    def search(self, text: str, n: int, filters: Filters | None = None) -> list[Passage]:
        """The n best chunks by BM25 for the text's words, within the filters."""
        expression = self.match_expression(text)
        if expression is None or n <= 0:
            return []
        weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
        columns = "c.chunk_id, c.doc_id, c.body, c.start, c.end, -{score}, c.title, c.source, c.published_at, c.url, c.path"
        if filters is None or filters.is_empty():  # rank in the FTS index first, read n rows only
            rows = self.db.execute(
                f"WITH hits AS (SELECT rowid AS id, bm25(chunks_fts, {weights}) AS rank_score FROM chunks_fts "
                f"WHERE chunks_fts MATCH ? ORDER BY rank_score LIMIT ?) "
                f"SELECT {columns.format(score='hits.rank_score')} FROM hits JOIN chunks c ON c.id = hits.id "
                f"ORDER BY hits.rank_score",
                [expression, n],
            ).fetchall()
            return [Passage(*row) for row in rows]
        where, params = filter_clause(filters)
        where, params = ["chunks_fts MATCH ?", *where], [expression, *params]
        rows = self.db.execute(
            f"SELECT {columns.format(score=f'bm25(chunks_fts, {weights})')} "
            f"FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid WHERE {' AND '.join(where)} "
            f"ORDER BY bm25(chunks_fts, {weights}) LIMIT ?",
            [*params, n],
        ).fetchall()
        return [Passage(*row) for row in rows]


def filter_clause(filters: Filters) -> tuple[list[str], list]:
    """SQL conditions on the ``chunks`` table (as ``c``) for the filters, and their parameters."""
    where, params = [], []
    if filters.sources:
        where.append(f"c.source IN ({','.join('?' * len(filters.sources))})")
        params.extend(filters.sources)
    if filters.since:
        where.append("c.published_day >= ?")
        params.append(date_ordinal(filters.since))
    if filters.until:
        where.append("c.published_day BETWEEN 1 AND ?")  # undated articles (day 0) fall within no range
        params.append(date_ordinal(filters.until))
    return where, params


_STEMMER_LOCK = threading.Lock()


@cache
def _stemmer() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute(f"CREATE VIRTUAL TABLE s USING fts5(w, tokenize={TOKENIZER!r})")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(s, 'row')")
    return db


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem FTS5 stores for a word, so vocabulary lookups match what MATCH matches."""
    with _STEMMER_LOCK:
        db = _stemmer()
        with db:
            db.execute("DELETE FROM s")
            db.execute("INSERT INTO s(w) VALUES (?)", (word,))
            row = db.execute("SELECT term FROM v").fetchone()
    return row[0] if row else word


def reconcile(index: KeywordIndex, store, listed: Callable[[], Collection[str]]) -> int:
    """Bring the keyword index in step with the archive (a home made before the index existed, or a
    crash between the writes): drop rows of chunks the manifest no longer lists, add the listed
    chunks it lacks from Chroma. Cheap when index and Chroma agree (two counts); ``listed`` (the
    manifest's chunk ids) is read only when they do not. Returns how many rows changed.

    The manifest, not Chroma, decides what goes: a Chroma server that came back empty must not
    take the keyword index down with it (``status --repair`` rebuilds both from the stored text).
    """
    if index.count() == store.count():
        return 0
    from llama_index.core.vector_stores.utils import metadata_dict_to_node

    wanted = set(listed())
    stored, indexed = store.all_ids(), index.all_ids()
    extra = sorted(indexed - wanted)
    index.delete(extra)
    missing = sorted((stored & wanted) - indexed)
    for offset in range(0, len(missing), 1000):
        got = store.collection.get(ids=missing[offset:offset + 1000], include=["documents", "metadatas"])
        chunks, articles = [], {}
        for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
            node = metadata_dict_to_node(meta, text=text)
            doc_id = node.ref_doc_id or ""
            chunks.append(Chunk(chunk_id, doc_id, text, node.start_char_idx or 0, node.end_char_idx or 0))
            articles[doc_id] = Article(
                doc_id=doc_id, title=meta.get("title", ""), text="", source=meta.get("source", ""),
                published_at=meta.get("published_at", ""), url=meta.get("url", ""), path=meta.get("path", ""),
            )
        index.upsert(chunks, articles)
    return len(extra) + len(missing)
