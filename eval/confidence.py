"""Bootstrap confidence intervals: is a change progress or noise?

Percentile bootstrap over questions: resample the per-question values with replacement
``resamples`` times, take the mean of each resample, and report the 2.5th and 97.5th percentiles of
those means. A comparison resamples question *pairs* (same question, current and baseline), so the
interval is for the mean paired difference. A fixed seed makes reports reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RESAMPLES = 2000
SEED = 20240


def bootstrap_ci(
    values: Sequence[float], level: float = 0.95, resamples: int = RESAMPLES, seed: int = SEED
) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of the mean; None for no values."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return None
    if data.size == 1 or np.all(data == data[0]):
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def paired_difference(
    current: Sequence[float], baseline: Sequence[float], level: float = 0.95, resamples: int = RESAMPLES, seed: int = SEED
) -> tuple[float, tuple[float, float]] | None:
    """Mean of current - baseline over paired questions, with its bootstrap interval."""
    if len(current) != len(baseline):
        raise ValueError("paired values must have the same length")
    diffs = [c - b for c, b in zip(current, baseline)]
    interval = bootstrap_ci(diffs, level, resamples, seed)
    if interval is None:
        return None
    return sum(diffs) / len(diffs), interval
