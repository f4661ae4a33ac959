"""Planted failures with a known answer (the Domino evaluation's idea, Eyuboglu et al. 2022).

Each planting changes the *training* data of a classifier so that it fails on a known set of
explore points, the slice, without outside labels: subgroups are defined by a keyword or by a
cluster of sentence embeddings within one class. Three kinds:

- ``rare``: one subgroup of a class is kept at a small share of train (1 %) but left at its
  natural share in explore (and test): the classifier rarely sees it.
- ``noisy``: the train labels of one subgroup are flipped to another class.
- ``cue``: a token is added to the train texts of one class only; in explore it is added to a
  share of the *other* classes' texts, which a classifier that learnt the cue gets wrong.

Every function is pure: the same inputs and seed give the same planting, and ``in_slice`` marks
exactly the explore points whose membership the planting decided.

A fourth kind, ``superclass`` (BREEDS-style, Santurkar et al. 2021), is planted by the workflow's
data preparation (config ``datasets.<name>.plant``): the classifier learns coarse classes made of
the dataset's fine ones, and one fine class, the slice, is all but absent from train. It works on
the source splits before carving and on the carved splits after (:func:`superclass_sources`,
:func:`cap_slice`), so that every split but train keeps the slice at its natural share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

KINDS = ("rare", "noisy", "cue")


@dataclass
class Planting:
    """A planted failure: the training and explore frames to use, and the slice over explore."""

    kind: str
    train: pd.DataFrame
    explore: pd.DataFrame
    in_slice: np.ndarray  # bool per explore row: the planted failure's members
    details: dict = field(default_factory=dict)


def keyword_subgroup(texts: list[str] | pd.Series, keyword: str) -> np.ndarray:
    """Texts that contain ``keyword`` as a whole word (case-insensitive)."""
    pattern = rf"(?i)\b{re.escape(keyword)}\b"
    return pd.Series(list(texts), dtype=object).str.contains(pattern, regex=True).to_numpy(dtype=bool)


def embedding_subgroups(embeddings: np.ndarray, n_groups: int, seed: int) -> np.ndarray:
    """A subgroup id per row: k-means (seeded) on the rows' sentence embeddings."""
    from sklearn.cluster import KMeans  # here: the data preparation that plants superclasses needs no sklearn

    model = KMeans(n_clusters=n_groups, n_init=4, random_state=seed)
    return model.fit_predict(np.asarray(embeddings, dtype=np.float64)).astype(np.int64)


def plant_rare(
    pool: pd.DataFrame,
    pool_member: np.ndarray,
    explore: pd.DataFrame,
    explore_member: np.ndarray,
    n_train: int,
    share: float,
    seed: int,
) -> Planting:
    """Draw ``n_train`` training points from ``pool`` with exactly ``round(share · n_train)``
    subgroup members (``pool_member``); explore keeps its natural share. Slice: explore members."""
    pool_member = np.asarray(pool_member, dtype=bool)
    n_members = int(round(share * n_train))
    members, others = np.flatnonzero(pool_member), np.flatnonzero(~pool_member)
    if n_members > len(members) or n_train - n_members > len(others):
        raise ValueError(
            f"rare planting: the pool has {len(members)} members and {len(others)} others, "
            f"{n_members} and {n_train - n_members} needed"
        )
    rng = np.random.default_rng(seed)
    chosen = np.concatenate(
        [rng.choice(members, n_members, replace=False), rng.choice(others, n_train - n_members, replace=False)]
    )
    train = pool.iloc[np.sort(chosen)].reset_index(drop=True)
    return Planting(
        "rare",
        train,
        explore.reset_index(drop=True),
        np.asarray(explore_member, dtype=bool).copy(),
        {"train_members": n_members, "share": share},
    )


def plant_noisy(
    train: pd.DataFrame,
    train_member: np.ndarray,
    explore: pd.DataFrame,
    explore_member: np.ndarray,
    to_label: int,
    label_names: list[str],
) -> Planting:
    """Flip the train labels of the subgroup's members to ``to_label``. Slice: explore members
    whose true label is not ``to_label``."""
    train_member = np.asarray(train_member, dtype=bool)
    train = train.reset_index(drop=True).copy()
    train.loc[train_member, "label"] = to_label
    train.loc[train_member, "label_name"] = label_names[to_label]
    explore = explore.reset_index(drop=True)
    in_slice = np.asarray(explore_member, dtype=bool) & (explore["label"].to_numpy() != to_label)
    return Planting(
        "noisy", train, explore, in_slice, {"flipped": int(train_member.sum()), "to_label": label_names[to_label]}
    )


def add_token(texts: pd.Series, token: str) -> pd.Series:
    """The texts with ``token`` put in front (within any truncation length)."""
    return token + " " + texts.astype(str)


def plant_cue(
    train: pd.DataFrame,
    explore: pd.DataFrame,
    cue_label: int,
    token: str,
    explore_share: float,
    seed: int,
) -> Planting:
    """Add ``token`` to every train text of class ``cue_label``, and to a seeded random
    ``explore_share`` of the explore texts of the other classes. Slice: those explore points."""
    train = train.reset_index(drop=True).copy()
    cue = train["label"].to_numpy() == cue_label
    train.loc[cue, "text"] = add_token(train.loc[cue, "text"], token)
    explore = explore.reset_index(drop=True).copy()
    others = np.flatnonzero(explore["label"].to_numpy() != cue_label)
    rng = np.random.default_rng(seed)
    marked = np.sort(rng.choice(others, int(round(explore_share * len(others))), replace=False))
    in_slice = np.zeros(len(explore), dtype=bool)
    in_slice[marked] = True
    explore.loc[in_slice, "text"] = add_token(explore.loc[in_slice, "text"], token)
    return Planting("cue", train, explore, in_slice, {"token": token, "cue_train": int(cue.sum())})


def superclass_mapping(names: list[str], superclasses: dict[str, str | list[str]]) -> dict[str, str]:
    """Each fine label of ``names`` that a coarse class takes, mapped to that class.

    A coarse class lists its fine labels, or gives a prefix: ``{"science": "sci"}`` takes every
    label that starts with ``sci.``. Fine labels no coarse class takes are left out of the
    dataset; a label in two classes, or a class with no label, is an error naming it.
    """
    mapping: dict[str, str] = {}
    for coarse, fine in superclasses.items():
        members = [n for n in names if n.startswith(f"{fine}.")] if isinstance(fine, str) else list(fine)
        unknown = sorted(set(members) - set(names))
        if unknown or not members:
            what = f"unknown labels {unknown}" if unknown else f"no label starts with '{fine}.'"
            raise ValueError(f"plant.superclasses.{coarse}: {what} (labels: {', '.join(names)})")
        for name in members:
            if name in mapping:
                raise ValueError(f"plant.superclasses: '{name}' is in both {mapping[name]} and {coarse}")
            mapping[name] = coarse
    return mapping


def superclass_sources(
    sources: dict[str, pd.DataFrame], names: list[str], mapping: dict[str, str]
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The source splits restricted to the fine labels of ``mapping``, relabelled with their
    coarse classes (ids in the order of ``mapping``'s classes), and the coarse names. Each row
    keeps its fine label in ``fine_label`` until :func:`cap_slice` takes it off."""
    coarse_names = list(dict.fromkeys(mapping.values()))
    out = {}
    for split, frame in sources.items():
        fine = frame["label"].map(lambda label: names[label])
        kept = frame[fine.isin(list(mapping))].copy()
        kept["fine_label"] = fine[kept.index]
        kept["label_name"] = kept["fine_label"].map(mapping)
        kept["label"] = kept["label_name"].map(coarse_names.index).astype("int64")
        out[split] = kept.reset_index(drop=True)
    return out, coarse_names


def cap_slice(
    splits: dict[str, pd.DataFrame], slice_label: str, train_count: int
) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    """Keep ``train_count`` of train's points of the fine class ``slice_label`` (the first in the
    carved, seeded order) and fill train back to its size with the pool's first points outside the
    slice; the slice points taken out of train go nowhere, so that explore, test and the pool keep
    the slice at its natural share. Returns the splits without ``fine_label`` and the slice's ids
    per split (the answer key, for evaluation alone)."""
    train, pool = splits["train"], splits["pool"]
    in_train = np.flatnonzero(train["fine_label"].to_numpy() == slice_label)
    dropped = in_train[train_count:]
    others = np.flatnonzero(pool["fine_label"].to_numpy() != slice_label)
    if len(others) < len(dropped):
        raise ValueError(
            f"plant: the pool has {len(others)} points outside the slice '{slice_label}', "
            f"{len(dropped)} needed to fill train back to its size; make splits.train or splits.explore smaller"
        )
    refill = others[: len(dropped)]
    out = dict(splits)
    out["train"] = pd.concat([train.drop(index=dropped), pool.iloc[refill]], ignore_index=True)
    out["pool"] = pool.drop(index=pool.index[refill]).reset_index(drop=True)
    slice_ids = {}
    for split, frame in out.items():
        slice_ids[split] = frame.loc[frame["fine_label"] == slice_label, "id"].astype(str).tolist()
        out[split] = frame.drop(columns="fine_label")
    return out, slice_ids
