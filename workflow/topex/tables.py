"""The paper's tables from the retrained cells, with paired multi-seed statistics.

``effects``  every (dataset, mode, method, scorer, n): the mean over seeds of the paired delta
             (accuracy − the same seed's n = 0 control), its 95% t-interval, the exact sign-flip
             p-value, the verdict (gain / loss / noise: whether the interval excludes 0), and the
             same delta on the chosen cluster's points (in-group, as TDG distinguishes).
``table2``   Table 2: base accuracy and the improvement per method and n, for the reference
             scorer's cluster; baselines that could not run are listed with the reason.
``table1``   Table 1: each scorer's share of the best improvement per dataset. The paper's
             percentage is "the average improvement by using the corresponding filter" relative
             to the best scorer; here a scorer's improvement is the mean paired delta over its cells
             (LLMs × shots × counts) that ran for every scorer, and the share is undefined (n/a)
             when no scorer improves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats

KEYS = ["dataset", "mode", "family", "method", "scorer", "n"]
# The scorers that combine the others' records (topex.scorers.combine, combine_errors): Table 1
# compares the metrics they are made of, so it leaves them out.
COMBINED = ("weighted", "weighted_errors")


# The four paired effects of a cell: (column of cells.csv, prefix of its statistics in effects).
EFFECTS = [
    ("delta", ""),  # test accuracy − the n = 0 control
    ("target_delta", "target_"),  # test accuracy − the random control at the same n
    ("in_group_delta", "in_group_"),  # region accuracy − the n = 0 control's
    ("in_group_target_delta", "in_group_target_"),  # region accuracy − the random control's
]


def effect_statistics(deltas: np.ndarray, prefix: str) -> dict:
    """Mean, 95% t-interval, sign-flip p, verdict and number of seeds of one paired effect."""
    deltas = np.asarray(deltas, dtype=np.float64)
    deltas = deltas[~np.isnan(deltas)]
    mean, low, high = stats.mean_interval(deltas) if len(deltas) else (np.nan, np.nan, np.nan)
    return {
        f"{prefix}delta": mean,
        f"{prefix}low": low,
        f"{prefix}high": high,
        f"{prefix}p": stats.sign_flip_p(deltas),
        f"{prefix}verdict": stats.verdict(low, high),
        f"{prefix}seeds": len(deltas),
    }


def effects(cells: pd.DataFrame) -> pd.DataFrame:
    """Paired statistics of every cell over the seeds that ran it: the delta to the n = 0 control
    and the targeting effect (delta to random), on test and in-group accuracy."""
    cells = cells.fillna({"scorer": "", "skipped": ""})
    base = cells[cells["family"] == "control"].groupby(["dataset", "mode"])["accuracy"].mean().rename("base_accuracy")
    rows = []
    for key, group in cells[cells["n"] > 0].groupby(KEYS, sort=False):
        ran = group[group["skipped"] == ""].sort_values("seed")
        row = {
            **dict(zip(KEYS, key)),
            "seeds": len(ran),
            "skipped_seeds": len(group) - len(ran),
            "accuracy": ran["accuracy"].mean(),
            "in_group_n": ran["in_group_n"].mean(),
        }
        for column, prefix in EFFECTS:
            row.update(effect_statistics(ran[column].to_numpy(), prefix))
        rows.append(row)
    frame = pd.DataFrame(rows).merge(base, on=["dataset", "mode"], how="left")
    statistics = [f"{prefix}{name}" for _, prefix in EFFECTS for name in ("delta", "low", "high", "p", "verdict")]
    return frame[
        [
            *KEYS,
            "base_accuracy",
            "accuracy",
            "seeds",
            "skipped_seeds",
            "in_group_n",
            *statistics,
            *[f"{prefix}seeds" for _, prefix in EFFECTS if prefix],
        ]
    ]


def power(cells: pd.DataFrame, seeds: int, oracle_n: int) -> pd.DataFrame:
    """What the grid can read, per dataset and mode: for each effect, the paired sd pooled over
    every cell that ran (its per-seed deltas around their own mean) and the minimum detectable
    effect at ``seeds`` seeds (two-sided 5%, 80% power); and whether the positive control shows:
    the oracle's in-group targeting effect at n = ``oracle_n`` with its interval."""
    cells = cells.fillna({"scorer": "", "skipped": ""})
    ran = cells[(cells["n"] > 0) & (cells["skipped"] == "")]
    rows = []
    for (dataset, mode), here in ran.groupby(["dataset", "mode"], sort=True):
        row = {"dataset": dataset, "mode": mode, "seeds": seeds}
        for column, prefix in EFFECTS:
            groups = [g[column].dropna().to_numpy() for _, g in here.groupby(KEYS, sort=False)]
            sd, pooled = stats.pooled_sd(groups)
            row.update(
                {
                    f"{prefix}sd": sd,
                    f"{prefix}mde": stats.minimum_detectable_effect(sd, seeds),
                    f"{prefix}cells": pooled,
                }
            )
        oracle = here[(here["family"] == "oracle") & (here["n"] == oracle_n)]
        row.update(
            {
                f"oracle_{k}": v
                for k, v in effect_statistics(oracle["in_group_target_delta"].to_numpy(), "in_group_target_").items()
            }
        )
        row["oracle_in_group_n"] = oracle["in_group_n"].mean() if len(oracle) else np.nan
        row["oracle_detected"] = row["oracle_in_group_target_verdict"] == "gain"
        rows.append(row)
    return pd.DataFrame(rows)


def power_lines(table: pd.DataFrame, oracle_n: int) -> list[str]:
    """One line per dataset: does the positive control show, and the smallest effect readable."""
    lines = []
    for row in table.itertuples(index=False):
        row = row._asdict()
        oracle = (
            f"{signed(row['oracle_in_group_target_delta'])} [{signed(row['oracle_in_group_target_low'])}, "
            f"{signed(row['oracle_in_group_target_high'])}] pp over {row['oracle_in_group_target_seeds']} seeds"
        )
        shown = "**detected**" if row["oracle_detected"] else "**not detected**"
        lines.append(
            f"- **{row['dataset']}** ({row['mode']} mode, {row['seeds']} seeds): positive control {shown}: the oracle at "
            f"n = {oracle_n} minus random on in-group accuracy is {oracle} "
            f"({row['oracle_in_group_n']:.0f} test points per region). Smallest effect this grid can read "
            f"(80% power, 5% two-sided): test {points(row['mde'])} pp vs control, {points(row['target_mde'])} pp vs "
            f"random; in-group {points(row['in_group_mde'])} pp vs control, {points(row['in_group_target_mde'])} pp "
            f"vs random (paired sd pooled over {row['cells']} cells)."
        )
    return lines


def method_label(method: str) -> str:
    """How a method is named in tables and figures."""
    if method.startswith("topex/"):
        _, llm, shots = method.split("/")
        return f"TopEx {llm} {shots.split('~')[1]}-shot"
    return {
        "eda": "EDA",
        "a2t": "A2T",
        "clare": "CLARE",
        "oracle": "oracle (real cluster points)",
        "random": "random (real pool points)",
        "slice_oracle": "slice oracle (real slice points)",
    }.get(method, method)


def table2(
    effect: pd.DataFrame, reference_scorer: str, baselines: list[str], not_run: dict[str, str], counts: list[int]
) -> pd.DataFrame:
    """Table 2 in long form: one row per dataset, method and n."""
    shown = effect[(effect["family"] != "topex") | (effect["scorer"] == reference_scorer)].copy()
    shown["status"] = np.where(
        shown["seeds"] > 0, "ran", "skipped: no points (no candidate cluster or too few accepted)"
    )
    missing = [
        {"dataset": d, "mode": m, "family": b, "method": b, "scorer": "", "n": n, "status": not_run[b]}
        for d, m in effect[["dataset", "mode"]].drop_duplicates().itertuples(index=False)
        for b in baselines
        if b in not_run
        for n in counts
    ]
    table = pd.concat([shown, pd.DataFrame(missing)], ignore_index=True)
    base = effect.groupby("dataset")["base_accuracy"].first()
    table["base_accuracy"] = table["dataset"].map(base)
    order = {m: i for i, m in enumerate([*baselines, "oracle", "random"])}
    table["order"] = [order.get(m, len(order)) for m in table["method"]]
    table["label"] = table["method"].map(method_label)
    table = table.sort_values(["dataset", "order", "method", "n"]).drop(columns=["order", "family", "scorer"])
    statistics = [f"{prefix}{name}" for _, prefix in EFFECTS for name in ("delta", "low", "high", "p", "verdict")]
    return table[
        [
            "dataset",
            "mode",
            "method",
            "label",
            "n",
            "base_accuracy",
            "accuracy",
            "seeds",
            "in_group_n",
            *statistics,
            "status",
        ]
    ]


def table1(effect: pd.DataFrame, scorers: list[str], llm: str | None = None) -> pd.DataFrame:
    """Table 1: per dataset and scorer, the mean paired delta of its TopEx cells and its share
    (%) of the best scorer's. As the paper's Table 1 ("our measured scores on Gemma-2-2B"), it
    compares the five metrics, not the scores that combine them (whose weights come from this table), on
    the cells of one LLM, ``llm`` (config ``tables.table1_llm``; None: every LLM). The mean is taken
    over the cells (shots × n) that ran for every scorer with results, so that no scorer is
    compared on an easier set; the best cell and the skipped cells are listed too."""
    scorers = [scorer for scorer in scorers if scorer not in COMBINED]
    topex = effect[(effect["family"] == "topex") & effect["scorer"].isin(scorers)]
    if llm is not None:
        topex = topex[topex["method"].str.split("/").str[1] == llm]
    ran = topex[topex["seeds"] > 0]
    rows = []
    for dataset in sorted(effect["dataset"].unique()):
        here = ran[ran["dataset"] == dataset]
        cell_sets = [set(zip(g["method"], g["n"])) for _, g in here.groupby("scorer")]
        common = set.intersection(*cell_sets) if cell_sets else set()
        for scorer in scorers:
            cells = here[here["scorer"] == scorer]
            shared = cells[[(m, n) in common for m, n in zip(cells["method"], cells["n"])]]
            best = cells.loc[cells["delta"].idxmax()] if len(cells) else None
            skipped = topex[(topex["dataset"] == dataset) & (topex["scorer"] == scorer)]["skipped_seeds"].sum()
            rows.append(
                {
                    "dataset": dataset,
                    "scorer": scorer,
                    "llm": llm or "all",
                    "cells": len(cells),
                    "common_cells": len(shared),
                    "skipped_cell_seeds": int(skipped),
                    "mean_delta": shared["delta"].mean() if len(shared) else np.nan,
                    "best_delta": best["delta"] if best is not None else np.nan,
                    "best_cell": f"{method_label(best['method'])}, n={best['n']}" if best is not None else "",
                }
            )
    table = pd.DataFrame(rows)
    top = table.groupby("dataset")["mean_delta"].transform("max")
    table["share_of_best"] = np.where(top > 0, 100 * table["mean_delta"] / top.where(top > 0), np.nan)
    return table


def signed(value: float, digits: int = 1) -> str:
    """A delta in percentage points with its sign."""
    return "–" if pd.isna(value) else f"{100 * value:+.{digits}f}"


def points(value: float, digits: int = 1) -> str:
    """A size (sd, minimum detectable effect) in percentage points."""
    return "n/a" if pd.isna(value) else f"{100 * value:.{digits}f}"


def table2_markdown(table: pd.DataFrame, counts: list[int], power_table: pd.DataFrame, oracle_n: int) -> str:
    """Table 2 as the paper lays it out (methods × n per dataset), opened by one power line per
    dataset; four blocks per dataset: the delta to the n = 0 control and the targeting effect
    (delta to random), on test and in-group accuracy, in percentage points with 95% intervals."""
    blocks = ["\n".join(power_lines(power_table, oracle_n))]
    for dataset, rows in table.groupby("dataset", sort=False):
        base = rows["base_accuracy"].iloc[0]
        blocks.append(
            f"### {dataset}\n\nmode {rows['mode'].iloc[0]}; base accuracy {100 * base:.1f} %, mean over "
            "seeds; in-group: the test points of the chosen cluster's region"
        )
        for _column, prefix in EFFECTS:
            what = {
                "": "test accuracy − control (n = 0)",
                "target_": "test accuracy − random (targeting effect)",
                "in_group_": "in-group accuracy − control (n = 0)",
                "in_group_target_": "in-group accuracy − random (targeting effect)",
            }[prefix]
            lines = [
                f"**{what}**",
                "",
                "| method | " + " | ".join(f"n = {n}" for n in counts) + " |",
                "|---|" + "---|" * len(counts),
            ]
            for label, method_rows in rows.groupby("label", sort=False):
                if prefix.endswith("target_") and method_rows["method"].iloc[0] == "random":
                    continue  # random against itself
                cells = []
                for n in counts:
                    row = method_rows[method_rows["n"] == n]
                    if row.empty:
                        cells.append("–")
                        continue
                    row = row.iloc[0]
                    if row["status"] != "ran":
                        cells.append(row["status"])
                        continue
                    mark = {"gain": " ▲", "loss": " ▼"}.get(row[f"{prefix}verdict"], "")
                    cells.append(
                        f"{signed(row[f'{prefix}delta'])} [{signed(row[f'{prefix}low'])}, "
                        f"{signed(row[f'{prefix}high'])}]{mark}"
                    )
                lines.append(f"| {label} | " + " | ".join(cells) + " |")
            blocks.append("\n".join(lines))
    legend = (
        "Paired deltas in percentage points, mean over seeds with a 95% t-interval (per seed: the cell minus "
        "the same seed's control, or minus the same seed's random control at the same n). ▲/▼: the interval "
        "excludes 0; otherwise the effect is within the noise; no mark either when every seed gave the same "
        "delta (a degenerate interval). p-values of the exact sign-flip test are in table2.csv (with k seeds "
        "the smallest attainable is 2/2^k: 0.25 with 3)."
    )
    return "\n\n".join(blocks) + "\n\n" + legend + "\n"


def table1_markdown(table: pd.DataFrame) -> str:
    """Table 1 as the paper lays it out: scorers × datasets, share of the best scorer (%)."""
    wide = table.pivot(index="scorer", columns="dataset", values="share_of_best").reindex(table["scorer"].unique())
    wide["Average"] = wide.mean(axis=1)
    lines = ["| scorer | " + " | ".join(wide.columns) + " |", "|---|" + "---|" * len(wide.columns)]
    for scorer, row in wide.iterrows():
        lines.append(f"| {scorer} | " + " | ".join("n/a" if pd.isna(v) else f"{v:.1f} %" for v in row) + " |")
    return "\n".join(lines) + (
        f"\n\nShare of the best scorer's mean paired delta per dataset (n/a: no scorer improved on the control), "
        f"over the TopEx cells of LLM {', '.join(table['llm'].unique())} (the weighted scores, whose weights come "
        "from this table, are left out). Mean and best deltas per scorer are in table1.csv.\n"
    )


# The noise study's effects: (method, column of cells.csv), each reported with its interval, its
# paired sd and its minimum detectable effect.
NOISE_EFFECTS = [
    ("oracle", "delta"),
    ("random", "delta"),
    ("oracle", "target_delta"),
    ("oracle", "in_group_delta"),
    ("random", "in_group_delta"),
    ("oracle", "in_group_target_delta"),
]


def noise(cells: pd.DataFrame, seeds: int) -> pd.DataFrame:
    """The noise study per dataset and mode: the control's accuracy and seed-to-seed sd, and for
    the oracle and random controls at one n, the paired effects (vs the n = 0 control and the
    oracle vs random, on test and in-group accuracy) with their 95% intervals, the paired sd and
    the minimum detectable effect at ``seeds`` seeds."""
    rows = []
    for (dataset, mode), here in cells.groupby(["dataset", "mode"], sort=True):
        control = here[here["family"] == "control"]["accuracy"]
        row = {
            "dataset": dataset,
            "mode": mode,
            "seeds": int(control.notna().sum()),
            "control_accuracy": control.mean(),
            "control_sd": control.std(ddof=1),
        }
        for method, column in NOISE_EFFECTS:
            deltas = here[here["family"] == method][column].dropna().to_numpy()
            mean, low, high = stats.mean_interval(deltas) if len(deltas) else (np.nan, np.nan, np.nan)
            sd = deltas.std(ddof=1) if len(deltas) > 1 else np.nan
            name = f"{method}_{column}"
            row.update(
                {
                    name: mean,
                    f"{name}_low": low,
                    f"{name}_high": high,
                    f"{name}_verdict": stats.verdict(low, high),
                    f"{name}_sd": sd,
                    f"{name}_mde": stats.minimum_detectable_effect(sd, seeds),
                }
            )
        row["in_group_n"] = here[here["family"] == "oracle"]["in_group_n"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def noise_markdown(table: pd.DataFrame, n: int) -> str:
    """The noise study as the README shows it: one row per dataset and mode."""

    def effect(row, name):
        mark = {"gain": " ▲", "loss": " ▼"}.get(row[f"{name}_verdict"], "")
        return f"{signed(row[name])} [{signed(row[f'{name}_low'])}, {signed(row[f'{name}_high'])}]{mark}"

    lines = [
        "| dataset | mode | control acc. | control sd | oracle − control | oracle − random | in-group: "
        "oracle − control | in-group: oracle − random | in-group pts | MDE: oracle − random, test / in-group |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, row in table.iterrows():
        lines.append(
            f"| {row['dataset']} | {row['mode']} | {100 * row['control_accuracy']:.1f} | {points(row['control_sd'], 2)} "
            f"| {effect(row, 'oracle_delta')} | {effect(row, 'oracle_target_delta')} "
            f"| {effect(row, 'oracle_in_group_delta')} | {effect(row, 'oracle_in_group_target_delta')} "
            f"| {row['in_group_n']:.0f} | {points(row['oracle_target_delta_mde'])} / "
            f"{points(row['oracle_in_group_target_delta_mde'])} |"
        )
    return "\n".join(lines) + (
        f"\n\nThe oracle and random controls at n = {n}, paired with the same seed's control; deltas in percentage "
        "points, mean over seeds with a 95% t-interval (▲/▼: the interval excludes 0). In-group: the test points of "
        "the reference cluster's region. MDE: the minimum detectable effect (80% power, 5% two-sided) at this "
        "number of seeds, from the paired sd. random − control and every sd are in noise.csv.\n"
    )


def coverage_table(summaries: list[dict]) -> pd.DataFrame:
    """One row per (dataset, seed) from the Explorer's coverage summaries, sorted, plus one mean
    row per dataset: share clustered, candidates and their sizes, error coverage."""
    rows = []
    for summary in summaries:
        sizes = summary["candidate_sizes"]
        rows.append(
            {
                "dataset": summary["dataset"],
                "seed": str(summary["seed"]),
                "points": summary["n_points"],
                "misclassified": summary["n_misclassified"],
                "share_clustered": summary["share_clustered"],
                "clusters": summary["n_clusters"],
                "candidates": summary["n_candidates"],
                "candidate_sizes": " ".join(str(size) for size in sizes) if sizes else "-",
                "misclassified_in_candidates": summary["misclassified_in_candidates"],
                "error_coverage": summary["error_coverage"],
            }
        )
    table = pd.DataFrame(rows).sort_values(["dataset", "seed"], kind="stable").reset_index(drop=True)
    numeric = [
        "points",
        "misclassified",
        "share_clustered",
        "clusters",
        "candidates",
        "misclassified_in_candidates",
        "error_coverage",
    ]
    means = table.groupby("dataset", sort=True)[numeric].mean().reset_index()
    means["seed"], means["candidate_sizes"] = "mean", ""
    return pd.concat([table, means[table.columns]], ignore_index=True)
