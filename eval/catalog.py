"""The names of every metric a run reports, with labels and which way is better (no heavy imports,
so the CLI can check gate options before it loads anything)."""

from __future__ import annotations

from pathlib import Path

REPORT_FORMAT = 1  # report.json's "newsdesk_eval": bump when its shape changes

# name -> (label, higher is better). Every per-question score, averaged, plus the run-level figures.
METRICS: dict[str, tuple[str, bool]] = {
    "hits@4": ("Hits@4", True),
    "hits@10": ("Hits@10", True),
    "mrr@10": ("MRR@10", True),
    "map@10": ("MAP@10", True),
    "recall@4": ("Evidence recall@4", True),
    "recall@10": ("Evidence recall@10", True),
    "all_evidence@10": ("All-evidence@10", True),
    "fact_hits@4": ("Fact Hits@4 (benchmark rule)", True),
    "fact_hits@10": ("Fact Hits@10 (benchmark rule)", True),
    "fact_mrr@10": ("Fact MRR@10 (benchmark rule)", True),
    "fact_map@10": ("Fact MAP@10 (benchmark rule)", True),
    "answer_accuracy": ("Answer accuracy", True),
    "answer_accuracy_gold_yes": ("Accuracy, gold Yes", True),
    "answer_accuracy_gold_no": ("Accuracy, gold No", True),
    "confidently_wrong": ("Confidently wrong", False),
    "unsure_rate": ("Unsure rate", False),
    "null_refusal_rate": ("Null-query refusal rate", True),
    "false_refusal_rate": ("False-refusal rate", False),
    "quote_exactness": ("Quote exactness", True),
    "citation_precision": ("Citation precision", True),
    "citation_recall": ("Citation recall", True),
    "cited_sentence_share": ("Cited sentence share", True),
    "faithfulness": ("Faithfulness (claim verifier)", True),
    "judge_correctness": ("Judge correctness (1-5)", True),
    "judge_faithfulness": ("Judge faithfulness", True),
    "latency_retrieve_p50_s": ("Retrieve latency p50 (s)", False),
    "latency_retrieve_p95_s": ("Retrieve latency p95 (s)", False),
    "latency_generate_p50_s": ("Generate latency p50 (s)", False),
    "latency_generate_p95_s": ("Generate latency p95 (s)", False),
    "latency_total_p50_s": ("Total latency p50 (s)", False),
    "latency_total_p95_s": ("Total latency p95 (s)", False),
    "tokens_in": ("Tokens in (total)", False),
    "tokens_out": ("Tokens out (total)", False),
    "tokens_per_s": ("Tokens out per generate second", True),
}
PER_QUESTION = [m for m in METRICS if not m.startswith(("latency_", "tokens_"))]
HEADLINE = ["hits@10", "mrr@10", "map@10", "fact_hits@10", "answer_accuracy", "answer_accuracy_gold_yes",
            "answer_accuracy_gold_no", "confidently_wrong", "null_refusal_rate", "false_refusal_rate", "unsure_rate", "citation_precision", "citation_recall", "faithfulness", "judge_correctness", "judge_faithfulness"]
BY_TYPE = ["answer_accuracy", "answer_accuracy_gold_yes", "answer_accuracy_gold_no", "confidently_wrong", "unsure_rate",
           "hits@10", "fact_hits@10", "recall@10"]
STAGES = ("retrieve", "generate", "total")


def metric_range(name: str) -> tuple[float, float | None]:
    """The values a metric can take: (lowest, highest or None when unbounded)."""
    if name == "judge_correctness":
        return 1.0, 5.0
    if name.startswith(("latency_", "tokens_")):
        return 0.0, None
    return 0.0, 1.0


def set_label(name: str) -> str:
    """A question set's name in tables and for pairing questions across runs: its file name."""
    return Path(name).name
