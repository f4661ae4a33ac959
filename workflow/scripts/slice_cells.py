"""Every retrained cell of one planted (dataset, seed, mode), measured on the slice's test points
and on the rest, with paired deltas to the control and to random (topex.answer_key.slice_cells)."""

import pandas as pd

from topex import io
from topex.answer_key import in_slice, slice_cells
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    test_ids = pd.read_parquet(snakemake.input.test, columns=["id"])["id"]
    member = in_slice(test_ids, io.read_json(snakemake.input.answer_key), "test")
    rows = slice_cells(
        [io.read_json(path) for path in snakemake.input.cells],
        member,
        io.read_json(snakemake.input.chosen),
        params.reference_scorer,
        [(llm, shots) for llm in params.llms for shots in params.shots],
        params.counts,
    )
    io.write_csv(rows, snakemake.output[0])
    log.info("%d rows; %d of %d test points in the slice", len(rows), member.sum(), len(member))
