"""How the refusal threshold was chosen, and how citation checks fare, on a question set (the dev set).

    python -m eval.benchmarks.answer_thresholds SET.jsonl [--home HOME | --corpus CORPUS.jsonl]

1. ``min_support`` (refusal): the best retrieved sentence's support score (the extractive
   answerer's mix of MiniLM similarity and word overlap, over the top_k passages) is computed once
   per question; the table sweeps the threshold and prints null-query refusal, false refusal and
   answer match of the extractive answerer. Every answerer refuses below it before drafting.
2. Citation checks: each gold fact, phrased as a claim ("<outlet> reported that <fact>") with 0 %,
   30 % and 50 % of its content words replaced by unseen words, is judged against the retrieved
   chunk of its own article (positives: the 0 % column must be kept, the others should mostly be
   dropped, since their replaced words are claims the article does not make) and against the best
   of the top three retrieved chunks of other articles (hard negatives). The table gives the share
   of each that passes, for the claim verifier (``assistant.cite.claim_support``, what answers use)
   and for the word-share check it replaced (``best_span`` at 0.5).
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.app import Newsdesk
from assistant.cite import best_span, claim_support, content_terms
from assistant.settings import load_settings
from eval import metrics
from eval.sets import load_question_set

console = Console()
REFUSAL_SWEEP = [x / 100 for x in range(20, 52, 2)]
WORD_SHARE_THRESHOLD = 0.5  # what the word-share check required before the claim verifier
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
    checks = {
        "claim verifier": lambda claim, passage: claim_support(claim, passage)[3],
        f"word share >= {WORD_SHARE_THRESHOLD}": lambda claim, passage: best_span(claim, passage)[2] >= WORD_SHARE_THRESHOLD,
    }
    positives: dict[str, dict[float, list[bool]]] = {name: {share: [] for share in REWORDED} for name in checks}
    negatives: dict[str, list[bool]] = {name: [] for name in checks}
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
            for share in REWORDED if own else ():
                reworded = reword(claim, share, rng)
                for name, passes in checks.items():
                    positives[name][share].append(passes(reworded, own[0]))
            for name, passes in checks.items() if others else ():
                negatives[name].append(any(passes(claim, p) for p in others))
    count = len(positives["claim verifier"][0.0])
    table = Table(title=f"Citation checks ({count} gold-fact claims, {len(negatives['claim verifier'])} hard negatives)")
    table.add_column("check")
    for share in REWORDED:
        table.add_column(f"kept ({share:.0%} of words replaced)", justify="right")
    table.add_column("hard negatives passed", justify="right")
    for name in checks:
        kept = [f"{sum(v) / len(v):.3f}" if v else "-" for v in (positives[name][s] for s in REWORDED)]
        passed = negatives[name]
        table.add_row(name, *kept, f"{sum(passed) / len(passed):.3f}" if passed else "-")
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
