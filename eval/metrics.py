"""Metric functions: pure, per question; the runner averages them. Definitions in eval/README.md."""

from __future__ import annotations

import re
from collections.abc import Sequence


def hits_at(retrieved: Sequence[str], gold: Sequence[str], k: int) -> float:
    """1.0 when any gold document is among the first k retrieved, else 0.0."""
    top = set(retrieved[:k])
    return 1.0 if any(g in top for g in gold) else 0.0


def reciprocal_rank(retrieved: Sequence[str], gold: Sequence[str], k: int = 10) -> float:
    """1/rank of the first gold document within the first k, 0.0 when none is there."""
    gold_set = set(gold)
    for rank, doc in enumerate(retrieved[:k], start=1):
        if doc in gold_set:
            return 1.0 / rank
    return 0.0


def evidence_recall(retrieved: Sequence[str], gold: Sequence[str], k: int) -> float:
    """Share of the distinct gold documents found among the first k retrieved."""
    gold_set = set(gold)
    if not gold_set:
        return 0.0
    return len(gold_set & set(retrieved[:k])) / len(gold_set)


def all_evidence(retrieved: Sequence[str], gold: Sequence[str], k: int) -> float:
    """1.0 when every gold document is among the first k retrieved."""
    return 1.0 if gold and set(gold) <= set(retrieved[:k]) else 0.0


_PUNCT = re.compile(r"[^\w\s]")
YES = {"yes", "true", "consistent", "agree", "correct"}
NO = {"no", "false", "inconsistent", "disagree", "incorrect"}


def normalise_answer(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def yes_no(text: str) -> str | None:
    """'yes' / 'no' when the text is (or opens with) a yes/no word, else None."""
    words = normalise_answer(text).split()
    if not words:
        return None
    if words[0] in YES:
        return "yes"
    if words[0] in NO:
        return "no"
    return None


def answer_matches(predicted: str, gold: str) -> bool:
    """Yes/No golds compare by polarity of the answer's first word; others by normalised containment."""
    gold_polarity = yes_no(gold) if len(normalise_answer(gold).split()) == 1 else None
    if gold_polarity is not None:
        return yes_no(predicted) == gold_polarity
    target = normalise_answer(gold)
    return bool(target) and target in normalise_answer(predicted)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
