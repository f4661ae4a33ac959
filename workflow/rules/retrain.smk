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
    params:
        n=max(config["augment"]["counts"]),
        scorer=config["retrain"]["controls_scorer"],
    script:
        "../scripts/control_points.py"


rule base_features:
    """The base model's representations of train and test (the input of its final layer)."""
    input:
        model=seed_dir("base/model"),
        train="results/{dataset}/data/train.parquet",
        test="results/{dataset}/data/test.parquet",
    output:
        seed_dir("base/features.npz"),
    log:
        seed_dir("logs/base_features.log"),
    threads: 4
    resources:
        gpu=1,
    params:
        classifier=config["classifier"],
    script:
        "../scripts/base_features.py"


rule retrain:
    """Retrain with n added points in one mode and evaluate on the test split."""
    input:
        unpack(retrain_inputs),
    output:
        seed_dir("retrain~{mode}/{method}/n~{n}/metrics.json"),
    log:
        seed_dir("logs/retrain~{mode}/{method}_n~{n}.log"),
    wildcard_constraints:
        mode="full|continue|head",
        method="control|oracle|random",
        n=r"\d+",
    threads: 4
    resources:
        gpu=1,
    params:
        classifier=config["classifier"],
        retrain=config["retrain"],
    script:
        "../scripts/retrain.py"


rule noise_table:
    """The noise study: per mode, the control's seed-to-seed spread and the paired effects of
    oracle and random points at the largest count, with 95% intervals and wall time."""
    input:
        noise_inputs(),
    output:
        csv="results/tables/noise.csv",
        markdown=report(
            "results/tables/noise.md",
            caption="../report/noise.rst",
            category="Retraining",
        ),
    log:
        "results/tables/logs/noise.log",
    params:
        datasets=DATASETS,
        seeds=SEEDS,
        modes=NOISE_MODES,
        n=max(config["augment"]["counts"]),
    script:
        "../scripts/noise_table.py"


rule noise:
    """Target: the noise study of the retraining modes (results/tables/noise.csv)."""
    input:
        "results/tables/noise.csv",
