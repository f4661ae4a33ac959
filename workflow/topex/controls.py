"""Two controls that bound what targeted data can do (real labelled points, not generated).

``oracle``  n real points from the chosen cluster's region of the explore split: the cluster's own
            points first (in a seeded order), then the explore points nearest to the cluster's
            centroid in the normalised output space. The explore split is kept apart from test,
            so the oracle never sees a test point. It is the upper bound for targeted data.
``random``  n real points drawn at random (seeded) from the unused training pool: the lower bound,
            data that is not targeted at all.
Both return the largest count; the smaller counts are prefixes, as for the generations.
The baselines draw their source points in the oracle's order, with the same seed
(:func:`region_seed`): baseline i augments the oracle's i-th point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["id", "text", "text_pair", "label", "label_name"]


def region_seed(dataset: str, training_seed, cluster: int) -> int:
    """The seed of the order of a chosen cluster's points (:func:`oracle_points`), shared by the
    oracle control and every baseline of that (dataset, training seed, cluster)."""
    from .augmenter import cell_seed

    return cell_seed(dataset, training_seed, cluster, "region")


def oracle_points(points: pd.DataFrame, cluster: int, n: int, seed: int) -> pd.DataFrame:
    """``n`` explore points from ``cluster`` and, if it is smaller, its nearest neighbours."""
    norm = points[[c for c in points.columns if c.startswith("norm_")]].to_numpy()
    inside = np.flatnonzero(points["cluster"].to_numpy() == cluster)
    if len(inside) == 0:
        raise ValueError(f"cluster {cluster} has no points in the explore split")
    members = np.random.default_rng(seed).permutation(inside)
    centroid = norm[inside].mean(axis=0)
    outside = np.setdiff1d(np.arange(len(points)), inside)
    nearest = outside[np.argsort(np.linalg.norm(norm[outside] - centroid, axis=1), kind="stable")]
    chosen = np.concatenate([members, nearest])[:n]
    return points.iloc[chosen][COLUMNS].reset_index(drop=True)


def random_points(pool: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` points of the unused training pool, seeded."""
    if len(pool) < n:
        raise ValueError(f"the training pool has {len(pool)} points, fewer than the {n} asked for")
    chosen = np.random.default_rng(seed).permutation(len(pool))[:n]
    return pool.iloc[chosen][COLUMNS].reset_index(drop=True)
