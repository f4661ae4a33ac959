"""Generate new points for one cluster with one LLM, for every shot setting, at the largest count.

What every setting shares is prepared once (the filter's encoder, the judge, the cluster); each
setting then opens the GGUF afresh with its own seed (no KV cache or sampler state carried over),
so a file equals what a job of that setting alone would write."""

import numpy as np
import pandas as pd
import torch

from topex import augmenter, io
from topex.embeddings import load_encoder
from topex.judge import Judge
from topex.llm import accepts_system_role, load_model, named_errors, prompt_fitter, use_chat_template
from topex.logs import log_to
from topex.prompts import check_template, label_words
from topex.screening import Screen

with log_to(snakemake.log[0]) as log:
    wildcards, llm, augment = snakemake.wildcards, snakemake.params.llm, snakemake.params.augment
    torch.set_num_threads(snakemake.threads)  # the sentence encoder of the filter
    manifest = io.read_json(snakemake.input.manifest)
    template_key = f"augment.prompts.{manifest['task']}"
    if manifest["task"] not in augment["prompts"]:
        raise ValueError(f"{template_key}: no prompt template for the task shape of '{wildcards.dataset}'")
    template = augment["prompts"][manifest["task"]]
    check_template(template, template_key)
    cluster = int(wildcards.cluster)
    points = pd.read_parquet(snakemake.input.points)
    clusters = pd.read_csv(snakemake.input.clusters, keep_default_na=False)
    name = clusters.loc[clusters["cluster"] == cluster, "name"].iloc[0]
    words = label_words(
        manifest["label_names"], snakemake.params.label_words, f"datasets.{wildcards.dataset}.label_words"
    )
    training_keys = augmenter.training_keys(pd.read_parquet(snakemake.input.train))
    # near-copies of explore or test texts are rejected; with label_check judge, off-label points too
    references = {split: io.read_arrays(snakemake.input[split])["embeddings"] for split in ("explore", "test")}
    encoder = snakemake.params.encoder
    screen = Screen(
        load_encoder(encoder["model"], encoder["max_length"], "cpu", encoder["revision"]),
        np.concatenate([references["explore"], references["test"]]),
        np.array(["explore"] * len(references["explore"]) + ["test"] * len(references["test"])),
        augment["near_copy_cosine"],
        Judge.from_arrays(io.read_arrays(snakemake.input.judge)) if augment["label_check"] == "judge" else None,
        manifest["label_names"],
    )
    for shots, output in zip(snakemake.params.shots, snakemake.output):
        settings = augmenter.GenerationSettings.from_config(augment, augment["largest_count"], shots)
        seed = augmenter.cell_seed(wildcards.dataset, wildcards.seed, cluster, llm["name"], str(shots))
        model = load_model(
            snakemake.input.model,
            f"llms.{llm['name']}.model",
            llm["n_ctx"],
            snakemake.threads,
            llm["n_gpu_layers"],
            seed,
        )
        system_role, source = True, "a completion prompt (chat: false)"
        if llm["chat"]:
            chat_template, source = use_chat_template(model, llm["chat_template"], f"llms.{llm['name']}.chat_template")
            system_role = accepts_system_role(chat_template)
            source = f"the chat template of {source}" + (
                "" if system_role else " (no system role: folded into the first user turn)"
            )
        log.info("shots %d: %s; labels in the prompt: %s", shots, source, words)
        with named_errors(llm["name"], source):
            records = augmenter.generate(
                model,
                llm["chat"],
                template,
                points[points["cluster"] == cluster],
                name,
                words,
                training_keys,
                settings,
                seed,
                system_role,
                fit=prompt_fitter(model, llm["chat"], llm["name"], llm["n_ctx"], settings.max_tokens),
                screen=screen,
            )
        for record in records:  # the dataset's label name, as in the other methods' files; the prompt's word too
            record.update(label_name=manifest["label_names"][record["label"]], label_word=record["label_name"])
            record.update(cluster=cluster, llm=llm["name"], model=str(snakemake.input.model))
        # wall times go to the log, not the result file: the same config gives the same file
        seconds = sum(record.pop("seconds") for record in records)
        io.write_jsonl(records, output)
        model.close()  # now, not at interpreter exit, where llama.cpp's bindings are already torn down
        accepted = sum(r["accepted"] for r in records)
        log.info(
            "cluster '%s', shots %d: %d accepted of %d attempts in %.1f s", name, shots, accepted, len(records), seconds
        )
        for record in records:
            if not record["accepted"]:
                log.info("rejected (%s): %r", record["reason"], record["raw"][:200])
