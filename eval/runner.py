"""Run question sets through Newsdesk and score every question.

Retrieval and answering may run in worker threads (``workers``): the embedding model (ONNX Runtime
session, Rust tokenizer), the Chroma client and the OpenAI client are safe to call concurrently,
and every lazily built part of ``Newsdesk`` is built before the threads start. Scoring, which reads
the manifest, happens on the calling thread in question order, so results never depend on timing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from assistant.app import Newsdesk
from assistant.cite import quote_is_exact
from assistant.verifier import verify
from assistant.retrieve import distinct_documents
from assistant.timeframe import passages_for
from ingest.types import Passage
from assistant.types import Answer
from eval import metrics
from eval.catalog import BY_TYPE, HEADLINE, PER_QUESTION, REPORT_FORMAT, STAGES
from eval.confidence import bootstrap_ci
from eval.judge import Judge
from eval.sets import Question

RETRIEVE_CHUNKS = 40  # enough chunks to rank at least 10 distinct documents
KEEP_CHUNKS = 10  # chunk texts kept per question: all that the @10 metrics read

@dataclass
class QuestionResult:
    set: str
    id: str
    question: str
    question_type: str
    expected_answer: str
    gold: list[str]
    facts: list[str]
    retrieved: list[str]
    chunks: list[dict]
    answer: str
    refused: bool
    answerer: str
    model: str
    citations: list[dict]
    timings: dict[str, float]
    tokens: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class EvalReport:
    settings: dict
    sets: list[str]
    results: list[QuestionResult]
    summary: dict[str, float | int | None]
    intervals: dict[str, list[float]]
    by_type: dict[str, dict[str, float | int | None]]
    set_summaries: dict[str, dict[str, float | int | None]]

    def as_json(self) -> dict:
        return {
            "newsdesk_eval": REPORT_FORMAT,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "sets": self.sets,
            "settings": self.settings,
            "summary": self.summary,
            "intervals": self.intervals,
            "by_type": self.by_type,
            "set_summaries": self.set_summaries,
            "questions": [asdict(r) for r in self.results],
        }


def retrieval_scores(retrieved: list[str], chunks: list[str], question: Question) -> dict[str, float]:
    gold = question.gold_docs
    scores = {
        "hits@4": metrics.hits_at(retrieved, gold, 4),
        "hits@10": metrics.hits_at(retrieved, gold, 10),
        "mrr@10": metrics.reciprocal_rank(retrieved, gold, 10),
        "map@10": metrics.average_precision(retrieved, gold, 10),
        "recall@4": metrics.evidence_recall(retrieved, gold, 4),
        "recall@10": metrics.evidence_recall(retrieved, gold, 10),
        "all_evidence@10": metrics.all_evidence(retrieved, gold, 10),
    }
    if question.facts:
        scores.update(metrics.fact_scores(chunks, question.facts))
    return scores


def score_question(question: Question, answer: Answer, retrieved: list[str], chunks: list[str],
                   exact: list[bool]) -> dict[str, float]:
    """Every per-question score that applies to this question (see docs/evaluation.md for which)."""
    scores: dict[str, float] = {}
    if not question.is_null:
        scores.update(retrieval_scores(retrieved, chunks, question))
        scores["false_refusal_rate"] = float(answer.refused)
    else:
        scores["null_refusal_rate"] = float(answer.refused)
    if question.is_null or question.answer:
        scores["answer_accuracy"] = metrics.answer_correct(answer.text, answer.refused, question.answer, question.is_null)
    scores["unsure_rate"] = metrics.unsure(answer.text, answer.refused)
    if not question.is_null and question.answer:
        scores["confidently_wrong"] = metrics.confidently_wrong(answer.text, answer.refused, question.answer)
        polarity = metrics.gold_polarity(question.answer)
        if polarity:
            scores[f"answer_accuracy_gold_{polarity}"] = scores["answer_accuracy"]
    if exact:
        scores["quote_exactness"] = sum(exact) / len(exact)
    cited = [c.doc_id for c in answer.citations]
    if not question.is_null:
        precision = metrics.citation_precision(cited, question.gold_docs)
        if precision is not None:
            scores["citation_precision"] = precision
        recall = metrics.citation_recall(cited, question.gold_docs)
        if recall is not None:
            scores["citation_recall"] = recall
    if not answer.refused:
        share = metrics.cited_sentence_share(answer.text)
        if share is not None:
            scores["cited_sentence_share"] = share
        faithful = metrics.faithfulness(answer.text, {c.n: c.quote for c in answer.citations},
                                        lambda claim, quote: verify(claim, quote).supported)
        if faithful is not None:
            scores["faithfulness"] = faithful
    return scores


@dataclass
class Attempt:
    """What one question produced before scoring: passages, the answer and stage timings."""

    ranked: list[Passage]
    answer: Answer
    timings: dict[str, float]
    judged: dict[str, float] = field(default_factory=dict)


def attempt(nd: Newsdesk, question: Question, judge: Judge | None = None) -> Attempt:
    started = time.perf_counter()
    ranked = nd.retrieve(question.question, k=max(RETRIEVE_CHUNKS, nd.settings.top_k), as_of=question.as_of)
    retrieved_at = time.perf_counter()
    answer = nd.answerer.answer(question.question, passages_for(question.question, ranked[: nd.settings.top_k], question.as_of))
    finished = time.perf_counter()
    timings = {"retrieve_s": retrieved_at - started, "generate_s": finished - retrieved_at, "total_s": finished - started}
    judged = judge.scores(question.question, "" if question.is_null else question.answer, answer) if judge else {}
    return Attempt(ranked, answer, timings, judged)


def result_of(nd: Newsdesk, set_name: str, question: Question, done: Attempt) -> QuestionResult:
    answer = done.answer
    retrieved = distinct_documents(done.ranked)
    top_chunks = done.ranked[:KEEP_CHUNKS]
    exact = []
    for c in answer.citations:
        article = nd.manifest.article(c.doc_id)
        exact.append(article is not None and quote_is_exact(c, article))
    usage = answer.usage or {}
    return QuestionResult(
        set=set_name,
        id=question.id,
        question=question.question,
        question_type=question.question_type or "untyped",
        expected_answer=question.answer,
        gold=question.gold_docs,
        facts=question.facts,
        retrieved=retrieved,
        chunks=[{"chunk_id": p.chunk_id, "doc_id": p.doc_id, "score": round(p.score, 6), "text": p.text} for p in top_chunks],
        answer=answer.text,
        refused=answer.refused,
        answerer=answer.answerer,
        model=answer.model,
        citations=[c.as_json() for c in answer.citations],
        timings={k: round(v, 6) for k, v in done.timings.items()},
        tokens={"in": int(usage.get("prompt_tokens", 0)), "out": int(usage.get("completion_tokens", 0))} if usage else {},
        scores={**score_question(question, answer, retrieved, [p.text for p in top_chunks], exact), **done.judged},
    )


def warm_up(nd: Newsdesk) -> None:
    """Build the lazily created parts once, before any worker thread could race to build them."""
    nd.embedder, nd.store, nd.manifest, nd.retriever, nd.answerer  # noqa: B018


def run_questions(
    nd: Newsdesk,
    work: list[tuple[str, Question]],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    judge: Judge | None = None,
) -> list[QuestionResult]:
    """Results in the order of ``work``; ``progress(done, total)`` after each question."""
    warm_up(nd)
    total = len(work)
    results: list[QuestionResult] = []
    if workers <= 1:
        for set_name, question in work:
            results.append(result_of(nd, set_name, question, attempt(nd, question, judge)))
            if progress:
                progress(len(results), total)
        return results
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eval") as pool:
        futures = [pool.submit(attempt, nd, question, judge) for _, question in work]
        for (set_name, question), future in zip(work, futures):
            results.append(result_of(nd, set_name, question, future.result()))
            if progress:
                progress(len(results), total)
    return results


def summarise(results: list[QuestionResult]) -> dict[str, float | int | None]:
    """Run-level figures: counts, the mean of every per-question score, latency percentiles, tokens."""
    summary: dict[str, float | int | None] = {
        "questions": len(results),
        "null_questions": sum(1 for r in results if not r.gold),
    }
    for name in PER_QUESTION:
        summary[name] = metrics.mean([r.scores[name] for r in results if name in r.scores])
    for stage in STAGES:
        values = [r.timings[f"{stage}_s"] for r in results]
        summary[f"latency_{stage}_p50_s"] = metrics.percentile(values, 50)
        summary[f"latency_{stage}_p95_s"] = metrics.percentile(values, 95)
    with_tokens = [r for r in results if r.tokens]
    summary["tokens_in"] = sum(r.tokens["in"] for r in with_tokens) if with_tokens else None
    summary["tokens_out"] = sum(r.tokens["out"] for r in with_tokens) if with_tokens else None
    # whole generate stage (prompt reading included) of the questions a model answered
    seconds = sum(r.timings["generate_s"] for r in with_tokens)
    summary["tokens_per_s"] = summary["tokens_out"] / seconds if with_tokens and seconds > 0 else None
    return summary


def intervals(results: list[QuestionResult]) -> dict[str, list[float]]:
    """Bootstrap 95% intervals of the headline metrics."""
    found = {}
    for name in HEADLINE:
        ci = bootstrap_ci([r.scores[name] for r in results if name in r.scores])
        if ci is not None:
            found[name] = [ci[0], ci[1]]
    return found


def by_question_type(results: list[QuestionResult]) -> dict[str, dict[str, float | int | None]]:
    table: dict[str, dict[str, float | int | None]] = {}
    for qtype in sorted({r.question_type for r in results}):
        group = [r for r in results if r.question_type == qtype]
        row: dict[str, float | int | None] = {"questions": len(group)}
        for name in BY_TYPE:
            row[name] = metrics.mean([r.scores[name] for r in group if name in r.scores])
        table[qtype] = row
    return table


def build_report(settings: dict, sets: list[str], results: list[QuestionResult]) -> EvalReport:
    set_summaries = {name: summarise([r for r in results if r.set == name]) for name in sets} if len(sets) > 1 else {}
    return EvalReport(settings, sets, results, summarise(results), intervals(results), by_question_type(results), set_summaries)


def describe_settings(nd: Newsdesk) -> dict:
    """The knobs that change results, recorded in the report (never the API key)."""
    s = nd.settings
    return {
        "retriever": nd.retriever.name,
        "answerer": nd.answerer.name,
        "model": nd.answerer.model,
        "top_k": s.top_k,
        "min_support": s.min_support,
        "max_answer_sentences": s.max_answer_sentences,
        "chunk_tokens": s.chunk_tokens,
        "chunk_overlap_tokens": s.chunk_overlap_tokens,
    }


def run_eval(
    nd: Newsdesk,
    question_sets: list[tuple[str, list[Question]]],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    judge: Judge | None = None,
) -> EvalReport:
    work = [(name, q) for name, questions in question_sets for q in questions]
    results = run_questions(nd, work, workers, progress, judge)
    settings = {**describe_settings(nd), "judge": judge.model if judge else None,
                "as_of_questions": sum(1 for _, q in work if q.as_of is not None)}  # answered as on their day
    return build_report(settings, [name for name, _ in question_sets], results)
