"""Retrain one method's cells (mode, method, every n) and evaluate them on the test split and on
the chosen clusters' regions of it (in-group accuracy); the explore points are evaluated for the
before/after map (every point for the control, the chosen clusters' points otherwise)."""

import numpy as np
import pandas as pd
import torch

from topex import classifier, io, retrain
from topex.added import COLUMNS, read_added
from topex.logs import log_to
from topex.regions import region_accuracy

with log_to(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    wildcards, config = snakemake.wildcards, snakemake.params.retrain
    mode, seed = wildcards.mode, int(wildcards.seed)
    method = getattr(wildcards, "method", "control")
    settings = classifier.TrainSettings.from_config(snakemake.params.classifier)
    label_names = io.read_json(snakemake.input.manifest)["label_names"]
    train, test = pd.read_parquet(snakemake.input.train), pd.read_parquet(snakemake.input.test)
    points = pd.read_parquet(snakemake.input.points)
    regions = io.read_json(snakemake.input.regions)["regions"]
    chosen = sorted(int(c) for c in regions)
    in_chosen = points["cluster"].isin(chosen).to_numpy()
    # the explore points evaluated besides test: all of them for the control, else the chosen clusters'
    rows = np.arange(len(points)) if method == "control" else np.flatnonzero(in_chosen)
    evaluated = pd.concat([test, points.iloc[rows][COLUMNS]], ignore_index=True)  # test first
    all_added = read_added(snakemake.input.added) if "added" in snakemake.input.keys() else None
    retrainer = retrain.Retrainer(mode, train, evaluated, label_names, settings, seed, snakemake.input.model,
                                  config, snakemake.input.get("features"), explore_rows=rows)

    for n, output in zip(snakemake.params.counts, snakemake.output):
        added = test[COLUMNS].head(0) if all_added is None else all_added.head(n)
        metrics = {"dataset": wildcards.dataset, "seed": seed, "mode": mode, "method": method, "n": n}
        if len(added) < n:
            metrics["skipped"] = f"only {len(added)} {method} points available, {n} asked for"
            log.warning("%s", metrics["skipped"])
            io.write_json(metrics, output)
            continue
        if mode == "full" and n == 0:
            # The full-mode control is the fine-tune on train alone with this seed: the base model.
            outputs = [pd.read_parquet(path) for path in (snakemake.input.test_outputs, snakemake.input.explore_outputs)]
            logits = np.vstack([outputs[0][classifier.logit_columns(outputs[0])].to_numpy(),
                                outputs[1][classifier.logit_columns(outputs[1])].to_numpy()[rows]])
            metrics["reused"] = "base model"
        else:
            logits, record = retrainer.run(added[COLUMNS], all_added)
            metrics.update(record)
            log.info("%s n=%d: %.1f s", method, n, metrics.pop("seconds"))
        logits = retrain.finite(logits)
        test_logits, explore_logits = logits[: len(test)], logits[len(test):]
        correct = test_logits.argmax(axis=1) == test["label"].to_numpy()
        metrics.update(accuracy=float(correct.mean()), n_test=len(test),
                       group=region_accuracy(test["id"].tolist(), correct, regions))
        metrics["group_logits"] = {i: row.tolist() for i, row in zip(points["id"].iloc[rows], explore_logits)}
        if method == "control":
            metrics["explore_logits"] = explore_logits.tolist()
        io.write_json(metrics, output)
        log.info("%s n=%d: accuracy %.4f", method, n, metrics["accuracy"])
