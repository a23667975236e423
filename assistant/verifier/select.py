"""Finding the sentences of a long evidence text that decide a claim.

The evidence is split once (cached by a hash of its text) into sentences with their stems and
in-document IDF; candidates are single sentences and pairs of adjacent sentences, ranked by the
IDF-weighted share of the claim's stems they hold. ``Embeddings`` adds MiniLM cosines, with the
sentence vectors cached by text hash (embed them at ingest and they cost nothing per claim).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from assistant.verifier.polarity import content_stems

Span = tuple[int, int]


def split_sentences(text: str) -> list[Span]:
    try:
        from ingest.chunking import split_sentences as split
    except ImportError:  # pragma: no cover - before/after the ingest refactor
        try:
            from assistant.chunking import split_sentences as split
        except ImportError:
            split = _split_fallback
    spans = split(text)
    out = []
    for start, end in spans:  # very long "sentences" (tables, run-on pages) are cut at 600 characters
        while end - start > 600:
            cut = text.rfind(" ", start + 300, start + 600)
            cut = cut if cut > start else start + 600
            out.append((start, cut))
            start = cut + 1
        if end > start:
            out.append((start, end))
    return out


def _split_fallback(text: str) -> list[Span]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+[.!?]*", text) if m.group().strip()]


@dataclass
class Document:
    text: str
    spans: list[Span]
    stems: list[set[str]]
    idf: dict[str, float]
    all_stems: set[str]
    memo: dict = field(default_factory=dict)  # per-evidence values the checks derive (features.indexed)

    def sentence(self, i: int) -> str:
        return self.text[self.spans[i][0] : self.spans[i][1]]


_DOCS: OrderedDict[str, Document] = OrderedDict()
_LOCK = threading.Lock()
MAX_CACHED = 256


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def document(text: str) -> Document:
    """The evidence split and indexed, cached by its text's hash (LRU of MAX_CACHED texts)."""
    key = text_key(text)
    with _LOCK:
        doc = _DOCS.get(key)
        if doc is not None:
            _DOCS.move_to_end(key)
            return doc
    spans = split_sentences(text) or [(0, len(text))]
    stems = [content_stems(text[a:b]) for a, b in spans]
    df: dict[str, int] = {}
    for s in stems:
        for w in s:
            df[w] = df.get(w, 0) + 1
    n = len(spans)
    idf = {w: math.log(1 + n / c) for w, c in df.items()}
    doc = Document(text, spans, stems, idf, set(df))
    with _LOCK:
        _DOCS[key] = doc
        while len(_DOCS) > MAX_CACHED:
            _DOCS.popitem(last=False)
    return doc


@dataclass(frozen=True)
class Candidate:
    first: int  # sentence indexes, inclusive
    last: int
    coverage: float  # IDF-weighted share of the claim's stems found
    plain: float  # unweighted share


def rank(doc: Document, claim_stems: set[str], top: int = 3) -> list[Candidate]:
    """The best single sentences and adjacent pairs for the claim, best first (a pair only when it
    covers strictly more than each of its sentences)."""
    if not claim_stems:
        return [Candidate(0, 0, 0.0, 0.0)]
    default_idf = math.log(1 + len(doc.spans))
    weights = {w: doc.idf.get(w, default_idf) for w in claim_stems}
    total = sum(weights.values())
    singles = []
    for i, s in enumerate(doc.stems):
        hit = claim_stems & s
        singles.append((sum(weights[w] for w in hit) / total, len(hit) / len(claim_stems)))
    cands = [Candidate(i, i, c, p) for i, (c, p) in enumerate(singles)]
    for i in range(len(doc.stems) - 1):
        hit = claim_stems & (doc.stems[i] | doc.stems[i + 1])
        cov = sum(weights[w] for w in hit) / total
        if cov > max(singles[i][0], singles[i + 1][0]) + 1e-9:
            cands.append(Candidate(i, i + 1, cov - 0.02, len(hit) / len(claim_stems)))  # small cost for joining
    cands.sort(key=lambda c: (-c.coverage, c.last - c.first, c.first))
    return cands[:top]


class Embeddings:
    """MiniLM vectors of sentences, cached by text hash; the claim's vector is computed per call."""

    def __init__(self, threads: int = 1, max_cached: int = 20_000):
        self.threads = threads
        self.max_cached = max_cached
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._model = None
        self._lock = threading.Lock()

    def adopt(self, model) -> None:
        """Embed with an embedder already loaded (the app's, with its threads) instead of loading a
        second session; the first model in use stays."""
        with self._lock:
            if self._model is None:
                self._model = model

    def _embedder(self):
        with self._lock:
            if self._model is None:
                from ingest.embedding import MiniLMEmbedding

                self._model = MiniLMEmbedding(threads=self.threads, embed_batch_size=16)
            return self._model

    def vectors(self, texts: list[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        with self._lock:
            missing = [i for i, k in enumerate(keys) if k not in self._cache]
        if missing:
            fresh = self._embedder().embed([texts[i] for i in missing])
            with self._lock:
                for row, i in enumerate(missing):
                    self._cache[keys[i]] = fresh[row]
                while len(self._cache) > self.max_cached:
                    self._cache.popitem(last=False)
        with self._lock:
            return np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)

    def precompute(self, texts: list[str]) -> None:
        """Embed texts ahead (at ingest, or before timing): later calls find them cached."""
        if texts:
            self.vectors(texts)

    def claim_vector(self, claim: str) -> np.ndarray:
        return self.vectors([claim])[0]
