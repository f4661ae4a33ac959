"""Collect the cluster each scorer chose (null where there was no candidate)."""

from topex import io
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    chosen = {}
    for path in snakemake.input:
        record = io.read_json(path)
        chosen[record["scorer"]] = None if record["chosen"] is None else record["chosen"]["cluster"]
        log.info("%s: %s", record["scorer"], record["explanation"])
    io.write_json(chosen, snakemake.output[0])
