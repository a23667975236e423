"""Run a question set through Newsdesk and score every question."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.app import Newsdesk
from assistant.cite import quote_is_exact
from assistant.retrieve import distinct_documents
from eval import metrics
from eval.sets import Question

RETRIEVE_CHUNKS = 40  # enough chunks to rank at least 10 distinct documents


@dataclass
class QuestionResult:
    id: str
    question: str
    question_type: str
    gold: list[str]
    expected_answer: str
    retrieved: list[str]
    answer: str
    refused: bool
    answerer: str
    citations: list[dict]
    quotes_exact: bool
    answer_match: bool
    timings: dict[str, float]
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class EvalReport:
    set_name: str
    settings: dict
    results: list[QuestionResult]
    summary: dict[str, float | int | None]

    def as_json(self) -> dict:
        return {"set": self.set_name, "settings": self.settings, "summary": self.summary,
                "questions": [asdict(r) for r in self.results]}


def score_retrieval(retrieved: list[str], gold: list[str]) -> dict[str, float]:
    return {
        "hits@4": metrics.hits_at(retrieved, gold, 4),
        "hits@10": metrics.hits_at(retrieved, gold, 10),
        "mrr@10": metrics.reciprocal_rank(retrieved, gold, 10),
        "recall@4": metrics.evidence_recall(retrieved, gold, 4),
        "recall@10": metrics.evidence_recall(retrieved, gold, 10),
        "all_evidence@10": metrics.all_evidence(retrieved, gold, 10),
    }


def run_question(nd: Newsdesk, question: Question) -> QuestionResult:
    started = time.perf_counter()
    ranked = nd.retrieve(question.question, k=max(RETRIEVE_CHUNKS, nd.settings.top_k))
    retrieved_at = time.perf_counter()
    answer = nd.answerer.answer(question.question, ranked[: nd.settings.top_k])
    finished = time.perf_counter()
    retrieved = distinct_documents(ranked)
    exact = all(
        (article := nd.manifest.article(c.doc_id)) is not None and quote_is_exact(c, article.text)
        for c in answer.citations
    )
    expected = question.answer
    matched = answer.refused if question.is_null else (not answer.refused and metrics.answer_matches(answer.text, expected))
    return QuestionResult(
        id=question.id,
        question=question.question,
        question_type=question.question_type,
        gold=question.gold_docs,
        expected_answer=expected,
        retrieved=retrieved,
        answer=answer.text,
        refused=answer.refused,
        answerer=answer.answerer,
        citations=[c.as_json() for c in answer.citations],
        quotes_exact=exact,
        answer_match=matched,
        timings={"retrieve_s": retrieved_at - started, "answer_s": finished - retrieved_at, "total_s": finished - started},
        scores={} if question.is_null else score_retrieval(retrieved, question.gold_docs),
    )


def summarise(results: list[QuestionResult]) -> dict[str, float | int | None]:
    answerable = [r for r in results if r.gold]
    null = [r for r in results if not r.gold]
    summary: dict[str, float | int | None] = {"questions": len(results), "null_questions": len(null)}
    for name in ("hits@4", "hits@10", "mrr@10", "recall@4", "recall@10", "all_evidence@10"):
        summary[name] = metrics.mean([r.scores[name] for r in answerable])
    summary["null_refusal_rate"] = metrics.mean([float(r.refused) for r in null])
    summary["false_refusal_rate"] = metrics.mean([float(r.refused) for r in answerable])
    summary["answer_match_rate"] = metrics.mean([float(r.answer_match) for r in results if r.expected_answer or not r.gold])
    summary["quote_exactness"] = metrics.mean([float(r.quotes_exact) for r in results if r.citations])
    summary["mean_latency_s"] = metrics.mean([r.timings["total_s"] for r in results])
    return summary


def run_eval(
    nd: Newsdesk, questions: list[Question], set_name: str, progress: Callable[[int, int], None] | None = None
) -> EvalReport:
    results = []
    for done, question in enumerate(questions, start=1):
        results.append(run_question(nd, question))
        if progress:
            progress(done, len(questions))
    settings = {"retriever": nd.retriever.name, "answerer": nd.answerer.name, "model": nd.answerer.model,
                "top_k": nd.settings.top_k}
    return EvalReport(set_name, settings, results, summarise(results))


SUMMARY_LABELS = {
    "hits@4": "Hits@4", "hits@10": "Hits@10", "mrr@10": "MRR@10", "recall@4": "Evidence recall@4",
    "recall@10": "Evidence recall@10", "all_evidence@10": "All-evidence@10",
    "null_refusal_rate": "Null-query refusal rate", "false_refusal_rate": "False-refusal rate",
    "answer_match_rate": "Answer match rate", "quote_exactness": "Quote exactness",
    "mean_latency_s": "Mean latency (s)", "questions": "Questions", "null_questions": "Null questions",
}


def format_value(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def write_reports(reports: list[EvalReport], out: Path) -> None:
    """Write report.json and report.md atomically: a failed run leaves no half-written files."""
    out.mkdir(parents=True, exist_ok=True)
    data = reports[0].as_json() if len(reports) == 1 else {"sets": [r.as_json() for r in reports]}
    lines = ["# Newsdesk eval report", ""]
    for report in reports:
        lines += [f"## {report.set_name}", "", "Settings: " + ", ".join(f"{k}={v}" for k, v in report.settings.items()), "",
                  "| Metric | Value |", "|---|---|"]
        lines += [f"| {SUMMARY_LABELS.get(k, k)} | {format_value(v)} |" for k, v in report.summary.items()]
        lines += ["", "| id | type | refused | match | first gold rank | answer |", "|---|---|---|---|---|---|"]
        for r in report.results:
            rank = next((i for i, d in enumerate(r.retrieved[:10], 1) if d in r.gold), "-") if r.gold else "null"
            answer = r.answer.replace("|", "\\|").replace("\n", " ")[:160]
            lines.append(f"| {r.id} | {r.question_type} | {r.refused} | {r.answer_match} | {rank} | {answer} |")
        lines.append("")
    for name, content in (("report.json", json.dumps(data, indent=2, ensure_ascii=False)), ("report.md", "\n".join(lines))):
        tmp = out / f".{name}.tmp"
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(out / name)
