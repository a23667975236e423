"""The learned part of the verifier: a logistic regression over ``features.FEATURES``, scored with
numpy from a small JSON file (``assistant/models/verifier/verifier_lr.json``), and the decision rule
shared by ``verify`` and the benchmark.

The file holds the feature names, their standardisation (mean, scale), the weights, the decision
threshold on the raw probability (chosen by grouped cross-validation: the best mean balanced accuracy
with every dev set keeping >= 85% of its supported claims if that reaches 0.76, else with every set
keeping >= 80%; ``eval.verifier_training.common.choose_threshold``) and a temperature that maps the logit to a calibrated score with
0.5 at the threshold. Training: ``eval/verifier_training/train.py``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np

MODEL_FILE = "verifier_lr.json"


@dataclass(frozen=True)
class LogisticModel:
    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float = 0.5  # on the raw probability
    temperature: float = 1.0  # calibrated score = sigmoid((z - z_threshold) / temperature)
    vetoes: tuple[str, ...] = ("number", "date", "polarity", "antonym", "swap")

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def calibrated(self, z: float) -> float:
        zt = math.log(self.threshold / (1 - self.threshold))
        return 1.0 / (1.0 + math.exp(-(z - zt) / self.temperature))

    def to_json(self) -> dict:
        return {
            "kind": "logistic_regression", "features": list(self.names), "mean": self.mean.tolist(),
            "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept,
            "threshold": self.threshold, "temperature": self.temperature, "vetoes": list(self.vetoes),
        }

    @classmethod
    def from_json(cls, data: dict) -> LogisticModel:
        return cls(tuple(data["features"]), np.array(data["mean"]), np.array(data["scale"]),
                   np.array(data["coef"]), float(data["intercept"]), float(data.get("threshold", 0.5)),
                   float(data.get("temperature", 1.0)), tuple(data.get("vetoes", cls.vetoes)))


def model_dir() -> Path:
    return Path(str(files("assistant") / "models" / "verifier"))


@cache
def load_model(path: str | None = None) -> LogisticModel:
    target = Path(path) if path else model_dir() / MODEL_FILE
    return LogisticModel.from_json(json.loads(target.read_text(encoding="utf-8")))


def fit_logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, l2: float = 1.0,
                 iterations: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method on standardised features; numpy only,
    so the benchmark can cross-validate without training extras. Returns (mean, scale, coef, b)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    xs = (x - mean) / scale
    n, d = xs.shape
    w = np.ones(n) if weights is None else weights / weights.mean()
    design = np.hstack([xs, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for _ in range(iterations):
        z = design @ beta
        p = 1.0 / (1.0 + np.exp(-z))
        grad = design.T @ (w * (p - y)) + reg * beta
        hess = (design * (w * p * (1 - p))[:, None]).T @ design + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return mean, scale, beta[:-1], float(beta[-1])
