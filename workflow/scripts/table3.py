"""The paper's Table 3 regenerated: per dataset and LLM, the first seed's generations for the
reference scorer's cluster beside their most similar originals, and rejected attempts."""

from pathlib import Path

import pandas as pd

from topex import io, table3
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    params, blocks = snakemake.params, []
    for dataset in params.datasets:
        chosen = io.read_json(snakemake.input[f"{dataset}_chosen"])
        blocks += table3.dataset_blocks(
            dataset,
            params.seed,
            params.scorer,
            chosen.get(params.scorer),
            pd.read_csv(snakemake.input[f"{dataset}_clusters"], keep_default_na=False),
            pd.read_parquet(snakemake.input[f"{dataset}_points"]),
            io.read_json(snakemake.input[f"{dataset}_summary"]),
            params.llms,
            [int(k) for k in params.shots],
            params.max_chars,
            params.rejected,
        )
    title = "Table 3: generated points beside the most similar original texts, and rejected attempts"
    with io.atomic_path(snakemake.output.md) as tmp:
        Path(tmp).write_text(table3.markdown(blocks, title))
    with io.atomic_path(snakemake.output.html) as tmp:
        Path(tmp).write_text(table3.page(blocks, title))
    log.info("%d blocks for %d datasets", len(blocks), len(params.datasets))
