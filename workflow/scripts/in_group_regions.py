"""The in-group evaluation region of each chosen cluster of one (dataset, seed): its nearest test
points in the base model's normalised output space (topex.regions)."""

import pandas as pd

from topex import io
from topex.chosen import distinct_clusters
from topex.clustering import minmax_normalise
from topex.logs import log_to
from topex.outputs import logit_columns
from topex.regions import cluster_regions

with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    points = pd.read_parquet(snakemake.input.points)
    explore, test = pd.read_parquet(snakemake.input.explore_outputs), pd.read_parquet(snakemake.input.test_outputs)
    if not explore["id"].equals(points["id"]):
        raise ValueError(f"{snakemake.input.points}: its points are not those of {snakemake.input.explore_outputs}")
    explore_logits = explore[logit_columns(explore)].to_numpy()
    # the test outputs in the space the Explorer saw: normalised with the explore split's ranges
    explore_points = minmax_normalise(explore_logits, params.normalise)
    test_points = minmax_normalise(test[logit_columns(test)].to_numpy(), params.normalise, reference=explore_logits)
    chosen = distinct_clusters(io.read_json(snakemake.input.chosen))
    regions = cluster_regions(
        test_points, test["id"].tolist(), explore_points, points["cluster"].to_numpy(), chosen, params.size
    )
    correct = dict(zip(test["id"], test["correct"]))
    for cluster, entry in regions.items():
        entry["base_accuracy"] = sum(correct[i] for i in entry["ids"]) / len(entry["ids"]) if entry["ids"] else None
        log.info(
            "cluster %s (%d members): %d test points, base accuracy %s, farthest at %.3f",
            cluster,
            entry["members"],
            len(entry["ids"]),
            entry["base_accuracy"],
            max(entry["distances"], default=0.0),
        )
    io.write_json({"size": params.size, "regions": regions}, snakemake.output[0])
