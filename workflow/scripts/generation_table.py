"""Generation quality per (dataset, LLM, shots) over seeds: results/tables/generations.{csv,md}."""

from pathlib import Path

from topex import generation_quality as quality
from topex import io
from topex.logs import log_to

with log_to(snakemake.log[0]) as log:
    summaries = [summary for path in snakemake.input.summaries for summary in io.read_json(path)]
    for summary in summaries:
        summary.pop("rejected_attempts", None)
    table = quality.quality_table(summaries)
    judges = {}
    for path in snakemake.input.judges:
        judge = io.read_json(path)
        judges[judge["dataset"]] = judge
    io.write_csv(table.round(6), snakemake.output.csv)
    with io.atomic_path(snakemake.output.md) as tmp:
        Path(tmp).write_text(
            quality.quality_markdown(table, judges, snakemake.params.near_copy_cosine, snakemake.params.label_check)
        )
    for row in table[table["seed"] == "all"].itertuples():
        log.info(
            "%s %s %s-shot: %d of %d accepted, judge agrees on %.0f %%, on-topic %.0f %%",
            row.dataset,
            row.llm,
            row.shots,
            row.accepted,
            row.attempts,
            100 * row.judge_agreement,
            100 * row.on_topic_rate,
        )
