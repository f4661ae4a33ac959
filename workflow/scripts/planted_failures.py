"""Whether the base classifier fails on each planted dataset's slice, per seed: the slice's test
accuracy and the rest's, with bootstrap intervals, and Domino's verdict (topex.answer_key)."""

import pandas as pd

from topex import io
from topex.answer_key import failure_check, in_slice
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    keys = dict(zip(snakemake.params.datasets, snakemake.input.answer_keys, strict=True))
    rows = []
    for (dataset, seed), path in zip(snakemake.params.dataset_seeds, snakemake.input.outputs, strict=True):
        key = io.read_json(keys[dataset])
        outputs = pd.read_parquet(path)
        try:
            check = failure_check(outputs["correct"].to_numpy(), in_slice(outputs["id"], key, "test"), seed)
        except ValueError as error:
            raise ValueError(f"datasets.{dataset}.splits.test: {error} (test split of {path})") from error
        rows.append({"dataset": dataset, "seed": seed, "slice": key["slice"], **check})
        log.info(
            "%s seed %d: slice %.3f, rest %.3f: %s",
            dataset,
            seed,
            check["slice_accuracy"],
            check["rest_accuracy"],
            check["verdict"],
        )
    table = pd.DataFrame(rows)
    io.write_csv(table, snakemake.output.csv)
    with io.atomic_path(snakemake.output.md) as tmp:
        tmp.write_text(io.markdown_table(table, digits=3) + "\n")
