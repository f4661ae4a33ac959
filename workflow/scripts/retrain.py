"""Retrain one method's cells (mode, method, every n) and evaluate them on the test split and on
the chosen clusters' points (in-group accuracy)."""

import numpy as np
import pandas as pd
import torch

from topex import classifier, io, retrain
from topex.added import COLUMNS, read_added
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    wildcards, config = snakemake.wildcards, snakemake.params.retrain
    mode, seed = wildcards.mode, int(wildcards.seed)
    method = getattr(wildcards, "method", "control")
    settings = classifier.TrainSettings.from_config(snakemake.params.classifier)
    label_names = io.read_json(snakemake.input.manifest)["label_names"]
    train, test = pd.read_parquet(snakemake.input.train), pd.read_parquet(snakemake.input.test)
    points = pd.read_parquet(snakemake.input.points)
    chosen = sorted({c for c in io.read_json(snakemake.input.chosen).values() if c is not None})
    group_rows = np.flatnonzero(points["cluster"].isin(chosen).to_numpy())
    group = points.iloc[group_rows]
    evaluated = pd.concat([test, group[COLUMNS]], ignore_index=True)  # test first, then the groups
    all_added = read_added(snakemake.input.added) if "added" in snakemake.input.keys() else test[COLUMNS].head(0)

    cached = None
    if mode == "head":
        features = io.read_arrays(snakemake.input.features)
        cached = {"train": features["train"], "test": np.vstack([features["test"], features["explore"][group_rows]])}
        if len(all_added):  # once for the largest count; each n takes a prefix
            model, tokenizer = classifier.load_classifier(snakemake.input.model, settings)
            cached["added"] = classifier.forward(model, tokenizer, all_added, settings, features=True)[1]

    for n, output in zip(snakemake.params.counts, snakemake.output):
        added = all_added.head(n)
        metrics = {"dataset": wildcards.dataset, "seed": seed, "mode": mode, "method": method, "n": n}
        if len(added) < n:
            metrics["skipped"] = f"only {len(added)} {method} points available, {n} asked for"
            log.warning("%s", metrics["skipped"])
            io.write_json(metrics, output)
            continue
        if mode == "full" and n == 0:
            # The full-mode control is the fine-tune on train alone with this seed: the base model.
            base = io.read_json(snakemake.input.base_metrics)
            outputs = pd.read_parquet(snakemake.input.explore_outputs)
            group_logits = outputs.iloc[group_rows][classifier.logit_columns(outputs)].to_numpy()
            tested = pd.read_parquet(snakemake.input.test_outputs)
            test_logits = tested[classifier.logit_columns(tested)].to_numpy()
            metrics.update(accuracy=base["test"]["accuracy"], n_test=base["test"]["n"], seconds=0.0, reused="base model")
        else:
            run_cache = None if cached is None else {**cached, **({"added": cached["added"][:n]} if n else {})}
            logits, record = retrain.retrain(
                mode, train, added, evaluated, label_names, settings, seed, snakemake.input.model,
                cont=retrain.ContinueSettings(**config.get("continue", {})),
                head=retrain.HeadSettings(**config.get("head", {})),
                cached_features=run_cache,
            )
            group_logits, test_logits = logits[len(test):], logits[: len(test)]
            correct = logits[: len(test)].argmax(axis=1) == test["label"].to_numpy()
            metrics.update(record, accuracy=float(correct.mean()), n_test=len(test))
        group_correct = group_logits.argmax(axis=1) == group["label"].to_numpy()
        metrics["group"] = {
            str(c): {"accuracy": float(group_correct[(group["cluster"] == c).to_numpy()].mean()),
                     "n": int((group["cluster"] == c).sum())}
            for c in chosen
        }
        metrics["group_logits"] = {i: row.tolist() for i, row in zip(group["id"], group_logits)}
        # this model's own output range on test: maps its logits into a normalised space like the Explorer's
        metrics["test_logit_range"] = {"low": test_logits.min(axis=0).tolist(), "high": test_logits.max(axis=0).tolist()}
        io.write_json(metrics, output)
        log.info("%s n=%d: accuracy %.4f", method, n, metrics["accuracy"])
