"""Fit the independent label judge of a dataset on its explore split's sentence embeddings."""

import pandas as pd

from topex import io
from topex.judge import fit_judge
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    settings = snakemake.params.judge
    explore = pd.read_parquet(snakemake.input.explore)
    test = pd.read_parquet(snakemake.input.test)
    vectors = {
        split: io.read_arrays(snakemake.input[f"{split}_embeddings"])["embeddings"] for split in ("explore", "test")
    }
    judge = fit_judge(vectors["explore"], explore["label"].to_numpy(), settings["c"], settings["max_iter"])
    accuracy = {
        f"{split}_accuracy": float((judge.predict(vectors[split]) == frame["label"].to_numpy()).mean())
        for split, frame in (("explore", explore), ("test", test))
    }
    io.write_arrays(snakemake.output.judge, **judge.arrays())
    io.write_json(
        {"dataset": snakemake.wildcards.dataset, "classes": len(judge.classes), **accuracy}, snakemake.output.summary
    )
    log.info(
        "label judge: accuracy %.3f on explore, %.3f on test", accuracy["explore_accuracy"], accuracy["test_accuracy"]
    )
