"""One dataset's figures from its first seed: before/after map, composition, interactive map."""

import numpy as np
import pandas as pd

from topex import io, plots
from topex.explorer import minmax_normalise
from topex.projection import project
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    dataset, params = snakemake.wildcards.dataset, snakemake.params
    points = pd.read_parquet(snakemake.input.points)
    clusters = pd.read_csv(snakemake.input.clusters, keep_default_na=False)
    cluster = io.read_json(snakemake.input.chosen).get(params.scorer)
    control, cell = io.read_json(snakemake.input.control), io.read_json(snakemake.input.cell)
    projection = io.read_arrays(snakemake.input.projection)

    def positions(metrics, ids):
        """Where a retrained model puts the points: its logits, min-max normalised by its own
        test-set range (as the Explorer normalises the base model's), on the Explorer's axes."""
        logits = np.array([metrics["group_logits"][i] for i in ids])
        limits = metrics["test_logit_range"]
        return project(minmax_normalise(logits, params.normalise, reference=np.array([limits["low"], limits["high"]])),
                       projection)

    before = after = None
    if cluster is not None and "group_logits" in cell:
        ids = points.loc[points["cluster"] == cluster, "id"]
        before, after = positions(control, ids), positions(cell, ids)
        name = clusters.loc[clusters["cluster"] == cluster, "name"].iloc[0]
        title = (f"{dataset} seed {params.seed}: cluster '{name}' ({params.scorer}), control vs "
                 f"{cell['method'].removeprefix('generated/')} n={cell['n']} ({cell['mode']} mode)")
    else:
        title = f"{dataset} seed {params.seed}: no cluster chosen by {params.scorer} (or no points generated)"
        log.warning("%s", title)
    plots.before_after(points, before, after, title, snakemake.output.before_after)
    plots.cluster_composition(clusters, f"{dataset} seed {params.seed}", snakemake.output.composition)
    plots.interactive_map(points, f"{dataset} seed {params.seed}: output space", snakemake.output.interactive)
