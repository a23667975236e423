"""Finding the passages that answer a question.

Four strategies behind one interface, chosen by ``Settings.retriever``:

- ``dense``: cosine similarity of MiniLM embeddings in Chroma;
- ``bm25``: keyword search in the FTS5 index kept beside Chroma (``ingest.keyword_index``);
- ``hybrid``: reciprocal rank fusion (RRF) of the two;
- ``news`` (the default): hybrid, plus query understanding (``assistant.query``): each outlet the
  question names, with the date it gives, becomes a filtered sub-query of its own, all lists are
  fused by RRF, and the result shows every document once before repeating one; below the first
  few documents, dense pseudo-relevance feedback (``feedback_embedding``) brings up articles
  like the best ones found, which the question's words alone do not reach.

Every strategy honours the user's ``Filters`` (outlets, since, until), and an ``as_of`` day
("answer as on that day", ``assistant.timeframe``): articles published after it (beyond
``timeframe.LEAD``) are left out, and the ``news`` strategy also reads the question's relative time
words against it ("this week" becomes a date sub-query) and prefers articles published near it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from ingest.embedding_server import Embedder
from assistant.query import ParsedQuery, SubQuery, merge_filters, parse_query
from assistant.timeframe import date_window, known_on, recency_boost
from ingest.types import Filters, Passage
from ingest.keyword_index import KeywordIndex
from ingest.store import StoreError, VectorStore

log = logging.getLogger("newsdesk.retrieve")

RRF_K = 20  # sharper than the usual 60: a list's first few ranks should dominate its tail
FUSION_DEPTH = 50  # candidates taken from each whole-question list before fusing
SUBQUERY_DEPTH = 10  # candidates taken from each outlet/date sub-query list
MAIN_WEIGHT = 3.0  # weight of the whole-question lists against each sub-query list in the fusion
# One dense query this deep serves the sub-queries too, filtered in memory: Chroma's own filtered
# queries take 0.2-2 s at 100k chunks, an unfiltered one ~10 ms.
DENSE_POOL = 300
# Pseudo-relevance feedback (Rocchio, in embedding space): the question's embedding plus the mean
# of the FEEDBACK_DOCS best documents' embeddings queries Chroma once more; its FEEDBACK_DEPTH
# nearest chunks join the ranking at FEEDBACK_WEIGHT, below the first FEEDBACK_KEEP documents,
# which stay as they are. Dev sweep (all-evidence@10, baseline 0.895): docs 2-4 x weight 0.3-1.0
# gives 0.895-0.919 at depth 20 and 40, 0.860-0.907 at depth 10; recall@4 is untouched by design.
FEEDBACK_DOCS = 3
FEEDBACK_WEIGHT = 0.6
FEEDBACK_DEPTH = 20
FEEDBACK_KEEP = 4
# Filtered dense search first filters this many times the wanted chunks in Python (``post_filtered``).
POST_FILTER_FACTOR = 3


class Retriever(Protocol):
    name: str

    def retrieve(self, query: str, k: int, filters: Filters | None = None, as_of: date | None = None) -> list[Passage]: ...


class EmbeddedRetriever(Protocol):
    """A retriever that can be handed the question's embedding (so benchmarks time the rest apart)."""

    name: str
    embedder: Embedder | None

    def search(self, query: str, embedding: list[float] | None, k: int, filters: Filters | None = None,
               as_of: date | None = None) -> list[Passage]: ...


class DenseRetriever:
    """Cosine similarity between the question's embedding and the chunks' embeddings in Chroma."""

    name = "dense"

    def __init__(self, store: VectorStore, embedder: Embedder):
        self.store = store
        self.embedder = embedder

    def retrieve(self, query: str, k: int, filters: Filters | None = None, as_of: date | None = None) -> list[Passage]:
        return self.search(query, self.embedder.get_query_embedding(query), k, filters, as_of)

    def search(self, query: str, embedding: list[float] | None, k: int, filters: Filters | None = None,
               as_of: date | None = None) -> list[Passage]:
        return self.store.query(embedding, k, known_on(filters or Filters(), as_of))


class KeywordRetriever:
    """BM25 over headline, passage and outlet name (SQLite FTS5)."""

    name = "bm25"
    embedder = None

    def __init__(self, keywords: KeywordIndex):
        self.keywords = keywords

    def retrieve(self, query: str, k: int, filters: Filters | None = None, as_of: date | None = None) -> list[Passage]:
        return self.search(query, None, k, filters, as_of)

    def search(self, query: str, embedding: list[float] | None, k: int, filters: Filters | None = None,
               as_of: date | None = None) -> list[Passage]:
        return self.keywords.search(query, k, known_on(filters or Filters(), as_of))


def rrf_fuse(
    ranked_lists: Sequence[Sequence[Passage]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[Passage]:
    """Reciprocal rank fusion by chunk id: score = sum of weight / (k + rank) over the lists.

    The returned passages carry the fused score; ties keep the order of first appearance.
    """
    scores: dict[str, float] = {}
    first: dict[str, Passage] = {}
    for i, ranked in enumerate(ranked_lists):
        weight = weights[i] if weights is not None else 1.0
        for rank, passage in enumerate(ranked, start=1):
            scores[passage.chunk_id] = scores.get(passage.chunk_id, 0.0) + weight / (k + rank)
            first.setdefault(passage.chunk_id, passage)
    order = sorted(scores, key=lambda chunk_id: -scores[chunk_id])
    fused = []
    for chunk_id in order:
        passage = first[chunk_id]
        fused.append(Passage(**{**passage.__dict__, "score": scores[chunk_id]}))
    return fused


def documents_first(passages: Sequence[Passage]) -> list[Passage]:
    """The best passage of every document, in rank order, before any document's second passage."""
    seen: set[str] = set()
    leaders, repeats = [], []
    for passage in passages:
        (repeats if passage.doc_id in seen else leaders).append(passage)
        seen.add(passage.doc_id)
    return leaders + repeats


class HybridRetriever:
    """Dense and BM25 lists fused by reciprocal rank."""

    name = "hybrid"

    def __init__(self, store: VectorStore, keywords: KeywordIndex, embedder: Embedder):
        self.store = store
        self.keywords = keywords
        self.embedder = embedder

    def retrieve(self, query: str, k: int, filters: Filters | None = None, as_of: date | None = None) -> list[Passage]:
        return self.search(query, self.embedder.get_query_embedding(query), k, filters, as_of)

    def search(self, query: str, embedding: list[float] | None, k: int, filters: Filters | None = None,
               as_of: date | None = None) -> list[Passage]:
        filters = known_on(filters or Filters(), as_of)
        depth = max(k, FUSION_DEPTH)
        fused = rrf_fuse([dense_ranked(self.store, self.keywords, embedding, depth, filters),
                          self.keywords.search(query, depth, filters)])
        return fused[:k]


def prefer_recent(passages: Sequence[Passage], as_of: date) -> list[Passage]:
    """The passages re-ranked by score times ``timeframe.recency_boost`` of their published day
    (a recency prior relative to ``as_of``: near it up, years before it barely changed)."""
    boosted = [Passage(**{**p.__dict__, "score": p.score * recency_boost(p.published_at[:10], as_of)}) for p in passages]
    return sorted(boosted, key=lambda p: -p.score)


def day_of(ordinal: int) -> date | None:
    """``YYYYMMDD`` ints (as the indexes store them) back to dates; None for 0."""
    if not ordinal:
        return None
    return date(ordinal // 10000, ordinal // 100 % 100, ordinal % 100)


class NewsRetriever:
    """Hybrid retrieval plus outlet/date sub-queries and documents-first ordering (the default)."""

    name = "news"

    def __init__(self, store: VectorStore, keywords: KeywordIndex, embedder: Embedder):
        self.store = store
        self.keywords = keywords
        self.embedder = embedder

    def parse(self, query: str, filters: Filters | None = None, as_of: date | None = None) -> ParsedQuery:
        """The question's outlets and dates; with ``as_of``, a day without a year is read as the latest
        one by then, and the relative time words' window (``timeframe.date_window``) is a sub-query too."""
        stats = self.keywords.stats()
        last = day_of(stats.last_day)
        if as_of is not None and (last is None or last > as_of):
            last = as_of
        parsed = parse_query(query, stats.sources, day_of(stats.first_day), last, filters)
        window = date_window(query, as_of) if as_of is not None else None
        if window is not None and not parsed.dates:  # a day the question names outweighs "this week"
            merged = merge_filters(filters or Filters(), (), window.first_day, window.last_day)
            if merged is not None:
                parsed.subqueries.append(SubQuery(query, merged))
        return parsed

    def retrieve(self, query: str, k: int, filters: Filters | None = None, as_of: date | None = None) -> list[Passage]:
        return self.search(query, self.embedder.get_query_embedding(query), k, filters, as_of)

    def search(self, query: str, embedding: list[float] | None, k: int, filters: Filters | None = None,
               as_of: date | None = None) -> list[Passage]:
        filters = known_on(filters or Filters(), as_of)
        subqueries = self.parse(query, filters, as_of).subqueries
        dense = dense_ranked(self.store, self.keywords, embedding, max(k, FUSION_DEPTH, DENSE_POOL if subqueries else 0), filters)
        keyword = self.keywords.search(query, max(k, FUSION_DEPTH), filters)
        if subqueries:  # the whole question's BM25 list within any of the outlets named, split below
            named = tuple(dict.fromkeys(s for sub in subqueries for s in sub.filters.sources))
            keyword_named = self.keywords.search(query, SUBQUERY_DEPTH * max(1, len(named)) * 3,
                                                 Filters(named, filters.since, filters.until)) if named else keyword
        lists = [dense[: max(k, FUSION_DEPTH)], keyword]
        per_subquery = []
        for sub in subqueries:
            own_dense = [p for p in dense if within(p, sub.filters)][:SUBQUERY_DEPTH]
            own = [own_dense, self.keywords.search(sub.text, SUBQUERY_DEPTH, sub.filters),
                   [p for p in keyword_named if within(p, sub.filters)][:SUBQUERY_DEPTH]]
            lists.extend(own)
            per_subquery.append(rrf_fuse(own))
        fused = rrf_fuse(lists, weights=[MAIN_WEIGHT, MAIN_WEIGHT] + [1.0] * (len(lists) - 2))
        if as_of is not None:
            fused = prefer_recent(fused, as_of)
        ranked = documents_first(cover_subqueries(fused, per_subquery))
        return self.with_feedback(ranked, embedding, filters)[:k]

    def with_feedback(self, ranked: list[Passage], embedding: list[float] | None, filters: Filters) -> list[Passage]:
        """The ranking with its tail re-fused with the nearest chunks to the feedback embedding.

        Multi-hop evidence shares a story: an article the question only hints at sits close, in
        embedding space, to the articles already found, so the leaders' neighbours are fused in
        below the first FEEDBACK_KEEP documents (the top stays as it was).
        """
        leaders = [p.chunk_id for p in ranked[:FEEDBACK_DOCS] if p.doc_id]
        if embedding is None or not leaders:
            return ranked
        try:
            stored = self.store.embeddings(leaders)
        except StoreError as exc:
            # Feedback only refines the tail; a store that cannot hand back stored vectors (an
            # embedded Chroma has failed "Error finding id" on chunks just re-added by a repair)
            # must not cost the user the answer.
            log.warning("retrieval feedback skipped: %s", exc)
            return ranked
        feedback = feedback_embedding(embedding, [stored[c] for c in leaders if c in stored])
        if feedback is None:
            return ranked
        neighbours = dense_ranked(self.store, self.keywords, feedback, FEEDBACK_DEPTH, filters)
        return keep_head(ranked, rrf_fuse([ranked, neighbours], weights=[1.0, FEEDBACK_WEIGHT]), FEEDBACK_KEEP)


def dense_ranked(store: VectorStore, keywords: KeywordIndex, embedding: list[float], n: int, filters: Filters) -> list[Passage]:
    """Chroma's nearest chunk ids, with the passages read from the keyword index (same chunk ids).

    Asking Chroma for ids and distances alone and reading the rows from SQLite is several times
    faster than having llama-index rebuild a node per hit, which matters for a deep candidate pool.
    """
    total = keywords.stats().chunks  # kept in step with Chroma, and cached (Chroma's count is not)
    if total == 0 or n <= 0:
        return []
    ids, distances, rows = post_filtered(store, keywords, embedding, min(n, total), total, filters)
    if ids is None:  # few of the nearest chunks are within the filters: let Chroma filter
        ids, distances = store.nearest(embedding, min(n, total), filters)
        rows = keywords.passages(ids)
    ranked = []
    for chunk_id, distance in zip(ids, distances):
        if chunk_id in rows:
            rows[chunk_id].score = 1.0 - distance
            ranked.append(rows[chunk_id])
    return ranked


def post_filtered(store: VectorStore, keywords: KeywordIndex, embedding: list[float], n: int, total: int,
                  filters: Filters) -> tuple[list[str] | None, list[float], dict[str, Passage]]:
    """The ``n`` nearest chunks within the filters, found by filtering Chroma's unfiltered nearest
    ``POST_FILTER_FACTOR * n`` in Python; (None, [], {}) when fewer than ``n`` of those are within.

    Chroma's filtered search reads the metadata of every chunk in range first: on 30,370 chunks a
    date cut-off (``ask --as-of``) made a query 0.23 s against 0.02 s unfiltered. When the filters
    keep most of the archive, the unfiltered nearest hold the filtered nearest, in the same order:
    the same answer, exactly, whenever at least ``n`` of them pass.
    """
    if filters.is_empty():
        ids, distances = store.nearest(embedding, n, None)
        return ids, distances, keywords.passages(ids)
    pool = min(total, POST_FILTER_FACTOR * n)
    ids, distances = store.nearest(embedding, pool, None)
    rows = keywords.passages(ids)
    kept = [(i, d) for i, d in zip(ids, distances) if i in rows and within(rows[i], filters)]
    if len(kept) < n and pool < total:
        return None, [], {}
    return [i for i, _ in kept[:n]], [d for _, d in kept[:n]], rows


def feedback_embedding(query: Sequence[float], documents: Sequence[Sequence[float]], beta: float = 1.0) -> list[float] | None:
    """Rocchio feedback in embedding space: ``query + beta * mean(documents)``, unit length.

    None when there are no documents (nothing to learn from) or the sum is the zero vector.
    """
    if not documents:
        return None
    width = len(query)
    mean = [sum(d[i] for d in documents) / len(documents) for i in range(width)]
    combined = [q + beta * m for q, m in zip(query, mean)]
    norm = math.sqrt(sum(x * x for x in combined))
    return [x / norm for x in combined] if norm > 0 else None


def keep_head(ranked: list[Passage], reranked: list[Passage], n: int) -> list[Passage]:
    """The first n distinct documents of ``ranked`` (their passages in place), then ``reranked``
    without those documents, documents first."""
    head_docs = list(dict.fromkeys(p.doc_id for p in ranked))[:n]
    kept = set(head_docs)
    head = [p for p in ranked if p.doc_id in kept]
    return documents_first(head + [p for p in reranked if p.doc_id not in kept])


def within(passage: Passage, filters: Filters) -> bool:
    """Whether a passage meets the filters (outlet in the list, published day within the span)."""
    if filters.sources and passage.source not in filters.sources:
        return False
    day = passage.published_at[:10]
    if filters.since and (not day or day < filters.since):
        return False
    if filters.until and (not day or day > filters.until):
        return False
    return True


def cover_subqueries(fused: list[Passage], per_subquery: list[list[Passage]]) -> list[Passage]:
    """Each sub-query's best document not yet chosen goes to the top (in fused order), then the rest.

    A question about three outlets needs three articles; without this, one outlet with many
    similar articles can fill the top ranks and push the others' single article down.
    """
    score = {p.chunk_id: i for i, p in enumerate(fused)}
    chosen: dict[str, None] = {}
    docs: set[str] = set()
    for ranked in per_subquery:
        for passage in ranked:
            if passage.doc_id not in docs and passage.chunk_id in score:
                chosen[passage.chunk_id] = None
                docs.add(passage.doc_id)
                break
    leaders = sorted(chosen, key=score.__getitem__)
    by_id = {p.chunk_id: p for p in fused}
    return [by_id[c] for c in leaders] + [p for p in fused if p.chunk_id not in chosen]


def distinct_documents(passages: list[Passage]) -> list[str]:
    """Document ids in rank order, each once."""
    return list(dict.fromkeys(p.doc_id for p in passages))


def make_retriever(name: str, store: VectorStore, keywords: KeywordIndex, embedder: Embedder):
    """The retriever a ``Settings.retriever`` name stands for."""
    if name == "dense":
        return DenseRetriever(store, embedder)
    if name == "bm25":
        return KeywordRetriever(keywords)
    if name == "hybrid":
        return HybridRetriever(store, keywords, embedder)
    if name == "news":
        return NewsRetriever(store, keywords, embedder)
    raise ValueError(f"unknown retriever {name!r}: choose news, hybrid, bm25 or dense")
