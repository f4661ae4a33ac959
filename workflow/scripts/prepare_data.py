"""Load a dataset and write its train / explore / test / pool splits, a manifest, and the answer
key of a planted failure (its slice's ids per split; a file that says "not planted" otherwise)."""

from topex import data, io
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    spec = snakemake.params.dataset
    splits, manifest, answer_key = data.prepare(
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
    io.write_json(answer_key, snakemake.output.answer_key)
    log.info(
        "rows dropped (empty text or label) per source split: %s; exact duplicates removed: %s",
        manifest["dropped_empty"],
        manifest["duplicates_removed"],
    )
