"""Evaluation against a planted failure's answer key (``results/{dataset}/data/answer_key.json``,
written by prepare_data: the slice's ids per split). Only evaluation reads it; the Explorer, the
scorers, the prompts, the baselines and the random control never do.

A planting counts only if the base classifier fails on it. The check is Domino's (Eyuboglu et
al. 2022), on the test split of each seed: the slice's accuracy is at most :data:`FAIL_RATIO`
of the accuracy on the rest, and the rest's bootstrap lower bound lies above the slice's upper
bound (95 % percentile intervals over :data:`RESAMPLES` resamples, seeded). A seed whose
classifier does not fail makes no claim: its rows are not read.

Retraining (:func:`slice_cells`, :func:`slice_effects`) is judged on the slice's test points:
each cell's accuracy there and on the rest (the harm a fix may do elsewhere), paired with the same
seed's n = 0 control and random control as the grid's own deltas are (:mod:`topex.cells`).

Discovery (:func:`discovery`) is judged by the chosen cluster's slice precision and its size, not
by error coverage: coverage is perfect when the candidates are whole confusion cells of hundreds
of points, which target nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cells import cell_rows
from .stats import minimum_detectable_effect, pooled_sd
from .tables import effect_statistics, signed
from .tables import points as pp  # a size in percentage points

FAIL_RATIO = 0.5  # the slice's accuracy at most half the rest's
RESAMPLES = 2000
LEVEL = 0.95
HIT_PRECISION = 0.5  # a chosen cluster hits the slice when at least half its points are in it
NEAREST = 10  # Domino's precision at 10: the slice's share among the points nearest the cluster's centre
HIT_NEAREST = 0.8  # Domino's stricter hit: P@10 at least 0.8


def in_slice(ids, key: dict, split: str) -> np.ndarray:
    """Whether each of ``ids`` (a split's point ids, in order) is in the planted slice."""
    members = set(key["ids"][split])
    return np.array([str(i) in members for i in ids], dtype=bool)


def bootstrap_interval(correct: np.ndarray, seed: int) -> tuple[float, float]:
    """The :data:`LEVEL` percentile interval of the accuracy of ``correct`` (booleans), seeded."""
    correct = np.asarray(correct, dtype=float)
    if len(correct) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = correct[rng.integers(len(correct), size=(RESAMPLES, len(correct)))].mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def failure_check(correct: np.ndarray, member: np.ndarray, seed: int) -> dict:
    """The slice's accuracy and the rest's, their intervals, and the verdict: ``fails`` when the
    planting meets both of Domino's conditions (module doc), ``does not fail`` otherwise."""
    correct, member = np.asarray(correct, dtype=bool), np.asarray(member, dtype=bool)
    if not member.any() or member.all():
        raise ValueError(f"a failure check needs points in and out of the slice: {member.sum()} of {len(member)} in it")
    row = {}
    for part, rows in (("slice", member), ("rest", ~member)):
        low, high = bootstrap_interval(correct[rows], seed)
        row.update({f"n_{part}": int(rows.sum()), f"{part}_accuracy": float(correct[rows].mean())})
        row.update({f"{part}_low": low, f"{part}_high": high})
    fails = row["slice_accuracy"] <= FAIL_RATIO * row["rest_accuracy"] and row["rest_low"] > row["slice_high"]
    row["verdict"] = "fails" if fails else "does not fail"
    return row


def discovery(points, member: np.ndarray, cluster: int | None) -> dict:
    """How well a chosen cluster of the explore split targets the slice.

    ``points`` is the Explorer's table (explore/points.parquet: ``cluster``, ``correct``,
    ``is_candidate`` and the normalised outputs ``norm_*``), ``member`` whether each of its points
    is in the slice, ``cluster`` the scorer's choice (None: no candidate). Returns the cluster's
    size, its slice precision and ``hit`` (precision >= :data:`HIT_PRECISION`); the slice's share
    among the :data:`NEAREST` points nearest the cluster's centre in the normalised output space
    (``p_at_10``, ``hit_p10`` when >= :data:`HIT_NEAREST`); and the candidates' recall of the
    slice's misclassified points (their share inside any candidate cluster), which does not
    depend on the choice. A precision needs a choice: without one it is NaN and nothing is hit.
    """
    member = np.asarray(member, dtype=bool)
    wrong = member & ~points["correct"].to_numpy(dtype=bool)
    candidate = points["is_candidate"].to_numpy(dtype=bool)
    row = {
        "n_slice": int(member.sum()),
        "n_slice_misclassified": int(wrong.sum()),
        "candidate_recall": float((wrong & candidate).sum() / wrong.sum()) if wrong.any() else float("nan"),
        "cluster": cluster,
        "size": 0,
        "slice_precision": float("nan"),
        "hit": False,
        "p_at_10": float("nan"),
        "hit_p10": False,
    }
    if cluster is None:
        return row
    inside = points["cluster"].to_numpy() == cluster
    if not inside.any():
        raise ValueError(f"cluster {cluster} has no point in the explore table")
    space = points.filter(regex=r"^norm_\d+$").to_numpy(dtype=float)
    distance = np.linalg.norm(space - space[inside].mean(axis=0), axis=1)
    nearest = np.argsort(distance, kind="stable")[:NEAREST]  # ties in the table's order
    precision = float(member[inside].mean())
    p_at_10 = float(member[nearest].mean())
    row.update(size=int(inside.sum()), slice_precision=precision, hit=precision >= HIT_PRECISION)
    row.update(p_at_10=p_at_10, hit_p10=p_at_10 >= HIT_NEAREST)
    return row


# cells.csv's columns that name a cell; the slice's measures follow them in slice_cells.csv
CELL_KEYS = ["dataset", "seed", "mode", "family", "method", "scorer", "llm", "shots", "cluster", "n", "skipped"]
PARTS = {"slice": True, "rest": False}  # the slice's test points, and the others


def on_points(metrics: dict, member: np.ndarray) -> dict:
    """A cell's metrics with its accuracy measured on the test points where ``member`` holds
    (its ``test_correct``, in the test split's order); a skipped cell stays as it is."""
    if "skipped" in metrics:
        return metrics
    if "test_correct" not in metrics:  # written by an older version: its overall accuracy is no slice's
        raise ValueError(
            f"{metrics['method']} n={metrics['n']}: no per-point test record (test_correct) in its metrics; "
            "rerun its retraining (snakemake --forcerun retrain retrain_control)"
        )
    correct = np.asarray(metrics["test_correct"], dtype=bool)
    if len(correct) != len(member):
        raise ValueError(
            f"{metrics['method']} n={metrics['n']}: {len(correct)} test points in its metrics, {len(member)} in the split"
        )
    return {**metrics, "accuracy": float(correct[member].mean())}


def slice_cells(cells: list[dict], member: np.ndarray, *args) -> pd.DataFrame:
    """One row per retrained cell of a (dataset, seed, mode), as :func:`topex.cells.cell_rows`
    gives them (``args``: its chosen clusters, reference scorer, generations and counts), with the
    accuracy on the slice's test points and on the rest, each with its paired deltas: to the same
    seed's n = 0 control (``*_delta``) and to its random control at the same n (``*_target_delta``)."""
    member = np.asarray(member, dtype=bool)
    frame = None
    for part, inside in PARTS.items():
        rows = cell_rows([on_points(m, member == inside) for m in cells], *args)
        rows = rows[CELL_KEYS + ["accuracy", "delta", "target_delta"]].rename(
            columns={c: f"{part}_{c}" for c in ("accuracy", "delta", "target_delta")}
        )
        frame = rows if frame is None else frame.merge(rows, on=CELL_KEYS, how="left")
    frame.insert(len(CELL_KEYS), "n_slice", int(member.sum()))
    return frame


def failing_seeds(cells: pd.DataFrame, failures: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``cells`` of the seeds whose classifier fails on the slice (``failures``: the
    planted-failures table): a seed that does not fail makes no claim."""
    failing = failures.loc[failures["verdict"] == "fails", ["dataset", "seed"]]
    return cells.merge(failing, on=["dataset", "seed"]).fillna({"scorer": "", "skipped": ""})


# the paired effects of slice_effects: (column of slice_cells.csv, prefix of its statistics)
SLICE_EFFECTS = [("slice_delta", "slice_"), ("slice_target_delta", "slice_target_"), ("rest_delta", "rest_")]
EFFECT_KEYS = ["dataset", "mode", "family", "method", "scorer", "n"]


def slice_effects(cells: pd.DataFrame, failures: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, mode, method, scorer, n): the mean slice accuracy over the seeds that fail
    (``failures``: the planted-failures table; a seed that does not fail is not read), and the
    paired statistics (:func:`topex.tables.effect_statistics`) of the slice's delta to the n = 0
    control, of its targeting effect (delta to random), and of the rest's delta (harm)."""
    cells = failing_seeds(cells, failures)
    base = cells[cells["family"] == "control"].groupby(["dataset", "mode"])["slice_accuracy"].mean()
    rows = []
    for key, group in cells[cells["n"] > 0].groupby(EFFECT_KEYS, sort=False):
        ran = group[group["skipped"] == ""].sort_values("seed")
        row = {**dict(zip(EFFECT_KEYS, key)), "seeds": len(ran), "slice_accuracy": ran["slice_accuracy"].mean()}
        row["base_slice_accuracy"] = base.get((key[0], key[1]), np.nan)
        for column, prefix in SLICE_EFFECTS:
            row.update(effect_statistics(ran[column].to_numpy(), prefix))
        rows.append(row)
    statistics = [f"{prefix}{name}" for _, prefix in SLICE_EFFECTS for name in ("delta", "low", "high", "p", "verdict")]
    columns = [*EFFECT_KEYS, "seeds", "slice_accuracy", "base_slice_accuracy", *statistics]
    columns += [f"{prefix}seeds" for _, prefix in SLICE_EFFECTS]
    return pd.DataFrame(rows, columns=columns)  # the header alone when no seed fails


def slice_power(cells: pd.DataFrame, failures: pd.DataFrame, seeds: int) -> dict[tuple[str, str], float]:
    """Per (dataset, mode): the smallest targeting effect on slice accuracy that ``seeds`` failing
    seeds can detect (80 % power, 5 % two-sided), from the paired sd pooled over every cell."""
    cells = failing_seeds(cells, failures)
    ran = cells[(cells["n"] > 0) & (cells["skipped"] == "")]
    power = {}
    for (dataset, mode), here in ran.groupby(["dataset", "mode"]):
        groups = [g["slice_target_delta"].dropna().to_numpy() for _, g in here.groupby(EFFECT_KEYS, sort=False)]
        power[(dataset, mode)] = minimum_detectable_effect(pooled_sd(groups)[0], seeds)
    return power


CONTROLS = ("slice_oracle", "oracle")  # the positive controls, the surest first


def slice_markdown(
    table: pd.DataFrame, failures: pd.DataFrame, mode: str, power: dict[tuple[str, str], float], largest: int
) -> str:
    """The slice table per planted dataset (of ``failures``), opened by whether its positive
    control shows (the surest control present at n = ``largest``, its slice targeting effect's
    interval above 0) and the smallest targeting effect the grid can detect; deltas in
    percentage points. A dataset on which no seed fails says so, and nothing else."""
    blocks = []
    for dataset, verdicts in failures.groupby("dataset", sort=True):
        here = table[(table["dataset"] == dataset) & (table["mode"] == mode)]
        failing = int((verdicts["verdict"] == "fails").sum())
        if here.empty:
            blocks.append(f"## {dataset}, {mode} mode\n\n- No seed's classifier fails on the slice: nothing to read.")
            continue
        control = next((c for c in CONTROLS if (here["family"] == c).any()), None)
        rows = here[(here["family"] == control) & (here["n"] == largest)]
        if rows.empty:
            shows = f"no positive control at n = {largest}: no row can be read as a fix"
        else:
            row = rows.iloc[0]
            verdict = "shows" if row["slice_target_verdict"] == "gain" else "does not show: no row can be read"
            shows = (
                f"positive control ({control}, n = {largest}) {verdict}: "
                f"{signed(row['slice_target_delta'])} [{signed(row['slice_target_low'])}, "
                f"{signed(row['slice_target_high'])}] pp over random on the slice, {row['slice_target_seeds']} seeds"
            )
        lines = [
            f"## {dataset}, {mode} mode",
            "",
            f"- {shows}.",
            f"- Seeds read: the {failing} of {len(verdicts)} whose classifier fails on the slice.",
            f"- Smallest targeting effect on the slice this grid can detect: {pp(power.get((dataset, mode)))} pp.",
            f"- Base slice accuracy (n = 0): {pp(here['base_slice_accuracy'].iloc[0])} %.",
            "",
            "| method | scorer | n | slice acc. | vs n = 0 (pp) | vs random (pp) | verdict | rest vs n = 0 (pp) | seeds |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in here.itertuples(index=False):
            lines.append(
                f"| {row.method} | {row.scorer} | {row.n} | {pp(row.slice_accuracy)} "
                f"| {signed(row.slice_delta)} [{signed(row.slice_low)}, {signed(row.slice_high)}] "
                f"| {signed(row.slice_target_delta)} [{signed(row.slice_target_low)}, {signed(row.slice_target_high)}] "
                f"| {row.slice_target_verdict} | {signed(row.rest_delta)} [{signed(row.rest_low)}, {signed(row.rest_high)}] "
                f"| {row.seeds} |"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
