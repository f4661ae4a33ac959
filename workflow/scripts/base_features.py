"""Cache the base model's representations of train, test and explore (for the head retraining mode)."""

import pandas as pd
import torch

from topex import classifier, io
from topex.logs import log_to

with log_to(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    settings = classifier.TrainSettings.from_config(snakemake.params.classifier)
    model, tokenizer = classifier.load_classifier(snakemake.input.model, settings)
    features = {
        split: classifier.forward(model, tokenizer, pd.read_parquet(snakemake.input[split]), settings, features=True)[1]
        for split in ("train", "test", "explore")
    }
    io.write_arrays(snakemake.output[0], **features)
