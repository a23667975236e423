"""The claim verifier beside the old word-share check, on the four attribution dev sets, in one run.

    python -m eval.benchmarks.verifier                 # all 2,812 dev pairs (~5 minutes on 2 cores)
    python -m eval.benchmarks.verifier --limit 100     # the first 100 pairs of each set
    python -m eval.benchmarks.verifier --json out.json

Per set: keep-supported, drop-unsupported, balanced accuracy, and p50/p95 milliseconds per claim.
The new verifier's figures are grouped k-fold cross-validated: its logistic regression is refitted
(numpy) once per fold on the other folds, so no pair is scored by a model that saw it, and pairs that
share an evidence text are always in the same fold. The threshold, temperature and vetoes are the
shipped model's. Timing: the evidence's sentence split and its candidate sentences' vectors are made
before the clock starts (as at ingest); the time is the claim's own cost (features, claim embedding,
model). The old check is ``best_span`` (``assistant.cite``) with the whole evidence as the passage,
supported at a word share >= 0.5.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

OLD_THRESHOLD = 0.5


def percentile(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


def main(argv=None) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N pairs of each set")
    parser.add_argument("--sets", nargs="*", default=None, help="factcheckgpt faithbench summac_news wice")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads for MiniLM")
    parser.add_argument("--no-embeddings", action="store_true", help="judge without MiniLM cosines")
    parser.add_argument("--json", default="", help="write the figures here too")
    args = parser.parse_args(argv)

    from assistant.cite import best_span
    from assistant.verifier import decide
    from assistant.verifier.features import analyse, index_evidence, precompute_texts
    from assistant.verifier.model import LogisticModel, fit_logistic, load_model
    from assistant.verifier.select import Embeddings
    from eval.verifier_training.common import balanced_weights, grouped_folds, load_sets, rates
    from ingest.types import Passage

    rows = load_sets(args.limit, args.sets)
    shipped = load_model()
    emb = None if args.no_embeddings else Embeddings(threads=args.threads)
    print(f"{len(rows)} pairs; old check: best_span word share >= {OLD_THRESHOLD}; new: assistant.verifier "
          f"({args.folds}-fold grouped CV)", flush=True)

    old_pred, old_ms, analyses, new_ms = [], [], [], []
    if emb is not None:
        emb.claim_vector("warm up")
    for n, row in enumerate(rows):
        claim, evidence = row["claim"], row["evidence"]
        passage = Passage(chunk_id="e", doc_id="e", text=evidence, start=0, end=len(evidence), score=0.0)
        t0 = time.perf_counter()
        _, _, share = best_span(claim, passage)
        old_ms.append((time.perf_counter() - t0) * 1000)
        old_pred.append(share >= OLD_THRESHOLD)
        index_evidence(evidence)  # the evidence as ingest leaves it: split, indexed, sentences embedded
        if emb is not None:
            emb.precompute(precompute_texts(claim, evidence))
        t0 = time.perf_counter()
        analysis = analyse(claim, evidence, emb)
        decide(analysis, shipped)  # the model's cost is in the time; the CV verdict is taken below
        new_ms.append((time.perf_counter() - t0) * 1000)
        analyses.append(analysis)
        if n and n % 500 == 0:
            print(f"  {n}/{len(rows)}", flush=True)

    names = shipped.names if emb is not None else tuple(f for f in shipped.names if not f.startswith("cos_"))
    x = np.stack([a.vector(names) for a in analyses])
    y = np.array([int(r["label"]) for r in rows])
    fold = grouped_folds(rows, args.folds)
    w = balanced_weights(rows, y)
    new_pred = np.zeros(len(rows), dtype=bool)
    for f in sorted(set(fold.tolist())):
        train = fold != f
        mean, scale, coef, b = fit_logistic(x[train], y[train], w[train])
        model = LogisticModel(names, mean, scale, coef, b, shipped.threshold, shipped.temperature, shipped.vetoes)
        for i in np.flatnonzero(fold == f):
            new_pred[i] = decide(analyses[i], model)[0]
    old_pred = np.array(old_pred)
    old_ms, new_ms = np.array(old_ms), np.array(new_ms)
    sets = np.array([r["set"] for r in rows])

    header = (f"{'dev set':14s} {'n':>5s} | {'old keep':>8s} {'drop':>6s} {'BA':>6s} {'p50':>6s} {'p95':>6s} | "
              f"{'new keep':>8s} {'drop':>6s} {'BA':>6s} {'p50':>6s} {'p95':>6s}")
    print(header)
    print("-" * len(header))
    report = {"sets": {}, "pairs": len(rows), "folds": args.folds, "old_threshold": OLD_THRESHOLD}
    old_bas, new_bas = [], []
    for s in sorted(set(sets.tolist())):
        m = sets == s
        ok, od, oba = rates(y[m], old_pred[m])
        nk, nd, nba = rates(y[m], new_pred[m])
        old_bas.append(oba)
        new_bas.append(nba)
        print(f"{s:14s} {int(m.sum()):5d} | {ok:8.3f} {od:6.3f} {oba:6.3f} {percentile(old_ms[m], 50):6.2f} "
              f"{percentile(old_ms[m], 95):6.2f} | {nk:8.3f} {nd:6.3f} {nba:6.3f} {percentile(new_ms[m], 50):6.2f} "
              f"{percentile(new_ms[m], 95):6.2f}")
        report["sets"][s] = {"n": int(m.sum()),
                             "old": {"keep": ok, "drop": od, "ba": oba, "p50_ms": percentile(old_ms[m], 50),
                                     "p95_ms": percentile(old_ms[m], 95)},
                             "new": {"keep": nk, "drop": nd, "ba": nba, "p50_ms": percentile(new_ms[m], 50),
                                     "p95_ms": percentile(new_ms[m], 95)}}
    print("-" * len(header))
    print(f"{'mean BA':14s} {'':5s} | {'':8s} {'':6s} {np.mean(old_bas):6.3f} {percentile(old_ms, 50):6.2f} "
          f"{percentile(old_ms, 95):6.2f} | {'':8s} {'':6s} {np.mean(new_bas):6.3f} {percentile(new_ms, 50):6.2f} "
          f"{percentile(new_ms, 95):6.2f}")
    report["old_mean_ba"], report["new_mean_ba"] = float(np.mean(old_bas)), float(np.mean(new_bas))
    report["new_p50_ms"], report["new_p95_ms"] = percentile(new_ms, 50), percentile(new_ms, 95)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
