"""The Explorer (paper §2.1–2.2): normalise the classifier's outputs, cluster them with OPTICS,
and find the clusters made mostly of misclassified points.

Beyond the paper's path (OPTICS on the normalised logits), the space clustered and the algorithm
are options (config ``explore``): the space can be the sentence embeddings of the texts, or both
spaces side by side; the algorithm can be scikit-learn's HDBSCAN; and either algorithm can
cluster the misclassified points only (``errors_only``), every correctly classified point then
joining the cluster whose region it falls in; and the points can be clustered separately per
confusion cell (``by_confusion``: one (true label, predicted label) pair at a time), so that a
cluster holds one kind of error. Every option is deterministic: neither OPTICS nor
HDBSCAN draws random numbers, so no seed is involved. How well each option finds known failures is
measured by ``bench/discovery.py`` (README, "Does the Explorer find the failures?").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import HDBSCAN, OPTICS
from sklearn.neighbors import NearestNeighbors

NOISE = -1
SPACES = ("logits", "embeddings", "both")
ALGORITHMS = ("optics", "hdbscan")


def minmax_normalise(
    values: np.ndarray, mode: str = "per_dimension", reference: np.ndarray | None = None
) -> np.ndarray:
    """Min-max normalise outputs to [-1, 1] (paper §2.1).

    The paper says only that "all data is in the interval [-1, 1]". ``per_dimension`` (default)
    scales each logit dimension by its own range over the points, so every class axis spans
    [-1, 1] and the label vectors (±1, see :func:`normalise_labels`) are the corners of that box:
    "the most correct value of the model becomes our new desired value". ``global`` scales all
    entries by one range, which keeps the relative size of the dimensions. A dimension (or a
    matrix) with zero range maps to 0. With ``reference``, the ranges are those of the reference
    outputs, so outputs after augmentation land in the space the Explorer saw before it.
    """
    values = np.asarray(values, dtype=np.float64)
    ranges = values if reference is None else np.asarray(reference, dtype=np.float64)
    if mode == "per_dimension":
        low, high = ranges.min(axis=0), ranges.max(axis=0)
    elif mode == "global":
        low, high = ranges.min(), ranges.max()
    else:
        raise ValueError(f"explore.normalise: unknown mode '{mode}' (per_dimension or global)")
    span = np.asarray(high - low, dtype=np.float64)
    safe = np.where(span > 0, span, 1.0)
    scaled = 2.0 * (values - low) / safe - 1.0
    return np.where(span > 0, scaled, 0.0)


def normalise_labels(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Labels on the same scale as the normalised outputs: one-hot mapped to {-1, 1}."""
    return 2.0 * np.eye(n_classes)[np.asarray(labels)] - 1.0


def cluster_outputs(
    points: np.ndarray,
    min_samples: int,
    xi: float = 0.05,
    min_cluster_size: int | float | None = None,
    max_eps: float = np.inf,
    metric: str = "euclidean",
) -> np.ndarray:
    """OPTICS cluster id per point, ``-1`` for noise (Ankerst et al. 1999, scikit-learn's OPTICS).

    OPTICS is deterministic, so no seed is involved. With fewer points than ``min_samples``
    (or than an integer ``min_cluster_size``) there is nothing to cluster and every point is noise.
    """
    points = np.asarray(points, dtype=np.float64)
    floor = min_cluster_size if isinstance(min_cluster_size, int) else 0
    if len(points) < max(2, min_samples, floor):
        return np.full(len(points), NOISE, dtype=np.int64)
    optics = OPTICS(min_samples=min_samples, xi=xi, min_cluster_size=min_cluster_size, max_eps=max_eps, metric=metric)
    return optics.fit_predict(points).astype(np.int64)


def cluster_hdbscan(
    points: np.ndarray,
    min_cluster_size: int = 5,
    min_samples: int | None = None,
    cluster_selection_method: str = "eom",
    cluster_selection_epsilon: float = 0.0,
) -> np.ndarray:
    """HDBSCAN cluster id per point, ``-1`` for noise (Campello et al. 2013, scikit-learn's HDBSCAN).

    Deterministic (no seed). With fewer points than ``min_cluster_size`` (or ``min_samples``)
    every point is noise.
    """
    points = np.asarray(points, dtype=np.float64)
    if len(points) < max(2, min_cluster_size, min_samples or 0):
        return np.full(len(points), NOISE, dtype=np.int64)
    model = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_method=cluster_selection_method,
        cluster_selection_epsilon=cluster_selection_epsilon,
        copy=True,
    )
    return model.fit_predict(points).astype(np.int64)


def explore_space(normalised: np.ndarray, embeddings: np.ndarray | None, space: str) -> np.ndarray:
    """The points the Explorer clusters, one row per explore point.

    ``logits`` (the paper's): the normalised outputs in [-1, 1]. ``embeddings``: the texts'
    L2-normalised sentence embeddings. ``both``: the two side by side, the normalised outputs
    divided by ``sqrt(K)`` for K classes, so that each block spans at most a Euclidean distance of
    2 (the box's diagonal 2·sqrt(K) becomes 2, the diameter of the embeddings' unit sphere) and
    neither drowns the other.
    """
    normalised = np.asarray(normalised, dtype=np.float64)
    if space == "logits":
        return normalised
    if space not in SPACES:
        raise ValueError(f"explore.space: unknown value '{space}' (one of {', '.join(SPACES)})")
    if embeddings is None or len(embeddings) != len(normalised):
        raise ValueError(f"explore.space '{space}' needs one sentence embedding per explore point")
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if space == "embeddings":
        return embeddings
    return np.hstack([normalised / np.sqrt(normalised.shape[1]), embeddings])


def _cluster_with(points: np.ndarray, explore: dict) -> np.ndarray:
    algorithm = explore["algorithm"]
    if algorithm == "optics":
        optics = explore["optics"]
        return cluster_outputs(
            points,
            min_samples=optics["min_samples"],
            xi=optics["xi"],
            min_cluster_size=optics["min_cluster_size"],
            max_eps=np.inf if optics["max_eps"] is None else optics["max_eps"],
        )
    if algorithm == "hdbscan":
        return cluster_hdbscan(points, **explore["hdbscan"])
    raise ValueError(f"explore.algorithm: unknown value '{algorithm}' (one of {', '.join(ALGORITHMS)})")


def join_regions(points: np.ndarray, clustered: np.ndarray, cluster: np.ndarray, k: int) -> np.ndarray:
    """Cluster ids for every point when only the ``clustered`` points (a mask) were clustered.

    A point outside the mask joins the cluster of its nearest clustered point ``q`` when it lies
    within ``q``'s core distance (the distance from ``q`` to its ``k``-th nearest clustered
    neighbour): the region a density-based cluster claims around its members. Other points are
    noise. Used by ``errors_only``, so that a cluster's error rate still counts the correctly
    classified points that share its region.
    """
    points = np.asarray(points, dtype=np.float64)
    clustered = np.asarray(clustered, dtype=bool)
    out = np.full(len(points), NOISE, dtype=np.int64)
    out[clustered] = cluster
    inside, outside = points[clustered], np.flatnonzero(~clustered)
    members = cluster != NOISE
    if not members.any() or len(outside) == 0:
        return out
    k = max(1, min(k, len(inside) - 1))
    neighbours = NearestNeighbors(n_neighbors=k + 1).fit(inside)
    core = neighbours.kneighbors(inside)[0][:, -1]
    distance, nearest = (a[:, 0] for a in neighbours.kneighbors(points[outside], n_neighbors=1))
    joins = (cluster[nearest] != NOISE) & (distance <= core[nearest])
    out[outside[joins]] = cluster[nearest[joins]]
    return out


def cluster_cells(points: np.ndarray, labels: np.ndarray, predictions: np.ndarray, explore: dict) -> np.ndarray:
    """Cluster id per point, each confusion cell (a (true label, predicted label) pair) clustered
    on its own with the configured algorithm; ids are unique across cells, in the cells' order.

    This is the hard form of Domino's idea (Eyuboglu et al. 2022) of modelling the label and the
    prediction beside the features: a cluster never mixes kinds of error, and every cluster of an
    off-diagonal cell is wholly misclassified. With ``errors_only`` the diagonal cells (the correct
    points) are not clustered: they stay noise, as no correct point can share an error's cell.
    """
    points = np.asarray(points, dtype=np.float64)
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    out = np.full(len(points), NOISE, dtype=np.int64)
    next_id = 0
    for label, prediction in sorted(set(zip(labels.tolist(), predictions.tolist()))):
        if explore["errors_only"] and label == prediction:
            continue
        members = np.flatnonzero((labels == label) & (predictions == prediction))
        cluster = _cluster_with(points[members], explore)
        found = cluster != NOISE
        out[members[found]] = cluster[found] + next_id
        next_id += int(cluster.max()) + 1 if found.any() else 0
    return out


def cluster_explore(points: np.ndarray, labels: np.ndarray, predictions: np.ndarray, explore: dict) -> np.ndarray:
    """Cluster id per point with the configured algorithm (``explore.algorithm``): over all points;
    per confusion cell with ``explore.by_confusion`` (:func:`cluster_cells`); or, with
    ``explore.errors_only`` alone, over the misclassified points (see :func:`join_regions`)."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if explore["by_confusion"]:
        return cluster_cells(points, labels, predictions, explore)
    if not explore["errors_only"]:
        return _cluster_with(points, explore)
    wrong = labels != predictions
    cluster = _cluster_with(np.asarray(points)[wrong], explore)
    if explore["algorithm"] == "optics":
        k = explore["optics"]["min_samples"]
    else:
        options = explore["hdbscan"]
        k = options["min_samples"] or options["min_cluster_size"]  # null min_samples: min_cluster_size
    return join_regions(points, wrong, cluster, k)


def find_clusters(
    normalised: np.ndarray, embeddings: np.ndarray | None, labels: np.ndarray, predictions: np.ndarray, explore: dict
) -> tuple[np.ndarray, pd.DataFrame]:
    """The Explorer's clustering as the workflow runs it, from the normalised outputs: the cluster
    id per point (in the space ``explore.space``) and the per-cluster table with its candidates
    (``explore.candidate_error_rate``, ``explore.candidate_min_size``)."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    cluster = cluster_explore(explore_space(normalised, embeddings, explore["space"]), labels, predictions, explore)
    clusters = summarise_clusters(
        cluster, labels == predictions, explore["candidate_error_rate"], explore["candidate_min_size"]
    )
    return cluster, clusters


def coverage(cluster: np.ndarray, correct: np.ndarray, clusters: pd.DataFrame) -> dict:
    """How much of the explore set the Explorer covers: the share of points clustered, the
    candidates' sizes, and the error coverage (the share of misclassified points that lie in a
    candidate cluster: what any choice among the candidates can reach at best)."""
    cluster = np.asarray(cluster)
    wrong = ~np.asarray(correct, dtype=bool)
    candidates = clusters[clusters["is_candidate"]]
    in_candidate = np.isin(cluster, candidates["cluster"].to_numpy())
    n, n_wrong = len(cluster), int(wrong.sum())
    return {
        "n_points": n,
        "n_misclassified": n_wrong,
        "n_clustered": int((cluster != NOISE).sum()),
        "share_clustered": float((cluster != NOISE).mean()) if n else 0.0,
        "n_clusters": int(len(clusters)),
        "n_candidates": int(len(candidates)),
        "candidate_sizes": sorted((int(s) for s in candidates["size"]), reverse=True),
        "candidate_points": int(in_candidate.sum()),
        "misclassified_in_candidates": int((in_candidate & wrong).sum()),
        "error_coverage": float((in_candidate & wrong).sum() / n_wrong) if n_wrong else 0.0,
    }


def summarise_clusters(cluster: np.ndarray, correct: np.ndarray, threshold: float, min_size: int = 1) -> pd.DataFrame:
    """One row per cluster (noise excluded): size, misclassified count, error rate, candidate flag.

    A cluster is a candidate when it is "mostly composed of falsely classified values"
    (paper §2.2): its error rate is strictly above ``threshold`` (0.5 by default, i.e. a majority)
    and it has at least ``min_size`` points (config ``explore.candidate_min_size``; 1, no floor,
    is the paper's).
    """
    frame = pd.DataFrame({"cluster": np.asarray(cluster), "wrong": ~np.asarray(correct, dtype=bool)})
    frame = frame[frame["cluster"] != NOISE]
    summary = (
        frame.groupby("cluster")["wrong"].agg(size="size", n_misclassified="sum").reset_index()
        if len(frame)
        else pd.DataFrame({"cluster": [], "size": [], "n_misclassified": []})
    )
    summary = summary.astype({"cluster": np.int64, "size": np.int64, "n_misclassified": np.int64})
    summary["error_rate"] = summary["n_misclassified"] / summary["size"].clip(lower=1)
    summary["is_candidate"] = (summary["error_rate"] > threshold) & (summary["size"] >= min_size)
    return summary
