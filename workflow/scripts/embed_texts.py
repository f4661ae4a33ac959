"""Embed the explore texts with the local sentence encoder."""

import pandas as pd
import torch

from topex import data, io
from topex.devices import torch_device
from topex.embeddings import embed
from topex.logs import log_to

with log_to(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    encoder = snakemake.params.encoder
    texts = data.texts_of(pd.read_parquet(snakemake.input[0]))
    vectors = embed(
        texts,
        encoder["model"],
        encoder["batch_size"],
        encoder["max_length"],
        str(torch_device(snakemake.params.device)),
        encoder["revision"],
        snakemake.params.precision,
    )
    io.write_arrays(snakemake.output[0], embeddings=vectors)
