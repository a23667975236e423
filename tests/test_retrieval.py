"""Retrieval: fusion and ordering helpers, every strategy on a real archive, the dev-set gate."""

from __future__ import annotations

import json

import pytest
from conftest import MHRAG, make_newsdesk, run_cli

from assistant.retrieve import (
    cover_subqueries, distinct_documents, documents_first, feedback_embedding, keep_head, rrf_fuse, within,
)
from ingest.types import Filters, Passage

DEV = MHRAG / "dev.jsonl"
STRATEGIES = ("dense", "bm25", "hybrid", "news")


def passage(chunk_id: str, doc_id: str | None = None, source: str = "", published_at: str = "") -> Passage:
    return Passage(chunk_id, doc_id or chunk_id.split("#")[0], "text", 0, 4, 0.0, source=source, published_at=published_at)


def chunk_ids(passages) -> list[str]:
    return [p.chunk_id for p in passages]


def test_rrf_rewards_agreement_and_weights_lists():
    a, b, c = passage("a#0"), passage("b#0"), passage("c#0")
    assert chunk_ids(rrf_fuse([[a, b, c], [b, c, a]])) == ["b#0", "a#0", "c#0"]
    assert chunk_ids(rrf_fuse([[a, b], [b, a]], weights=[3.0, 1.0])) == ["a#0", "b#0"]
    assert rrf_fuse([]) == []


def test_documents_first_before_repeats():
    ranked = [passage("a#0"), passage("a#1"), passage("b#0"), passage("a#2"), passage("c#0")]
    assert chunk_ids(documents_first(ranked)) == ["a#0", "b#0", "c#0", "a#1", "a#2"]


def test_each_subquery_gets_its_best_document_to_the_top():
    fused = [passage(f"{d}#0") for d in "abcdef"]
    per_subquery = [[passage("a#0")], [passage("e#0"), passage("a#0")], [passage("a#0"), passage("f#0")]]
    assert chunk_ids(cover_subqueries(fused, per_subquery)) == ["a#0", "e#0", "f#0", "b#0", "c#0", "d#0"]


def test_feedback_embedding_is_the_unit_rocchio_sum():
    assert feedback_embedding([1.0, 0.0], [[0.0, 1.0], [0.0, 1.0]]) == pytest.approx([2 ** -0.5, 2 ** -0.5])
    assert feedback_embedding([1.0, 0.0], [[0.0, 3.0], [0.0, 0.0]], beta=0.5) == pytest.approx([0.8, 0.6])
    assert feedback_embedding([1.0, 0.0], []) is None
    assert feedback_embedding([1.0, 0.0], [[-1.0, 0.0]]) is None  # cancels out: nothing to query with


def test_keep_head_leaves_the_first_documents_in_place():
    ranked = [passage("a#0"), passage("b#0"), passage("c#0"), passage("a#1"), passage("d#0")]
    reranked = [passage("d#0"), passage("a#0"), passage("e#0"), passage("b#0"), passage("c#0")]
    assert chunk_ids(keep_head(ranked, reranked, 2)) == ["a#0", "b#0", "d#0", "e#0", "c#0", "a#1"]
    assert chunk_ids(keep_head(ranked, reranked, 0)) == chunk_ids(reranked)


def test_within_filters():
    p = passage("a#0", source="Wired", published_at="2023-10-05T00:00:00+00:00")
    assert within(p, Filters()) and within(p, Filters(("Wired",), "2023-10-05", "2023-10-05"))
    assert not within(p, Filters(("The Verge",))) and not within(p, Filters(since="2023-10-06"))
    assert not within(passage("b#0"), Filters(until="2023-10-06"))  # undated articles fail a date filter


@pytest.mark.slow
@pytest.mark.parametrize("name", STRATEGIES)
def test_every_strategy_honours_user_filters(mhrag_home, name):
    nd = make_newsdesk(mhrag_home, retriever=name)
    assert nd.retriever.name == name
    question = "Sam Bankman-Fried trial testimony"
    unfiltered = nd.retrieve(question, k=10)
    assert len(unfiltered) == 10
    narrowed = nd.retrieve(question, k=10, filters=Filters(("Fortune",), "2023-10-01", "2023-10-31"))
    assert narrowed and all(p.source == "Fortune" and "2023-10-01" <= p.published_at[:10] <= "2023-10-31" for p in narrowed)
    assert nd.retrieve(question, k=10, filters=Filters(("No Such Outlet",))) == []


@pytest.mark.slow
def test_cli_ask_takes_retriever_and_filters(mhrag_home):
    proc = run_cli("ask", "What did the Sam Bankman-Fried jury hear?", "--json", "--retriever", "bm25",
                   "--source", "The Verge", "--since", "2023-10-01", home=mhrag_home)
    assert proc.returncode == 0, proc.stderr
    bad = run_cli("ask", "anything", "--retriever", "magic", home=mhrag_home)
    assert bad.returncode == 2 and "retriever" in bad.stderr and "Traceback" not in bad.stderr
    # a filter that could only find nothing is an error, not a silent refusal
    lower = run_cli("ask", "What did the Sam Bankman-Fried jury hear?", "--json", "--source", "the verge", home=mhrag_home)
    assert lower.returncode == 0 and {c["source"] for c in json.loads(lower.stdout)["citations"]} == {"The Verge"}
    typo = run_cli("ask", "anything", "--source", "The Vergе", home=mhrag_home)  # a Cyrillic е
    assert typo.returncode == 2 and typo.stderr.strip().splitlines() == [
        "error: source 'The Vergе' is not an outlet in the archive; did you mean 'The Verge'? (`newsdesk status` lists its 37)"
    ]
    empty = run_cli("ask", "anything", "--since", "2023-12-01", "--until", "2023-11-01", home=mhrag_home)
    assert empty.returncode == 2 and empty.stderr.strip() == (
        "error: invalid settings: the date range is empty: since 2023-12-01 is after until 2023-11-01"
    )


@pytest.mark.slow
@pytest.mark.skipif(not DEV.exists(), reason="the shared mhrag-lite dev set is not on this machine")
def test_dev_set_regression_gate(mhrag_home):
    """The default pipeline on the 86 answerable dev questions, article level.

    Issue 3's targets are all-evidence@10 >= 0.92 and evidence recall@4 >= 0.88; the pipeline
    measures 0.919 (79 of 86) and 0.878 today, so the gate holds today's level less one question
    (all-evidence 0.90, recall 0.87) while the targets stay open, and Hits@4 / MRR@10 at the
    issue's floors.
    """
    from eval import metrics
    from eval.sets import load_question_set

    nd = make_newsdesk(mhrag_home)
    assert nd.retriever.name == "news"
    questions = [q for q in load_question_set(DEV) if not q.is_null]
    scores = {"hits@4": [], "mrr@10": [], "recall@4": [], "all_evidence@10": []}
    for q in questions:
        ranked = distinct_documents(nd.retrieve(q.question, k=40))
        scores["hits@4"].append(metrics.hits_at(ranked, q.gold_docs, 4))
        scores["mrr@10"].append(metrics.reciprocal_rank(ranked, q.gold_docs, 10))
        scores["recall@4"].append(metrics.evidence_recall(ranked, q.gold_docs, 4))
        scores["all_evidence@10"].append(metrics.all_evidence(ranked, q.gold_docs, 10))
    mean = {name: sum(values) / len(values) for name, values in scores.items()}
    floors = {"hits@4": 0.97, "mrr@10": 0.90, "recall@4": 0.87, "all_evidence@10": 0.90}
    assert all(mean[name] >= floor for name, floor in floors.items()), mean


def test_feedback_failure_keeps_the_ranking_and_the_answer(mhrag_home, monkeypatch, caplog):
    from ingest.store import StoreError

    nd = make_newsdesk(mhrag_home, retriever="news")
    question = "Who is the individual associated with the cryptocurrency industry facing a criminal trial?"
    embedding = nd.embedder.get_query_embedding(question)
    ranked = nd.retriever.search(question, embedding, 10)

    def broken(chunk_ids):
        raise StoreError("Chroma in test failed during embeddings: Error finding id")

    monkeypatch.setattr(nd.store, "embeddings", broken)
    without = nd.retriever.search(question, embedding, 10)
    assert [p.doc_id for p in without[:4]] == [p.doc_id for p in ranked[:4]]  # the head never depends on feedback
    assert "retrieval feedback skipped" in caplog.text
    assert nd.ask(question).citations


@pytest.mark.parametrize("filters", [Filters(until="2023-12-01"), Filters(since="2023-10-01"), Filters(("Fortune",)),
                                     Filters(("Fortune", "The Verge"), "2023-10-01", "2023-11-30"),
                                     Filters(since="2023-12-20", until="2023-12-24")])
def test_filtered_dense_search_is_chromas_filtered_search(mhrag_home, filters):
    """Filtering Chroma's unfiltered nearest in Python (fast when most chunks pass) gives Chroma's
    own filtered nearest, in order; when too few pass it hands over to Chroma's filter."""
    from assistant import retrieve
    from assistant.retrieve import dense_ranked

    nd = make_newsdesk(mhrag_home)
    embedding = nd.embedder.get_query_embedding("Sam Bankman-Fried trial testimony")
    for n in (5, 50):
        ids, _ = nd.store.nearest(embedding, n, filters)
        ranked = dense_ranked(nd.store, nd.keywords, embedding, n, filters)
        assert ids and chunk_ids(ranked) == ids
        assert all(within(p, filters) for p in ranked)
    narrow = Filters(since="2023-12-24", until="2023-12-24")
    calls = []
    original = nd.store.nearest
    nd.store.nearest = lambda embedding, n, filters=None: calls.append(filters) or original(embedding, n, filters)
    assert chunk_ids(dense_ranked(nd.store, nd.keywords, embedding, 5, narrow)) == original(embedding, 5, narrow)[0]
    assert calls == [None, narrow] and retrieve.POST_FILTER_FACTOR * 5 < nd.keywords.stats().chunks
