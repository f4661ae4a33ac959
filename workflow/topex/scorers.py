"""Score every candidate cluster with one scorer and choose the best, with a reason a person can read.

A score record (the ``score/{scorer}.json`` file) lists every candidate with its score, the
chosen cluster (highest score; ties go to the larger cluster, then the lower id) and a one-line
explanation in the spirit of the paper's appendix A. When there is no candidate, the record
says so, ``chosen`` is null, and downstream stages skip augmentation for that cell. The scorers
are a registry, :data:`SCORERS`, name to function.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from . import cluster_metrics
from .data import texts_of

LABELS = {
    "density": "density",
    "pairwise": "average pairwise distance",
    "geomedian": "geometric-median distance",
    "ctc": "CTC preservation",
    "cosine": "cosine similarity",
    "weighted": "weighted score",
    "errors": "misclassified points",
    "weighted_errors": "weighted score × misclassified points",
}


class Cluster(NamedTuple):
    """One candidate cluster as a scorer sees it."""

    outputs: np.ndarray  # the normalised outputs of every point (some scorers compare with the rest)
    mask: np.ndarray  # which points are the cluster's
    points: pd.DataFrame  # the Explorer's per-point table, every point
    name: str  # the cluster's name (ctc aligns it with the texts)


# The scorers: name -> score of one cluster, given the config's ``scoring`` section and the aligner
# (ctc only). The topex.tables.COMBINED scorers are not among them: they combine their records (:func:`combine`,
# :func:`combine_errors`).
SCORERS: dict[str, Callable[[Cluster, dict, object], float]] = {
    "density": lambda c, settings, aligner: cluster_metrics.density(c.outputs[c.mask], settings["density_min_extent"]),
    "pairwise": lambda c, settings, aligner: cluster_metrics.pairwise_distance(
        c.outputs, c.mask, settings["pairwise_normalisation"]
    ),
    "geomedian": lambda c, settings, aligner: cluster_metrics.geomedian_distance(
        c.outputs, c.mask, settings["geomedian_tolerance"]
    ),
    "cosine": lambda c, settings, aligner: cluster_metrics.count_cosine(
        texts_of(c.points[c.mask]), settings["cosine_stop_words"]
    ),
    "ctc": lambda c, settings, aligner: cluster_metrics.ctc_preservation(c.name, texts_of(c.points[c.mask]), aligner),
    # not in the paper (README, "Does the Explorer find the failures?")
    "errors": lambda c, settings, aligner: cluster_metrics.errors_removable(
        int((c.mask & ~c.points["correct"].to_numpy(dtype=bool)).sum())
    ),
}


def norm_columns(points: pd.DataFrame) -> list[str]:
    return sorted((c for c in points.columns if c.startswith("norm_")), key=lambda c: int(c.split("_")[1]))


def score_clusters(
    scorer: str, points: pd.DataFrame, candidates: pd.DataFrame, settings: dict, aligner=None
) -> np.ndarray:
    """The ``scorer``'s score of every candidate cluster, in the order of ``candidates``.

    ``points`` is the Explorer's per-point table (normalised outputs ``norm_*``, ``cluster``,
    texts); ``settings`` the config's ``scoring`` section; ``aligner`` is needed by ``ctc`` only.
    """
    if scorer not in SCORERS:
        raise ValueError(f"unknown scorer '{scorer}' (known: {', '.join(SCORERS)}; weighted combines their records)")
    score = SCORERS[scorer]
    outputs = points[norm_columns(points)].to_numpy()
    scores = [
        score(Cluster(outputs, (points["cluster"] == cluster).to_numpy(), points, name), settings, aligner)
        for cluster, name in zip(candidates["cluster"], candidates["name"])
    ]
    return np.asarray(scores, dtype=np.float64)


def choose(scorer: str, candidates: pd.DataFrame, scores: np.ndarray, components: dict | None = None) -> dict:
    """The score record: every candidate's score, the chosen one and why.

    ``candidates`` holds ``cluster``, ``name``, ``size`` and ``error_rate`` (other columns are
    ignored). ``components`` (weighted scorer only) maps each weighted metric to its min-max scaled
    scores, kept in the record so the choice can be traced.
    """
    record = {"scorer": scorer, "n_candidates": int(len(candidates))}
    if len(candidates) == 0:
        record.update(chosen=None, candidates=[], explanation="no candidate cluster: nothing to augment")
        return record
    table = candidates[["cluster", "name", "size", "error_rate"]].copy()
    table["score"] = scores
    for metric, values in (components or {}).items():
        table[f"scaled_{metric}"] = values
    ranked = table.assign(neg_size=-table["size"]).sort_values(
        ["score", "neg_size", "cluster"], ascending=[False, True, True]
    )
    best = ranked.iloc[0]
    record["candidates"] = table.to_dict(orient="records")
    record["chosen"] = {"cluster": int(best["cluster"]), "name": best["name"], "score": float(best["score"])}
    record["explanation"] = explain(scorer, best, scores)
    return record


def explain(scorer: str, best: pd.Series, scores: np.ndarray) -> str:
    """E.g. "cluster 'cinderella disney the and' chosen: cosine similarity 2.17× the mean of all
    candidates (min 0.57×)"."""
    head = f"cluster '{best['name']}' ({int(best['cluster'])}, {int(best['size'])} points) chosen: {LABELS[scorer]}"
    mean = float(np.mean(scores))
    if len(scores) == 1:
        return f"{head} {best['score']:.4g}, the only candidate"
    if mean <= 0:
        return f"{head} {best['score']:.4g}, best of {len(scores)} candidates (mean {mean:.4g})"
    return (
        f"{head} {best['score'] / mean:.2f}× the mean of all {len(scores)} candidates "
        f"(min {float(np.min(scores)) / mean:.2f}×)"
    )


def combine(records: dict[str, dict], weights: dict[str, float]) -> dict:
    """The weighted scorer's record from the records of the metrics it weights (Eq. 6)."""
    first = next(iter(records.values()))
    candidates = pd.DataFrame(first["candidates"], columns=["cluster", "name", "size", "error_rate", "score"])
    per_metric = {}
    for metric, record in records.items():
        frame = pd.DataFrame(record["candidates"], columns=["cluster", "score"])
        if frame["cluster"].tolist() != candidates["cluster"].tolist():
            raise ValueError(f"score record of '{metric}' lists other candidates than '{first['scorer']}'")
        per_metric[metric] = frame["score"].to_numpy()
    if len(candidates) == 0:
        record = choose("weighted", candidates, np.array([]))
    else:
        scores = cluster_metrics.weighted(per_metric, weights)
        components = {metric: cluster_metrics.minmax_scale(per_metric[metric]) for metric in weights}
        record = choose("weighted", candidates, scores, components)
    record["weights"] = dict(weights)  # also without candidates: weighted_errors carries them on
    return record


def misclassified(candidates: pd.DataFrame) -> np.ndarray:
    """The misclassified points of each candidate, from its size and error rate."""
    return np.rint(candidates["size"].to_numpy(dtype=np.float64) * candidates["error_rate"].to_numpy(dtype=np.float64))


def combine_errors(weighted_record: dict) -> dict:
    """The weighted_errors scorer's record from the weighted score's record (not in the paper:
    :func:`topex.cluster_metrics.weighted_errors`)."""
    candidates = pd.DataFrame(weighted_record["candidates"], columns=["cluster", "name", "size", "error_rate", "score"])
    errors = misclassified(candidates)
    record = choose(
        "weighted_errors", candidates, cluster_metrics.weighted_errors(candidates["score"].to_numpy(), errors)
    )
    for entry, weighted_score, n_errors in zip(record["candidates"], candidates["score"], errors):
        entry.update(weighted_score=float(weighted_score), misclassified=int(n_errors))
    record["weights"] = dict(weighted_record["weights"])
    return record
