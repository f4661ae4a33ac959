"""The weighted score times each cluster's misclassified points, from the weighted score's record."""

from topex import io
from topex.logs import log_to
from topex.scorers import combine_errors

with log_to(snakemake.log[0]) as log:
    record = combine_errors(io.read_json(snakemake.input[0]))
    record.update(dataset=snakemake.wildcards.dataset, seed=int(snakemake.wildcards.seed))
    io.write_json(record, snakemake.output[0])
    (log.info if record["chosen"] else log.warning)("%s", record["explanation"])
