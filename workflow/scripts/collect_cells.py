"""Tabulate every retrained cell of one (dataset, seed, mode) with its paired deltas."""

from topex import io
from topex.cells import cell_rows
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    cells = [io.read_json(path) for path in snakemake.input.cells]
    params = snakemake.params
    rows = cell_rows(
        cells,
        io.read_json(snakemake.input.chosen),
        params.reference_scorer,
        [(llm, shots) for llm in params.llms for shots in params.shots],
        params.counts,
    )
    io.write_csv(rows, snakemake.output[0])
    log.info("%d rows from %d cells", len(rows), len(cells))
