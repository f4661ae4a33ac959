rule score_clusters:
    """Score every candidate cluster with one scorer and choose the best (paper §2.3)."""
    input:
        points=seed_dir("explore/points.parquet"),
        clusters=seed_dir("explore/clusters.csv"),
    output:
        seed_dir("score/{scorer}.json"),
    log:
        seed_dir("logs/score_{scorer}.log"),
    wildcard_constraints:
        scorer="|".join(BASE_SCORERS),
    conda:
        "../envs/explore.yaml"
    threads: 1
    resources:
        gpu=lambda wildcards: int(wildcards.scorer == "ctc"),  # CTC's embedding aligner
    params:
        scoring=config["scoring"],
        device=config["classifier"]["device"],
        precision=config["classifier"]["precision"],
    script:
        "../scripts/score_clusters.py"


rule score_weighted:
    """The weighted score (Eq. 6) from the records of the metrics it weights."""
    input:
        unpack(weighted_inputs),
    output:
        seed_dir("score/weighted.json"),
    log:
        seed_dir("logs/score_weighted.log"),
    conda:
        "../envs/explore.yaml"
    params:
        weights=config["scoring"]["weights"],
    script:
        "../scripts/score_weighted.py"


rule score_weighted_errors:
    """Not in the paper: the weighted score times each cluster's misclassified points
    (topex.cluster_metrics.weighted_errors), from the weighted score's record."""
    input:
        seed_dir("score/weighted.json"),
    output:
        seed_dir("score/weighted_errors.json"),
    log:
        seed_dir("logs/score_weighted_errors.log"),
    conda:
        "../envs/explore.yaml"
    script:
        "../scripts/score_weighted_errors.py"
