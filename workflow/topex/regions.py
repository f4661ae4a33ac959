"""In-group evaluation regions: the test points around a chosen cluster in the base model's
output space.

In-group accuracy asks whether a method fixed the failure it targeted. Measured on the chosen
cluster's own explore points it cannot be read: those clusters have a handful of points, and the
oracle and the baselines draw from them. So the region of a cluster is a fixed set of *test*
points, which no method ever draws from, chosen before any retraining and shared by every cell
of a seed and its control (paired on identical ids):

    the ``size`` test points nearest to the cluster, where the distance of a test point to the
    cluster is its distance to the cluster's nearest member, in the Explorer's normalised output
    space of the base model (the test logits are normalised with the explore split's ranges, so
    both splits live in the space the Explorer clustered).

A fixed size (config ``retrain.region_size``) rather than a radius keeps every region measurable
(a radius around a 5-point cluster often holds no test point) and makes the minimum detectable
effect comparable across seeds. Ties are broken by test order (stable sort).
"""

from __future__ import annotations

import numpy as np


def distances_to_cluster(test_points: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Each test point's Euclidean distance to the nearest of ``members`` (both normalised)."""
    test_points = np.asarray(test_points, dtype=np.float64)
    members = np.asarray(members, dtype=np.float64)
    if len(members) == 0:
        raise ValueError("a region needs a cluster with at least one member")
    gaps = test_points[:, None, :] - members[None, :, :]
    return np.sqrt((gaps**2).sum(axis=2)).min(axis=1)


def region(test_points: np.ndarray, members: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the ``size`` test points nearest to the cluster (all of them if fewer), in
    order of distance, and their distances."""
    distance = distances_to_cluster(test_points, members)
    order = np.argsort(distance, kind="stable")[:size]
    return order, distance[order]


def cluster_regions(
    test_points: np.ndarray,
    test_ids: list,
    explore_points: np.ndarray,
    explore_cluster: np.ndarray,
    clusters: list[int],
    size: int,
) -> dict[str, dict]:
    """The region of every cluster in ``clusters``: its test ids (nearest first), their distances,
    and the number of explore members it was measured from; keyed by the cluster id as a string
    (JSON keys)."""
    regions = {}
    for cluster in clusters:
        members = explore_points[np.asarray(explore_cluster) == cluster]
        chosen, distance = region(test_points, members, size)
        regions[str(cluster)] = {
            "ids": [test_ids[i] for i in chosen],
            "distances": distance.tolist(),
            "members": int(len(members)),
        }
    return regions


def region_accuracy(test_ids: list, correct: np.ndarray, regions: dict[str, dict]) -> dict[str, dict]:
    """Accuracy of one retrained model on every region: the share of the region's test points it
    classifies correctly, over how many points, and their ids (so that the pairing of a cell with
    its control on identical points can be checked from the result files; ``nan`` when empty)."""
    position = {point: i for i, point in enumerate(test_ids)}
    correct = np.asarray(correct, dtype=bool)
    result = {}
    for cluster, entry in regions.items():
        rows = [position[point] for point in entry["ids"]]
        result[cluster] = {
            "accuracy": float(correct[rows].mean()) if rows else float("nan"),
            "n": len(rows),
            "ids": list(entry["ids"]),
        }
    return result
