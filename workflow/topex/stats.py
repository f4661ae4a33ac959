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
    """How to call an effect: its interval above 0, below 0, or containing 0 (noise).

    A degenerate interval (every seed's delta equal, sd 0: two seeds that happen to agree to the
    last test point) says nothing about the spread, so it gets no verdict ("n/a") unless the
    deltas are all 0.
    """
    if np.isnan(low) or np.isnan(high):
        return "n/a"
    if low == high:
        return "noise" if low == 0 else "n/a"
    if low > 0:
        return "gain"
    if high < 0:
        return "loss"
    return "noise"


def minimum_detectable_effect(sd: float, seeds: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """The smallest true mean delta a paired t-test over ``seeds`` seeds detects with probability
    ``power`` at two-sided level ``alpha``, given the paired sd:
    (t(1 − α/2, k − 1) + t(power, k − 1)) · sd / √k (the usual normal-approximation formula with
    t quantiles; e.g. k = 3, sd = 2 pp: (4.303 + 1.061) · 2 / √3 = 6.2 pp). ``nan`` below 2 seeds.
    """
    if seeds < 2 or np.isnan(sd):
        return float("nan")
    df = seeds - 1
    quantiles = scipy_stats.t.ppf(1 - alpha / 2, df) + scipy_stats.t.ppf(power, df)
    return float(quantiles * sd / np.sqrt(seeds))


def pooled_sd(groups: list[np.ndarray]) -> tuple[float, int]:
    """The paired sd pooled over cells: √(Σ (k_i − 1) s_i² / Σ (k_i − 1)) over the groups of
    per-seed deltas with at least two seeds; and the number of groups it pooled (0: ``nan``)."""
    used = [np.asarray(g, dtype=np.float64) for g in groups if len(g) >= 2]
    df = sum(len(g) - 1 for g in used)
    if df == 0:
        return float("nan"), 0
    return float(np.sqrt(sum((len(g) - 1) * g.var(ddof=1) for g in used) / df)), len(used)
