"""One dataset's figures from its first seed: before/after map, composition, interactive map."""

import numpy as np
import pandas as pd

from topex import io, plots
from topex.clustering import minmax_normalise
from topex.logs import log_to
from topex.projection import project

with log_to(snakemake.log[0]) as log:
    dataset, params = snakemake.wildcards.dataset, snakemake.params
    points = pd.read_parquet(snakemake.input.points)
    clusters = pd.read_csv(snakemake.input.clusters, keep_default_na=False)
    cluster = io.read_json(snakemake.input.chosen).get(params.scorer)
    control, cell = io.read_json(snakemake.input.control), io.read_json(snakemake.input.cell)
    projection = io.read_arrays(snakemake.input.projection)
    # The control's output space, normalised as the Explorer normalises the base model's; the
    # augmented model's outputs go through the same transformation, so a shift is a real change.
    reference = np.array(control["explore_logits"])

    def mapped(logits):
        return project(minmax_normalise(np.asarray(logits), params.normalise, reference=reference), projection)

    background, before, after, label = mapped(reference), None, None, None
    if cluster is not None and "group_logits" in cell:
        members = (points["cluster"] == cluster).to_numpy()
        before = background[members]
        after = mapped([cell["group_logits"][i] for i in points.loc[members, "id"]])
        name = clusters.loc[clusters["cluster"] == cluster, "name"].iloc[0]
        label = f"'{name}' ({int(members.sum())} points)"
        title = (
            f"{dataset} seed {params.seed}: cluster '{name}' ({params.scorer}), control vs "
            f"{cell['method'].removeprefix('generated/')} n={cell['n']} ({cell['mode']} mode)"
        )
    else:
        title = f"{dataset} seed {params.seed}: no cluster chosen by {params.scorer} (or no points generated)"
        log.warning("%s", title)
    plots.before_after(background, before, after, title, snakemake.output.before_after, label)
    plots.cluster_composition(clusters, points, f"{dataset} seed {params.seed}", snakemake.output.composition)
    plots.interactive_map(
        points,
        f"{dataset} seed {params.seed}: output space",
        snakemake.output.interactive,
        generated=pd.read_parquet(snakemake.input.generations),
    )
