"""Retrain one cell (mode, method, n) and evaluate it on the test split."""

import pandas as pd
import torch

from topex import classifier, io, retrain
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    wildcards, config = snakemake.wildcards, snakemake.params.retrain
    mode, method, n, seed = wildcards.mode, wildcards.method, int(wildcards.n), int(wildcards.seed)
    settings = classifier.TrainSettings.from_config(snakemake.params.classifier)
    test = pd.read_parquet(snakemake.input.test)
    added = pd.read_parquet(snakemake.input.added).head(n) if "added" in snakemake.input.keys() else test.head(0)
    metrics = {"dataset": wildcards.dataset, "seed": seed, "mode": mode, "method": method, "n": n}
    if len(added) < n:
        metrics["skipped"] = f"only {len(added)} {method} points available, {n} asked for"
        log.warning("%s", metrics["skipped"])
    elif mode == "full" and n == 0:
        # The full-mode control is the fine-tune on train alone with this seed: the base model.
        base = io.read_json(snakemake.input.base_metrics)
        metrics.update(accuracy=base["test"]["accuracy"], n_test=base["test"]["n"], seconds=0.0, reused="base model")
    else:
        features = io.read_arrays(snakemake.input.features) if mode == "head" else None
        logits, record = retrain.retrain(
            mode, pd.read_parquet(snakemake.input.train), added, test,
            io.read_json(snakemake.input.manifest)["label_names"], settings, seed, snakemake.input.model,
            cont=retrain.ContinueSettings(**config.get("continue", {})),
            head=retrain.HeadSettings(**config.get("head", {})),
            cached_features=features,
        )
        correct = logits.argmax(axis=1) == test["label"].to_numpy()
        metrics.update(record, accuracy=float(correct.mean()), n_test=len(test))
    io.write_json(metrics, snakemake.output[0])
    log.info("%s", metrics)
