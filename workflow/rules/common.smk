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


def seed_dir(path):
    """Path under the per-(dataset, seed) results folder."""
    return f"results/{{dataset}}/seed~{{seed}}/{path}"


def per_seed(path):
    """One target per dataset and seed."""
    return expand(
        f"results/{{dataset}}/seed~{{seed}}/{path}", dataset=DATASETS, seed=SEEDS
    )


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
    ]
