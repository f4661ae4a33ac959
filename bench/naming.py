"""Benchmark: do LLM-written cluster names change the on-topic rate of the generations?

Runs the generation-quality table of the offline default twice in one working folder: with the
BERTopic names (the config's), then with ``naming.method: llm`` (an overlay). Data, base models and
the chosen clusters are shared (names do not enter the scorers), so the second run reruns the
Explorer's naming, the scorers, the generations and their measures only; each (dataset, seed, LLM,
shots) is then paired. Prints, and writes to bench/out/naming/: both tables and the paired
differences of the on-topic rate (and of the acceptance and judge agreement), mean over the pairs
with a 95% t-interval, per dataset and overall. The folder is left with the LLM names' results:
rerun the workflow there without the overlay to restore the default's.
Run: .venv/bin/python bench/naming.py [--cores 2] [--workdir DIR] [--overlay FILE ...]
(default DIR: a fresh copy; overlays are merged over config/config.yaml in both runs, e.g. fewer seeds)
"""

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
from grid import fresh_checkout, snakemake  # noqa: E402  (bench/grid.py)

from topex import stats  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "naming"
TARGET = "results/tables/generations.csv"
MEASURES = ["on_topic_rate", "centroid_cosine", "judge_agreement", "acceptance_rate"]


def paired(bertopic: pd.DataFrame, llm: pd.DataFrame) -> pd.DataFrame:
    """Per-seed rows of both tables side by side, and per dataset (and all) the paired mean
    difference llm − bertopic of each measure with its 95% t-interval."""
    keys = ["dataset", "llm", "shots", "seed"]
    rows = [frame[frame["seed"] != "all"].set_index(keys)[MEASURES] for frame in (bertopic, llm)]
    both = rows[0].merge(rows[1], left_index=True, right_index=True, suffixes=("_bertopic", "_llm")).reset_index()
    summary = []
    for dataset, group in [*both.groupby("dataset"), ("all", both)]:
        row = {"dataset": dataset, "pairs": len(group)}
        for measure in MEASURES:
            deltas = (group[f"{measure}_llm"] - group[f"{measure}_bertopic"]).dropna().to_numpy()
            mean, low, high = stats.mean_interval(deltas)
            row.update(
                {
                    f"{measure}_delta": mean,
                    f"{measure}_low": low,
                    f"{measure}_high": high,
                    f"{measure}_pairs": len(deltas),
                }
            )
        summary.append(row)
    return both, pd.DataFrame(summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", type=Path, help="a working copy to run in (default: a fresh copy)")
    parser.add_argument("--overlay", nargs="*", default=[], help="config files merged over config/config.yaml")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="topex-naming-"))
    if args.workdir is None:
        fresh_checkout(workdir)
    OUT.mkdir(parents=True, exist_ok=True)
    tables = {}
    (workdir / "naming-llm.yaml").write_text(yaml.safe_dump({"naming": {"method": "llm"}}))
    for method, extra in (("bertopic", []), ("llm", ["naming-llm.yaml"])):
        # the target first: --configfile takes every word after it
        seconds, _ = snakemake(workdir, args.cores, TARGET, "--configfile", "config/config.yaml", *args.overlay, *extra)
        tables[method] = pd.read_csv(workdir / TARGET, dtype={"seed": str})
        tables[method].to_csv(OUT / f"{method}.csv", index=False)
        print(f"{method} names: {TARGET} in {seconds / 60:.1f} min")
        for dataset in sorted(tables[method]["dataset"].unique()):
            clusters = workdir / "results" / dataset
            for path in sorted(clusters.glob("seed~*/explore/clusters.csv")):
                named = pd.read_csv(path, keep_default_na=False)
                if method == "llm":
                    for row in named[named["is_candidate"]].itertuples():
                        print(
                            f"  {dataset} {path.parts[-3]} cluster {row.cluster}: '{row.bertopic_name}' -> "
                            f"'{row.llm_name or '(none: BERTopic kept)'}'"
                        )
    both, summary = paired(tables["bertopic"], tables["llm"])
    both.to_csv(OUT / "paired.csv", index=False)
    summary.to_csv(OUT / "summary.csv", index=False)
    print(summary.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
