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


def effects(cells: pd.DataFrame) -> pd.DataFrame:
    """Paired statistics of every cell over the seeds that ran it."""
    cells = cells.fillna({"scorer": "", "skipped": ""})
    base = cells[cells["family"] == "control"].groupby(["dataset", "mode"])["accuracy"].mean().rename("base_accuracy")
    rows = []
    for key, group in cells[cells["n"] > 0].groupby(KEYS, sort=False):
        ran = group[group["skipped"] == ""].sort_values("seed")
        mean, low, high = stats.mean_interval(ran["delta"].to_numpy())
        in_group = ran["in_group_delta"].dropna().to_numpy()
        g_mean, g_low, g_high = stats.mean_interval(in_group) if len(in_group) else (np.nan, np.nan, np.nan)
        rows.append({
            **dict(zip(KEYS, key)), "seeds": len(ran), "skipped_seeds": len(group) - len(ran),
            "accuracy": ran["accuracy"].mean(), "delta": mean, "low": low, "high": high,
            "p": stats.sign_flip_p(ran["delta"].to_numpy()), "verdict": stats.verdict(low, high),
            "in_group_delta": g_mean, "in_group_low": g_low, "in_group_high": g_high,
        })
    frame = pd.DataFrame(rows).merge(base, on=["dataset", "mode"], how="left")
    return frame[[*KEYS, "base_accuracy", "accuracy", "delta", "low", "high", "p", "verdict", "seeds",
                  "skipped_seeds", "in_group_delta", "in_group_low", "in_group_high"]]


def method_label(method: str) -> str:
    """How a method is named in tables and figures."""
    if method.startswith("topex/"):
        _, llm, shots = method.split("/")
        return f"TopEx {llm} {shots.split('~')[1]}-shot"
    return {"eda": "EDA", "a2t": "A2T", "clare": "CLARE", "oracle": "oracle (real cluster points)",
            "random": "random (real pool points)"}.get(method, method)


def table2(effect: pd.DataFrame, reference_scorer: str, baselines: list[str], not_run: dict[str, str],
           counts: list[int]) -> pd.DataFrame:
    """Table 2 in long form: one row per dataset, method and n."""
    shown = effect[(effect["family"] != "topex") | (effect["scorer"] == reference_scorer)].copy()
    shown["status"] = np.where(shown["seeds"] > 0, "ran", "skipped: no points (no candidate cluster or too few accepted)")
    missing = [
        {"dataset": d, "mode": m, "family": b, "method": b, "scorer": "", "n": n, "status": not_run[b]}
        for d, m in effect[["dataset", "mode"]].drop_duplicates().itertuples(index=False)
        for b in baselines if b in not_run for n in counts
    ]
    table = pd.concat([shown, pd.DataFrame(missing)], ignore_index=True)
    base = effect.groupby("dataset")["base_accuracy"].first()
    table["base_accuracy"] = table["dataset"].map(base)
    order = {m: i for i, m in enumerate([*baselines, "oracle", "random"])}
    table["order"] = [order.get(m, len(order)) for m in table["method"]]
    table["label"] = table["method"].map(method_label)
    table = table.sort_values(["dataset", "order", "method", "n"]).drop(columns=["order", "family", "scorer"])
    return table[["dataset", "mode", "method", "label", "n", "base_accuracy", "accuracy", "delta", "low", "high",
                  "p", "verdict", "seeds", "in_group_delta", "in_group_low", "in_group_high", "status"]]


def table1(effect: pd.DataFrame, scorers: list[str], llm: str | None = None) -> pd.DataFrame:
    """Table 1: per dataset and scorer, the mean paired delta of its TopEx cells and its share
    (%) of the best scorer's. As the paper's Table 1 ("our measured scores on Gemma-2-2B"), it
    compares the five metrics, not the weighted score (whose weights come from this table), on
    the cells of one LLM, ``llm`` (config ``tables.table1_llm``; None: every LLM). The mean is taken
    over the cells (shots × n) that ran for every scorer with results, so that no scorer is
    compared on an easier set; the best cell and the skipped cells are listed too."""
    scorers = [scorer for scorer in scorers if scorer != "weighted"]
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
            rows.append({"dataset": dataset, "scorer": scorer, "llm": llm or "all", "cells": len(cells),
                         "common_cells": len(shared),
                         "skipped_cell_seeds": int(skipped),
                         "mean_delta": shared["delta"].mean() if len(shared) else np.nan,
                         "best_delta": best["delta"] if best is not None else np.nan,
                         "best_cell": f"{method_label(best['method'])}, n={best['n']}" if best is not None else ""})
    table = pd.DataFrame(rows)
    top = table.groupby("dataset")["mean_delta"].transform("max")
    table["share_of_best"] = np.where(top > 0, 100 * table["mean_delta"] / top.where(top > 0), np.nan)
    return table


def signed(value: float, digits: int = 1) -> str:
    """A delta in percentage points with its sign."""
    return "–" if pd.isna(value) else f"{100 * value:+.{digits}f}"


def table2_markdown(table: pd.DataFrame, counts: list[int]) -> str:
    """Table 2 as the paper lays it out: methods × n per dataset, deltas in percentage points
    with their 95% interval; ▲/▼ when the interval excludes 0, * when the sign-flip p < 0.05."""
    blocks = []
    for dataset, rows in table.groupby("dataset", sort=False):
        base = rows["base_accuracy"].iloc[0]
        lines = [f"**{dataset}** (mode {rows['mode'].iloc[0]}; base accuracy {100 * base:.1f} %, mean over seeds)", "",
                 "| method | " + " | ".join(f"n = {n}" for n in counts) + " |",
                 "|---|" + "---|" * len(counts)]
        for label, method_rows in rows.groupby("label", sort=False):
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
                mark = {"gain": " ▲", "loss": " ▼"}.get(row["verdict"], "") + (" *" if row["p"] < 0.05 else "")
                cells.append(f"{signed(row['delta'])} [{signed(row['low'])}, {signed(row['high'])}]{mark}")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    legend = ("Paired deltas in percentage points (accuracy − the same seed's n = 0 control), mean over seeds "
              "with a 95% t-interval. ▲/▼: the interval excludes 0; otherwise the effect is within the noise. "
              "*: exact sign-flip p < 0.05 (with k seeds the smallest attainable p is 2/2^k).")
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
        f"over the TopEx cells of LLM {', '.join(table['llm'].unique())} (the weighted score, whose weights come "
        "from this table, is left out). Mean and best deltas per scorer are in table1.csv.\n"
    )
