"""The Explorer for one (dataset, seed): clusters, names, 2D coordinates, coverage summary."""

import pandas as pd

from topex import io
from topex.data import texts_of
from topex.explorer import run_explorer
from topex.llm_naming import NamingSettings, apply_names, llm_names
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    data = pd.read_parquet(snakemake.input.data)
    embeddings = io.read_arrays(snakemake.input.embeddings)["embeddings"]
    points, clusters, projection, summary = run_explorer(
        pd.read_parquet(snakemake.input.outputs),
        data,
        embeddings,
        io.read_json(snakemake.input.manifest)["label_names"],
        {key: snakemake.params[key] for key in ("explore", "naming", "projection")},
        int(snakemake.wildcards.seed),
    )
    naming, written = snakemake.params.naming, None
    if naming["method"] == "llm":
        from topex.llm import accepts_system_role, load_model, use_chat_template

        llm = snakemake.params.naming_llm
        key = f"llms.{llm['name']}"
        model = load_model(
            snakemake.input.naming_model,
            f"{key}.model",
            llm["n_ctx"],
            snakemake.threads,
            llm["n_gpu_layers"],
            int(snakemake.wildcards.seed),
        )
        system_role = True
        if llm["chat"]:
            system_role = accepts_system_role(use_chat_template(model, llm["chat_template"], f"{key}.chat_template")[0])
        written = llm_names(
            model,
            llm["chat"],
            system_role,
            clusters,
            texts_of(data),
            embeddings,
            points["cluster"].to_numpy(),
            NamingSettings.from_config(naming),
            (snakemake.wildcards.dataset, snakemake.wildcards.seed),
            llm["name"],
        )
        model.close()
    points, clusters = apply_names(points, clusters, written, naming["method"])
    summary.update(dataset=snakemake.wildcards.dataset, seed=int(snakemake.wildcards.seed))
    io.write_parquet(points, snakemake.output.points)
    io.write_csv(clusters, snakemake.output.clusters)
    io.write_arrays(snakemake.output.projection, **projection)
    io.write_json(summary, snakemake.output.summary)
    log.info(
        "%d clusters, %d candidates, %d noise points; %.1f %% of points clustered, candidates hold "
        "%d of %d misclassified points (error coverage %.1f %%)",
        len(clusters),
        summary["n_candidates"],
        int((points["cluster"] == -1).sum()),
        100 * summary["share_clustered"],
        summary["misclassified_in_candidates"],
        summary["n_misclassified"],
        100 * summary["error_coverage"],
    )
