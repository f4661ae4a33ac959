# Shared helpers and input functions. Config holds experiment parameters only; threads and
# resources come from the rules' defaults and the profiles.
import logging

DATASETS = sorted(config["datasets"])
SEEDS = [str(seed) for seed in config["seeds"]]
SPLITS = ["train", "explore", "test", "pool"]
SCORERS = config["scoring"]["scorers"]
BASE_SCORERS = ["density", "pairwise", "geomedian", "ctc", "cosine"]
LLMS = sorted(config["llms"])
SHOTS = [str(shots) for shots in config["augment"]["shots"]]
COUNTS = [str(n) for n in config["augment"]["counts"]]
MODE = config["retrain"]["mode"]
NOISE_MODES = config["retrain"]["noise_modes"]


wildcard_constraints:
    dataset="|".join(DATASETS),
    seed=r"\d+",
    cluster=r"\d+",
    shots=r"\d+",
    llm="|".join(LLMS),


for _name, _dataset in config["datasets"].items():
    if _dataset["splits"]["explore"].get("same_as") == "test":
        logging.getLogger("snakemake").warning(
            f"WARNING: dataset '{_name}': explore split is the test split: clusters are chosen "
            "from test errors and tested on the same points (a leak). Use it only to reproduce "
            "the paper's setting."
        )


def dataset_config(wildcards):
    return config["datasets"][wildcards.dataset]


def source_files(wildcards):
    """Local data files of a dataset, so that editing one reruns its preparation."""
    source = config["datasets"][wildcards.dataset]["source"]
    return sorted(source["splits"].values()) if source["kind"] == "files" else []


def llm_model(wildcards):
    return config["llms"][wildcards.llm]["model"]


def llm_config(wildcards):
    return {"name": wildcards.llm, **config["llms"][wildcards.llm]}


def generations_of_chosen(wildcards):
    """The generation files of the clusters the scorers chose (known once scoring has run)."""
    import json

    chosen_file = checkpoints.choose_clusters.get(**wildcards).output[0]
    with open(chosen_file) as handle:
        clusters = sorted({c for c in json.load(handle).values() if c is not None})
    return expand(
        seed_dir("generate/cluster~{cluster}/{llm}/shots~{shots}.jsonl"),
        dataset=wildcards.dataset,
        seed=wildcards.seed,
        cluster=clusters,
        llm=LLMS,
        shots=SHOTS,
    )


def retrain_inputs(wildcards):
    """A retraining run needs the base model and splits, the added points (not for the
    control), and in head mode the cached representations."""
    inputs = {
        "model": seed_dir("base/model"),
        "train": "results/{dataset}/data/train.parquet",
        "test": "results/{dataset}/data/test.parquet",
        "manifest": "results/{dataset}/data/splits.json",
        "base_metrics": seed_dir("base/metrics.json"),
    }
    if wildcards.method != "control":
        inputs["added"] = seed_dir(f"controls/{wildcards.method}.parquet")
    if wildcards.mode == "head":
        inputs["features"] = seed_dir("base/features.npz")
    return {key: path.format(**wildcards) for key, path in inputs.items()}


def retrain_cells(mode, counts):
    """The control (n = 0) and the two controls' cells at the given counts, per dataset and seed."""
    cells = per_seed(f"retrain~{mode}/control/n~0/metrics.json")
    for method in ("oracle", "random"):
        for n in counts:
            cells += per_seed(f"retrain~{mode}/{method}/n~{n}/metrics.json")
    return cells


def noise_inputs():
    return [
        path
        for mode in NOISE_MODES
        for path in retrain_cells(mode, [max(config["augment"]["counts"])])
    ]


def seed_dir(path):
    """Path under the per-(dataset, seed) results folder."""
    return f"results/{{dataset}}/seed~{{seed}}/{path}"


def per_seed(path):
    """One target per dataset and seed."""
    return expand(seed_dir(path), dataset=DATASETS, seed=SEEDS)


def weighted_inputs(wildcards):
    """The score records of the metrics that the weighted score combines."""
    weights = config["scoring"]["weights"]
    return {
        metric: seed_dir(f"score/{metric}.json").format(**wildcards)
        for metric in weights
    }


def all_targets():
    return [
        *per_seed("base/metrics.json"),
        *per_seed("explore/clusters.csv"),
        *per_seed("figures/output_space.png"),
        *per_seed("figures/cluster_composition.png"),
        *[path for scorer in SCORERS for path in per_seed(f"score/{scorer}.json")],
        *per_seed("generate/summary.json"),
        *retrain_cells(MODE, COUNTS),
    ]
