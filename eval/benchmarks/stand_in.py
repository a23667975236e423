"""A stand-in for the embedding model, for benchmarks that measure everything of an ingest but the model.

``HashEmbedding`` turns each text into a unit vector drawn from a generator seeded with the text's
hash: no model time, the same vector for the same text, MiniLM's 384 dimensions. The pipeline around
it (reading, chunking, token counting, near-duplicate signing, Chroma, keyword index, manifest) is
the real one. It records the texts it was given (``texts``), which are then exactly the texts a real
ingest of the same articles embeds. Never used outside ``eval.benchmarks``: its vectors mean nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import numpy as np

from ingest.embedding import DIMENSIONS


class HashEmbedding:
    """Deterministic pseudo-embeddings (labelled ``stand-in``), with MiniLM's interface."""

    model_name = "stand-in-hash-384"

    def __init__(self, record: bool = False, batch: int = 8):
        self.record = record
        self.batch = batch
        self.texts: list[str] = []
        self._lock = threading.Lock()
        self._computed = 0

    @property
    def texts_embedded(self) -> int:
        return self._computed

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
        return vector / np.linalg.norm(vector)

    def embed(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        if self.record:
            self.texts.extend(texts)
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for begin in range(0, len(texts), self.batch):
            for row in range(begin, min(begin + self.batch, len(texts))):
                out[row] = self.vector(texts[row])
            if on_batch:
                on_batch(min(self.batch, len(texts) - begin))
        with self._lock:
            self._computed += len(texts)
        return out

    def get_query_embedding(self, query: str) -> list[float]:
        return self.vector(query).tolist()
