rule prepare_data:
    """Load one dataset, plant its failure if it has a plant block, and carve its train subset,
    explore, test and pool splits."""
    input:
        source_files,
    output:
        **{split: f"results/{{dataset}}/data/{split}.parquet" for split in SPLITS},
        manifest="results/{dataset}/data/splits.json",
        # a planting's slice, per split: read by evaluation alone (the other rules never see it)
        answer_key="results/{dataset}/data/answer_key.json",
    log:
        "results/{dataset}/logs/prepare_data.log",
    conda:
        "../envs/data.yaml"
    params:
        dataset=dataset_config,
        seed=config["data"]["seed"],
        prompt_fields=prompt_fields,
    script:
        "../scripts/prepare_data.py"


onsuccess:
    data_summary()
