"""Forward pass of the base classifier over the explore and test splits."""

import pandas as pd
import torch

from topex import classifier, io
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    settings = classifier.TrainSettings.from_config(snakemake.params.classifier)
    metrics = {"seed": int(snakemake.wildcards.seed), "mode": "base", "model": settings.model}
    for split in ("explore", "test"):
        frame = pd.read_parquet(snakemake.input[split])
        table = classifier.outputs_table(frame, classifier.predict_logits(snakemake.input.model, frame, settings))
        io.write_parquet(table, snakemake.output[split])
        metrics[split] = {"n": len(table), "accuracy": float(table["correct"].mean())}
        log.info("%s accuracy: %.4f on %d points", split, metrics[split]["accuracy"], len(table))
    io.write_json(metrics, snakemake.output.metrics)
