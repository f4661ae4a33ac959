"""The Explorer stage as a whole: from a forward pass to named, projected clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .classifier import logit_columns
from .data import texts_of
from .explorer import cluster_outputs, minmax_normalise, summarise_clusters
from .naming import name_clusters
from .projection import fit_projection, project


def run_explorer(
    outputs: pd.DataFrame,
    data: pd.DataFrame,
    embeddings: np.ndarray,
    label_names: list[str],
    settings: dict,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """Return the per-point table, the per-cluster table and the fitted 2D projection.

    ``outputs`` is the forward pass over ``data`` (same ids, same order); ``settings`` holds the
    config sections ``explore``, ``naming`` and ``projection``.
    """
    if not outputs["id"].equals(data["id"]):
        raise ValueError("the forward-pass outputs and the explore split do not list the same points in order")
    explore, naming = settings["explore"], settings["naming"]
    optics = explore["optics"]
    logits = outputs[logit_columns(outputs)].to_numpy()
    points = minmax_normalise(logits, explore.get("normalise", "per_dimension"))
    cluster = cluster_outputs(
        points,
        min_samples=optics["min_samples"],
        xi=optics.get("xi", 0.05),
        min_cluster_size=optics.get("min_cluster_size"),
        max_eps=np.inf if optics.get("max_eps") is None else optics["max_eps"],
    )
    clusters = summarise_clusters(cluster, outputs["correct"].to_numpy(), explore["candidate_error_rate"])
    names = name_clusters(
        texts_of(data), embeddings, cluster, naming.get("top_n_words", 4), naming.get("stop_words", "english")
    )
    clusters["name"] = clusters["cluster"].map(names)
    clusters = clusters[["cluster", "size", "n_misclassified", "error_rate", "name", "is_candidate"]]

    projection = fit_projection(points, settings["projection"].get("alpha", 1.0), seed)
    xy = project(points, projection)
    table = data[["id", "text", "text_pair", "label", "label_name"]].copy()
    table["prediction"] = outputs["prediction"].to_numpy()
    table["prediction_name"] = [label_names[p] for p in table["prediction"]]
    table["correct"] = outputs["correct"].to_numpy()
    table["cluster"] = cluster
    table["cluster_name"] = table["cluster"].map(names)
    table["is_candidate"] = table["cluster"].isin(clusters.loc[clusters["is_candidate"], "cluster"])
    for k in range(points.shape[1]):
        table[f"norm_{k}"] = points[:, k]
    table["x"], table["y"] = xy[:, 0], xy[:, 1]
    return table, clusters.reset_index(drop=True), projection
