"""One dataset's figures from its first seed: before/after map, composition, interactive map."""

import numpy as np
import pandas as pd

from topex import io, plots
from topex.classifier import logit_columns
from topex.explorer import minmax_normalise
from topex.projection import project
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    dataset, params = snakemake.wildcards.dataset, snakemake.params
    points = pd.read_parquet(snakemake.input.points)
    clusters = pd.read_csv(snakemake.input.clusters, keep_default_na=False)
    cluster = io.read_json(snakemake.input.chosen).get(params.scorer)
    cell = io.read_json(snakemake.input.cell)
    after = None
    if cluster is not None and "group_logits" in cell:
        members = points[points["cluster"] == cluster]
        logits = np.array([cell["group_logits"][i] for i in members["id"]])
        base = pd.read_parquet(snakemake.input.explore_outputs)
        normalised = minmax_normalise(logits, params.normalise, reference=base[logit_columns(base)].to_numpy())
        after = project(normalised, io.read_arrays(snakemake.input.projection))
        name = clusters.loc[clusters["cluster"] == cluster, "name"].iloc[0]
        title = (f"{dataset} seed {params.seed}: cluster '{name}' ({params.scorer}) before and after "
                 f"{cell['method'].removeprefix('generated/')} n={cell['n']} ({cell['mode']} mode)")
    else:
        title = f"{dataset} seed {params.seed}: no cluster chosen by {params.scorer}"
        log.warning("%s", title)
    plots.before_after(points, cluster, after, title, snakemake.output.before_after)
    plots.cluster_composition(clusters, f"{dataset} seed {params.seed}", snakemake.output.composition)
    plots.interactive_map(points, f"{dataset} seed {params.seed}: output space", snakemake.output.interactive)
