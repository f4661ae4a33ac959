"""Score the candidate clusters of one (dataset, seed) with one scorer."""

import pandas as pd

from topex import io
from topex.logs import log_to
from topex.scorers import choose, score_clusters

with log_to(snakemake.log[0]) as log:
    scorer, settings = snakemake.wildcards.scorer, snakemake.params.scoring
    points = pd.read_parquet(snakemake.input.points)
    clusters = pd.read_csv(snakemake.input.clusters, keep_default_na=False)
    candidates = clusters[clusters["is_candidate"]].reset_index(drop=True)
    aligner = None
    if scorer == "ctc" and len(candidates):
        import torch

        from topex.cluster_metrics import EmbeddingAligner
        from topex.devices import torch_device

        torch.set_num_threads(snakemake.threads)
        aligner = EmbeddingAligner(
            settings["ctc_model"],
            device=str(torch_device(snakemake.params.device)),
            precision=snakemake.params.precision,
        )
    record = choose(scorer, candidates, score_clusters(scorer, points, candidates, settings, aligner))
    record.update(dataset=snakemake.wildcards.dataset, seed=int(snakemake.wildcards.seed))
    io.write_json(record, snakemake.output[0])
    (log.info if record["chosen"] else log.warning)("%s", record["explanation"])
