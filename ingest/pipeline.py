"""Files in, chunks out: load -> skip unchanged by hash -> chunk -> embed in batches -> upsert.

Writes go Chroma first, manifest last, one flush group at a time, so a killed ingest is finished
by running it again (see ``ingest.manifest``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.embedding import load_tokenizer
from ingest.embedding_server import Embedder
from ingest.settings import ArchiveSettings
from ingest.text import plural
from ingest.types import Article, Chunk
from ingest.chunking import chunk_article
from ingest.keyword_index import KeywordIndex
from ingest.duplicates import NearDuplicates
from ingest.loaders import Failure, find_files
from ingest.locks import file_lock
from ingest.manifest import DocumentEntry, Manifest
from ingest.store import VectorStore
from ingest.web import WebReader

log = logging.getLogger("newsdesk")


@dataclass
class IngestProgress:
    """Where an ingest stands: files read of those found, chunks embedded of those to embed so far
    (files are read one by one, so ``chunks_to_embed`` grows as they are)."""

    files_read: int = 0
    files_total: int = 0
    chunks_embedded: int = 0
    chunks_to_embed: int = 0


ProgressCallback = Callable[[IngestProgress], None]


@dataclass(frozen=True)
class StaleDocument:
    """A stored document that its file no longer holds: the file is gone (deleted or renamed), or
    was read again without it (a line taken out of a JSONL). Kept unless the ingest prunes."""

    doc_id: str
    path: str
    reason: str

    def line(self) -> str:
        return f"{self.doc_id}: {self.reason}"


@dataclass
class IngestReport:
    files: int = 0
    documents: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    unchanged: int = 0
    moved: int = 0  # unchanged but for the file they come from: the path is updated, nothing re-embedded
    embedded: int = 0
    failed: list[Failure] = field(default_factory=list)
    stale: list[StaleDocument] = field(default_factory=list)
    pruned: bool = False  # the stale documents were removed (``--prune``)
    folded: int = 0  # near-duplicates of stored stories, recorded on them instead of stored (``ingest.duplicates``)
    warnings: list[Failure] = field(default_factory=list)  # linked pages not read (``--follow``): their feed item is stored
    added: list[DocumentEntry] = field(default_factory=list)  # the documents new to the archive

    def as_json(self) -> dict:
        return {
            "files": self.files,
            "documents": self.documents,
            "chunks_added": self.chunks_added,
            "chunks_removed": self.chunks_removed,
            "unchanged": self.unchanged,
            "moved": self.moved,
            "embedded": self.embedded,
            "failed": [{"path": f.path, "reason": f.reason} for f in self.failed],
            "stale": [{"doc_id": s.doc_id, "path": s.path, "reason": s.reason} for s in self.stale],
            "pruned": self.pruned,
            "folded": self.folded,
            "warnings": [{"path": w.path, "reason": w.reason} for w in self.warnings],
            "added": [{"doc_id": a.doc_id, "title": a.title, "source": a.source, "published_at": a.published_at,
                       "chunks": a.chunks} for a in self.added],
        }

    def summary_line(self) -> str:
        return (
            f"{plural(self.files, 'file')}, {plural(self.documents, 'document')}: {plural(self.chunks_added, 'chunk')} added, "
            f"{self.chunks_removed} removed, {self.unchanged} unchanged, {len(self.failed)} failed"
            + (f", {self.moved} moved (path updated, not re-embedded)" if self.moved else "")
            + (f", {len(self.stale)} stale {'removed' if self.pruned else 'kept'}" if self.stale else "")
            + (f"; {plural(self.folded, 'near-duplicate')} folded into existing stories" if self.folded else "")
        )


def count_tokens(texts) -> list[int]:
    return [len(e.ids) for e in load_tokenizer(truncate=False).encode_batch(list(texts), add_special_tokens=False)]


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What the model sees for a chunk: headline and outlet give context the passage may lack."""
    header = " - ".join(part for part in (article.title, article.source) if part)
    return f"{header}\n{chunk.text}" if header else chunk.text


def content_hash(article: Article, settings: ArchiveSettings) -> str:
    """Changes whenever the stored chunks would: text, metadata, chunking parameters, model."""
    payload = json.dumps(
        [article.metadata(), article.text, settings.chunk_tokens, settings.chunk_overlap_tokens, "minilm-int8"],
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@contextmanager
def ingest_lock(home: Path, wait: bool = True):
    """One writer per home at a time: yields True holding the lock, a second ingest waiting for the
    first to finish. With ``wait=False`` (upkeep that must not race a running ingest) it yields
    False at once when another holds the lock or the home is read-only."""
    if wait:
        home.mkdir(parents=True, exist_ok=True)
    with file_lock(home / "ingest.lock", wait, f"another ingest is writing to {home}; waiting for it to finish") as held:
        yield held


class _Stopped(Exception):
    """Raised in the embedding thread to end it early when the ingest itself failed."""


class FlushPipe:
    """An ingest's flush groups, embedded one at a time in a background thread while the caller reads
    and chunks the next group and writes the previous one: the model no longer waits for reading,
    chunking, near-duplicate signing and the writes (on real articles they are 4% of an ingest).

    Only the embedding moves: every write (Chroma, keyword index, manifest; SQLite connections)
    stays in the caller's thread, group after group in reading order, so each group is still one
    durable step and a kill loses what was not yet written, as before. At most two groups are held
    (one being embedded, one being read). If anything fails, the embedding thread is stopped at its
    next batch and the error is raised in the caller's thread; nothing of an unwritten group is kept.
    """

    def __init__(self, ingestor: Ingestor, report: IngestReport, on_embedded: Callable[[int], None]):
        self.ingestor = ingestor
        self.report = report
        self.on_embedded = on_embedded
        self.written: Callable[[list], None] = lambda group: None  # told of each group once written
        self.stop = threading.Event()
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="ingest-embed")
        self.in_flight: tuple[list, Future] | None = None

    def __enter__(self) -> FlushPipe:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()  # a no-op after drain(); after an error, the embedding thread ends at its next batch
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _heard(self, count: int) -> None:
        if self.stop.is_set():
            raise _Stopped
        self.on_embedded(count)

    def send(self, group: list[tuple[Article, str, list[Chunk]]]) -> None:
        """Start embedding ``group``, then write the group sent before it once its vectors are there."""
        previous = self.in_flight
        self.in_flight = (group, self.pool.submit(self.ingestor._embed, group, self._heard)) if group else None
        if previous is not None:
            self.ingestor._write(previous[0], previous[1].result(), self.report)
            self.written(previous[0])

    def drain(self) -> None:
        """Write the last group sent."""
        self.send([])


class Ingestor:
    def __init__(
        self, settings: ArchiveSettings, store: VectorStore, manifest: Manifest, embedder: Embedder,
        keywords: KeywordIndex | None = None,
    ):
        self.settings = settings
        self.store = store
        self.manifest = manifest
        self.embedder = embedder
        self.keywords = keywords  # the BM25 index kept in step with Chroma (same chunk ids)

    def _index_keywords(self, chunks: list[Chunk], articles: dict[str, Article]) -> None:
        if self.keywords is not None:
            self.keywords.upsert(chunks, articles)

    def _unindex_keywords(self, chunk_ids: list[str]) -> None:
        if self.keywords is not None:
            self.keywords.delete(chunk_ids)

    def chunk_budget(self, article: Article) -> int:
        """Tokens left for the passage once the embedded header and special tokens are counted."""
        header_tokens = count_tokens([embedding_text(article, Chunk("", "", "", 0, 0))])[0]
        return max(64, self.settings.chunk_tokens - header_tokens - 2)

    def run(
        self, paths: list[Path], progress: ProgressCallback | None = None, prune: bool = False,
        urls: Sequence[str] = (), follow: bool = False, field_map: Mapping[str, str] | None = None,
    ) -> IngestReport:
        """Ingest the files and folders, then the URLs (``ingest.web``); ``prune`` also removes the
        stale documents found under the paths; ``follow`` reads the pages a feed's items link to;
        ``field_map`` (``--map``) names the columns or keys that hold fields under other names."""
        report = IngestReport()
        files, report.failed = find_files(paths)
        report.files = len(files) + len(report.failed) + len(urls)
        state = IngestProgress(files_total=len(files) + len(urls))

        shown = threading.Lock()  # progress hears from the embedding thread and from this one

        def show() -> None:
            if progress:
                with shown:
                    progress(state)

        def embedded(count: int) -> None:
            with shown:
                state.chunks_embedded += count
                if progress:
                    progress(state)

        seen: dict[str, tuple[str, str]] = {}  # doc id -> (title, path) of the articles this run
        pending: list[tuple[Article, str, list[Chunk]]] = []
        pending_chunks = 0
        embedded_before = self.embedder.texts_embedded
        with ingest_lock(self.settings.home), WebReader(self.settings) as web, FlushPipe(self, report, embedded) as pipe:
            duplicates = NearDuplicates(self.manifest, self.settings.near_duplicate_threshold)
            pipe.written = lambda group: duplicates.flushed([article.doc_id for article, _, _ in group])
            duplicates.open()
            read_whole: set[str] = set()  # files read without a failure: what they hold is all they hold
            for done, loaded in enumerate(web.inputs(files, list(urls), follow, self.wants_page, field_map), start=1):
                report.warnings.extend(loaded.warnings)
                report.documents += loaded.known_pages
                report.unchanged += loaded.known_pages
                for article in loaded.articles():
                    article = self.distinct_document(article, seen)
                    if article.doc_id in seen:
                        report.failed.append(
                            Failure(article.path, f"duplicate document id {article.doc_id!r} (first in {seen[article.doc_id][1]}); skipped")
                        )
                        continue
                    seen[article.doc_id] = (article.title, article.path)
                    report.documents += 1
                    digest = content_hash(article, self.settings)
                    known = self.manifest.known(article.doc_id)
                    if known and known[0] == digest:
                        report.unchanged += 1
                        continue
                    if known and self.moved_only(article, digest):
                        self._relocate(article, digest, known[1])
                        report.moved += 1
                        continue
                    if known is None and (fold := duplicates.fold(article, digest)):
                        report.folded += fold.new
                        report.unchanged += not fold.new
                        continue
                    duplicates.add(article)
                    chunks = chunk_article(
                        article, self.chunk_budget(article), self.settings.chunk_overlap_tokens, count_tokens
                    )
                    pending.append((article, digest, chunks))
                    if known is None:
                        report.added.append(DocumentEntry(article.doc_id, article.title, article.source,
                                                          article.published_at[:10], len(chunks), article.path))
                    pending_chunks += len(chunks)
                    state.chunks_to_embed += len(chunks)
                    if pending_chunks >= self.settings.flush_chunks:
                        pipe.send(pending)
                        pending, pending_chunks = [], 0
                report.failed.extend(loaded.failures)
                if loaded.file is not None and not loaded.failures:
                    read_whole.add(str(loaded.file.resolve()))
                state.files_read = done
                show()
            pipe.send(pending)
            pipe.drain()
            report.stale = self.stale_documents(paths, set(seen), read_whole)
            if prune:
                for stale in report.stale:
                    self._delete(stale.doc_id)
                report.pruned = True
        report.embedded = self.embedder.texts_embedded - embedded_before
        return report

    def wants_page(self, item: Article) -> bool:
        """Whether ``--follow`` reads the page a feed item links to: not when its story is stored from
        that page already, or folded into another story; yes when it is new or stored only as the
        feed's summary (stored from the feed itself)."""
        if self.manifest.copy_of(item.doc_id) is not None:
            return False
        stored = self.manifest.origin(item.doc_id)
        return stored is None or stored[1] == item.path

    def moved_only(self, article: Article, digest: str) -> bool:
        """Whether the stored version differs from this one only in the file it came from (a folder
        moved or renamed, the same articles ingested from a copy): its text and metadata with the
        new path give the new hash."""
        stored = self.manifest.article(article.doc_id)
        return (stored is not None and stored.path != article.path
                and content_hash(replace(stored, path=article.path), self.settings) == digest)

    def _relocate(self, article: Article, digest: str, chunk_ids: list[str]) -> None:
        """Record the new path everywhere (Chroma, keyword index, then the manifest, written last)."""
        self.store.set_path(chunk_ids, article.path)
        if self.keywords is not None:
            self.keywords.set_path(article.doc_id, article.path)
        self.manifest.record(article, digest, chunk_ids)

    def stale_documents(self, paths: list[Path], seen: set[str], read_whole: set[str]) -> list[StaleDocument]:
        """Documents stored from files under ``paths`` that this run did not find: their file is
        gone, or it was read whole and no longer holds them. A file that failed to load, or was
        not read (a README, a hidden file), says nothing about its documents."""
        stale = []
        for given in paths:
            if not given.exists():
                continue  # a mistyped path is a failure, not a deletion
            for doc_id, path in self.manifest.documents_from(given):
                if doc_id in seen:
                    continue
                if not Path(path).exists():
                    stale.append(StaleDocument(doc_id, path, "its file is gone"))
                elif path in read_whole:
                    stale.append(StaleDocument(doc_id, path, f"{Path(path).name} no longer holds it"))
                seen.add(doc_id)  # one report even when two given paths cover it
        return stale

    def distinct_document(self, article: Article, seen: dict[str, tuple[str, str]]) -> Article:
        """The article, under an id of its own when its file-made id belongs to another article.

        An id made from a file name is not an identity: a second ``article.txt`` (from another folder,
        or another upload) with another headline is another article, so it becomes ``article.txt (2)``
        instead of silently replacing the first. The same headline or the same file is a new version of
        the stored article and replaces it, as before; a file already stored under another id (ingested
        once alone, once with its folder) keeps that id. Articles with a URL are identified by it.
        """
        if article.url:
            return article
        if "#" not in article.doc_id:  # one file is one document, whichever folder it was ingested through
            earlier = [other for other in self.manifest.ids_at(article.path) if "#" not in other]
            if earlier and article.doc_id not in earlier:
                return replace(article, doc_id=earlier[0])
        candidate, n = article.doc_id, 1
        while (stored := seen.get(candidate) or self.manifest.origin(candidate)) is not None:
            title, path = stored
            if title == article.title or path == article.path:
                break
            n += 1
            candidate = f"{article.doc_id} ({n})"
        return article if candidate == article.doc_id else replace(article, doc_id=candidate)

    def _flush(
        self, pending: list[tuple[Article, str, list[Chunk]]], report: IngestReport,
        on_embedded: Callable[[int], None] | None = None,
    ) -> None:
        if pending:
            self._write(pending, self._embed(pending, on_embedded), report)

    def _embed(self, pending: list[tuple[Article, str, list[Chunk]]], on_embedded: Callable[[int], None] | None) -> list:
        """The vectors of a flush group's chunks, in order (``FlushPipe`` runs this in its thread)."""
        articles = {article.doc_id: article for article, _, _ in pending}
        texts = [embedding_text(articles[c.doc_id], c) for _, _, doc_chunks in pending for c in doc_chunks]
        return self.embedder.embed(texts, on_embedded).tolist()

    def _write(self, pending: list[tuple[Article, str, list[Chunk]]], vectors: list, report: IngestReport) -> None:
        """One durable step: Chroma and the keyword index first, the manifest last."""
        articles = {article.doc_id: article for article, _, _ in pending}
        chunks = [chunk for _, _, doc_chunks in pending for chunk in doc_chunks]
        self.store.add(chunks, vectors, articles)
        self._index_keywords(chunks, articles)
        for article, digest, doc_chunks in pending:
            new_ids = [c.chunk_id for c in doc_chunks]
            known = self.manifest.known(article.doc_id)
            old_ids = known[1] if known else []
            stale = sorted(set(old_ids) - set(new_ids))
            self.store.delete(stale)
            self._unindex_keywords(stale)
            self.manifest.record(article, digest, new_ids)
            report.chunks_added += len(set(new_ids) - set(old_ids))
            report.chunks_removed += len(stale)

    def rebuild(self, doc_ids: list[str]) -> int:
        """Re-chunk and re-embed documents from the text the manifest stores; returns chunks written."""
        pending = []
        with ingest_lock(self.settings.home):
            for doc_id in doc_ids:
                article = self.manifest.article(doc_id)
                if article is not None:
                    chunks = chunk_article(article, self.chunk_budget(article), self.settings.chunk_overlap_tokens, count_tokens)
                    pending.append((article, content_hash(article, self.settings), chunks))
            self._flush(pending, IngestReport())
        return sum(len(chunks) for _, _, chunks in pending)

    def remove(self, doc_id: str) -> int:
        """Delete a document everywhere; returns how many chunks went with it.

        Its chunk ids are read under the lock: an ingest running meanwhile may replace them, and
        deleting the ids read before it finished would leave the new chunks searchable.
        """
        with ingest_lock(self.settings.home):
            return self._delete(doc_id)

    def _delete(self, doc_id: str) -> int:
        """``remove`` for a caller that holds the lock."""
        known = self.manifest.known(doc_id)
        if known is None:
            return 0
        self.store.delete(known[1])
        self._unindex_keywords(known[1])
        self.manifest.forget(doc_id)
        return len(known[1])
