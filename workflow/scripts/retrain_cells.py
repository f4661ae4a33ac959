"""Retrain the cells of a job (one method at every n, or the noise study's control, oracle and
random of one mode) and evaluate them on the test split and on the chosen clusters' regions of it
(in-group accuracy); the explore points are evaluated for the before/after map (every point for
the control, the chosen clusters' points otherwise)."""

import numpy as np
import pandas as pd

from topex import io, retrain_modes
from topex.added import COLUMNS, cached_features, read_added
from topex.logs import log_to
from topex.outputs import logit_columns
from topex.train_settings import TrainSettings


def added_input(method: str) -> str | None:
    """The file of the points ``method`` adds: input ``added`` in a job of one method, ``added_<method>``
    in the noise study's job of several; None for the control."""
    for key in ("added", f"added_{method}"):
        if method != "control" and key in snakemake.input.keys():
            return snakemake.input[key]
    return None


def cells(method: str, counts: list[int]) -> list[dict]:
    """The metrics of ``method``'s cells, one per count."""
    # the explore points evaluated besides test: all of them for the control, else the chosen clusters'
    rows = np.arange(len(points)) if method == "control" else np.flatnonzero(in_chosen)
    evaluated = pd.concat([test, points.iloc[rows][COLUMNS]], ignore_index=True)  # test first
    added_path = added_input(method)
    all_added = read_added(added_path) if added_path else None
    added_features = None  # every method's points of the seed, embedded once (embed_added)
    if all_added is not None and "added_features" in snakemake.input.keys():
        added_features = cached_features(snakemake.input.added_features, added_path, all_added["id"])
    # a linear layer on cached representations starts no torch (retrain_modes.on_representations)
    if not retrain_modes.on_representations(mode, config) or (all_added is not None and added_features is None):
        import torch

        torch.set_num_threads(snakemake.threads)
    retrainer = retrain_modes.Retrainer(
        mode,
        train,
        evaluated,
        label_names,
        settings,
        seed,
        snakemake.input.model,
        config,
        snakemake.input.get("features"),
        explore_rows=rows,
        added_features=added_features,
    )
    base_logits = None
    if mode == "full":  # its n = 0 control is the base model: its outputs are reused
        outputs = [pd.read_parquet(path) for path in (snakemake.input.test_outputs, snakemake.input.explore_outputs)]
        base_logits = np.vstack(
            [
                outputs[0][logit_columns(outputs[0])].to_numpy(),
                outputs[1][logit_columns(outputs[1])].to_numpy()[rows],
            ]
        )
    return retrain_modes.count_metrics(
        retrainer,
        counts,
        all_added,
        wildcards.dataset,
        method,
        test,
        points["id"].iloc[rows],
        regions,
        base_logits,
    )


with log_to(snakemake.log[0]):
    wildcards, config = snakemake.wildcards, snakemake.params.retrain
    mode, seed = wildcards.mode, int(wildcards.seed)
    settings = TrainSettings.from_config(snakemake.params.classifier)
    label_names = io.read_json(snakemake.input.manifest)["label_names"]
    train, test = pd.read_parquet(snakemake.input.train), pd.read_parquet(snakemake.input.test)
    points = pd.read_parquet(snakemake.input.points)
    regions = io.read_json(snakemake.input.regions)["regions"]
    in_chosen = points["cluster"].isin(sorted(int(c) for c in regions)).to_numpy()
    # (method, counts) of the job's cells, its outputs in that order
    metrics = [cell for method, counts in snakemake.params.cells for cell in cells(method, counts)]
    for record, output in zip(metrics, snakemake.output, strict=True):
        io.write_json(record, output)
