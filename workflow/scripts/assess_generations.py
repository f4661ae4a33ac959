"""Measure the accepted generated points of one (dataset, seed): labels, topic, diversity, copies."""

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from topex import classifier, io
from topex import generation_quality as quality
from topex.chosen import distinct_clusters
from topex.clustering import minmax_normalise
from topex.data import texts_of
from topex.embeddings import encode, load_encoder
from topex.judge import Judge
from topex.logs import log_to
from topex.outputs import logit_columns
from topex.projection import project

with log_to(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    inputs, params, wildcards = snakemake.input, snakemake.params, snakemake.wildcards
    chosen = io.read_json(inputs.chosen)
    points = pd.read_parquet(inputs.points)
    clusters = pd.read_csv(inputs.clusters, keep_default_na=False)
    names = dict(zip(clusters["cluster"], clusters["name"]))
    label_names = io.read_json(inputs.manifest)["label_names"]
    vectors_of = {
        split: io.read_arrays(inputs[f"{split}_embeddings"])["embeddings"] for split in ("explore", "test", "train")
    }
    ids, centres = quality.centroids(vectors_of["explore"], points["cluster"].to_numpy())
    references = np.concatenate([vectors_of["explore"], vectors_of["test"]])

    files, rows = [], []
    generate_dir = Path(inputs.chosen).parent.parent / "generate"
    for cluster in distinct_clusters(chosen):
        for llm in params.llms:
            for shots in params.shots:
                path = str(generate_dir / f"cluster~{cluster}" / llm / f"shots~{shots}.jsonl")
                records = io.read_jsonl(path)
                files.append(
                    {
                        "cluster": cluster,
                        "llm": llm,
                        "shots": int(shots),
                        "records": records,
                        "scorers": sorted(s for s, c in chosen.items() if c == cluster),
                    }
                )
                rows += [
                    {
                        "cluster": cluster,
                        "cluster_name": names[cluster],
                        "llm": llm,
                        "shots": int(shots),
                        "index": r["index"],
                        "text": r["text"],
                        "text_pair": r["text_pair"],
                        "label": r["label"],
                        "label_name": r["label_name"],
                    }
                    for r in records
                    if r["accepted"]
                ]
    accepted = pd.DataFrame(
        rows, columns=["cluster", "cluster_name", "llm", "shots", "index", "text", "text_pair", "label", "label_name"]
    )
    texts = texts_of(accepted) if len(accepted) else []
    encoder = params.encoder
    vectors = encode(load_encoder(encoder["model"], encoder["max_length"], "cpu", encoder["revision"]), texts)
    settings = classifier.TrainSettings.from_config(params.classifier)
    n_classes = len(label_names)
    logits = np.zeros((0, n_classes), dtype=np.float32)
    if len(accepted):
        model, tokenizer = classifier.load_classifier(inputs.model, settings)
        logits = classifier.forward(model, tokenizer, accepted, settings)
    judge = Judge.from_arrays(io.read_arrays(inputs.judge))
    assessed = quality.assess_points(
        accepted,
        vectors,
        logits.argmax(axis=1) if len(logits) else [],
        judge.predict(vectors) if len(vectors) else [],
        ids,
        centres,
        references,
        params.near_copy_cosine,
    )
    # where the base model puts each point on the Explorer's map (the interactive map draws them)
    reference = pd.read_parquet(inputs.explore_outputs)
    reference = reference[logit_columns(reference)].to_numpy()
    xy = (
        project(minmax_normalise(logits, params.normalise, reference=reference), io.read_arrays(inputs.projection))
        if len(logits)
        else np.zeros((0, 2))
    )
    assessed["x"], assessed["y"] = xy[:, 0], xy[:, 1]
    assessed["full_text"] = texts  # a pair's sentences joined, as embedded
    assessed["base_prediction_name"] = [label_names[p] for p in assessed["base_prediction"]]
    assessed["judge_prediction_name"] = [label_names[p] for p in assessed["judge_prediction"]]
    # Table 3: the most similar original texts (train and explore) beside each generated point
    originals = pd.concat(
        [
            pd.read_parquet(inputs.train).assign(split="train"),
            pd.read_parquet(inputs.data_explore).assign(split="explore"),
        ],
        ignore_index=True,
    )
    order, cosines = quality.nearest(
        vectors, np.concatenate([vectors_of["train"], vectors_of["explore"]]), params.similar
    )
    original_texts = texts_of(originals)
    for j in range(order.shape[1]):
        picked = originals.iloc[order[:, j]]
        assessed[f"similar_{j + 1}_id"] = picked["id"].to_numpy()
        assessed[f"similar_{j + 1}_split"] = picked["split"].to_numpy()
        assessed[f"similar_{j + 1}_text"] = [original_texts[i] for i in order[:, j]]
        assessed[f"similar_{j + 1}_label"] = picked["label_name"].to_numpy()
        assessed[f"similar_{j + 1}_cosine"] = cosines[:, j]

    summaries = []
    for item in files:
        mask = (
            (assessed["cluster"] == item["cluster"])
            & (assessed["llm"] == item["llm"])
            & (assessed["shots"] == item["shots"])
        ).to_numpy()
        summary = quality.file_summary(
            item["records"], assessed[mask], [t for t, m in zip(texts, mask) if m], vectors[mask]
        )
        summary.update(
            dataset=wildcards.dataset,
            seed=int(wildcards.seed),
            cluster=item["cluster"],
            cluster_name=names[item["cluster"]],
            llm=item["llm"],
            shots=item["shots"],
            scorers=item["scorers"],
            members_on_topic=quality.members_on_topic(
                vectors_of["explore"], points["cluster"].to_numpy(), ids, centres, item["cluster"]
            ),
            rejected_attempts=[
                {"attempt": r["attempt"], "reason": r["reason"], "raw": r["raw"]}
                for r in item["records"]
                if not r["accepted"]
            ],
        )
        summaries.append(summary)
        log.info(
            "cluster %d %s %d-shot: %d of %d accepted; judge agrees on %d, on-topic %d",
            item["cluster"],
            item["llm"],
            item["shots"],
            summary["accepted"],
            summary["attempts"],
            summary["judge_agree"],
            summary["on_topic"],
        )
    io.write_parquet(assessed, snakemake.output.points)
    io.write_json(summaries, snakemake.output.summary)
