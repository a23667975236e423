"""How the two answer thresholds were chosen, measured on a question set (the dev set).

    python -m eval.benchmarks.answer_thresholds SET.jsonl [--home HOME | --corpus CORPUS.jsonl]

1. ``min_support`` (refusal): the best retrieved sentence's support score (the extractive
   answerer's mix of MiniLM similarity and word overlap, over the top_k passages) is computed once
   per question; the table sweeps the threshold and prints null-query refusal, false refusal and
   answer match of the extractive answerer. Every answerer refuses below it before drafting.
2. ``citation_min_support`` (verification): each gold fact, phrased as a claim ("<outlet>
   reported that <fact>") with 0 %, 30 % and 50 % of its content words replaced by unseen words
   (a stand-in for paraphrase), is scored against the retrieved chunk of its own article
   (positives) and against the best of the top three retrieved chunks of other articles (hard
   negatives). The table gives the share of each that passes.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.app import Newsdesk
from assistant.cite import best_span, content_terms
from assistant.settings import load_settings
from eval import metrics
from eval.sets import load_question_set

console = Console()
REFUSAL_SWEEP = [x / 100 for x in range(20, 52, 2)]
SUPPORT_SWEEP = [x / 100 for x in range(30, 80, 5)]
REWORDED = (0.0, 0.3, 0.5)


def refusal_table(nd: Newsdesk, questions) -> Table:
    rows = []
    for q in questions:
        passages = nd.retrieve(q.question)
        scored = nd.answerer.score_sentences(q.question, passages)
        best = scored[0][0] if scored else 0.0
        draft = nd.answerer.answer(q.question, passages)  # min_support is 0 here: never refuses
        rows.append((q.is_null, best, not q.is_null and metrics.answer_matches(draft.text, q.answer)))
    null = [r for r in rows if r[0]]
    answerable = [r for r in rows if not r[0]]
    table = Table(title=f"min_support sweep ({len(null)} null, {len(answerable)} answerable questions)")
    for column in ("min_support", "null refusal", "false refusal", "answer match"):
        table.add_column(column, justify="right")
    for t in REFUSAL_SWEEP:
        refused_null = sum(best < t for _, best, _ in null)
        refused_answerable = sum(best < t for _, best, _ in answerable)
        matched = refused_null + sum(match and best >= t for _, best, match in answerable)
        table.add_row(f"{t:.2f}", f"{refused_null / len(null):.3f}", f"{refused_answerable / len(answerable):.3f}",
                      f"{matched / len(rows):.3f}")
    return table


def reword(text: str, share: float, rng: random.Random) -> str:
    return " ".join(
        "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(7)) if content_terms(w) and rng.random() < share else w
        for w in text.split()
    )


def support_table(nd: Newsdesk, questions) -> Table:
    rng = random.Random(7)
    positives: dict[float, list[float]] = {share: [] for share in REWORDED}
    negatives: list[float] = []
    for q in questions:
        if q.is_null:
            continue
        ranked = nd.retrieve(q.question, k=20)
        for evidence in q.evidence:
            article = nd.manifest.article(evidence.doc_id)
            if article is None or not evidence.fact:
                continue
            claim = f"{article.source} reported that {evidence.fact}"
            own = [p for p in ranked if p.doc_id == evidence.doc_id and evidence.fact[:40] in p.text]
            others = [p for p in ranked if p.doc_id not in q.gold_docs][:3]
            if own:
                for share in REWORDED:
                    positives[share].append(best_span(reword(claim, share, rng), own[0])[2])
            if others:
                negatives.append(max(best_span(claim, p)[2] for p in others))
    table = Table(title=f"citation_min_support sweep ({len(positives[0.0])} positive, {len(negatives)} hard-negative claims)")
    table.add_column("citation_min_support", justify="right")
    for share in REWORDED:
        table.add_column(f"supported kept ({share:.0%} reworded)", justify="right")
    table.add_column("hard negatives passed", justify="right")
    for t in SUPPORT_SWEEP:
        kept = [f"{sum(v >= t for v in positives[s]) / len(positives[s]):.3f}" for s in REWORDED]
        table.add_row(f"{t:.2f}", *kept, f"{sum(v >= t for v in negatives) / len(negatives):.3f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", type=Path)
    parser.add_argument("--home", type=Path, help="a home with the set's corpus already ingested")
    parser.add_argument("--corpus", type=Path, help="ingest this into a temporary home first")
    args = parser.parse_args()
    questions = load_question_set(args.set)
    with tempfile.TemporaryDirectory(prefix="newsdesk-thresholds-") as scratch:
        home = args.home or Path(scratch)
        nd = Newsdesk(load_settings(home=home, answerer="extractive", min_support=0.0))
        if args.corpus:
            nd.ingest([args.corpus])
        console.print(refusal_table(nd, questions))
        console.print(support_table(nd, questions))


if __name__ == "__main__":
    main()
