"""The Explorer's coverage over every (dataset, seed): share clustered, candidates, error coverage."""

from topex import io
from topex.logs import log_to
from topex.tables import coverage_table

with log_to(snakemake.log[0]) as log:
    table = coverage_table([io.read_json(path) for path in snakemake.input])
    io.write_csv(table, snakemake.output.csv)
    with io.atomic_path(snakemake.output.md) as tmp:
        tmp.write_text(io.markdown_table(table, digits=3) + "\n")
    for row in table[table["seed"] == "mean"].itertuples():
        log.info("%s: error coverage %.1f %% on average", row.dataset, 100 * row.error_coverage)
