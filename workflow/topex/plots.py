"""The figures of the Explorer and of the results, drawn with seaborn (and one plotly map)."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")  # files only; no display on cluster nodes

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .io import atomic_path

MAX_LABELLED = 8  # candidate clusters named on the map (the largest ones)
MAX_BARS = 30  # clusters shown in the composition chart (the largest ones)


def output_space_map(
    points: pd.DataFrame,
    clusters: pd.DataFrame,
    title: str,
    path: str,
    chosen: int | None = None,
    scorer: str | None = None,
    marked: np.ndarray | None = None,
    marked_label: str = "",
) -> None:
    """Paper Fig. 2: the 2D output space, correct vs misclassified points; candidate clusters
    coloured and labelled with their names. Left: every point; right: misclassified points only.
    The ``chosen`` cluster (of the ``scorer``) is drawn on both sides as black-ringed points, and
    the ``marked`` points (booleans over ``points``: a planted slice) as blue crosses.
    """
    sns.set_theme(style="whitegrid", context="notebook")
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 6.5))
    outcome = points["correct"].map({True: "correct", False: "misclassified"})
    sns.scatterplot(
        x=points["x"],
        y=points["y"],
        hue=outcome,
        hue_order=["correct", "misclassified"],
        palette={"correct": "#4c9a5b", "misclassified": "#c0392b"},
        s=14,
        alpha=0.6,
        linewidth=0,
        ax=left,
    )
    left.set(title="all points", xlabel="SparsePCA component 1", ylabel="SparsePCA component 2")
    left.legend(title=None, loc="best")

    wrong = points[~points["correct"]]
    right.scatter(
        wrong["x"], wrong["y"], s=12, color="#bbbbbb", alpha=0.6, linewidth=0, label="misclassified, not in a candidate"
    )
    candidates = clusters[clusters["is_candidate"]].sort_values("size", ascending=False)
    palette = sns.color_palette("tab10", n_colors=max(1, min(len(candidates), 10)))
    for rank, row in enumerate(candidates.itertuples()):
        members = points[points["cluster"] == row.cluster]
        colour = palette[rank % len(palette)]
        right.scatter(members["x"], members["y"], s=22, color=colour, alpha=0.9, linewidth=0)
        if rank < MAX_LABELLED:
            right.annotate(
                f"{row.name} ({row.size})",
                (members["x"].median(), members["y"].median()),
                fontsize=8,
                color=colour,
                weight="bold",
                ha="center",
                va="bottom",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "alpha": 0.8},
            )
    if chosen is not None and (points["cluster"] == chosen).any():
        members = points[points["cluster"] == chosen]
        row = clusters.loc[clusters["cluster"] == chosen].iloc[0]
        label = f"chosen by {scorer or 'the scorer'}: '{row['name']}' ({int(row['size'])} points)"
        for ax in (left, right):
            ax.scatter(
                members["x"], members["y"], s=60, facecolors="none", edgecolors="black", linewidths=1.2, label=label
            )
        left.legend(title=None, loc="best", fontsize=8)
    if marked is not None and np.any(marked):
        slice_points = points[np.asarray(marked, dtype=bool)]
        for ax in (left, right):
            ax.scatter(slice_points["x"], slice_points["y"], s=28, marker="x", color="#1f4e9c", label=marked_label)
        left.legend(title=None, loc="best", fontsize=8)
    right.set(
        title=f"misclassified points; {len(candidates)} candidate clusters coloured",
        xlabel="SparsePCA component 1",
        ylabel="SparsePCA component 2",
    )
    right.legend(loc="best", fontsize=8)
    fig.suptitle(title)
    _save(fig, path)


def cluster_composition(clusters: pd.DataFrame, points: pd.DataFrame, title: str, path: str) -> None:
    """Paper Fig. 5: the first bar is every explored point (clustered or not), correct vs
    misclassified, as the paper's first bar; then every cluster's size, split the same way;
    candidate clusters marked with a star. The largest ``MAX_BARS`` clusters are shown.
    """
    sns.set_theme(style="whitegrid", context="notebook")
    shown = clusters.sort_values("size", ascending=False).head(MAX_BARS).iloc[::-1]
    labels = [f"{'★ ' if row.is_candidate else ''}{row.cluster}: {row.name}" for row in shown.itertuples()] + [
        f"all points ({len(points)})"
    ]
    sizes = np.append(shown["size"].to_numpy(), len(points))
    wrong = np.append(shown["n_misclassified"].to_numpy(), int((~points["correct"].astype(bool)).sum()))
    correct = sizes - wrong
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(labels) + 2))
    ax.barh(labels, correct, color="#4c9a5b", label="correct")
    ax.barh(labels, wrong, left=correct, color="#c0392b", label="misclassified")
    ax.axhline(len(labels) - 1.5, color="black", linewidth=0.8)  # the all-points bar (top) apart
    note = f" (largest {MAX_BARS} of {len(clusters)})" if len(clusters) > MAX_BARS else ""
    ax.set(
        xlabel="points",
        ylabel=None,
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


def performance(table: pd.DataFrame, path: str) -> None:
    """Paper Fig. 3/6: paired accuracy delta vs number of added points, per dataset, every
    method against the baselines and controls, with 95% intervals; overall (top) and on the
    test points of the chosen cluster's region (bottom, in-group)."""
    sns.set_theme(style="whitegrid", context="notebook")
    ran = table[table["status"] == "ran"]
    datasets = list(table["dataset"].unique())
    fig, axes = plt.subplots(2, len(datasets), figsize=(7 * len(datasets), 10), squeeze=False)
    labels = list(ran["label"].unique())
    palette = dict(zip(labels, sns.color_palette("tab10", n_colors=max(len(labels), 1))))
    counts = sorted(table["n"].unique())
    for column, dataset in enumerate(datasets):
        rows = ran[ran["dataset"] == dataset]
        for row, (prefix, what) in enumerate((("", "test set"), ("in_group_", "chosen cluster's test region"))):
            ax = axes[row][column]
            for k, (label, method) in enumerate(rows.groupby("label", sort=False)):
                x = method["n"].to_numpy() * (1 + 0.015 * (k - len(labels) / 2))  # dodge the bars
                delta, low, high = (method[f"{prefix}{c}"].to_numpy() for c in ("delta", "low", "high"))
                err = 100 * np.vstack([delta - low, high - delta])
                ax.errorbar(
                    x,
                    100 * delta,
                    yerr=err,
                    marker="o",
                    capsize=3,
                    label=label,
                    color=palette[label],
                    linestyle="--" if label.startswith(("oracle", "random")) else "-",
                    alpha=0.85,
                )
            ax.axhline(0, color="black", linewidth=0.8)
            not_run = table[(table["dataset"] == dataset) & (table["status"] != "ran")]["label"].unique()
            note = f"\nno result (not run or skipped): {', '.join(not_run)}" if len(not_run) and row == 0 else ""
            base = f" (base {100 * rows['base_accuracy'].iloc[0]:.1f} %)" if len(rows) and row == 0 else ""
            ax.set(
                xscale="log",
                xlabel="added points n",
                ylabel=f"accuracy − control, {what} (pp)",
                title=f"{dataset}: {what}{base}{note}",
            )
            ax.set_xticks(counts, labels=[str(n) for n in counts])
    handles = [
        plt.Line2D(
            [],
            [],
            color=palette[label],
            marker="o",
            label=label,
            linestyle="--" if label.startswith(("oracle", "random")) else "-",
        )
        for label in labels
    ]
    axes[0][-1].legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    _save(fig, path)


def slice_accuracy(cells: pd.DataFrame, reference_scorer: str, path: str) -> None:
    """Accuracy on each planted slice's test points against n, per method (TopEx on the reference
    scorer's cluster), the mean over seeds as a line and each seed as a dot; the n = 0 control
    as a dotted line. ``cells``: the slice_cells rows of the seeds that fail."""
    from .tables import method_label

    sns.set_theme(style="whitegrid", context="notebook")
    cells = cells.fillna({"scorer": "", "skipped": ""})
    datasets = sorted(cells["dataset"].unique())
    fig, axes = plt.subplots(1, max(len(datasets), 1), figsize=(8 * max(len(datasets), 1), 5.5), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        here = cells[(cells["dataset"] == dataset) & (cells["skipped"] == "")]
        shown = here[(here["n"] > 0) & here["scorer"].isin(["", reference_scorer])]
        methods = list(shown["method"].unique())
        palette = dict(zip(methods, sns.color_palette("tab10", n_colors=max(len(methods), 1))))
        counts = sorted(shown["n"].unique())
        position = {n: i for i, n in enumerate(counts)}  # the counts evenly spaced, each method beside the next
        for k, (method, rows) in enumerate(shown.groupby("method", sort=False)):
            offset = 0.5 * (k - (len(methods) - 1) / 2) / max(len(methods), 1)
            ax.scatter(
                rows["n"].map(position) + offset, 100 * rows["slice_accuracy"], color=palette[method], alpha=0.4, s=16
            )
            mean = rows.groupby("n")["slice_accuracy"].mean()
            ax.plot(
                mean.index.map(position) + offset,
                100 * mean.to_numpy(),
                marker="o",
                color=palette[method],
                label=method_label(method),
                linestyle="--" if method in ("oracle", "random", "slice_oracle") else "-",
            )
        control = here.loc[here["family"] == "control", "slice_accuracy"]
        if len(control):
            ax.axhline(100 * control.mean(), color="black", linewidth=0.9, linestyle=":", label="n = 0 (control)")
        ax.set_xticks(range(len(counts)), labels=[str(n) for n in counts])
        ax.set(
            xlabel="added points n",
            ylabel="accuracy on the slice's test points (%)",
            title=f"{dataset}: the planted slice ({here['seed'].nunique()} failing seeds; dots are seeds)",
        )
        ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    if not datasets:
        axes[0][0].set_title("no seed of a planted dataset fails on its slice: nothing to draw")
    _save(fig, path)


def scorer_bars(table: pd.DataFrame, path: str) -> None:
    """Table 1 as bars: each scorer's mean paired delta over its cells, per dataset."""
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(9, 5))
    shown = table.assign(mean_pp=100 * table["mean_delta"])
    sns.barplot(data=shown, x="dataset", y="mean_pp", hue="scorer", ax=ax)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(
        xlabel=None,
        ylabel="mean accuracy − control (percentage points)",
        title="cluster scorers: mean paired delta of their TopEx cells (Table 1)",
    )
    ax.legend(title="scorer", fontsize=8)
    _save(fig, path)


def before_after(
    background: np.ndarray,
    before: np.ndarray | None,
    after: np.ndarray | None,
    title: str,
    path: str,
    chosen: str | None = None,
) -> None:
    """Paper Fig. 2/4: where the n = 0 control and the retrained classifier put the chosen
    cluster's points (2D positions), over the control's map of every explore point. ``chosen``
    describes the chosen cluster (name, size) in the legend."""
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(8, 6.5))
    ax.scatter(background[:, 0], background[:, 1], s=8, color="#cccccc", linewidth=0, label="explore points (control)")
    if before is not None and after is not None:
        which = f"chosen cluster {chosen}" if chosen else "chosen cluster"
        ax.scatter(
            before[:, 0],
            before[:, 1],
            s=30,
            color="#c0392b",
            edgecolors="black",
            linewidths=0.6,
            label=f"{which}, control (n = 0)",
        )
        ax.scatter(
            after[:, 0],
            after[:, 1],
            s=30,
            color="#2c7fb8",
            edgecolors="black",
            linewidths=0.6,
            label=f"{which}, after augmentation",
        )
        for (x0, y0), (x1, y1) in zip(before, after):
            ax.annotate("", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "->", "color": "#555555", "lw": 0.8})
    ax.set(xlabel="SparsePCA component 1", ylabel="SparsePCA component 2")
    ax.set_title("\n".join(textwrap.wrap(title, 90)), fontsize=9)
    ax.legend(loc="best", fontsize=8)
    _save(fig, path)


def interactive_map(points: pd.DataFrame, title: str, path: str, generated: pd.DataFrame | None = None) -> None:
    """An HTML map of the output space: hovering a point shows its text, label, prediction and
    cluster name. Texts are shown as data (plotly escapes them), never interpreted.

    ``generated`` (the seed's assessed generations, :mod:`topex.generation_quality`): each accepted
    generated point where the base model puts it (``x``, ``y``: the saved projection), a star per
    LLM and shot setting, beside the members of the cluster it was written for (ringed); hovering
    shows its text, target label, the base model's and the judge's reading, and that cluster."""
    import plotly.express as px

    shown = points.assign(
        outcome=points["correct"].map({True: "correct", False: "misclassified"}),
        snippet=points["text"].str.slice(0, 200),
        cluster_name=points["cluster_name"].fillna("(noise)"),
    )
    fig = px.scatter(
        shown,
        x="x",
        y="y",
        color="outcome",
        symbol="is_candidate",
        title=title,
        hover_data={
            "snippet": True,
            "label_name": True,
            "prediction_name": True,
            "cluster": True,
            "cluster_name": True,
            "x": False,
            "y": False,
        },
        color_discrete_map={"correct": "#4c9a5b", "misclassified": "#c0392b"},
        labels={"x": "SparsePCA component 1", "y": "SparsePCA component 2"},
    )
    if generated is not None and len(generated):
        _add_generations(fig, points, generated)
    with atomic_path(path) as tmp:
        fig.write_html(tmp, include_plotlyjs=True, full_html=True)


def _add_generations(fig, points: pd.DataFrame, generated: pd.DataFrame) -> None:
    """The generated points (stars) and the clusters they were written for (ringed), as traces."""
    import html

    import plotly.graph_objects as go

    palette = sns.color_palette("tab10", n_colors=10).as_hex()
    for cluster in sorted(generated["cluster"].unique()):
        members = points[points["cluster"] == cluster]
        fig.add_trace(
            go.Scatter(
                x=members["x"],
                y=members["y"],
                mode="markers",
                name=f"cluster {cluster}: written for",
                marker={"symbol": "circle-open", "size": 14, "color": "black", "line": {"width": 2}},
                hovertext=[html.escape(str(name)) for name in members["cluster_name"]],
                hoverinfo="text",
            )
        )
    groups = generated.groupby(["llm", "shots"], sort=True)
    for rank, ((llm, shots), group) in enumerate(groups):
        hover = [
            f"generated by {html.escape(str(llm))}, {shots}-shot, for cluster {row.cluster} "
            f"'{html.escape(str(row.cluster_name))}'<br>target: {html.escape(str(row.label_name))}; base model: "
            f"{html.escape(str(row.base_prediction_name))}; judge: {html.escape(str(row.judge_prediction_name))}"
            f"<br>{html.escape(str(row.full_text)[:200])}"
            for row in group.itertuples(index=False)
        ]
        fig.add_trace(
            go.Scatter(
                x=group["x"],
                y=group["y"],
                mode="markers",
                name=f"generated: {llm} {shots}-shot",
                marker={
                    "symbol": "star",
                    "size": 13,
                    "color": palette[rank % len(palette)],
                    "line": {"width": 1, "color": "black"},
                },
                hovertext=hover,
                hoverinfo="text",
            )
        )
