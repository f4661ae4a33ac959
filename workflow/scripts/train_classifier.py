"""Fine-tune the base classifier of one (dataset, seed) and save it as safetensors."""

import os
import shutil

import pandas as pd
import torch

from topex import classifier, io
from topex.logs import log_to

with log_to(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    settings = classifier.TrainSettings.from_config(snakemake.params.classifier)
    label_names = io.read_json(snakemake.input.manifest)["label_names"]
    partial = f"{snakemake.output.model}.partial"  # renamed into place only when complete
    shutil.rmtree(partial, ignore_errors=True)
    summary = classifier.fine_tune(
        pd.read_parquet(snakemake.input.train), label_names, settings, int(snakemake.wildcards.seed), partial
    )
    os.replace(partial, snakemake.output.model)
    io.write_json(summary, snakemake.output.summary)
