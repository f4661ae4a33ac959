"""Evaluation against a planted failure's answer key (``results/{dataset}/data/answer_key.json``,
written by prepare_data: the slice's ids per split). Only evaluation reads it; the Explorer, the
scorers, the prompts, the baselines and the random control never do.

A planting counts only if the base classifier fails on it. The check is Domino's (Eyuboglu et
al. 2022), on the test split of each seed: the slice's accuracy is at most :data:`FAIL_RATIO`
of the accuracy on the rest, and the rest's bootstrap lower bound lies above the slice's upper
bound (95 % percentile intervals over :data:`RESAMPLES` resamples, seeded). A seed whose
classifier does not fail makes no claim: its rows are not read.

Discovery (:func:`discovery`) is judged by the chosen cluster's slice precision and its size, not
by error coverage: coverage is perfect when the candidates are whole confusion cells of hundreds
of points, which target nothing.
"""

from __future__ import annotations

import numpy as np

FAIL_RATIO = 0.5  # the slice's accuracy at most half the rest's
RESAMPLES = 2000
LEVEL = 0.95
HIT_PRECISION = 0.5  # a chosen cluster hits the slice when at least half its points are in it
NEAREST = 10  # Domino's precision at 10: the slice's share among the points nearest the cluster's centre
HIT_NEAREST = 0.8  # Domino's stricter hit: P@10 at least 0.8


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


def discovery(points, member: np.ndarray, cluster: int | None) -> dict:
    """How well a chosen cluster of the explore split targets the slice.

    ``points`` is the Explorer's table (explore/points.parquet: ``cluster``, ``correct``,
    ``is_candidate`` and the normalised outputs ``norm_*``), ``member`` whether each of its points
    is in the slice, ``cluster`` the scorer's choice (None: no candidate). Returns the cluster's
    size, its slice precision and ``hit`` (precision >= :data:`HIT_PRECISION`); the slice's share
    among the :data:`NEAREST` points nearest the cluster's centre in the normalised output space
    (``p_at_10``, ``hit_p10`` when >= :data:`HIT_NEAREST`); and the candidates' recall of the
    slice's misclassified points (their share inside any candidate cluster), which does not
    depend on the choice. A precision needs a choice: without one it is NaN and nothing is hit.
    """
    member = np.asarray(member, dtype=bool)
    wrong = member & ~points["correct"].to_numpy(dtype=bool)
    candidate = points["is_candidate"].to_numpy(dtype=bool)
    row = {
        "n_slice": int(member.sum()),
        "n_slice_misclassified": int(wrong.sum()),
        "candidate_recall": float((wrong & candidate).sum() / wrong.sum()) if wrong.any() else float("nan"),
        "cluster": cluster,
        "size": 0,
        "slice_precision": float("nan"),
        "hit": False,
        "p_at_10": float("nan"),
        "hit_p10": False,
    }
    if cluster is None:
        return row
    inside = points["cluster"].to_numpy() == cluster
    if not inside.any():
        raise ValueError(f"cluster {cluster} has no point in the explore table")
    space = points.filter(regex=r"^norm_\d+$").to_numpy(dtype=float)
    distance = np.linalg.norm(space - space[inside].mean(axis=0), axis=1)
    nearest = np.argsort(distance, kind="stable")[:NEAREST]  # ties in the table's order
    precision = float(member[inside].mean())
    p_at_10 = float(member[nearest].mean())
    row.update(size=int(inside.sum()), slice_precision=precision, hit=precision >= HIT_PRECISION)
    row.update(p_at_10=p_at_10, hit_p10=p_at_10 >= HIT_NEAREST)
    return row
