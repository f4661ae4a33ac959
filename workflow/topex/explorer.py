"""The Explorer (paper §2.1–2.2): normalise the classifier's outputs, cluster them with OPTICS,
and find the clusters made mostly of misclassified points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import OPTICS

NOISE = -1


def minmax_normalise(values: np.ndarray, mode: str = "per_dimension", reference: np.ndarray | None = None) -> np.ndarray:
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
    there is nothing to cluster and every point is noise.
    """
    points = np.asarray(points, dtype=np.float64)
    if len(points) < max(2, min_samples):
        return np.full(len(points), NOISE, dtype=np.int64)
    optics = OPTICS(
        min_samples=min_samples, xi=xi, min_cluster_size=min_cluster_size, max_eps=max_eps, metric=metric
    )
    return optics.fit_predict(points).astype(np.int64)


def summarise_clusters(cluster: np.ndarray, correct: np.ndarray, threshold: float) -> pd.DataFrame:
    """One row per cluster (noise excluded): size, misclassified count, error rate, candidate flag.

    A cluster is a candidate when it is "mostly composed of falsely classified values"
    (paper §2.2): its error rate is strictly above ``threshold`` (0.5 by default, i.e. a majority).
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
    summary["is_candidate"] = summary["error_rate"] > threshold
    return summary
