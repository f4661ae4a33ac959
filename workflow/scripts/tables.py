"""Tables 1 and 2 and every cell's paired statistics, as CSV and Markdown."""

from pathlib import Path

import pandas as pd

from topex import io, tables
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    cells = pd.concat(
        [pd.read_csv(path, keep_default_na=False, na_values=[""]) for path in snakemake.input], ignore_index=True
    )
    oracle_n = max(params.counts)
    effects = tables.effects(cells)
    power = tables.power(cells, params.seeds, oracle_n)
    table1 = tables.table1(effects, params.scorers, params.table1_llm)
    table2 = tables.table2(effects, params.reference_scorer, params.baselines, dict(params.not_run), params.counts)
    # each row of Table 2 carries its dataset's power line: the smallest effects readable, the oracle's verdict
    readable = ["dataset", "mode", "oracle_detected", "mde", "target_mde", "in_group_mde", "in_group_target_mde"]
    table2 = table2.merge(power[readable], on=["dataset", "mode"], how="left")
    io.write_csv(cells, snakemake.output.cells)
    for frame, csv, markdown, text in [
        (effects, snakemake.output.effects, snakemake.output.effects_md, io.markdown_table(effects) + "\n"),
        (table1, snakemake.output.table1, snakemake.output.table1_md, tables.table1_markdown(table1)),
        (
            table2,
            snakemake.output.table2,
            snakemake.output.table2_md,
            tables.table2_markdown(table2, params.counts, power, oracle_n),
        ),
    ]:
        io.write_csv(frame.round(6), csv)
        with io.atomic_path(markdown) as tmp:
            Path(tmp).write_text(text)
    log.info("%d cells, %d effects", len(cells), len(effects))
