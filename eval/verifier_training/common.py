"""Shared by train.py and eval/benchmarks/verifier.py: the dev sets, grouped folds, features,
cross-validated probabilities and the threshold rule. numpy only (no training extras)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

SETS = {
    "factcheckgpt": "factcheckgpt_claim_evidence.jsonl",
    "faithbench": "faithbench_sentences.jsonl",
    "summac_news": "summac_news_legacy.jsonl",
    "wice": "wice_claims.jsonl",
}
MIN_KEEP = 0.85  # the target: every set keeps >= 85% of its supported claims ...
TARGET_BA = 0.76  # ... at a mean balanced accuracy >= 0.76
FALLBACK_KEEP = 0.80  # when both cannot be had: the best mean BA while every set keeps >= 80%


def data_dir() -> Path:
    here = Path(__file__).resolve()
    for base in (here.parents[2].parent / "shared", here.parents[2] / "shared", Path("/work/shared")):
        if (base / "data" / "attribution").is_dir():
            return base / "data" / "attribution"
    raise FileNotFoundError("shared/data/attribution not found beside the repository")


def load_sets(limit: int | None = None, names: list[str] | None = None) -> list[dict]:
    """All dev rows, each with its set name under 'set'; ``limit``: the first N rows of each set."""
    rows = []
    for name, filename in SETS.items():
        if names and name not in names:
            continue
        with open(data_dir() / filename, encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if limit is not None and i >= limit:
                    break
                row = json.loads(line)
                row["set"] = name
                rows.append(row)
    return rows


def group_of(row: dict) -> str:
    return hashlib.blake2b(row["evidence"].encode(), digest_size=8).hexdigest()


def grouped_folds(rows: list[dict], k: int = 5, seed: int = 13) -> np.ndarray:
    """A fold number per row; rows with the same evidence text share a fold (so no evidence is in
    both train and test), groups assigned at random within each set."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(rows), dtype=int)
    by_set: dict[str, dict[str, list[int]]] = {}
    for i, row in enumerate(rows):
        by_set.setdefault(row["set"], {}).setdefault(group_of(row), []).append(i)
    for groups in by_set.values():
        keys = sorted(groups)
        rng.shuffle(keys)
        sizes = np.zeros(k)
        for key in sorted(keys, key=lambda g: -len(groups[g])):  # big groups first, to the lightest fold
            f = int(np.argmin(sizes + rng.random(k) * 1e-3))
            sizes[f] += len(groups[key])
            fold[groups[key]] = f
    return fold


def balanced_weights(rows: list[dict], y: np.ndarray) -> np.ndarray:
    """Each (set, label) cell weighs the same in total: the model serves every set's balanced accuracy."""
    cells: dict[tuple[str, int], int] = {}
    for row, label in zip(rows, y):
        cells[(row["set"], int(label))] = cells.get((row["set"], int(label)), 0) + 1
    return np.array([1.0 / cells[(row["set"], int(label))] for row, label in zip(rows, y)])


def featurize(rows: list[dict], embeddings=None, progress: bool = False):
    """(analyses, ms per claim) through the run-time code path; sentence vectors are embedded ahead
    for each row's candidate sentences (as ingest would), so the time is the per-claim cost."""
    from assistant.verifier.features import analyse, precompute_texts

    if embeddings is not None:
        texts = [row["claim"] for row in rows]
        for row in rows:
            texts += precompute_texts(row["claim"], row["evidence"])
        embeddings.precompute(list(dict.fromkeys(texts)))
    analyses, times = [], []
    for n, row in enumerate(rows):
        t0 = time.perf_counter()
        analyses.append(analyse(row["claim"], row["evidence"], embeddings))
        times.append((time.perf_counter() - t0) * 1000)
        if progress and n % 500 == 0:
            print(f"  featurized {n}/{len(rows)}", flush=True)
    return analyses, np.array(times)


def rates(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    keep = float(pred[y == 1].mean()) if (y == 1).any() else float("nan")
    drop = float((~pred[y == 0]).mean()) if (y == 0).any() else float("nan")
    return keep, drop, (keep + drop) / 2


def cv_models(x: np.ndarray, y: np.ndarray, w: np.ndarray, fold: np.ndarray, l2: float = 1.0):
    """One model per fold, each trained on the other folds: [(fold, mean, scale, coef, b)]."""
    from assistant.verifier.model import fit_logistic

    out = []
    for f in sorted(set(fold.tolist())):
        train = fold != f
        out.append((f, *fit_logistic(x[train], y[train], w[train], l2=l2)))
    return out


def choose_threshold(prob: np.ndarray, y: np.ndarray, sets: np.ndarray, vetoed: np.ndarray) -> float:
    """The operating threshold: the best mean balanced accuracy with every set keeping >= MIN_KEEP
    of its supported claims when that reaches TARGET_BA; otherwise the best mean balanced accuracy
    with every set keeping >= FALLBACK_KEEP (a paraphrase dropped costs less than an invented claim
    vouched for, so the keep floor gives way before the balanced accuracy does)."""
    t, ba = _best_threshold(prob, y, sets, vetoed, MIN_KEEP)
    if ba >= TARGET_BA or FALLBACK_KEEP >= MIN_KEEP:
        return t
    return _best_threshold(prob, y, sets, vetoed, FALLBACK_KEEP)[0]


def _best_threshold(prob, y, sets, vetoed, min_keep: float) -> tuple[float, float]:
    """(threshold, mean BA) maximising mean balanced accuracy over the sets while every set keeps
    >= min_keep of its supported claims (the lowest-keep set decides when none does; BA -1 then)."""
    best, best_t, best_ba = (-1.0, -1.0), 0.5, -1.0
    for t in np.linspace(0.02, 0.98, 97):
        pred = (prob >= t) & ~vetoed
        bas, keeps = [], []
        for s in sorted(set(sets.tolist())):
            m = sets == s
            keep, _, ba = rates(y[m], pred[m])
            bas.append(ba)
            keeps.append(keep)
        ok = min(keeps) >= min_keep
        key = (float(ok), float(np.mean(bas)) if ok else min(keeps))
        if key > best:
            best, best_t, best_ba = key, float(t), float(np.mean(bas)) if ok else -1.0
    return best_t, best_ba
