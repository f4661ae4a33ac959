"""One forward pass of the base classifier over train, explore and test: the logits of explore and
test (predictions, accuracy) and every split's representation with the final linear layer's
weights, cached for the retraining modes that train that layer alone (head, top with layers 0)."""

import pandas as pd
import torch

from topex import classifier, io
from topex.logs import log_to
from topex.outputs import outputs_table

with log_to(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    settings = classifier.TrainSettings.from_config(snakemake.params.classifier)
    model, tokenizer = classifier.load_classifier(snakemake.input.model, settings)
    metrics = {"seed": int(snakemake.wildcards.seed), "mode": "base", "model": settings.model}
    features = {}
    for split in ("train", "explore", "test"):
        frame = pd.read_parquet(snakemake.input[split])
        logits, features[split] = classifier.forward(model, tokenizer, frame, settings, features=True)
        table = outputs_table(frame, logits)
        if split != "train":
            io.write_parquet(table, snakemake.output[split])
        metrics[split] = {"n": len(table), "accuracy": float(table["correct"].mean())}
        log.info("%s accuracy: %.4f on %d points", split, metrics[split]["accuracy"], len(table))
    # the final linear layer too: top-mode cells (layers 0) train it from here without the model
    head = classifier.head_layer(model)
    features.update(head_weight=head.weight.detach().cpu().numpy(), head_bias=head.bias.detach().cpu().numpy())
    io.write_arrays(snakemake.output.features, **features)
    io.write_json(metrics, snakemake.output.metrics)
