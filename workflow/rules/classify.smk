rule train_base:
    """Fine-tune the classifier on the train subset (GPU when the node has one)."""
    input:
        train="results/{dataset}/data/train.parquet",
        manifest="results/{dataset}/data/splits.json",
    output:
        model=directory(seed_dir("base/model")),
        summary=seed_dir("base/train.json"),
    log:
        seed_dir("logs/train_base.log"),
    conda:
        "../envs/train.yaml"
    threads: 4
    resources:
        gpu=1,
    params:
        classifier=config["classifier"],
    script:
        "../scripts/train_classifier.py"


rule predict_base:
    """One forward pass over train, explore and test: logits, predictions and accuracy, and the
    representations that the head and top retraining modes train the final layer on (its inputs,
    and its weights).
    """
    input:
        model=seed_dir("base/model"),
        train="results/{dataset}/data/train.parquet",
        explore="results/{dataset}/data/explore.parquet",
        test="results/{dataset}/data/test.parquet",
    output:
        explore=seed_dir("base/outputs/explore.parquet"),
        test=seed_dir("base/outputs/test.parquet"),
        metrics=seed_dir("base/metrics.json"),
        features=seed_dir("base/features.npz"),
    log:
        seed_dir("logs/predict_base.log"),
    conda:
        "../envs/train.yaml"
    threads: 4
    resources:
        gpu=1,
    params:
        classifier=config["classifier"],
    script:
        "../scripts/predict_classifier.py"
