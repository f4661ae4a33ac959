"""The Explorer stage as a whole: from a forward pass to named, projected clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .clustering import coverage, find_clusters, minmax_normalise
from .data import texts_of
from .naming import name_clusters
from .outputs import logit_columns
from .projection import fit_projection, project


def run_explorer(
    outputs: pd.DataFrame,
    data: pd.DataFrame,
    embeddings: np.ndarray,
    label_names: list[str],
    settings: dict,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray], dict]:
    """Return the per-point table, the per-cluster table, the fitted 2D projection and the
    coverage summary (:func:`topex.clustering.coverage`, with the options used).

    ``outputs`` is the forward pass over ``data`` (same ids, same order); ``settings`` holds the
    config sections ``explore``, ``naming`` and ``projection``. The clustering runs in the
    configured space (``explore.space``); the table's ``norm_*`` columns, which the scorers and
    the map use, are the normalised outputs in every case.
    """
    if not outputs["id"].equals(data["id"]):
        raise ValueError("the forward-pass outputs and the explore split do not list the same points in order")
    explore, naming = settings["explore"], settings["naming"]
    logits = outputs[logit_columns(outputs)].to_numpy()
    points = minmax_normalise(logits, explore["normalise"])
    correct = outputs["correct"].to_numpy()
    cluster, clusters = find_clusters(points, embeddings, data["label"].to_numpy(), outputs["prediction"], explore)
    names = name_clusters(texts_of(data), embeddings, cluster, naming["top_n_words"], naming["stop_words"])
    clusters["name"] = clusters["cluster"].map(names)
    clusters = clusters[["cluster", "size", "n_misclassified", "error_rate", "name", "is_candidate"]]

    projection = fit_projection(points, settings["projection"]["alpha"], seed)
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
    summary = coverage(cluster, correct, clusters)
    summary["options"] = {key: explore[key] for key in ("space", "algorithm", "errors_only", "by_confusion")}
    return table, clusters.reset_index(drop=True), projection, summary
