"""Combine the weighted metrics' score records into the weighted score (Eq. 6)."""

from topex import io
from topex.logs import log_to
from topex.scorers import combine

with log_to(snakemake.log[0]) as log:
    weights = dict(snakemake.params.weights)
    record = combine({metric: io.read_json(snakemake.input[metric]) for metric in weights}, weights)
    record.update(dataset=snakemake.wildcards.dataset, seed=int(snakemake.wildcards.seed))
    io.write_json(record, snakemake.output[0])
    (log.info if record["chosen"] else log.warning)("%s", record["explanation"])
