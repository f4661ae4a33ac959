rule prepare_llm:
    """Put a generator's GGUF file at resources/llm/{llm}.gguf (a link, or assembled)."""
    output:
        "resources/llm/{llm}.gguf",
    log:
        "resources/llm/{llm}.log",
    conda:
        "../envs/llm.yaml"
    params:
        model=llm_model,
    script:
        "../scripts/prepare_llm.py"


checkpoint choose_clusters:
    """The cluster each scorer chose: generation runs once per distinct cluster."""
    input:
        expand(seed_dir("score/{scorer}.json"), scorer=SCORERS, allow_missing=True),
    output:
        seed_dir("score/chosen.json"),
    log:
        seed_dir("logs/choose_clusters.log"),
    conda:
        "../envs/explore.yaml"
    script:
        "../scripts/choose_clusters.py"


rule generate:
    """LLM generations for one cluster and LLM, every shot setting, at the largest count (paper
    §2.4). One job per (cluster, LLM) pays the imports, the filter's encoder and the judge once
    for all its shot settings; each setting loads the GGUF afresh with its own seed, so a file
    does not depend on which settings the job wrote before it."""
    input:
        model="resources/llm/{llm}.gguf",
        points=seed_dir("explore/points.parquet"),
        clusters=seed_dir("explore/clusters.csv"),
        train="results/{dataset}/data/train.parquet",
        manifest="results/{dataset}/data/splits.json",
        # the filter's near-copy check (explore, test) and label check (judge)
        explore="results/{dataset}/embeddings/explore.npz",
        test="results/{dataset}/embeddings/test.npz",
        judge="results/{dataset}/embeddings/judge.npz",
    output:
        generation_outputs(),
    log:
        seed_dir("logs/generate/cluster~{cluster}_{llm}.log"),
    conda:
        "../envs/llm.yaml"
    # One thread per job, so that generations run side by side on a CPU.
    threads: 1
    resources:
        gpu=llm_gpus,
    params:
        llm=llm_config,
        shots=[int(k) for k in SHOTS],
        augment=generation_settings,
        label_words=label_words,
        encoder=config["encoder"],
    script:
        "../scripts/generate.py"


rule generation_summary:
    """Per scorer, LLM and shots: the generation file, accepted and rejected counts, or why none."""
    input:
        chosen=seed_dir("score/chosen.json"),
        generations=generations_of_chosen,
    output:
        seed_dir("generate/summary.json"),
    log:
        seed_dir("logs/generation_summary.log"),
    conda:
        "../envs/llm.yaml"
    params:
        llms=LLMS,
        shots=SHOTS,
    script:
        "../scripts/generation_summary.py"
