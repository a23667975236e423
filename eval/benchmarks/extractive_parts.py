"""Sweep the extractive answerer's part-aware selection on a question set (the dev set).

    python -m eval.benchmarks.extractive_parts SET.jsonl --home HOME [--cache FILE]

Retrieval runs once per question (the ``news`` retriever, the passages the answerer would get at
the largest top_k swept; ``--cache`` keeps them in a pickle between runs) and sentence embeddings
are memoised, so each setting costs only the selection. For every combination of ``top_k``,
``part_min`` (a part's sentence must reach it), ``near`` (more articles join a part within this of
its best), ``limit`` (most sentences) and ``rank_penalty`` (taken off a sentence's score per
retrieval rank of its article), the table gives citation precision and recall as ``newsdesk eval``
scores them (a refusal counts 0 recall and no precision), the recall ceiling (every gold article
among the passages cited), the share of questions citing every gold article, null-query refusal,
false refusal, sentences per answer and answer accuracy. The refusal gate (``min_support`` against
the whole question) is the settings' value throughout.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.app import Newsdesk
from assistant.settings import load_settings
from eval import metrics
from eval.sets import load_question_set

console = Console(width=200)
TOP_K = (5, 8)
PART_MIN = (0.10, 0.15, 0.20, 0.25, 0.30)
NEAR = (0.0, 0.06)
LIMIT = (2, 4)
RANK_PENALTY = (0.0, 0.03, 0.05, 0.10)


class MemoEmbedder:
    """The embedder with every text's vector kept, so a sweep embeds each sentence once."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.memo: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if missing:
            for text, vector in zip(missing, self.embedder.embed(missing)):
                self.memo[text] = vector
        return np.stack([self.memo[t] for t in texts])


def retrieved(nd: Newsdesk, questions, cache: Path | None, k: int) -> dict[str, list]:
    if cache and cache.exists():
        return pickle.loads(cache.read_bytes())
    found = {q.id: nd.retrieve(q.question, k=40)[:k] for q in questions}
    if cache:
        cache.write_bytes(pickle.dumps(found))
    return found


def measure(answerer: ExtractiveAnswerer, questions, passages: dict[str, list], top_k: int) -> dict[str, float]:
    rows = {"precision": [], "recall": [], "null_refusal": [], "false_refusal": [], "all_cited": [], "sentences": [],
            "accuracy": []}
    for q in questions:
        answer = answerer.answer(q.question, passages[q.id][:top_k])
        rows["accuracy"].append(metrics.answer_correct(answer.text, answer.refused, q.answer, q.is_null))
        if q.is_null:
            rows["null_refusal"].append(float(answer.refused))
            continue
        cited = [c.doc_id for c in answer.citations]
        rows["false_refusal"].append(float(answer.refused))
        if (precision := metrics.citation_precision(cited, q.gold_docs)) is not None:
            rows["precision"].append(precision)
        rows["recall"].append(metrics.citation_recall(cited, q.gold_docs) or 0.0)
        rows["all_cited"].append(float(set(q.gold_docs) <= set(cited)))
        if not answer.refused:
            rows["sentences"].append(float(len(answer.citations)))
    return {name: metrics.mean(values) or 0.0 for name, values in rows.items()}


def ceiling(questions, passages: dict[str, list], top_k: int) -> float:
    """Citation recall if every gold article among the passages were cited."""
    shares = [len(set(q.gold_docs) & {p.doc_id for p in passages[q.id][:top_k]}) / len(set(q.gold_docs))
              for q in questions if not q.is_null]
    return sum(shares) / len(shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", type=Path)
    parser.add_argument("--home", type=Path, required=True, help="a home with the set's corpus already ingested")
    parser.add_argument("--cache", type=Path, help="pickle of the retrieved passages, reused when present")
    args = parser.parse_args()
    questions = load_question_set(args.set)
    nd = Newsdesk(load_settings(home=args.home, answerer="extractive"))
    passages = retrieved(nd, questions, args.cache, max(TOP_K))
    embedder = MemoEmbedder(nd.embedder)
    table = Table(title=f"part-aware extractive selection ({len(questions)} questions, min_support {nd.settings.min_support})")
    for column in ("top_k", "part_min", "near", "limit", "rank_penalty", "precision", "recall", "recall ceiling", "all cited",
                   "null refusal", "false refusal", "sentences", "answer accuracy"):
        table.add_column(column, justify="right")
    for top_k, part_min, near, limit, penalty in itertools.product(TOP_K, PART_MIN, NEAR, LIMIT, RANK_PENALTY):
        answerer = ExtractiveAnswerer(embedder, nd.settings.min_support, limit, part_min, near, penalty)
        m = measure(answerer, questions, passages, top_k)
        table.add_row(str(top_k), f"{part_min:.2f}", f"{near:.2f}", str(limit), f"{penalty:.2f}", f"{m['precision']:.3f}",
                      f"{m['recall']:.3f}", f"{ceiling(questions, passages, top_k):.3f}", f"{m['all_cited']:.3f}",
                      f"{m['null_refusal']:.3f}", f"{m['false_refusal']:.3f}", f"{m['sentences']:.2f}",
                      f"{m['accuracy']:.3f}")
    console.print(table)


if __name__ == "__main__":
    main()
