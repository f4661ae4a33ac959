"""Evaluation against a planted failure's answer key (``results/{dataset}/data/answer_key.json``,
written by prepare_data: the slice's ids per split). Only evaluation reads it; the Explorer, the
scorers, the prompts, the baselines and the random control never do.

A planting counts only if the base classifier fails on it. The check is Domino's (Eyuboglu et
al. 2022), on the test split of each seed: the slice's accuracy is at most :data:`FAIL_RATIO`
of the accuracy on the rest, and the rest's bootstrap lower bound lies above the slice's upper
bound (95 % percentile intervals over :data:`RESAMPLES` resamples, seeded). A seed whose
classifier does not fail makes no claim: its rows are not read.
"""

from __future__ import annotations

import numpy as np

FAIL_RATIO = 0.5  # the slice's accuracy at most half the rest's
RESAMPLES = 2000
LEVEL = 0.95


def in_slice(ids, key: dict, split: str) -> np.ndarray:
    """Whether each of ``ids`` (a split's point ids, in order) is in the planted slice."""
    members = set(key["ids"][split])
    return np.array([str(i) in members for i in ids], dtype=bool)


def bootstrap_interval(correct: np.ndarray, seed: int) -> tuple[float, float]:
    """The :data:`LEVEL` percentile interval of the accuracy of ``correct`` (booleans), seeded."""
    correct = np.asarray(correct, dtype=float)
    if len(correct) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = correct[rng.integers(len(correct), size=(RESAMPLES, len(correct)))].mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def failure_check(correct: np.ndarray, member: np.ndarray, seed: int) -> dict:
    """The slice's accuracy and the rest's, their intervals, and the verdict: ``fails`` when the
    planting meets both of Domino's conditions (module doc), ``does not fail`` otherwise."""
    correct, member = np.asarray(correct, dtype=bool), np.asarray(member, dtype=bool)
    if not member.any() or member.all():
        raise ValueError(f"a failure check needs points in and out of the slice: {member.sum()} of {len(member)} in it")
    row = {}
    for part, rows in (("slice", member), ("rest", ~member)):
        low, high = bootstrap_interval(correct[rows], seed)
        row.update({f"n_{part}": int(rows.sum()), f"{part}_accuracy": float(correct[rows].mean())})
        row.update({f"{part}_low": low, f"{part}_high": high})
    fails = row["slice_accuracy"] <= FAIL_RATIO * row["rest_accuracy"] and row["rest_low"] > row["slice_high"]
    row["verdict"] = "fails" if fails else "does not fail"
    return row
