"""Did the Explorer find a planted failure? Metrics of a clustering against a known slice.

The slice is the set of explore points a planting (:mod:`topex.planting`) made fail; a
clustering gives a cluster id per point (``-1`` noise). The metrics:

- precision of a cluster: the share of its points that are in the slice (what the Augmenter
  acts on when that cluster is chosen); the chosen cluster's precision is 0 when nothing is chosen;
- best candidate precision: the highest precision among the candidate clusters;
- recall: the share of the slice's misclassified points that lie in a candidate cluster;
- hit: the chosen cluster's precision is at least 0.5; the hit rate is the share of plantings hit;
- fragmentation: into how many clusters the slice's errors are split, and how many of those
  clusters are mostly slice (precision ≥ 0.5), to see whether a failure is cut into small
  clusters that a scorer passes over.

:func:`evaluate` runs one Explorer option over a planting's explore outputs, lets every scorer
choose, and returns all of these (``bench/discovery.py`` calls it per planting and option).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import cluster_metrics
from .clustering import coverage, find_clusters, minmax_normalise
from .scorers import choose, misclassified, score_clusters

NOISE = -1
HIT = 0.5


def cluster_precision(cluster: np.ndarray, in_slice: np.ndarray, chosen: int | None) -> float:
    """Share of the ``chosen`` cluster's points in the slice; 0 when no cluster was chosen."""
    if chosen is None:
        return 0.0
    members = np.asarray(cluster) == chosen
    if not members.any():
        raise ValueError(f"cluster {chosen} has no point")
    return float(np.asarray(in_slice, dtype=bool)[members].mean())


def best_precision(cluster: np.ndarray, in_slice: np.ndarray, candidates: list[int]) -> float:
    """The highest precision of a candidate cluster; 0 with no candidate."""
    return max((cluster_precision(cluster, in_slice, c) for c in candidates), default=0.0)


def slice_recall(cluster: np.ndarray, in_slice: np.ndarray, correct: np.ndarray, candidates: list[int]) -> float:
    """Share of the slice's misclassified points inside a candidate cluster (nan: the slice has
    no misclassified point, so there was nothing to find)."""
    errors = np.asarray(in_slice, dtype=bool) & ~np.asarray(correct, dtype=bool)
    if not errors.any():
        return float("nan")
    return float(np.isin(np.asarray(cluster)[errors], list(candidates)).mean())


def hit_rate(precisions: list[float], threshold: float = HIT) -> float:
    """Share of plantings whose chosen cluster has precision ≥ ``threshold``."""
    precisions = np.asarray(precisions, dtype=np.float64)
    return float((precisions >= threshold).mean()) if len(precisions) else float("nan")


def fragmentation(cluster: np.ndarray, in_slice: np.ndarray, correct: np.ndarray) -> dict:
    """How the slice's misclassified points are spread over clusters: the number of clusters
    holding any of them (noise aside), how many of those are mostly slice, the mean size of the
    mostly-slice clusters, and the share of the slice's errors left as noise."""
    cluster = np.asarray(cluster)
    in_slice = np.asarray(in_slice, dtype=bool)
    errors = in_slice & ~np.asarray(correct, dtype=bool)
    holding = sorted(set(cluster[errors].tolist()) - {NOISE})
    mostly = [c for c in holding if cluster_precision(cluster, in_slice, c) >= HIT]
    return {
        "clusters_holding": len(holding),
        "slice_clusters": len(mostly),
        "slice_cluster_mean_size": float(np.mean([(cluster == c).sum() for c in mostly])) if mostly else 0.0,
        "errors_in_noise": float((cluster[errors] == NOISE).mean()) if errors.any() else float("nan"),
    }


def evaluate(
    explore: pd.DataFrame,
    in_slice: np.ndarray,
    logits: np.ndarray,
    embeddings: np.ndarray | None,
    option: dict,
    scoring: dict,
    scorers: tuple[str, ...],
    weights: dict[str, float],
) -> dict:
    """Cluster a planting's explore points with one Explorer option (a validated config
    ``explore`` section), let every scorer in ``scorers``, the weighted combination of ``weights`` and
    weighted_errors choose a candidate, and measure the clustering against the slice.

    ``explore`` holds the points (``id``, ``text``, ``text_pair``, ``label``) in the order of
    ``logits``; ``scoring`` is the config's ``scoring`` section. Returns the slice's size and
    error rate, the best candidate's precision, the recall, the error coverage, the number of
    candidates, the fragmentation and ``precision_{scorer}`` of each scorer's chosen cluster.
    """
    labels, predictions = explore["label"].to_numpy(), np.asarray(logits).argmax(axis=1)
    correct = predictions == labels
    in_slice = np.asarray(in_slice, dtype=bool)
    normalised = minmax_normalise(logits, option["normalise"])
    cluster, clusters = find_clusters(normalised, embeddings, labels, predictions, option)
    candidates = clusters[clusters["is_candidate"]].reset_index(drop=True)
    candidates["name"] = candidates["cluster"].astype(str)
    points = explore[["id", "text", "text_pair"]].assign(cluster=cluster, correct=correct)
    for k in range(normalised.shape[1]):
        points[f"norm_{k}"] = normalised[:, k]
    ids = candidates["cluster"].tolist()
    row = {
        "slice_size": int(in_slice.sum()),
        "slice_error_rate": float((~correct[in_slice]).mean()) if in_slice.any() else float("nan"),
        "best_precision": best_precision(cluster, in_slice, ids),
        "recall": slice_recall(cluster, in_slice, correct, ids),
        "error_coverage": coverage(cluster, correct, clusters)["error_coverage"],
        "n_candidates": len(candidates),
        **fragmentation(cluster, in_slice, correct),
    }
    scores = {s: score_clusters(s, points, candidates, scoring) for s in scorers}
    scores["weighted"] = (
        cluster_metrics.weighted({m: scores[m] for m in weights}, weights) if len(candidates) else np.array([])
    )
    scores["weighted_errors"] = cluster_metrics.weighted_errors(scores["weighted"], misclassified(candidates))
    for scorer, values in scores.items():
        chosen = choose(scorer, candidates, values)["chosen"]
        row[f"precision_{scorer}"] = cluster_precision(cluster, in_slice, None if chosen is None else chosen["cluster"])
    return row
