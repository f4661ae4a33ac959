"""What a Snakemake run did, read from its output and its job records: the jobs per rule and the
job-seconds per rule. The end-to-end tests log both for every run; bench/grid.py prints them."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path


def jobs_run(output: str) -> dict[str, int]:
    """Jobs per rule that a run executed, from its log: one 'rule NAME:' header per job (the
    'Job stats' table would miss the jobs that a checkpoint adds)."""
    counts = defaultdict(int)
    for rule in re.findall(r"^(?:local)?(?:rule|checkpoint) (\w+):$", output, flags=re.MULTILINE):
        counts[rule] += 1
    return dict(counts)


def seconds_per_rule(workdir: Path, since: float = 0.0) -> dict[str, tuple[int, float]]:
    """Jobs and summed job seconds per rule, from the times Snakemake records per output: the jobs
    that started at ``since`` (a Unix time) or later, of every run in ``workdir``. Snakemake writes
    one record per output, its start the job's start and its end that output's mtime, so the
    records of one job (the same rule and job hash) count once, from its start to its last output."""
    jobs = {}  # (rule, job hash) -> [start, end]
    metadata = Path(workdir) / ".snakemake" / "metadata"
    for record_file in metadata.iterdir() if metadata.is_dir() else []:
        record = json.loads(record_file.read_text())
        if record.get("starttime") and record.get("endtime") and record["starttime"] >= since:
            span = jobs.setdefault((record["rule"], record["job_hash"]), [record["starttime"], record["endtime"]])
            span[:] = [min(span[0], record["starttime"]), max(span[1], record["endtime"])]
    per_rule = defaultdict(lambda: [0, 0.0])
    for (rule, _), (started, ended) in jobs.items():
        per_rule[rule][0] += 1
        per_rule[rule][1] += ended - started
    return {rule: (n, s) for rule, (n, s) in per_rule.items()}


def rule_table(per_rule: dict[str, tuple[int, float]]) -> list[str]:
    """One line per rule, the most job-seconds first: jobs, seconds, share and seconds per job."""
    total = sum(seconds for _, seconds in per_rule.values()) or 1.0
    return [
        f"{rule:20s} {n:4d} jobs {seconds:8.1f} s  {seconds / total:6.1%}  ({seconds / n:6.1f} s/job)"
        for rule, (n, seconds) in sorted(per_rule.items(), key=lambda item: -item[1][1])
    ]
