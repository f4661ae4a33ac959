rule embed_explore:
    """Sentence embeddings of the explore texts, once per dataset (every seed reuses them)."""
    input:
        "results/{dataset}/data/explore.parquet",
    output:
        "results/{dataset}/embeddings/explore.npz",
    log:
        "results/{dataset}/logs/embed_explore.log",
    conda:
        "../envs/explore.yaml"
    threads: 4
    resources:
        gpu=1,
    params:
        encoder=config["encoder"],
        device=config["classifier"]["device"],
        precision=config["classifier"]["precision"],
    script:
        "../scripts/embed_texts.py"


rule explore:
    """Normalise the outputs, cluster them (config explore: OPTICS on the normalised logits in the
    paper), name the clusters (BERTopic), project to 2D, and summarise the coverage."""
    input:
        outputs=seed_dir("base/outputs/explore.parquet"),
        data="results/{dataset}/data/explore.parquet",
        embeddings="results/{dataset}/embeddings/explore.npz",
        manifest="results/{dataset}/data/splits.json",
        # naming.method llm: the LLM that writes the names
        naming_model=naming_model,
    output:
        points=seed_dir("explore/points.parquet"),
        clusters=report(
            seed_dir("explore/clusters.csv"),
            caption="../report/clusters.rst",
            category="Explorer",
            subcategory="{dataset} seed {seed}",
        ),
        projection=seed_dir("explore/projection.npz"),
        summary=seed_dir("explore/summary.json"),
    log:
        seed_dir("logs/explore.log"),
    conda:
        "../envs/explore.yaml"
    resources:
        gpu=naming_gpus,
    params:
        explore=config["explore"],
        naming=config["naming"],
        naming_llm=NAMING_LLM_CONFIG,
        projection=config["projection"],
    script:
        "../scripts/explore.py"


rule explore_coverage:
    """The Explorer's coverage of every (dataset, seed): how many misclassified points the
    candidate clusters hold (error coverage), the share clustered, the candidates' sizes.
    """
    input:
        per_seed("explore/summary.json"),
    output:
        csv=report(
            "results/tables/explore_coverage.csv",
            caption="../report/explore_coverage.rst",
            category="Explorer",
        ),
        md="results/tables/explore_coverage.md",
    log:
        "results/tables/logs/explore_coverage.log",
    conda:
        "../envs/explore.yaml"
    script:
        "../scripts/coverage_table.py"
