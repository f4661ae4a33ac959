"""The clusters the scorers chose for one (dataset, seed): ``score/chosen.json`` maps each scorer
to its chosen cluster, or null where it had no candidate (rule choose_clusters).

Kept free of heavy imports: the workflow's input functions use it while building the DAG.
"""

from __future__ import annotations


def distinct_clusters(chosen: dict[str, int | None]) -> list[int]:
    """The distinct chosen clusters, sorted: each is generated for, and given a region, once."""
    return sorted({cluster for cluster in chosen.values() if cluster is not None})
