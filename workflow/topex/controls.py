"""Two controls that bound what targeted data can do (real labelled points, not generated).

``oracle``  n real points from the chosen cluster's region of the explore split: the cluster's own
            points first (in a seeded order), then the explore points nearest to the cluster's
            centroid in the normalised output space. The explore split is kept apart from test,
            so the oracle never sees a test point. It is the upper bound for targeted data.
``random``  n real points drawn at random (seeded) from the unused training pool: the lower bound,
            data that is not targeted at all.
``slice_oracle``  on a planted dataset only: n real points of the planted slice from the explore
            split (seeded), with their true labels. The positive control of retraining itself,
            whatever the Explorer chose: if it does not lift the slice's accuracy, no method's
            number on the slice can be read. It is evaluation: it reads the answer key, which
            nothing of the method reads, and it draws from explore, random from the pool, so the
            two never share a point.
Each returns the largest count; the smaller counts are prefixes, as for the generations.
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


def slice_points(explore: pd.DataFrame, member: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """``n`` explore points of the planted slice (``member``), seeded; all of them when the slice
    has fewer (the cells of the larger counts are then marked skipped)."""
    inside = np.flatnonzero(np.asarray(member, dtype=bool))
    chosen = np.random.default_rng(seed).permutation(inside)[:n]
    return explore.iloc[chosen][COLUMNS].reset_index(drop=True)
