"""Finding the passages that answer a question."""

from __future__ import annotations

from typing import Protocol

from assistant.embedding import MiniLMEmbedding
from assistant.types import Filters, Passage
from ingest.store import VectorStore


class Retriever(Protocol):
    name: str

    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]: ...


class DenseRetriever:
    """Cosine similarity between the question's embedding and the chunks' embeddings in Chroma."""

    name = "dense"

    def __init__(self, store: VectorStore, embedder: MiniLMEmbedding):
        self.store = store
        self.embedder = embedder

    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        embedding = self.embedder.get_query_embedding(query)
        return self.store.query(embedding, k, filters)


def distinct_documents(passages: list[Passage]) -> list[str]:
    """Document ids in rank order, each once."""
    return list(dict.fromkeys(p.doc_id for p in passages))
