"""Load a dataset and write its train / explore / test / pool splits and a manifest."""

from topex import data, io
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    spec = snakemake.params.dataset
    splits, manifest = data.prepare(
        snakemake.wildcards.dataset,
        spec,
        snakemake.params.seed,
        snakemake.params.prompt_fields,
        f"augment.prompts.{spec['task']}",
    )
    # read from the config, not a param: the counts do not change the splits, only whether they serve
    data.check_pool(splits["pool"], max(snakemake.config["augment"]["counts"]), snakemake.wildcards.dataset)
    for name in data.SPLITS:
        io.write_parquet(splits[name], snakemake.output[name])
    io.write_json(manifest, snakemake.output.manifest)
    log.info(
        "rows dropped (empty text or label) per source split: %s; exact duplicates removed: %s",
        manifest["dropped_empty"],
        manifest["duplicates_removed"],
    )
