"""Study: the label judge against no label check, on the planted slices (issue 30; README, "A
known answer").

The judge (augment.label_check: judge) rejects a generated point that an independent classifier
reads as another class than its target. On a failure, those may be exactly the boundary points a
fix needs. This runs the offline default's planted datasets (the datasets with a `plant:` block;
the natural ones, the other scorers and the baselines are left out) with `label_check: none` in a
fresh copy of the working tree, and
compares it, paired per seed, with a run that used the judge: either `--judge-run`, a finished run
of the default config (e.g. `make run`'s folder), or a second fresh copy with the judge. Prints:
  - the generations per (LLM, shots), pooled over seeds: accepted points and acceptance, the
    judge's and the base classifier's agreement with the target label, on-topic rate and
    distinct-2 (results/tables/generations.csv of each run);
  - TopEx's slice and rest test accuracy at every n (the reference scorer's cluster), judge minus
    none, paired over the seeds that fail on the slice, with 95 % t-intervals and verdicts; and
    each variant's targeting effect (vs random at the same n).
Run: .venv/bin/python bench/label_check.py [--judge-run DIR [--reuse]] [--cores 2] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from grid import fresh_checkout, release, snakemake  # noqa: E402

from topex.answer_key import failing_seeds  # noqa: E402
from topex.tables import effect_statistics, signed  # noqa: E402

VARIANTS = ("judge", "none")
GENERATION_COLUMNS = ["accepted", "acceptance_rate", "judge_agreement", "base_agreement", "on_topic_rate", "distinct_2"]


def planted_only(workdir: Path, label_check: str) -> None:
    """A config/local.yaml (read after the default) that sets the label check and keeps what the
    study reads: the planted datasets, and the reference scorer alone (its cluster, and so its
    generations, are the full grid's: a scorer's choice does not depend on the others), without
    the baselines."""
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    natural = [name for name, dataset in config["datasets"].items() if "plant" not in dataset]
    local = {
        "datasets": {name: None for name in natural},
        "augment": {"label_check": label_check},
        "scoring": {"scorers": [config["retrain"]["reference_scorer"]]},
        "baselines": {"methods": []},
    }
    (workdir / "config" / "local.yaml").write_text(yaml.safe_dump(local, sort_keys=False))


def topex_cells(workdir: Path, mode: str, reference_scorer: str) -> pd.DataFrame:
    """TopEx's retrained cells on the planted slices (the reference scorer's cluster), of the seeds
    that fail on their slice."""
    paths = sorted((workdir / "results").glob(f"*/seed~*/retrain~{mode}/slice_cells.csv"))
    cells = pd.concat([pd.read_csv(path, keep_default_na=False, na_values=[""]) for path in paths])
    cells = failing_seeds(cells, pd.read_csv(workdir / "results" / "tables" / "planted_failures.csv"))
    return cells[(cells["family"] == "topex") & (cells["scorer"] == reference_scorer) & (cells["skipped"] == "")]


def generation_rows(workdirs: dict[str, Path], datasets: list[str]) -> list[str]:
    table = {
        variant: pd.read_csv(workdir / "results" / "tables" / "generations.csv", dtype={"seed": str}).query(
            "seed == 'all' and dataset in @datasets"
        )
        for variant, workdir in workdirs.items()
    }
    lines = [
        "| dataset | LLM | shots | label check | accepted | acceptance | judge agrees | base agrees | on topic | distinct-2 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    merged = pd.concat([frame.assign(variant=variant) for variant, frame in table.items()])
    for row in merged.sort_values(["dataset", "llm", "shots", "variant"]).itertuples(index=False):
        lines.append(
            f"| {row.dataset} | {row.llm} | {row.shots} | {row.variant} | {row.accepted} | {row.acceptance_rate:.0%} "
            f"| {row.judge_agreement:.0%} | {row.base_agreement:.0%} | {row.on_topic_rate:.0%} | {row.distinct_2:.2f} |"
        )
    return lines


def accuracy_rows(cells: dict[str, pd.DataFrame]) -> list[str]:
    """Per (dataset, LLM, shots, n): each variant's mean slice accuracy and targeting effect, and
    judge minus none on the slice and the rest, paired over the seeds both ran."""
    keys = ["dataset", "seed", "llm", "shots", "n"]
    paired = cells["judge"].merge(cells["none"], on=keys, suffixes=("_judge", "_none"))
    lines = [
        "| dataset | LLM | shots | n | slice acc. judge / none | vs random, judge | vs random, none "
        "| judge − none, slice (pp) | judge − none, rest (pp) | seeds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def interval(stats: dict, prefix: str) -> str:
        return f"{signed(stats[f'{prefix}delta'])} [{signed(stats[f'{prefix}low'])}, {signed(stats[f'{prefix}high'])}]"

    for (dataset, llm, shots, n), group in paired.groupby(["dataset", "llm", "shots", "n"], sort=True):
        stats = {
            **effect_statistics(group["slice_accuracy_judge"] - group["slice_accuracy_none"], "slice_"),
            **effect_statistics(group["rest_accuracy_judge"] - group["rest_accuracy_none"], "rest_"),
            **effect_statistics(group["slice_target_delta_judge"], "judge_"),
            **effect_statistics(group["slice_target_delta_none"], "none_"),
        }
        lines.append(
            f"| {dataset} | {llm} | {shots} | {n} "
            f"| {group['slice_accuracy_judge'].mean():.1%} / {group['slice_accuracy_none'].mean():.1%} "
            f"| {interval(stats, 'judge_')} | {interval(stats, 'none_')} "
            f"| {interval(stats, 'slice_')}: {stats['slice_verdict']} | {interval(stats, 'rest_')}: {stats['rest_verdict']} "
            f"| {len(group)} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge-run", type=Path, help="a finished run of the default config (label_check: judge)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="start the none run from a copy of --judge-run's results (its base models, clusters and "
        "scores are reused; what the label check and the code changed since reruns)",
    )
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary checkouts and their results")
    args = parser.parse_args()
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    if config["augment"]["label_check"] not in VARIANTS:
        sys.exit(
            f"config/config.yaml: augment.label_check is {config['augment']['label_check']!r}, not one of {VARIANTS}"
        )
    planted = [name for name, dataset in config["datasets"].items() if "plant" in dataset]
    folders = []
    try:
        workdirs = {}
        for variant in VARIANTS if args.judge_run is None else ("none",):
            workdir = Path(tempfile.mkdtemp(prefix=f"topex-label-{variant}-"))
            folders.append(workdir)
            fresh_checkout(workdir)
            if args.reuse and args.judge_run is not None:
                for folder in ("results", "resources", ".snakemake"):
                    shutil.copytree(args.judge_run / folder, workdir / folder, symlinks=True, dirs_exist_ok=True)
            planted_only(workdir, variant)
            seconds, _ = snakemake(workdir, args.cores)
            print(f"label_check {variant}: {', '.join(planted)} in {seconds / 60:.1f} min ({workdir})")
            workdirs[variant] = workdir
        if args.judge_run is not None:
            workdirs["judge"] = args.judge_run.resolve()
        same = [pd.read_csv(w / "results" / "tables" / "planted_failures.csv") for w in workdirs.values()]
        columns = ["dataset", "seed", "slice_accuracy", "rest_accuracy"]
        verdict = "the same" if same[0][columns].equals(same[1][columns]) else "NOT the same: the pairs are not read"
        print(f"base classifiers of the two runs (planted_failures.csv): {verdict}")
        mode, reference = config["retrain"]["mode"], config["retrain"]["reference_scorer"]
        print("\nGenerations (pooled over seeds; agreement and on-topic are shares of the accepted points):\n")
        print("\n".join(generation_rows(workdirs, planted)))
        cells = {variant: topex_cells(workdir, mode, reference) for variant, workdir in workdirs.items()}
        print(f"\nTopEx on the slice, {mode} mode, the {reference} scorer's cluster (95 % t-intervals over seeds):\n")
        print("\n".join(accuracy_rows(cells)))
    finally:
        for folder in folders:
            release(folder, args.keep)


if __name__ == "__main__":
    main()
