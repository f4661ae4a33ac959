"""Per scorer, LLM and shots: which generation serves the cell, and how it went."""

from collections import Counter
from functools import cache
from pathlib import Path

from topex import io
from topex.logs import log_to


@cache
def outcome(path: str) -> dict:
    """Accepted, attempts and rejections by reason of one generation file (read once, however
    many scorers chose its cluster)."""
    records = io.read_jsonl(path)
    rejected = Counter(r["reason"] for r in records if not r["accepted"])
    return {
        "file": path,
        "accepted": sum(r["accepted"] for r in records),
        "attempts": len(records),
        "rejected": dict(rejected),
    }


with log_to(snakemake.log[0]) as log:
    chosen = io.read_json(snakemake.input.chosen)
    generate_dir = Path(snakemake.input.chosen).parent.parent / "generate"
    summary = {}
    for scorer, cluster in sorted(chosen.items()):
        for llm in snakemake.params.llms:
            for shots in snakemake.params.shots:
                cell = f"{scorer}/{llm}/shots~{shots}"
                if cluster is None:
                    summary[cell] = {"skipped": "no candidate cluster: nothing to augment"}
                    log.warning("%s skipped: no candidate cluster", cell)
                    continue
                path = str(generate_dir / f"cluster~{cluster}" / llm / f"shots~{shots}.jsonl")
                summary[cell] = {"cluster": cluster, **outcome(path)}
    io.write_json(summary, snakemake.output[0])
