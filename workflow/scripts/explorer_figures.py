"""Draw the output-space map and the cluster composition chart of one (dataset, seed)."""

import pandas as pd

from topex import io, plots
from topex.logs import log_to

with log_to(snakemake.log[0]):
    points = pd.read_parquet(snakemake.input.points)
    clusters = pd.read_csv(snakemake.input.clusters, keep_default_na=False)
    title = f"{snakemake.wildcards.dataset}, seed {snakemake.wildcards.seed}"
    chosen = io.read_json(snakemake.input.score)["chosen"]
    plots.output_space_map(
        points,
        clusters,
        f"Output space: {title}",
        snakemake.output.output_space,
        None if chosen is None else chosen["cluster"],
        snakemake.params.scorer,
    )
    plots.cluster_composition(clusters, points, f"Cluster composition: {title}", snakemake.output.composition)
