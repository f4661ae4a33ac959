"""What a Snakemake run did, read from its output and its job records: the jobs per rule and the
job-seconds per rule. The end-to-end tests log both for every run; bench/grid.py prints them."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter, defaultdict
from pathlib import Path


def jobs_run(output: str) -> dict[str, int]:
    """Jobs per rule that a run executed, from its log: one 'rule NAME:' header per job (the
    'Job stats' table would miss the jobs that a checkpoint adds)."""
    return dict(Counter(job["rule"] for job in job_headers(output)))


def job_headers(output: str) -> list[dict]:
    """Every job a run's log announces: its rule, threads, log files and resources. A header lists
    ``threads: N`` only when N > 1 (after ``--cores`` scaled it down), and ``resources: gpu=1, ...``
    as the job got them."""
    jobs = []
    for header in re.split(r"\n(?=(?:local)?(?:rule|checkpoint) \w+:$)", output, flags=re.MULTILINE):
        rule = re.match(r"(?:local)?(?:rule|checkpoint) (\w+):$", header, flags=re.MULTILINE)
        if rule:
            field = {
                name: value
                for name, value in re.findall(r"^    (\w+): (.*)$", header, flags=re.MULTILINE)
                if name in ("threads", "log", "resources")
            }
            resources = (pair.split("=", 1) for pair in field.get("resources", "").split(", ") if "=" in pair)
            jobs.append(
                {
                    "rule": rule.group(1),
                    "threads": int(field.get("threads", 1)),
                    "log": field["log"].split(", ") if "log" in field else [],
                    "resources": dict(resources),
                }
            )
    return jobs


def threads_per_rule(output: str) -> dict[str, int]:
    """The threads each rule's jobs ran with, from a run's log (:func:`job_headers`)."""
    threads = {}
    for job in job_headers(output):
        threads[job["rule"]] = max(threads.get(job["rule"], 1), job["threads"])
    return threads


def job_spans(workdir: Path, since: float = 0.0) -> dict[tuple[str, int], dict]:
    """Every job that started at ``since`` (a Unix time) or later, of every run in ``workdir``:
    (rule, job hash) -> its start, end and one of its output records (its path under the metadata
    folder, :func:`output_of`). Snakemake writes one record per output, its start the job's start and
    its end that output's mtime, so the records of one job (the same rule and job hash) count once,
    from its start to its last output."""
    jobs = {}
    metadata = Path(workdir) / ".snakemake" / "metadata"
    # a record's path is its output's path, base64-encoded and cut into folders of at most 255 characters
    for record_file in (path for path in metadata.rglob("*") if path.is_file()) if metadata.is_dir() else []:
        record = json.loads(record_file.read_text())
        if record.get("starttime") and record.get("endtime") and record["starttime"] >= since:
            job = jobs.setdefault(
                (record["rule"], record["job_hash"]),
                {"start": record["starttime"], "end": record["endtime"], "record": record_file.relative_to(metadata)},
            )
            job["start"], job["end"] = min(job["start"], record["starttime"]), max(job["end"], record["endtime"])
    return jobs


def output_of(record: Path) -> str:
    """The output a metadata record (its path under ``.snakemake/metadata``) belongs to."""
    encoded = "".join(record.parts)
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def seconds_per_rule(workdir: Path, since: float = 0.0) -> dict[str, tuple[int, float]]:
    """Jobs and summed job seconds per rule (:func:`job_spans`)."""
    per_rule = defaultdict(lambda: [0, 0.0])
    for (rule, _), job in job_spans(workdir, since).items():
        per_rule[rule][0] += 1
        per_rule[rule][1] += job["end"] - job["start"]
    return {rule: (n, s) for rule, (n, s) in per_rule.items()}


def core_seconds_per_dataset(workdir: Path, threads: dict[str, int], since: float = 0.0) -> dict[str, float]:
    """Core-seconds (a job's seconds times its rule's ``threads``, :func:`threads_per_rule`) per
    dataset, the folder under ``results/`` that the job writes to; the jobs that write across
    datasets (``results/tables``, ``results/figures``, ``resources/``) count under "shared"."""
    per_dataset = defaultdict(float)
    for (rule, _), job in job_spans(workdir, since).items():
        parts = Path(output_of(job["record"])).parts
        own = len(parts) > 2 and parts[0] == "results" and parts[1] not in ("tables", "figures")
        per_dataset[parts[1] if own else "shared"] += threads.get(rule, 1) * (job["end"] - job["start"])
    return dict(per_dataset)


def rule_table(per_rule: dict[str, tuple[int, float]]) -> list[str]:
    """One line per rule, the most job-seconds first: jobs, seconds, share and seconds per job."""
    total = sum(seconds for _, seconds in per_rule.values()) or 1.0
    return [
        f"{rule:20s} {n:4d} jobs {seconds:8.1f} s  {seconds / total:6.1%}  ({seconds / n:6.1f} s/job)"
        for rule, (n, seconds) in sorted(per_rule.items(), key=lambda item: -item[1][1])
    ]
