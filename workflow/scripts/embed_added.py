"""The base model's representations of every method's added points of one seed, in one forward
pass: the head retraining cells refit on them without loading a model."""

import numpy as np
import pandas as pd
import torch

from topex import classifier, io
from topex.added import COLUMNS, read_added
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    settings = classifier.TrainSettings.from_config(snakemake.params.classifier)
    added = pd.concat([read_added(path).assign(source=str(path)) for path in snakemake.input.added], ignore_index=True)
    features = np.zeros((0, 0), dtype=np.float32)  # no method added any point
    if len(added):
        model, tokenizer = classifier.load_classifier(snakemake.input.model, settings)
        features = classifier.added_features(model, tokenizer, added[COLUMNS], settings)
    io.write_arrays(
        snakemake.output[0],
        features=features,
        source=added["source"].to_numpy(dtype=str),
        id=added["id"].astype(str).to_numpy(dtype=str),
    )
    log.info("%d points of %d files", len(added), len(snakemake.input.added))
