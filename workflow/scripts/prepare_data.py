"""Load a dataset and write its train / explore / test / pool splits and a manifest."""

from topex import data, io
from topex.logs import log_to

with log_to(snakemake.log[0]):
    spec = snakemake.params.dataset
    sources, label_names = data.load_source(spec["source"], data.needed_source_splits(spec["splits"]))
    splits, warnings = data.make_splits(sources, spec["splits"], snakemake.params.seed)
    # read from the config, not a param: the counts do not change the splits, only whether they serve
    data.check_pool(splits["pool"], max(snakemake.config["augment"]["counts"]), snakemake.wildcards.dataset)
    for name in data.SPLITS:
        io.write_parquet(splits[name], snakemake.output[name])
    io.write_json(
        {
            "dataset": snakemake.wildcards.dataset,
            "task": spec["task"],
            "label_names": label_names,
            "sentence_pair": bool(splits["train"]["text_pair"].notna().any()),
            "sizes": {name: len(frame) for name, frame in splits.items()},
            "data_seed": snakemake.params.seed,
            "warnings": warnings,
        },
        snakemake.output.manifest,
    )
