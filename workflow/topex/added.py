"""The points a method adds to the training set, in rank order, whatever wrote them.

Controls are parquet tables; LLM generations and baselines are JSONL files of every attempt, of
which the accepted ones carry their rank ``index``. The first n rows are the cell with n points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .io import read_arrays, read_jsonl

COLUMNS = ["id", "text", "text_pair", "label", "label_name"]


def read_added(path: str | Path) -> pd.DataFrame:
    """The accepted points of ``path`` in rank order, with the training columns and
    ``source_id``: the real point each one is (controls) or was derived from (baselines), so that
    in-group accuracy can leave it out; None for LLM generations."""
    path = Path(path)
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)[COLUMNS].reset_index(drop=True)
        return frame.assign(source_id=frame["id"])
    accepted = sorted((r for r in read_jsonl(path) if r["accepted"]), key=lambda r: r["index"])
    frame = pd.DataFrame(
        [
            {
                "id": f"{path.stem}-{r['index']}",
                "text": r["text"],
                "text_pair": r.get("text_pair"),
                "label": int(r["label"]),
                "label_name": r["label_name"],
                "source_id": r.get("source_id"),
            }
            for r in accepted
        ],
        columns=[*COLUMNS, "source_id"],
    )
    return frame.astype({"label": "int64"})


def cached_features(features_path: str | Path, source: str | Path, ids: pd.Series) -> np.ndarray:
    """The representations of the points of ``source`` (an added file), in its rank order, from
    the file that embeds every method of a seed (the workflow's ``base/added_features.npz``).
    ``ids`` are the points as :func:`read_added` reads them now: a mismatch is an error."""
    arrays = read_arrays(features_path)
    rows = arrays["source"] == str(source)
    if arrays["id"][rows].tolist() != [str(i) for i in ids]:
        raise ValueError(f"{features_path}: its points of {source} are not those of the file; rerun embed_added")
    return arrays["features"][rows]
