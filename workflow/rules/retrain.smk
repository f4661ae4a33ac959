rule control_points:
    """Real labelled points for the controls: oracle (the chosen cluster's region) and random."""
    input:
        points=seed_dir("explore/points.parquet"),
        pool="results/{dataset}/data/pool.parquet",
        chosen=seed_dir("score/chosen.json"),
    output:
        seed_dir("controls/{control}.parquet"),
    log:
        seed_dir("logs/controls_{control}.log"),
    wildcard_constraints:
        control="oracle|random",
    conda:
        "../envs/explore.yaml"
    params:
        n=max(config["augment"]["counts"]),
        scorer=REFERENCE_SCORER,
    script:
        "../scripts/control_points.py"


rule slice_oracle_points:
    """The slice oracle of a planted (dataset, seed): real slice points of explore with their true
    labels, seeded, at the largest count (topex.controls). Evaluation: it reads the answer key.
    """
    input:
        explore="results/{dataset}/data/explore.parquet",
        answer_key="results/{dataset}/data/answer_key.json",
    output:
        seed_dir("controls/slice_oracle.parquet"),
    log:
        seed_dir("logs/controls_slice_oracle.log"),
    conda:
        "../envs/explore.yaml"
    params:
        n=max(config["augment"]["counts"]),
    script:
        "../scripts/slice_oracle_points.py"


rule in_group_regions:
    """The test points of each chosen cluster's region, fixed before any retraining: every cell
    and its control are scored on the same points (in-group accuracy)."""
    input:
        points=seed_dir("explore/points.parquet"),
        explore_outputs=seed_dir("base/outputs/explore.parquet"),
        test_outputs=seed_dir("base/outputs/test.parquet"),
        chosen=seed_dir("score/chosen.json"),
    output:
        seed_dir("score/regions.json"),
    log:
        seed_dir("logs/in_group_regions.log"),
    conda:
        "../envs/explore.yaml"
    params:
        size=config["retrain"]["region_size"],
        normalise=config["explore"]["normalise"],
    script:
        "../scripts/in_group_regions.py"


rule embed_added:
    """The base model's representations of the points every method of a seed adds, in one job:
    head-mode and top-mode (layers 0) cells train the final layer on them and load no model (a
    new method's points re-embed them all, a forward pass over a few dozen points)."""
    input:
        unpack(added_features_inputs),
    output:
        seed_dir("base/added_features.npz"),
    log:
        seed_dir("logs/embed_added.log"),
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        gpu=1,
    params:
        classifier=config["classifier"],
    script:
        "../scripts/embed_added.py"


rule embed_slice_oracle:
    """The base model's representations of the slice oracle's points, apart from embed_added, so
    that a new answer key reruns the slice's cells alone."""
    input:
        model=seed_dir("base/model"),
        added=[seed_dir("controls/slice_oracle.parquet")],
    output:
        seed_dir("base/slice_oracle_features.npz"),
    log:
        seed_dir("logs/embed_slice_oracle.log"),
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        gpu=1,
    params:
        classifier=config["classifier"],
    script:
        "../scripts/embed_added.py"


rule retrain_control:
    """The n = 0 control of one mode: the same retraining with no added points."""
    input:
        unpack(retrain_inputs),
    output:
        seed_dir("retrain~{mode}/control/n~0/metrics.json"),
    log:
        seed_dir("logs/retrain~{mode}/control_n~0.log"),
    conda:
        "../envs/train.yaml"
    threads: retrain_threads
    resources:
        gpu=retrain_gpus,
    params:
        cells=[["control", [0]]],
        classifier=config["classifier"],
        retrain=retrain_settings,
    script:
        "../scripts/retrain_cells.py"


rule retrain:
    """Retrain with the first n added points of one method, for every count n, in one mode,
    and evaluate on the test split and on the chosen clusters' points."""
    input:
        unpack(retrain_inputs),
    output:
        retrain_outputs(COUNTS),
    log:
        seed_dir("logs/retrain~{mode}/{method}.log"),
    benchmark:
        seed_dir("benchmarks/retrain~{mode}/{method}.tsv")
    wildcard_constraints:
        method=METHOD_PATTERN,
    conda:
        "../envs/train.yaml"
    threads: retrain_threads
    resources:
        gpu=retrain_gpus,
    params:
        cells=lambda wildcards: [[wildcards.method, [int(n) for n in COUNTS]]],
        classifier=config["classifier"],
        retrain=retrain_settings,
    script:
        "../scripts/retrain_cells.py"


rule noise_cells:
    """The noise study's cells of one mode in one job (the control, and oracle and random at the
    largest count, the only count it reports), apart from the grid; they share the job's start-up
    (imports, the base model)."""
    input:
        unpack(noise_cells_inputs),
    output:
        noise_cells_outputs(),
    log:
        seed_dir("logs/noise~{mode}.log"),
    benchmark:
        seed_dir("benchmarks/noise~{mode}.tsv")
    conda:
        "../envs/train.yaml"
    threads: retrain_threads
    resources:
        gpu=1,  # every mode: its cells embed their own points with the base model (no embed_added)
    params:
        cells=[[method, [n]] for method, n in NOISE_CELLS],
        classifier=config["classifier"],
        retrain=retrain_settings,
    script:
        "../scripts/retrain_cells.py"


rule collect_cells:
    """One row per retrained cell of a (dataset, seed, mode), scorers mapped to their clusters."""
    input:
        chosen=seed_dir("score/chosen.json"),
        cells=seed_cells,
    output:
        seed_dir("retrain~{mode}/cells.csv"),
    log:
        seed_dir("logs/collect_cells~{mode}.log"),
    conda:
        "../envs/report.yaml"
    params:
        reference_scorer=REFERENCE_SCORER,
        llms=LLMS,
        shots=[int(k) for k in SHOTS],
        counts=[int(n) for n in COUNTS],
    script:
        "../scripts/collect_cells.py"


rule slice_cells:
    """A planted dataset's cells of one (seed, mode) on the slice's test points and on the rest,
    paired with the control and random (topex.answer_key). Evaluation: it reads the answer key.
    """
    input:
        answer_key="results/{dataset}/data/answer_key.json",
        test="results/{dataset}/data/test.parquet",
        chosen=seed_dir("score/chosen.json"),
        cells=slice_seed_cells,
    output:
        seed_dir("retrain~{mode}/slice_cells.csv"),
    log:
        seed_dir("logs/slice_cells~{mode}.log"),
    conda:
        "../envs/report.yaml"
    params:
        reference_scorer=REFERENCE_SCORER,
        llms=LLMS,
        shots=[int(k) for k in SHOTS],
        counts=[int(n) for n in COUNTS],
    script:
        "../scripts/slice_cells.py"


rule noise_table:
    """The noise study: per mode, the control's seed-to-seed spread and the paired effects of
    oracle and random points at the largest count, with 95% intervals and wall time."""
    input:
        cells=noise_inputs(),
        chosen=per_seed("score/chosen.json"),
    output:
        csv="results/tables/noise.csv",
        markdown=report(
            "results/tables/noise.md",
            caption="../report/noise.rst",
            category="Retraining",
        ),
    log:
        "results/tables/logs/noise.log",
    conda:
        "../envs/report.yaml"
    params:
        dataset_seeds=[[dataset, seed] for dataset in DATASETS for seed in SEEDS],
        seeds=SEEDS,
        reference_scorer=REFERENCE_SCORER,
        n=max(config["augment"]["counts"]),
    script:
        "../scripts/noise_table.py"


rule noise:
    """Target: the noise study of the retraining modes (results/tables/noise.csv)."""
    input:
        "results/tables/noise.csv",
