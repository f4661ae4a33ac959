"""Retrain one method's cells (mode, method, every n) and evaluate them on the test split and on
the chosen clusters' points (in-group accuracy); the control is evaluated on every explore
point, which the before/after map draws."""

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
    in_chosen = points["cluster"].isin(chosen).to_numpy()
    # the explore points evaluated besides test: all of them for the control, else the chosen clusters'
    rows = np.arange(len(points)) if method == "control" else np.flatnonzero(in_chosen)
    explored = points.iloc[rows]
    evaluated = pd.concat([test, explored[COLUMNS]], ignore_index=True)  # test first
    all_added = read_added(snakemake.input.added) if "added" in snakemake.input.keys() else None

    cached = None
    if mode == "head":
        features = io.read_arrays(snakemake.input.features)
        cached = {"train": features["train"], "test": np.vstack([features["test"], features["explore"][rows]])}
        if all_added is not None and len(all_added):  # once for the largest count; each n takes a prefix
            model, tokenizer = classifier.load_classifier(snakemake.input.model, settings)
            cached["added"] = classifier.forward(model, tokenizer, all_added, settings, features=True)[1]

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
            base = io.read_json(snakemake.input.base_metrics)
            table = pd.read_parquet(snakemake.input.explore_outputs)
            explore_logits = table[classifier.logit_columns(table)].to_numpy()[rows]
            metrics.update(accuracy=base["test"]["accuracy"], n_test=base["test"]["n"], seconds=0.0, reused="base model")
        else:
            run_cache = None if cached is None else {**cached, **({"added": cached["added"][:n]} if "added" in cached else {})}
            logits, record = retrain.retrain(
                mode, train, added[COLUMNS], evaluated, label_names, settings, seed, snakemake.input.model,
                cont=retrain.ContinueSettings(**config.get("continue", {})),
                head=retrain.HeadSettings(**config.get("head", {})),
                cached_features=run_cache,
            )
            test_logits, explore_logits = logits[: len(test)], logits[len(test):]
            correct = test_logits.argmax(axis=1) == test["label"].to_numpy()
            metrics.update(record, accuracy=float(correct.mean()), n_test=len(test))
        explore_logits = retrain.finite(explore_logits)
        sources = set(added["source_id"].dropna()) if "source_id" in added else set()
        metrics.update(retrain.in_group(points[in_chosen], explore_logits[in_chosen[rows]], chosen, sources))
        if method == "control":
            metrics["explore_logits"] = explore_logits.tolist()
        io.write_json(metrics, output)
        log.info("%s n=%d: accuracy %.4f", method, n, metrics["accuracy"])
