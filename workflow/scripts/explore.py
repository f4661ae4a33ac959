"""The Explorer for one (dataset, seed): clusters, names, 2D coordinates, coverage summary."""

import pandas as pd

from topex import io
from topex.exploration import run_explorer
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    points, clusters, projection, summary = run_explorer(
        pd.read_parquet(snakemake.input.outputs),
        pd.read_parquet(snakemake.input.data),
        io.read_arrays(snakemake.input.embeddings)["embeddings"],
        io.read_json(snakemake.input.manifest)["label_names"],
        {key: snakemake.params[key] for key in ("explore", "naming", "projection")},
        int(snakemake.wildcards.seed),
    )
    summary.update(dataset=snakemake.wildcards.dataset, seed=int(snakemake.wildcards.seed))
    io.write_parquet(points, snakemake.output.points)
    io.write_csv(clusters, snakemake.output.clusters)
    io.write_arrays(snakemake.output.projection, **projection)
    io.write_json(summary, snakemake.output.summary)
    log.info(
        "%d clusters, %d candidates, %d noise points; %.1f %% of points clustered, candidates hold "
        "%d of %d misclassified points (error coverage %.1f %%)",
        len(clusters), summary["n_candidates"], int((points["cluster"] == -1).sum()),
        100 * summary["share_clustered"], summary["misclassified_in_candidates"],
        summary["n_misclassified"], 100 * summary["error_coverage"],
    )
