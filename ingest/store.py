"""The Chroma side of the archive: embedded (persistent folder) or a Chroma server, same code."""

from __future__ import annotations

import functools
import json
from contextlib import nullcontext
from datetime import date, datetime
from urllib.parse import urlparse

from ingest.embedding import DIMENSIONS as MINILM_DIMENSIONS, MiniLMEmbedding
from ingest.settings import redact_url, server_identity, without_url_password
from ingest.settings import ArchiveSettings
from ingest.types import Chunk, Filters, Passage
from ingest.locks import file_lock


class StoreError(RuntimeError):
    """The vector store cannot be reached or used; the message says what to do."""


class EmbeddingMismatch(StoreError):
    """The configured embedding model is not the one whose vectors the collection holds."""


def date_ordinal(value: str) -> int:
    """``YYYYMMDD`` as an int for Chroma range filters; 0 when the date is missing or unreadable."""
    if not value:
        return 0
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            parsed = date.fromisoformat(value[:10])
        except ValueError:
            return 0
    return parsed.year * 10000 + parsed.month * 100 + parsed.day


def server_headers(settings: ArchiveSettings) -> dict[str, str]:
    headers = dict(settings.chroma_headers)
    if settings.chroma_token is not None:
        headers["Authorization"] = f"Bearer {settings.chroma_token.get_secret_value()}"
    return headers


def chroma_client(settings: ArchiveSettings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(f"NEWSDESK_CHROMA_URL must look like http://host:port, got {redact_url(settings.chroma_url)!r}")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                headers=server_headers(settings),
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises several types for a refused connection
            raise StoreError(
                f"cannot reach the Chroma server at {redact_url(settings.chroma_url)}: "
                + without_url_password(first_line(exc), settings.chroma_url)
            ) from None
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def store_errors(method):
    """Any failure of the vector store becomes one StoreError line naming where it is."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"{self.where} failed during {method.__name__}: {first_line(exc)}") from exc

    return wrapper


def store_target(settings: ArchiveSettings) -> str:
    """Which Chroma a home's manifest describes: the server URL or "embedded", and the collection."""
    return f"{server_identity(settings.chroma_url) or 'embedded'} collection={settings.collection}"


OWNER_KEY = "newsdesk_home"  # collection metadata: the id of the home that writes it
# collection metadata: the embedding model whose vectors it holds, and their length (recorded on the first write)
MODEL_KEY, DIMENSIONS_KEY = "newsdesk_embedding_model", "newsdesk_embedding_dimensions"
DOCUMENT_PREFIX_MARK = " with documents prefixed "


def model_identity(model: str, document_prefix: str = "") -> str:
    """What a collection records as its embedding model: the model's name, and the prefix its chunks
    were embedded with when there is one (e5's "passage: "), which changes every vector as a model does."""
    return f"{model}{DOCUMENT_PREFIX_MARK}{document_prefix!r}" if document_prefix else model


def identity_settings(identity: str) -> str:
    """The settings that embed as a recorded identity does: ``NEWSDESK_EMBED_MODEL=...`` and its prefix."""
    model, _, prefix = identity.partition(DOCUMENT_PREFIX_MARK)
    return f"NEWSDESK_EMBED_MODEL={model}" + (f" NEWSDESK_EMBED_DOCUMENT_PREFIX={prefix}" if prefix else "")


class VectorStore:
    """Chunks and their embeddings in one Chroma collection.

    Writes go through llama-index's ``ChromaVectorStore``, so the collection holds ordinary
    llama-index nodes that any ``VectorStoreIndex`` can read. Reads query Chroma directly: that
    keeps llama-index (seconds of imports) off the path of a cold ``newsdesk ask``.
    """

    def __init__(self, settings: ArchiveSettings, home_id: str | None = None, home_has_documents: bool = False):
        self.where = f"the Chroma server at {redact_url(settings.chroma_url)}" if settings.chroma_url else f"Chroma in {settings.chroma_path}"
        self.model: str | None = None  # the configured embedding model (``bind_model``)
        self.recorded: tuple[str, int] | None = None  # the collection's, as ``bind_model`` found it
        # Two processes creating one embedded Chroma folder at once race on its tables ("table
        # collections already exists", two ingests started together): opening takes turns.
        opening = nullcontext() if settings.chroma_url else file_lock(settings.home / "chroma-open.lock")
        with opening:
            self.client = chroma_client(settings)
            try:
                self.collection = self.client.get_or_create_collection(
                    settings.collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
                )
                if home_id is not None:
                    self.claim(home_id, home_has_documents)
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(f"cannot open the collection {settings.collection!r} of {self.where}: {first_line(exc)}") from None

    def claim(self, home_id: str, home_has_documents: bool) -> None:
        """Mark the collection as this home's, or refuse one that another home writes.

        Two homes on one server collection would each see the other's chunks as orphans, and
        ``status --repair`` in one would delete the other's. An unmarked collection (made before
        the mark existed) is taken by a home that has documents, or when it is empty.
        """
        metadata = dict(self.collection.metadata or {})
        owner = metadata.get(OWNER_KEY)
        if owner == home_id:
            return
        name = self.collection.name
        if owner is not None:
            raise StoreError(f"the collection {name!r} of {self.where} belongs to another Newsdesk home: use the home "
                             "that built it, or give this one its own collection (NEWSDESK_COLLECTION)")
        held = self.collection.count()
        if held and not home_has_documents:
            raise StoreError(f"the collection {name!r} of {self.where} already holds {held} chunks this home did not "
                             "write: give this home its own collection (NEWSDESK_COLLECTION)")
        # the distance function is fixed at creation and may not be sent again
        kept = {k: v for k, v in metadata.items() if not k.startswith("hnsw:")}
        self.collection.modify(metadata={**kept, OWNER_KEY: home_id})

    @store_errors
    def recorded_model(self) -> tuple[str, int] | None:
        """``(model, dimensions)`` of the vectors the collection holds, as recorded on it; the bundled
        MiniLM for a collection written before they were recorded; None for an empty unmarked one."""
        metadata = self.collection.metadata or {}
        if MODEL_KEY in metadata:
            return str(metadata[MODEL_KEY]), int(metadata.get(DIMENSIONS_KEY) or 0)
        return (MiniLMEmbedding.model_name, MINILM_DIMENSIONS) if self.collection.count() else None

    def bind_model(self, model: str, dimensions: int | None = None) -> None:
        """Embed into and query this collection with ``model`` (of ``dimensions``, when known before
        it has run); refused when the collection holds another model's vectors."""
        self.model = model
        self.recorded = self.recorded_model()
        if self.recorded is not None and (self.recorded[0] != model or dimensions not in (None, self.recorded[1])):
            raise self.mismatch(model, dimensions)

    def mismatch(self, model: str, dimensions: int | None) -> EmbeddingMismatch:
        built, built_dimensions = self.recorded or ("?", 0)
        configured = f"{model} ({dimensions} dimensions)" if dimensions else model
        how = ("NEWSDESK_EMBED_BASE_URL and NEWSDESK_EMBED_MODEL unset, for the bundled MiniLM"
               if built == MiniLMEmbedding.model_name else f"{identity_settings(built)} on a server that serves it")
        return EmbeddingMismatch(
            f"the collection {self.collection.name!r} of {self.where} was built with the embedding model {built} "
            f"({built_dimensions} dimensions), not with the configured {configured}: use the embedding settings it "
            f"was built with ({how}), or another --home (NEWSDESK_HOME) for {model}"
        )

    def check_dimensions(self, dimensions: int) -> None:
        """Refuse a vector of another length than the collection's (a server now serving another model
        under the same name)."""
        if self.recorded is not None and self.recorded[1] != dimensions:
            raise self.mismatch(self.model or "?", dimensions)

    def record_model(self, dimensions: int) -> None:
        """Before the first write: check the vectors' length, and mark the collection with the model
        and length (a collection written before they were recorded is marked as MiniLM's here)."""
        self.recorded = self.recorded_model()
        self.check_dimensions(dimensions)
        metadata = dict(self.collection.metadata or {})
        if self.model is None or MODEL_KEY in metadata:
            return
        kept = {k: v for k, v in metadata.items() if not k.startswith("hnsw:")}  # fixed at creation
        self.collection.modify(metadata={**kept, MODEL_KEY: self.model, DIMENSIONS_KEY: dimensions})
        self.recorded = (self.model, dimensions)

    @functools.cached_property
    def llama_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    @store_errors
    def add(self, chunks: list[Chunk], embeddings: list[list[float]], articles: dict) -> None:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes = []
        for chunk, vector in zip(chunks, embeddings):
            article = articles[chunk.doc_id]
            node = TextNode(
                id_=chunk.chunk_id,
                text=chunk.text,
                embedding=vector,
                start_char_idx=chunk.start,
                end_char_idx=chunk.end,
                metadata={
                    "title": article.title,
                    "source": article.source,
                    "published_at": article.published_at,
                    "published_day": date_ordinal(article.published_at),
                    "url": article.url,
                    "path": article.path,
                },
            )
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_id)
            nodes.append(node)
        if nodes:
            self.record_model(len(nodes[0].embedding))
            self.llama_store.add(nodes)

    @store_errors
    def set_path(self, chunk_ids: list[str], path: str) -> None:
        """Point the chunks at the file their article now comes from (flat metadata and llama-index's
        node copy of it), without re-embedding them."""
        got = self.collection.get(ids=list(chunk_ids), include=["metadatas"])
        metadatas = []
        for meta in got["metadatas"]:
            node = json.loads(meta.get("_node_content") or "{}")
            if isinstance(node.get("metadata"), dict):
                node["metadata"]["path"] = path
            metadatas.append({**meta, "path": path, "_node_content": json.dumps(node)})
        if got["ids"]:
            self.collection.update(ids=got["ids"], metadatas=metadatas)

    @store_errors
    def delete(self, chunk_ids: list[str]) -> None:
        if chunk_ids:
            self.collection.delete(ids=list(chunk_ids))

    @store_errors
    def count(self) -> int:
        return self.collection.count()

    @store_errors
    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset, page = 0, 5000
        while True:
            got = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            ids.update(got)
            if len(got) < page:
                return ids
            offset += page

    @store_errors
    def nearest(self, embedding: list[float], n: int, filters: Filters | None = None) -> tuple[list[str], list[float]]:
        """Ids and cosine distances of the ``n`` nearest chunks, nothing else (the fast path)."""
        self.check_dimensions(len(embedding))
        result = self.collection.query(
            query_embeddings=[embedding], n_results=n, where=chroma_where(filters) or None, include=["distances"]
        )
        return result["ids"][0], result["distances"][0]

    @store_errors
    def embeddings(self, chunk_ids: list[str]) -> dict[str, list[float]]:
        """The stored embeddings of the given chunks, by id (ids not stored are left out)."""
        if not chunk_ids:
            return {}
        got = self.collection.get(ids=list(chunk_ids), include=["embeddings"])
        return {chunk_id: [float(x) for x in vector] for chunk_id, vector in zip(got["ids"], got["embeddings"])}

    @store_errors
    def query(self, embedding: list[float], n: int, filters: Filters | None = None) -> list[Passage]:
        total = self.count()
        if total == 0:
            return []
        self.check_dimensions(len(embedding))
        result = self.collection.query(
            query_embeddings=[embedding], n_results=min(n, total), where=chroma_where(filters) or None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            passage_from_record(chunk_id, text or "", meta or {}, 1.0 - distance)
            for chunk_id, text, meta, distance in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
            )
        ]


def passage_from_record(chunk_id: str, text: str, meta: dict, score: float) -> Passage:
    """A Passage from a Chroma record written by llama-index (offsets live in ``_node_content``)."""
    node = json.loads(meta.get("_node_content") or "{}")
    return Passage(
        chunk_id=chunk_id,
        doc_id=str(meta.get("ref_doc_id") or meta.get("document_id") or ""),
        text=text,
        start=node.get("start_char_idx") or 0,
        end=node.get("end_char_idx") or 0,
        score=score,
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        published_at=meta.get("published_at", ""),
        url=meta.get("url", ""),
        path=meta.get("path", ""),
    )


def chroma_where(filters: Filters | None) -> dict:
    if filters is None or filters.is_empty():
        return {}
    clauses: list[dict] = []
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if filters.since:
        clauses.append({"published_day": {"$gte": date_ordinal(filters.since)}})
    if filters.until:  # undated articles (day 0) fall within no date range
        clauses.append({"published_day": {"$lte": date_ordinal(filters.until)}})
        if not filters.since:
            clauses.append({"published_day": {"$gt": 0}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
