"""The Explorer for one (dataset, seed): clusters, names, 2D coordinates."""

import pandas as pd

from topex import io
from topex.exploration import run_explorer
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    points, clusters, projection = run_explorer(
        pd.read_parquet(snakemake.input.outputs),
        pd.read_parquet(snakemake.input.data),
        io.read_arrays(snakemake.input.embeddings)["embeddings"],
        io.read_json(snakemake.input.manifest)["label_names"],
        {key: snakemake.params[key] for key in ("explore", "naming", "projection")},
        int(snakemake.wildcards.seed),
    )
    io.write_parquet(points, snakemake.output.points)
    io.write_csv(clusters, snakemake.output.clusters)
    io.write_arrays(snakemake.output.projection, **projection)
    log.info(
        "%d clusters, %d candidates, %d noise points",
        len(clusters), int(clusters["is_candidate"].sum()), int((points["cluster"] == -1).sum()),
    )
