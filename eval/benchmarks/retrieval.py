"""Every retriever on one question set in one run: article-level quality per question type, and
retrieval latency (everything after the question is embedded; the embedding is timed apart).

    python -m eval.benchmarks.retrieval ../shared/data/mhrag-lite/dev.jsonl \
        --corpus ../shared/data/mhrag-lite/corpus.jsonl          # fresh temporary home
    python -m eval.benchmarks.retrieval ../shared/data/mhrag-lite/dev.jsonl --home /tmp/nd-100k

Null questions (no gold evidence) are left out of the quality figures, as in ``newsdesk eval``.
Each question is embedded once and handed to every retriever in turn, so all of them see the same
machine load; one untimed warm-up question goes first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from assistant.retrieve import distinct_documents, make_retriever
from ingest.types import Filters
from eval import metrics
from eval.sets import check_evidence_known, load_question_set

RETRIEVERS = ("dense", "bm25", "hybrid", "news")
DEPTH = 40  # chunks asked for, as the eval runner does: enough for 10 distinct documents
COLUMNS = [
    ("hits@4", "Hits@4"), ("hits@10", "Hits@10"), ("mrr@10", "MRR@10"), ("map@10", "MAP@10"),
    ("recall@4", "R@4"), ("recall@10", "R@10"), ("all_evidence@10", "AllEv@10"),
]


def scores(ranked: list[str], gold: list[str]) -> dict[str, float]:
    return {
        "hits@4": metrics.hits_at(ranked, gold, 4),
        "hits@10": metrics.hits_at(ranked, gold, 10),
        "mrr@10": metrics.reciprocal_rank(ranked, gold, 10),
        "map@10": metrics.average_precision(ranked, gold, 10),
        "recall@4": metrics.evidence_recall(ranked, gold, 4),
        "recall@10": metrics.evidence_recall(ranked, gold, 10),
        "all_evidence@10": metrics.all_evidence(ranked, gold, 10),
    }


def percentile_ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(nd, questions, names=RETRIEVERS, filters: Filters | None = None) -> dict:
    """Per retriever: rows of mean scores by question type ("all" first) and latency percentiles."""
    retrievers = [make_retriever(name, nd.store, nd.keywords, nd.archive_embedder) for name in names]
    filters = filters or Filters()
    answerable = [q for q in questions if not q.is_null]
    warm = nd.archive_embedder.get_query_embedding(answerable[0].question)
    for retriever in retrievers:
        retriever.search(answerable[0].question, warm, DEPTH, filters)
    per = {r.name: defaultdict(list) for r in retrievers}
    latency = {r.name: [] for r in retrievers}
    embed_times = []
    for question in answerable:
        started = time.perf_counter()
        embedding = nd.archive_embedder.get_query_embedding(question.question)
        embed_times.append(time.perf_counter() - started)
        for retriever in retrievers:
            started = time.perf_counter()
            ranked = retriever.search(question.question, embedding, DEPTH, filters)
            latency[retriever.name].append(time.perf_counter() - started)
            row = scores(distinct_documents(ranked), question.gold_docs)
            per[retriever.name]["all"].append(row)
            per[retriever.name][question.question_type or "untyped"].append(row)
    result = {"chunks": nd.store.count(), "questions": len(answerable),
              "embed_ms": {"p50": percentile_ms(embed_times, 0.5), "p95": percentile_ms(embed_times, 0.95)},
              "retrievers": {}}
    for name, groups in per.items():
        rows = {}
        for group in ["all"] + sorted(g for g in groups if g != "all"):
            rows[group] = {"n": len(groups[group]),
                           **{key: metrics.mean([r[key] for r in groups[group]]) for key, _ in COLUMNS}}
        result["retrievers"][name] = {
            "by_type": rows, "p50_ms": percentile_ms(latency[name], 0.5), "p95_ms": percentile_ms(latency[name], 0.95),
        }
    return result


def table(result: dict) -> str:
    head = ["Retriever", "Questions", "n"] + [label for _, label in COLUMNS] + ["p50 ms", "p95 ms"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, data in result["retrievers"].items():
        for group, row in data["by_type"].items():
            timing = [f"{data['p50_ms']:.1f}", f"{data['p95_ms']:.1f}"] if group == "all" else ["", ""]
            cells = [name if group == "all" else "", group, str(row["n"])]
            cells += [f"{row[key]:.3f}" for key, _ in COLUMNS] + timing
            lines.append("| " + " | ".join(cells) + " |")
    embed = result["embed_ms"]
    lines.append("")
    lines.append(f"{result['chunks']} chunks, {result['questions']} answerable questions; question embedding "
                 f"p50 {embed['p50']:.1f} ms, p95 {embed['p95']:.1f} ms (not in the retriever latencies)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from assistant.app import Newsdesk
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", type=Path, help="question set (JSONL)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--corpus", type=Path, nargs="+", help="ingest into a fresh temporary home first")
    where.add_argument("--home", type=Path, help="an existing home (e.g. one grown by synthetic_archive)")
    parser.add_argument("--retrievers", nargs="+", default=list(RETRIEVERS), choices=RETRIEVERS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args(argv)
    try:
        questions = load_question_set(args.set)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as scratch:
        nd = Newsdesk(load_settings(home=Path(scratch) if args.corpus else args.home))
        if args.corpus:
            print(f"corpus: {nd.ingest(args.corpus).summary_line()}", file=sys.stderr)
        try:
            check_evidence_known(questions, set(nd.manifest.doc_ids()), args.set)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        result = run(nd, questions, args.retrievers)
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
