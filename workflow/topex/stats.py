"""Paired statistics over training seeds: an augmented run against the same seed's control.

One run per cell is noise: 1–10 added points move accuracy by tenths of a percent, the same order
as the spread between seeds. So every effect is a *paired* delta (same seed, same everything but
the added points), summarised by its mean, a 95% t-interval and an exact sign-flip permutation
test over the seeds.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import stats as scipy_stats


def paired_deltas(treated: dict[int, float], control: dict[int, float]) -> np.ndarray:
    """Per-seed differences treated − control, over the seeds both have, in seed order."""
    seeds = sorted(set(treated) & set(control))
    return np.array([treated[s] - control[s] for s in seeds], dtype=np.float64)


def mean_interval(deltas: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and its two-sided t-interval; with one value the interval is unbounded (nan)."""
    deltas = np.asarray(deltas, dtype=np.float64)
    mean = float(deltas.mean()) if len(deltas) else float("nan")
    if len(deltas) < 2:
        return mean, float("nan"), float("nan")
    half = scipy_stats.t.ppf(0.5 + confidence / 2, df=len(deltas) - 1) * deltas.std(ddof=1) / np.sqrt(len(deltas))
    return mean, mean - float(half), mean + float(half)


def sign_flip_p(deltas: np.ndarray) -> float:
    """Two-sided p-value of the exact sign-flip permutation test of mean delta = 0.

    Under the null each paired delta is as likely positive as negative; the p-value is the share
    of the 2^k sign assignments whose |mean| is at least the observed one. With k seeds the
    smallest attainable p is 2 / 2^k (0.25 with 3 seeds): few seeds cannot show significance.
    """
    deltas = np.asarray(deltas, dtype=np.float64)
    if len(deltas) == 0:
        return float("nan")
    observed = abs(deltas.mean())
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=len(deltas))))
    means = np.abs((signs * deltas).mean(axis=1))
    return float((means >= observed - 1e-12).mean())


def verdict(low: float, high: float) -> str:
    """How to call an effect: its interval above 0, below 0, or containing 0 (noise)."""
    if np.isnan(low) or np.isnan(high):
        return "n/a"
    if low > 0:
        return "gain"
    if high < 0:
        return "loss"
    return "noise"
