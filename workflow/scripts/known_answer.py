"""Does each scorer's chosen cluster hit the planted slice? One row per planted dataset, seed and
scorer (topex.answer_key.discovery), with the seed's verdict from the planted-failures table and
each scorer's hit rate over the seeds whose classifier fails on the slice; and per planted dataset,
the first seed's output space with the slice marked."""

import pandas as pd

from topex import io, plots
from topex.answer_key import discovery, in_slice
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    keys = dict(zip(snakemake.params.datasets, snakemake.input.answer_keys, strict=True))
    failures = pd.read_csv(snakemake.input.failures)
    verdicts = {(row.dataset, int(row.seed)): row.verdict for row in failures.itertuples()}
    rows, explored = [], {}  # explored: each (dataset, seed)'s points, slice membership and choices
    for (dataset, seed), points_path, chosen_path in zip(
        snakemake.params.dataset_seeds, snakemake.input.points, snakemake.input.chosen, strict=True
    ):
        points, chosen = pd.read_parquet(points_path), io.read_json(chosen_path)
        member = in_slice(points["id"], io.read_json(keys[dataset]), "explore")
        explored[(dataset, seed)] = points, member, chosen
        for scorer in snakemake.params.scorers:
            found = discovery(points, member, chosen[scorer])
            rows.append(
                {"dataset": dataset, "seed": seed, "verdict": verdicts[(dataset, seed)], "scorer": scorer, **found}
            )
            log.info(
                "%s seed %d, %s: cluster %s of %d points, slice precision %.2f",
                dataset,
                seed,
                scorer,
                found["cluster"],
                found["size"],
                found["slice_precision"],
            )
    # the first seed's output space with the slice marked, beside the reference scorer's choice
    first, scorer = snakemake.params.first_seed, snakemake.params.reference_scorer
    for dataset, path, clusters_path in zip(
        snakemake.params.datasets, snakemake.output.maps, snakemake.input.map_clusters, strict=True
    ):
        points, member, chosen = explored[(dataset, first)]
        slice_name = io.read_json(keys[dataset])["slice"]
        plots.output_space_map(
            points,
            pd.read_csv(clusters_path, keep_default_na=False),
            f"{dataset} seed {first}: where the planted slice ({slice_name}) lies",
            path,
            chosen=chosen[scorer],
            scorer=scorer,
            marked=member,
            marked_label=f"planted slice {slice_name} (answer key)",
        )
    table = pd.DataFrame(rows)
    table["cluster"] = table["cluster"].astype("Int64")  # empty where a scorer had no candidate
    read = table[table["verdict"] == "fails"]  # a seed that does not fail makes no claim
    rate = read.groupby(["dataset", "scorer"])["hit"].mean().rename("hit_rate")
    table = table.join(rate, on=["dataset", "scorer"])
    io.write_csv(table, snakemake.output.csv)
    with io.atomic_path(snakemake.output.md) as tmp:
        shown = table.assign(cluster=table["cluster"].astype(str).replace("<NA>", "none"))
        tmp.write_text(io.markdown_table(shown, digits=2) + "\n")
