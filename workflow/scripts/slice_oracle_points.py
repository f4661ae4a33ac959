"""Draw the slice oracle of one planted (dataset, seed): real slice points of explore, at the
largest count (topex.controls.slice_points)."""

import pandas as pd

from topex import controls, io
from topex.answer_key import in_slice
from topex.augmenter import cell_seed
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    wildcards, n = snakemake.wildcards, snakemake.params.n
    explore = pd.read_parquet(snakemake.input.explore)
    member = in_slice(explore["id"], io.read_json(snakemake.input.answer_key), "explore")
    points = controls.slice_points(explore, member, n, cell_seed(wildcards.dataset, wildcards.seed, "slice_oracle"))
    if len(points) < n:
        log.warning("the slice has %d explore points, fewer than the %d asked for", len(points), n)
    io.write_parquet(points, snakemake.output[0])
    log.info("%d slice_oracle points of %d in the slice", len(points), member.sum())
