"""The per-point record of a forward pass (ids, labels, logits, prediction, correctness) and its
logit columns. Apart from the classifier, so that the jobs that read outputs import no torch."""

from __future__ import annotations

import numpy as np
import pandas as pd


def outputs_table(frame: pd.DataFrame, logits: np.ndarray) -> pd.DataFrame:
    """The per-point record of a forward pass: ids, labels, logits, prediction, correctness."""
    prediction = logits.argmax(axis=1)
    table = frame[["id", "label", "label_name"]].copy()
    table["prediction"] = prediction
    table["correct"] = prediction == frame["label"].to_numpy()
    for k in range(logits.shape[1]):
        table[f"logit_{k}"] = logits[:, k]
    return table


def logit_columns(table: pd.DataFrame) -> list[str]:
    return sorted((c for c in table.columns if c.startswith("logit_")), key=lambda c: int(c.split("_")[1]))
