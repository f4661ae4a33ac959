"""Score every candidate cluster with one scorer and choose the best, with a reason a person can read.

A score record (the ``score/{scorer}.json`` file) lists every candidate with its score, the
chosen cluster (highest score; ties go to the larger cluster, then the lower id) and a one-line
explanation in the spirit of the paper's appendix A. When there is no candidate, the record
says so, ``chosen`` is null, and downstream stages skip augmentation for that cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import scoring
from .data import texts_of

LABELS = {
    "density": "density",
    "pairwise": "average pairwise distance",
    "geomedian": "geometric-median distance",
    "ctc": "CTC preservation",
    "cosine": "cosine similarity",
    "weighted": "weighted score",
    "errors": "misclassified points",
}
BASE_SCORERS = ("density", "pairwise", "geomedian", "ctc", "cosine")
EXTRA_SCORERS = ("errors",)  # not in the paper (README, "Does the Explorer find the failures?")


def norm_columns(points: pd.DataFrame) -> list[str]:
    return sorted((c for c in points.columns if c.startswith("norm_")), key=lambda c: int(c.split("_")[1]))


def score_clusters(scorer: str, points: pd.DataFrame, candidates: pd.DataFrame, settings: dict, aligner=None) -> np.ndarray:
    """The ``scorer``'s score of every candidate cluster, in the order of ``candidates``.

    ``points`` is the Explorer's per-point table (normalised outputs ``norm_*``, ``cluster``,
    texts); ``settings`` the config's ``scoring`` section; ``aligner`` is needed by ``ctc`` only.
    """
    outputs = points[norm_columns(points)].to_numpy()
    scores = []
    for cluster in candidates["cluster"]:
        mask = (points["cluster"] == cluster).to_numpy()
        if scorer == "density":
            scores.append(scoring.density(outputs[mask], settings["density_min_extent"]))
        elif scorer == "pairwise":
            scores.append(scoring.pairwise_distance(outputs, mask, settings["pairwise_normalisation"]))
        elif scorer == "geomedian":
            scores.append(scoring.geomedian_distance(outputs, mask, settings["geomedian_tolerance"]))
        elif scorer == "cosine":
            scores.append(scoring.count_cosine(texts_of(points[mask]), settings["cosine_stop_words"]))
        elif scorer == "ctc":
            name = candidates.loc[candidates["cluster"] == cluster, "name"].iloc[0]
            scores.append(scoring.ctc_preservation(name, texts_of(points[mask]), aligner))
        elif scorer == "errors":
            scores.append(scoring.errors_removable(int((mask & ~points["correct"].to_numpy(dtype=bool)).sum())))
        else:
            raise ValueError(f"unknown scorer '{scorer}' (known: {', '.join(LABELS)})")
    return np.asarray(scores, dtype=np.float64)


def choose(scorer: str, candidates: pd.DataFrame, scores: np.ndarray, components: dict | None = None) -> dict:
    """The score record: every candidate's score, the chosen one and why.

    ``components`` (weighted scorer only) maps each weighted metric to its min-max scaled
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
        return choose("weighted", candidates, np.array([]))
    scores = scoring.weighted(per_metric, weights)
    components = {metric: scoring.minmax_scale(per_metric[metric]) for metric in weights}
    record = choose("weighted", candidates, scores, components)
    record["weights"] = dict(weights)
    return record
