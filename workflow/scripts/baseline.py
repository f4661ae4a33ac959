"""Augment the reference scorer's cluster (and, if it is small, its region) with one baseline
recipe, at the largest count."""

import pandas as pd
import torch

from topex import baselines, io
from topex.augmenter import cell_seed, training_keys
from topex.controls import oracle_points, region_seed
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    wildcards, params = snakemake.wildcards, snakemake.params
    method, settings = wildcards.method, params.baselines
    cluster = io.read_json(snakemake.input.chosen).get(params.scorer)
    if cluster is None:  # no candidate cluster: nothing to augment (cells are marked skipped)
        log.warning("no cluster chosen by '%s': no %s points", params.scorer, method)
        io.write_jsonl([], snakemake.output[0])
    else:
        points = pd.read_parquet(snakemake.input.points)
        seed = cell_seed(wildcards.dataset, wildcards.seed, cluster, method)
        attempts = settings["attempts_per_point"]
        # the oracle's order: the cluster's points in the shared seeded order, then its nearest explore points
        order_seed = region_seed(wildcards.dataset, wildcards.seed, cluster)
        sources = oracle_points(points, cluster, params.largest_count * attempts, order_seed)
        augmenter = baselines.make_augmenter(
            method,
            settings,
            params.classifier,
            model_dir=snakemake.input.get("model"),
            wordnet_dir=snakemake.input.get("wordnet"),
        )
        records = baselines.augment_cluster(
            augmenter,
            method,
            sources,
            training_keys(pd.read_parquet(snakemake.input.train)),
            params.largest_count,
            attempts,
            seed,
        )
        name = points.loc[points["cluster"] == cluster, "cluster_name"].iloc[0]
        in_cluster = set(points.loc[points["cluster"] == cluster, "id"])
        for record in records:
            record.update(cluster=cluster, cluster_name=name, source_in_cluster=record["source_id"] in in_cluster)
        # wall times go to the log, not the result file: the same config gives the same file
        seconds = sum(record.pop("seconds") for record in records)
        io.write_jsonl(records, snakemake.output[0])
        accepted = sum(r["accepted"] for r in records)
        log.info(
            "%s: %d accepted of %d attempts, %.2f s per attempt",
            method,
            accepted,
            len(records),
            seconds / max(len(records), 1),
        )
