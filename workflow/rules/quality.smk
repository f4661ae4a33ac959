rule embed_split:
    """Sentence embeddings of the test and train texts, once per dataset: the generation filter's
    near-copy check, the label judge's test accuracy and Table 3's most similar originals.
    """
    input:
        "results/{dataset}/data/{split}.parquet",
    output:
        "results/{dataset}/embeddings/{split}.npz",
    log:
        "results/{dataset}/logs/embed_{split}.log",
    wildcard_constraints:
        split="train|test",
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


rule fit_judge:
    """The independent label judge: a logistic regression on the explore split's sentence
    embeddings (it never saw train), with its accuracy on explore and test."""
    input:
        explore="results/{dataset}/data/explore.parquet",
        test="results/{dataset}/data/test.parquet",
        explore_embeddings="results/{dataset}/embeddings/explore.npz",
        test_embeddings="results/{dataset}/embeddings/test.npz",
    output:
        judge="results/{dataset}/embeddings/judge.npz",
        summary="results/{dataset}/embeddings/judge.json",
    log:
        "results/{dataset}/logs/fit_judge.log",
    conda:
        "../envs/explore.yaml"
    params:
        judge=QUALITY["judge"],
    script:
        "../scripts/fit_judge.py"


rule assess_generations:
    """Measure one seed's accepted generated points: label agreement (base model, judge),
    on-topic, diversity, near-copies, the most similar originals and their place on the map.
    """
    input:
        unpack(assess_inputs),
    output:
        points=seed_dir("generate/quality.parquet"),
        summary=seed_dir("generate/quality.json"),
    log:
        seed_dir("logs/assess_generations.log"),
    conda:
        "../envs/explore.yaml"
    threads: 1
    resources:
        gpu=1,  # the base classifier's reading of the accepted points
    params:
        llms=LLMS,
        shots=SHOTS,
        classifier=config["classifier"],
        encoder=config["encoder"],
        near_copy_cosine=config["augment"]["near_copy_cosine"],
        normalise=config["explore"]["normalise"],
        similar=QUALITY["similar"],
    script:
        "../scripts/assess_generations.py"


rule generation_table:
    """Generation quality per dataset, LLM and shots over the seeds (results/tables/generations)."""
    input:
        summaries=per_seed("generate/quality.json"),
        judges=expand("results/{dataset}/embeddings/judge.json", dataset=DATASETS),
    output:
        csv=report(
            "results/tables/generations.csv",
            caption="../report/generations.rst",
            category="Generations",
        ),
        md="results/tables/generations.md",
    log:
        "results/tables/logs/generation_table.log",
    conda:
        "../envs/report.yaml"
    params:
        near_copy_cosine=config["augment"]["near_copy_cosine"],
        label_check=config["augment"]["label_check"],
    script:
        "../scripts/generation_table.py"


rule table3:
    """The paper's Table 3 and appendix C: the first seed's generations for the reference scorer's
    cluster beside their most similar originals, and rejected attempts with their reasons.
    """
    input:
        unpack(table3_inputs),
    output:
        md="results/tables/table3.md",
        html=report(
            "results/tables/table3.html",
            caption="../report/table3.rst",
            category="Generations",
        ),
    log:
        "results/tables/logs/table3.log",
    conda:
        "../envs/report.yaml"
    params:
        datasets=DATASETS,
        seed=FIRST_SEED,
        scorer=REFERENCE_SCORER,
        llms=LLMS,
        shots=SHOTS,
        max_chars=QUALITY["table3_max_chars"],
        rejected=QUALITY["table3_rejected"],
    script:
        "../scripts/table3.py"
