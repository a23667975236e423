"""The archive's embeddings from an OpenAI-compatible ``/v1/embeddings`` server (vLLM, Ollama,
text-embeddings-inference, OpenAI) instead of the bundled MiniLM: chosen by ``embed_base_url``.

``ServerEmbedding`` has MiniLM's interface (``embed``, ``get_query_embedding``, ``texts_embedded``,
``model_name``), so the pipeline and the retrievers take either. Every failure of the server is one
``EmbeddingServerError`` line naming the endpoint, raised before anything of the batch is stored.
Chunks are still measured with MiniLM's tokenizer (256 tokens at most), so the server's model must
read at least that many of its own tokens (docs/deploy.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from ingest.embedding import DIMENSIONS as MINILM_DIMENSIONS, MiniLMEmbedding
from ingest.settings import ArchiveSettings, redact_url, without_url_password
from ingest.store import StoreError, model_identity


class Embedder(Protocol):
    """What ingest and retrieval need of an embedding model."""

    @property
    def model_name(self) -> str: ...

    @property
    def texts_embedded(self) -> int: ...

    def embed(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray: ...

    def get_query_embedding(self, query: str) -> list[float]: ...


class EmbeddingServerError(StoreError):
    """The embedding server failed or answered with something that is no set of embeddings."""


class ServerEmbedding:
    """Unit-length float32 embeddings from an OpenAI-compatible server; counts what it computed."""

    def __init__(self, settings: ArchiveSettings):
        from openai import OpenAI

        assert settings.embed_base_url is not None and settings.embed_model is not None  # ArchiveSettings checks both
        self.settings = settings
        self.where = redact_url(settings.embed_base_url)
        self.model = settings.embed_model  # what each request asks the server for
        self.model_name = model_identity(settings.embed_model, settings.embed_document_prefix)  # recorded on the collection
        self.query_prefix, self.document_prefix = settings.embed_query_prefix, settings.embed_document_prefix
        self.batch_size = settings.embed_request_size
        key = settings.embed_api_key.get_secret_value() if settings.embed_api_key else "not-needed"
        self.client = OpenAI(base_url=settings.embed_base_url, api_key=key, timeout=settings.embed_timeout,
                             max_retries=settings.embed_max_retries)
        self.dimensions: int | None = None  # learnt from the first reply; every later one must match
        self._lock = threading.Lock()
        self._computed = 0

    @property
    def texts_embedded(self) -> int:
        """How many texts the server has embedded for this instance (queries included)."""
        return self._computed

    def embed(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed chunk texts (each after ``embed_document_prefix``), ``embed_request_size`` a request,
        in input order; ``on_batch`` hears how many texts each finished request held. All of them or
        an error: nothing partial comes back."""
        return self._embed([self.document_prefix + text for text in texts] if self.document_prefix else texts, on_batch)

    def get_query_embedding(self, query: str) -> list[float]:
        return self._embed([self.query_prefix + query])[0].tolist()

    def _embed(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        parts = []
        for begin in range(0, len(texts), self.batch_size):
            batch = texts[begin : begin + self.batch_size]
            parts.append(self._request(batch))
            if on_batch:
                on_batch(len(batch))
        with self._lock:
            self._computed += len(texts)
        if not parts:
            return np.zeros((0, self.dimensions or 0), dtype=np.float32)
        return np.concatenate(parts)

    def _request(self, batch: list[str]) -> np.ndarray:
        try:
            reply = self.client.embeddings.create(model=self.model, input=batch, encoding_format="float")
        except Exception as exc:
            raise EmbeddingServerError(self.failed(describe_error(exc, self.settings))) from None
        vectors = self._vectors(reply, len(batch))
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.clip(norms, 1e-12, None)

    def _vectors(self, reply, expected: int) -> np.ndarray:
        """The reply's vectors in input order, checked: one per text, all of one length, finite."""
        data = getattr(reply, "data", None)
        if not isinstance(data, Sequence) or len(data) != expected:
            got = len(data) if isinstance(data, Sequence) else "no"
            raise EmbeddingServerError(self.failed(f"it returned {got} embeddings for {expected} texts"))
        try:
            ordered = sorted(data, key=lambda item: item.index)
            vectors = np.array([item.embedding for item in ordered], dtype=np.float32)
        except (AttributeError, TypeError, ValueError) as exc:
            raise EmbeddingServerError(self.failed(f"its reply holds no list of embeddings ({type(exc).__name__})")) from None
        if vectors.ndim != 2 or vectors.shape[1] == 0:
            raise EmbeddingServerError(self.failed("its reply holds empty or ragged embeddings"))
        if not np.isfinite(vectors).all():
            raise EmbeddingServerError(self.failed("its reply holds embeddings that are not finite numbers"))
        with self._lock:
            if self.dimensions is None:
                self.dimensions = vectors.shape[1]
        if vectors.shape[1] != self.dimensions:
            raise EmbeddingServerError(self.failed(
                f"it returned {vectors.shape[1]}-dimension embeddings after {self.dimensions}-dimension ones"
            ))
        return vectors

    def failed(self, reason: str) -> str:
        return f"the embedding server at {self.where} (model {self.model}) failed: {reason}"


def describe_error(exc: Exception, settings: ArchiveSettings) -> str:
    """The reason in one line: ``HTTP 404: model not found``, ``Connection error ([Errno 111] Connection
    refused)``, a timeout with the settings that set it; never the API key."""
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    if isinstance(status, int):
        detail = body.get("error", body) if isinstance(body, dict) else body
        if isinstance(detail, dict):
            detail = detail.get("message") or detail
        message = f"HTTP {status}: {' '.join(str(detail or getattr(exc, 'message', '')).split())[:300]}"
    else:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if message.rstrip(".") == "Connection error" and exc.__cause__ is not None and str(exc.__cause__):
            message = f"Connection error ({str(exc.__cause__).splitlines()[0]})"
    if "timeout" in type(exc).__name__.lower() or "timed out" in message.lower():
        message += (f" (no reply within {settings.embed_timeout:g} s, {settings.embed_max_retries + 1} tries; "
                    "NEWSDESK_EMBED_TIMEOUT and NEWSDESK_EMBED_MAX_RETRIES set these)")
    message = without_url_password(message, settings.embed_base_url)
    if settings.embed_api_key is not None:
        message = message.replace(settings.embed_api_key.get_secret_value(), "***")
    return message


def archive_embedder(settings: ArchiveSettings, bundled: MiniLMEmbedding) -> Embedder:
    """The model that embeds the archive: the server's when ``embed_base_url`` is set, else ``bundled``."""
    return ServerEmbedding(settings) if settings.embed_base_url else bundled


def known_dimensions(embedder: Embedder) -> int | None:
    """The length of the embedder's vectors when known before it runs (MiniLM's), else None."""
    return MINILM_DIMENSIONS if isinstance(embedder, MiniLMEmbedding) else getattr(embedder, "dimensions", None)
