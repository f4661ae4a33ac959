"""Tabulate the noise study: per mode, the control's spread and the paired oracle and random
effects on test and in-group accuracy, with intervals, paired sd and minimum detectable effect."""

from pathlib import Path

import pandas as pd

from topex import io, tables
from topex.cells import cell_rows
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    records = [io.read_json(path) for path in snakemake.input.cells]
    chosen = {(d, str(s)): io.read_json(path) for (d, s), path in zip(params.dataset_seeds, snakemake.input.chosen)}
    frames = []
    for (dataset, seed, _mode), group in pd.DataFrame({"r": records}).groupby(
        [[r["dataset"] for r in records], [str(r["seed"]) for r in records], [r["mode"] for r in records]]
    ):
        frames.append(cell_rows(list(group["r"]), chosen[(dataset, seed)], params.reference_scorer, [], []))
    table = tables.noise(pd.concat(frames, ignore_index=True), len(params.seeds))
    io.write_csv(table.round(6), snakemake.output.csv)
    with io.atomic_path(snakemake.output.markdown) as tmp:
        Path(tmp).write_text(tables.noise_markdown(table, params.n))
    log.info("%d rows", len(table))
