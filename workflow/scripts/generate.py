"""Generate new points for one cluster with one LLM, zero- or few-shot, at the largest count."""

import pandas as pd

from topex import augmenter, io
from topex.llm import load_model, prompt_fitter
from topex.logs import log_to
from topex.prompts import check_template

with log_to(snakemake.log[0]) as log:
    wildcards, llm, augment = snakemake.wildcards, snakemake.params.llm, snakemake.params.augment
    manifest = io.read_json(snakemake.input.manifest)
    template_key = f"augment.prompts.{manifest['task']}"
    if manifest["task"] not in augment["prompts"]:
        raise ValueError(f"{template_key}: no prompt template for the task shape of '{wildcards.dataset}'")
    template = augment["prompts"][manifest["task"]]
    check_template(template, template_key)
    settings = augmenter.GenerationSettings(
        count=augment["largest_count"],
        shots=int(wildcards.shots),
        **{k: augment[k] for k in augmenter.GenerationSettings.__dataclass_fields__ if k not in ("count", "shots") and k in augment},
    )
    cluster = int(wildcards.cluster)
    points = pd.read_parquet(snakemake.input.points)
    clusters = pd.read_csv(snakemake.input.clusters, keep_default_na=False)
    name = clusters.loc[clusters["cluster"] == cluster, "name"].iloc[0]
    seed = augmenter.cell_seed(wildcards.dataset, wildcards.seed, cluster, llm["name"], wildcards.shots)
    model = load_model(
        snakemake.input.model, f"llms.{llm['name']}.model", llm.get("n_ctx", 2048), snakemake.threads,
        llm.get("n_gpu_layers", 0), seed,
    )
    fit = prompt_fitter(model, llm["chat"], llm["name"], llm.get("n_ctx", 2048), settings.max_tokens)
    records = augmenter.generate(
        model, llm["chat"], template, points[points["cluster"] == cluster], name, manifest["label_names"],
        augmenter.training_keys(pd.read_parquet(snakemake.input.train)), settings, seed, fit=fit,
    )
    for record in records:
        record.update(cluster=cluster, llm=llm["name"], model=str(snakemake.input.model))
    # wall times go to the log, not the result file: the same config gives the same file
    seconds = sum(record.pop("seconds") for record in records)
    io.write_jsonl(records, snakemake.output[0])
    accepted = sum(r["accepted"] for r in records)
    log.info("cluster '%s': %d accepted of %d attempts in %.1f s", name, accepted, len(records), seconds)
    for record in records:
        if not record["accepted"]:
            log.info("rejected (%s): %r", record["reason"], record["raw"][:200])
