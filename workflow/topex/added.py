"""The points a method adds to the training set, in rank order, whatever wrote them.

Controls are parquet tables; LLM generations and baselines are JSONL files of every attempt, of
which the accepted ones carry their rank ``index``. The first n rows are the cell with n points.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .io import read_jsonl

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
