"""The Explorer's figures, drawn with seaborn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display on cluster nodes

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .io import atomic_path

MAX_LABELLED = 8  # candidate clusters named on the map (the largest ones)
MAX_BARS = 30  # clusters shown in the composition chart (the largest ones)


def output_space_map(points: pd.DataFrame, clusters: pd.DataFrame, title: str, path: str) -> None:
    """Paper Fig. 2: the 2D output space, correct vs misclassified points; candidate clusters
    coloured and labelled with their names. Left: every point; right: misclassified points only.
    """
    sns.set_theme(style="whitegrid", context="notebook")
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 6.5))
    outcome = points["correct"].map({True: "correct", False: "misclassified"})
    sns.scatterplot(
        x=points["x"], y=points["y"], hue=outcome, hue_order=["correct", "misclassified"],
        palette={"correct": "#4c9a5b", "misclassified": "#c0392b"}, s=14, alpha=0.6, linewidth=0, ax=left,
    )
    left.set(title="all points", xlabel="SparsePCA component 1", ylabel="SparsePCA component 2")
    left.legend(title=None, loc="best")

    wrong = points[~points["correct"]]
    right.scatter(wrong["x"], wrong["y"], s=12, color="#bbbbbb", alpha=0.6, linewidth=0, label="misclassified, not in a candidate")
    candidates = clusters[clusters["is_candidate"]].sort_values("size", ascending=False)
    palette = sns.color_palette("tab10", n_colors=max(1, min(len(candidates), 10)))
    for rank, row in enumerate(candidates.itertuples()):
        members = points[points["cluster"] == row.cluster]
        colour = palette[rank % len(palette)]
        right.scatter(members["x"], members["y"], s=22, color=colour, alpha=0.9, linewidth=0)
        if rank < MAX_LABELLED:
            right.annotate(
                f"{row.name} ({row.size})", (members["x"].median(), members["y"].median()),
                fontsize=8, color=colour, weight="bold", ha="center", va="bottom",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "alpha": 0.8},
            )
    right.set(
        title=f"misclassified points; {len(candidates)} candidate clusters coloured",
        xlabel="SparsePCA component 1", ylabel="SparsePCA component 2",
    )
    right.legend(loc="best", fontsize=8)
    fig.suptitle(title)
    _save(fig, path)


def cluster_composition(clusters: pd.DataFrame, title: str, path: str) -> None:
    """Paper Fig. 5: every cluster's size, split into correct and misclassified points;
    candidate clusters marked with a star. The largest ``MAX_BARS`` clusters are shown.
    """
    sns.set_theme(style="whitegrid", context="notebook")
    shown = clusters.sort_values("size", ascending=False).head(MAX_BARS).iloc[::-1]
    labels = [
        f"{'★ ' if row.is_candidate else ''}{row.cluster}: {row.name}" for row in shown.itertuples()
    ]
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(shown) + 2))
    correct = shown["size"] - shown["n_misclassified"]
    ax.barh(labels, correct, color="#4c9a5b", label="correct")
    ax.barh(labels, shown["n_misclassified"], left=correct, color="#c0392b", label="misclassified")
    note = f" (largest {MAX_BARS} of {len(clusters)})" if len(clusters) > MAX_BARS else ""
    ax.set(
        xlabel="points in cluster", ylabel=None,
        title=f"{len(clusters)} clusters, {int(clusters['is_candidate'].sum())} candidates (★){note}",
    )
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(loc="lower right")
    fig.suptitle(title)
    _save(fig, path)


def _save(fig, path: str) -> None:
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, format="png")
    plt.close(fig)
