"""Draw the oracle or random control points of one (dataset, seed), at the largest count."""

import pandas as pd

from topex import controls, io
from topex.augmenter import cell_seed
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    control, n = snakemake.wildcards.control, snakemake.params.n
    dataset = snakemake.wildcards.dataset
    if control == "random":
        seed = cell_seed(dataset, snakemake.wildcards.seed, control)
        points = controls.random_points(pd.read_parquet(snakemake.input.pool), n, seed)
    else:
        cluster = io.read_json(snakemake.input.chosen).get(snakemake.params.scorer)
        if cluster is None:  # no candidate cluster: no oracle either (recorded as skipped downstream)
            log.warning("no cluster chosen by '%s': the oracle control is empty", snakemake.params.scorer)
            points = pd.DataFrame(columns=controls.COLUMNS)
        else:
            seed = controls.region_seed(dataset, snakemake.wildcards.seed, cluster)  # the baselines' order too
            points = controls.oracle_points(pd.read_parquet(snakemake.input.points), cluster, n, seed)
    io.write_parquet(points, snakemake.output[0])
    log.info("%d %s points", len(points), control)
