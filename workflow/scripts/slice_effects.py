"""Table 2 on a planted slice: per method and n, the slice's accuracy, its paired deltas to the
control and to random with 95 % intervals and verdicts, and the rest's delta (harm), over the
seeds whose classifier fails on the slice (topex.answer_key.slice_effects); and the figure of slice
accuracy against n, seeds as dots."""

import pandas as pd

from topex import io, plots
from topex.answer_key import failing_seeds, slice_effects, slice_markdown, slice_power
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    cells = pd.concat([pd.read_csv(path, keep_default_na=False, na_values=[""]) for path in snakemake.input.cells])
    failures = pd.read_csv(snakemake.input.failures)
    table = slice_effects(cells, failures)
    io.write_csv(table, snakemake.output.csv)
    power = slice_power(cells, failures, snakemake.params.seeds)
    with io.atomic_path(snakemake.output.md) as tmp:
        tmp.write_text(slice_markdown(table, failures, snakemake.params.mode, power, snakemake.params.largest))
    plots.slice_accuracy(failing_seeds(cells, failures), snakemake.params.reference_scorer, snakemake.output.figure)
    log.info("%d rows from %d cells", len(table), len(cells))
