# Shared helpers and input functions. Config holds experiment parameters only; threads and
# resources come from the rules' defaults and the profiles.
import logging

DATASETS = sorted(config["datasets"])
# the datasets with a planted failure (a plant block): evaluated against their answer keys
PLANTED = [name for name in DATASETS if config["datasets"][name].get("plant")]
SEEDS = [str(seed) for seed in config["seeds"]]
SPLITS = ["train", "explore", "test", "pool"]
SCORERS = config["scoring"]["scorers"]
BASE_SCORERS = ["density", "pairwise", "geomedian", "ctc", "cosine", "errors"]
LLMS = sorted(config["llms"])
SHOTS = [str(shots) for shots in config["augment"]["shots"]]
COUNTS = [str(n) for n in config["augment"]["counts"]]
MODE = config["retrain"]["mode"]
NOISE_MODES = config["retrain"]["noise_modes"]
# the noise study's cells of a mode: the control, and both controls at the largest count
NOISE_CELLS = [
    ("control", 0),
    ("oracle", max(config["augment"]["counts"])),
    ("random", max(config["augment"]["counts"])),
]
REFERENCE_SCORER = config["retrain"]["reference_scorer"]
if REFERENCE_SCORER not in SCORERS:
    raise ValueError(
        f"retrain.reference_scorer: '{REFERENCE_SCORER}' is not among scoring.scorers {SCORERS}"
    )
CONTROLS = ["oracle", "random"]
# The positive control of a planted dataset (topex.controls): real slice points. It reads the answer
# key, so it stays out of the grid's cells and tables: only the slice's evaluation reads its cells.
SLICE_ORACLE = "slice_oracle"
# The LLM whose TopEx cells Table 1 compares the scorers on (the paper: Gemma-2-2B).
TABLE1_LLM = config["tables"]["table1_llm"] or LLMS[0]
if TABLE1_LLM not in LLMS:
    raise ValueError(f"tables.table1_llm: '{TABLE1_LLM}' is not among llms {LLMS}")
# The LLM that writes cluster names (naming.method: llm); null: the first LLM alphabetically.
NAMING_METHOD = config["naming"]["method"]
NAMING_LLM = config["naming"]["llm"] or LLMS[0]
if NAMING_METHOD == "llm" and NAMING_LLM not in LLMS:
    raise ValueError(f"naming.llm: '{NAMING_LLM}' is not among llms {LLMS}")
# Its settings reach the Explorer only with method llm; with bertopic, editing that LLM reruns nothing.
NAMING_LLM_CONFIG = (
    {"name": NAMING_LLM, **config["llms"][NAMING_LLM]}
    if NAMING_METHOD == "llm"
    else None
)
QUALITY = config["quality"]


def baseline_not_run(method):
    """Why a configured baseline cannot run, or None when it can."""
    if method == "clare" and not config["baselines"]["clare"]["masked_lm"]:
        return "not run: no masked LM configured"
    return None


BASELINES = [m for m in config["baselines"]["methods"] if baseline_not_run(m) is None]
NOT_RUN = {
    m: baseline_not_run(m)
    for m in config["baselines"]["methods"]
    if baseline_not_run(m)
}
# A retrained cell's method: the n = 0 control, a control, a baseline, or one generation file.
METHOD_PATTERN = "|".join(
    [
        *CONTROLS,
        SLICE_ORACLE,
        *BASELINES,
        rf"generated/cluster~\d+/({'|'.join(LLMS)})/shots~\d+",
    ]
)


wildcard_constraints:
    dataset="|".join(DATASETS),
    seed=r"\d+",
    cluster=r"\d+",
    shots=r"\d+",
    llm="|".join(LLMS),
    mode="full|continue|head|top",  # the retraining modes (retrain.mode, noise_modes)


for _name, _dataset in config["datasets"].items():
    _splits = _dataset["splits"]
    if (
        _splits["explore"].get("from") == _splits["train"]["from"]
        and _splits["explore"].get("size") is None
    ):
        raise ValueError(
            f"datasets.{_name}.splits.explore: size null takes all of source split "
            f"'{_splits['train']['from']}' that train leaves, so the unused training pool (the random "
            "control's points) is empty; give explore a size"
        )
    if _dataset["splits"]["explore"].get("same_as") == "test":
        logging.getLogger("snakemake").warning(
            f"WARNING: dataset '{_name}': explore split is the test split: clusters are chosen "
            "from test errors and tested on the same points (a leak). Use it only to reproduce "
            "the paper's setting."
        )


def dataset_config(wildcards):
    return config["datasets"][wildcards.dataset]


def prompt_fields(wildcards):
    """The fields of the dataset's task prompt (prepare_data asks for label names when they
    include {label}); the template's text is not a parameter, so editing it reruns nothing.
    """
    from topex.config_checks import template_fields

    task = config["datasets"][wildcards.dataset]["task"]
    return template_fields(config["augment"]["prompts"].get(task, ""))


def data_summary():
    """The run's summary of what loading removed, per dataset (also in its splits.json)."""
    import json

    for name in DATASETS:
        path = f"results/{name}/data/splits.json"
        if not os.path.exists(path):
            continue
        with open(path) as handle:
            manifest = json.load(handle)
        dropped, duplicates = manifest.get("dropped_empty"), manifest.get(
            "duplicates_removed"
        )
        if any((dropped or {}).values()) or any((duplicates or {}).values()):
            logging.getLogger("snakemake").warning(
                f"dataset '{name}': rows dropped with an empty text or label per source split "
                f"{dropped}; exact duplicate texts removed {duplicates} (see {path})"
            )


def source_files(wildcards):
    """Local data files of a dataset, so that editing one reruns its preparation."""
    source = config["datasets"][wildcards.dataset]["source"]
    return sorted(source["splits"].values()) if source["kind"] == "files" else []


def llm_model(wildcards):
    return config["llms"][wildcards.llm]["model"]


def label_words(wildcards):
    """The words the prompts use for a dataset's label names (datasets.{name}.label_words)."""
    return config["datasets"][wildcards.dataset]["label_words"]


def llm_gpus(wildcards):
    """A generation asks for a GPU only when its LLM offloads layers to one."""
    return int(config["llms"][wildcards.llm]["n_gpu_layers"] != 0)


def generation_settings(wildcards):
    """What a generation uses: the largest count (smaller counts are its prefixes) and its task's
    prompt, so that editing the other counts or another task's prompt regenerates nothing.
    """
    augment = config["augment"]
    task = config["datasets"][wildcards.dataset]["task"]
    settings = {
        k: v for k, v in augment.items() if k not in ("counts", "shots", "prompts")
    }
    prompts = {k: v for k, v in augment["prompts"].items() if k == task}
    return {**settings, "largest_count": max(augment["counts"]), "prompts": prompts}


def light_retraining(mode):
    """Head mode, and top mode on the head alone, train a linear layer on cached features."""
    return mode == "head" or (mode == "top" and config["retrain"]["top"]["layers"] == 0)


def retrain_settings(wildcards):
    """Only the section of the job's mode (retrain.full, .continue, .head or .top), so that
    editing another mode's settings, or any other retrain key, reruns nothing."""
    return {wildcards.mode: config["retrain"][wildcards.mode]}


def retrain_threads(wildcards):
    """A linear layer on cached features takes one thread; the others fine-tune."""
    return 1 if light_retraining(wildcards.mode) else 4


def retrain_gpus(wildcards):
    return 0 if light_retraining(wildcards.mode) else 1


def llm_config(wildcards):
    return {"name": wildcards.llm, **config["llms"][wildcards.llm]}


def chosen_clusters(dataset, seed):
    """The clusters the scorers chose for a seed, known once the choose_clusters checkpoint has
    run: the distinct ones, sorted, and the reference scorer's (None: it had no candidate).
    """
    import json

    from topex.chosen import distinct_clusters

    chosen_file = checkpoints.choose_clusters.get(dataset=dataset, seed=seed).output[0]
    with open(chosen_file) as handle:
        chosen = json.load(handle)
    return distinct_clusters(chosen), chosen[REFERENCE_SCORER]


def generations_of_chosen(wildcards):
    """The generation files of the clusters the scorers chose (known once scoring has run)."""
    clusters, _ = chosen_clusters(wildcards.dataset, wildcards.seed)
    return expand(
        seed_dir("generate/cluster~{cluster}/{llm}/shots~{shots}.jsonl"),
        dataset=wildcards.dataset,
        seed=wildcards.seed,
        cluster=clusters,
        llm=LLMS,
        shots=SHOTS,
    )


def added_file(method):
    """The file of points a method adds (all counts are prefixes of it)."""
    if method in CONTROLS or method == SLICE_ORACLE:
        return seed_dir(f"controls/{method}.parquet")
    if method in BASELINES:
        return seed_dir(f"baselines/{method}.jsonl")
    return seed_dir(method.replace("generated/", "generate/", 1) + ".jsonl")


def baseline_settings(wildcards):
    """Only the section of the recipe that runs (editing another reruns nothing)."""
    section = config["baselines"]
    keys = ("attempts_per_point", "sentence_encoder", wildcards.method)
    return {key: section[key] for key in keys}


def baseline_inputs(wildcards):
    """The chosen cluster's points, the training texts (no copies), and what the recipe needs:
    WordNet (EDA) or the seed's classifier (A2T's word importance and goal)."""
    inputs = {
        "points": seed_dir("explore/points.parquet"),
        "chosen": seed_dir("score/chosen.json"),
        "train": "results/{dataset}/data/train.parquet",
    }
    if wildcards.method == "eda":
        inputs["wordnet"] = "resources/wordnet"
    if wildcards.method == "a2t":
        inputs["model"] = seed_dir("base/model")
    return {key: path.format(**wildcards) for key, path in inputs.items()}


def retrain_inputs(wildcards, cached_added=True):
    """A retraining run needs the base model and splits, the added points (not for the
    control), the chosen clusters' points (in-group accuracy) and, in head and top mode, the
    cached representations (with ``cached_added``, in the modes that train a linear layer on
    them, those of the added points too: embed_added).
    """
    method = getattr(wildcards, "method", "control")
    inputs = {
        "model": seed_dir("base/model"),
        "train": "results/{dataset}/data/train.parquet",
        "test": "results/{dataset}/data/test.parquet",
        "manifest": "results/{dataset}/data/splits.json",
        "base_metrics": seed_dir("base/metrics.json"),
        "points": seed_dir("explore/points.parquet"),
        "explore_outputs": seed_dir("base/outputs/explore.parquet"),
        "test_outputs": seed_dir("base/outputs/test.parquet"),
        "chosen": seed_dir("score/chosen.json"),
        "regions": seed_dir("score/regions.json"),
    }
    if method != "control":
        inputs["added"] = added_file(method)
    if wildcards.mode in ("head", "top"):
        inputs["features"] = seed_dir("base/features.npz")
    if cached_added and light_retraining(wildcards.mode) and method != "control":
        # the slice oracle's points apart: the grid's cells must not wait on the answer key
        name = "slice_oracle_features" if method == SLICE_ORACLE else "added_features"
        inputs["added_features"] = seed_dir(f"base/{name}.npz")
    return {key: path.format(**wildcards) for key, path in inputs.items()}


def noise_cells_inputs(wildcards):
    """The noise study's job of one mode needs the control's inputs and the oracle's and random
    points; it embeds those itself rather than wait for embed_added, which needs every method's
    points of the seed."""
    inputs = retrain_inputs(wildcards, cached_added=False)
    for method, _ in NOISE_CELLS[1:]:
        inputs[f"added_{method}"] = added_file(method).format(**wildcards)
    return inputs


def noise_cells_outputs():
    """The noise study's cells of one mode, in the order of NOISE_CELLS."""
    return [
        seed_dir(f"noise~{{mode}}/{method}/n~{n}/metrics.json")
        for method, n in NOISE_CELLS
    ]


def generation_outputs():
    """The files of one (cluster, LLM) generation job: one per shot setting."""
    return [
        seed_dir(f"generate/cluster~{{cluster}}/{{llm}}/shots~{shots}.jsonl")
        for shots in SHOTS
    ]


def retrain_outputs(counts):
    return [seed_dir(f"retrain~{{mode}}/{{method}}/n~{n}/metrics.json") for n in counts]


def seed_methods(dataset, seed):
    """The methods that add points in one (dataset, seed): the controls, the baselines and one
    generation file per distinct chosen cluster (known after scoring)."""
    clusters, _ = chosen_clusters(dataset, seed)
    return [
        *CONTROLS,
        *BASELINES,
        *(
            f"generated/cluster~{c}/{llm}/shots~{k}"
            for c in clusters
            for llm in LLMS
            for k in SHOTS
        ),
    ]


def added_features_inputs(wildcards):
    """The base model and the added points of every method of one (dataset, seed)."""
    added = [added_file(m) for m in seed_methods(wildcards.dataset, wildcards.seed)]
    return {
        "model": seed_dir("base/model").format(**wildcards),
        "added": [path.format(**wildcards) for path in added],
    }


def seed_cells(wildcards):
    """Every retrained cell of one (dataset, seed, mode): the n = 0 control and every method at
    every count."""
    cells = [f"retrain~{wildcards.mode}/control/n~0/metrics.json"]
    cells += [
        f"retrain~{wildcards.mode}/{m}/n~{n}/metrics.json"
        for m in seed_methods(wildcards.dataset, wildcards.seed)
        for n in COUNTS
    ]
    return [
        seed_dir(cell).format(dataset=wildcards.dataset, seed=wildcards.seed)
        for cell in cells
    ]


def slice_seed_cells(wildcards):
    """The cells that a planted (dataset, seed, mode) is evaluated on: the grid's and the slice
    oracle's at every count."""
    cells = [
        seed_dir(f"retrain~{wildcards.mode}/{SLICE_ORACLE}/n~{n}/metrics.json").format(
            dataset=wildcards.dataset, seed=wildcards.seed
        )
        for n in COUNTS
    ]
    return seed_cells(wildcards) + cells


def noise_inputs():
    """The noise study's cells: per mode, the control and both controls at the largest count."""
    cells = [
        f"noise~{mode}/{method}/n~{n}/metrics.json"
        for mode in NOISE_MODES
        for method, n in NOISE_CELLS
    ]
    return [path for cell in cells for path in per_seed(cell)]


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
        # every LLM's file: a dry run lists them (their generations sit behind the checkpoint)
        *expand("resources/llm/{llm}.gguf", llm=LLMS),
        *report_targets(),
    ]


FIRST_SEED = SEEDS[0]  # the seed whose exploration the per-dataset figures show


def report_targets():
    """Every table and figure of the paper's results (target: figures)."""
    tables = expand(
        "results/tables/{table}.{ext}",
        table=["table1", "table2", "effects", "explore_coverage", "generations"],
        ext=["csv", "md"],
    )
    tables += ["results/tables/table3.md", "results/tables/table3.html"]
    if PLANTED:
        tables += expand(
            "results/tables/{table}.{ext}",
            table=["planted_failures", "known_answer", "slice_effects"],
            ext=["csv", "md"],
        )
    figures = ["results/figures/performance.png", "results/figures/scorers.png"]
    if PLANTED:
        figures.append("results/figures/slice_accuracy.png")
        figures += expand("results/figures/{dataset}/slice_map.png", dataset=PLANTED)
    figures += expand(
        "results/figures/{dataset}/{name}",
        dataset=DATASETS,
        name=["before_after.png", "cluster_composition.png", "output_space.html"],
    )
    return tables + figures


def naming_gpus(wildcards):
    """Exploring asks for a GPU only when its naming LLM offloads layers to one."""
    return int(NAMING_METHOD == "llm" and NAMING_LLM_CONFIG["n_gpu_layers"] != 0)


def naming_model(wildcards):
    """The naming LLM's GGUF file with naming.method llm; nothing with bertopic."""
    return f"resources/llm/{NAMING_LLM}.gguf" if NAMING_METHOD == "llm" else []


def assess_inputs(wildcards):
    """What measuring one seed's generations reads: its generation files (known after scoring),
    the base model, the Explorer's clusters, map and centroids, and the splits' embeddings.
    """
    inputs = {
        "chosen": seed_dir("score/chosen.json"),
        "model": seed_dir("base/model"),
        "points": seed_dir("explore/points.parquet"),
        "clusters": seed_dir("explore/clusters.csv"),
        "projection": seed_dir("explore/projection.npz"),
        "explore_outputs": seed_dir("base/outputs/explore.parquet"),
        "train": "results/{dataset}/data/train.parquet",
        "data_explore": "results/{dataset}/data/explore.parquet",
        "manifest": "results/{dataset}/data/splits.json",
        "judge": "results/{dataset}/embeddings/judge.npz",
        **{
            f"{split}_embeddings": f"results/{{dataset}}/embeddings/{split}.npz"
            for split in ("explore", "test", "train")
        },
    }
    inputs = {key: path.format(**wildcards) for key, path in inputs.items()}
    inputs["generations"] = generations_of_chosen(wildcards)
    return inputs


def table3_inputs(wildcards):
    """Per dataset, the first seed's chosen clusters, cluster names and assessed generations."""
    files = {
        "chosen": "score/chosen.json",
        "clusters": "explore/clusters.csv",
        "points": "generate/quality.parquet",
        "summary": "generate/quality.json",
    }
    return {
        f"{dataset}_{key}": seed_dir(path).format(dataset=dataset, seed=FIRST_SEED)
        for dataset in DATASETS
        for key, path in files.items()
    }


def figure_cell():
    """The retrained cell whose movement the before/after map shows: the reference scorer's
    cluster, the first LLM, the most shots and the largest count (a fixed choice, not the best).
    """
    shots = max(config["augment"]["shots"])
    return f"{LLMS[0]}/shots~{shots}", max(config["augment"]["counts"])


def dataset_figure_inputs(wildcards):
    """The first seed's exploration and the retrained cell of the before/after map."""
    where = {"dataset": wildcards.dataset, "seed": FIRST_SEED}
    _, cluster = chosen_clusters(**where)
    generation, n = figure_cell()
    cell = (
        f"generated/cluster~{cluster}/{generation}/n~{n}"
        if cluster is not None
        else "control/n~0"
    )
    inputs = {
        "points": seed_dir("explore/points.parquet"),
        "clusters": seed_dir("explore/clusters.csv"),
        "projection": seed_dir("explore/projection.npz"),
        "chosen": seed_dir("score/chosen.json"),
        "control": seed_dir(f"retrain~{MODE}/control/n~0/metrics.json"),
        "cell": seed_dir(f"retrain~{MODE}/{cell}/metrics.json"),
        "generations": seed_dir("generate/quality.parquet"),
    }
    return {key: path.format(**where) for key, path in inputs.items()}
