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
    params:
        scoring=config["scoring"],
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
