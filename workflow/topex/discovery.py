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
"""

from __future__ import annotations

import numpy as np

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
