"""Benchmark: the offline default grid from a fresh checkout, then a no-op run, then a run after
changing only the counts.

Copies the working tree (tracked and untracked, not ignored: no results/, resources/ or
.snakemake/) into a temporary folder and runs `snakemake --cores 2` there, as a user would in a
fresh clone. Prints, measured in this one run:
  - the fresh run's wall time against the goal (<= 15 min on a 2-core machine) and where the time
    went (seconds per rule, summed over its jobs, from Snakemake's own job records), and the
    core-seconds per dataset (a planted dataset may take at most a third of them);
  - the tokens the LLM generations spent: prompts (zero- and few-shot), completions of accepted
    and of rejected attempts;
  - the fixed cost of a job (Snakemake starting a script job that does nothing);
  - the second run's job count (goal: 0);
  - the rules that ran after `augment.counts` changed (goal: no base training, no logits, no
    clustering, no naming; i.e. none of train_base, predict_base, embed_explore, explore).
Run: .venv/bin/python bench/grid.py [--cores 2] [--keep]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from topex.job_records import (  # noqa: E402
    core_seconds_per_dataset,
    jobs_run,
    rule_table,
    seconds_per_rule,
    threads_per_rule,
)

GOAL_SECONDS = 15 * 60
UPSTREAM = {"train_base", "predict_base", "embed_explore", "explore"}  # training, logits, clustering+naming


def fresh_checkout(target: Path) -> None:
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():  # e.g. workflow/scripts/topex -> ../topex
            os.symlink(os.readlink(source), target / name)
        elif source.is_file():
            shutil.copy2(source, target / name)


def release(workdir: Path, keep: bool) -> None:
    """Remove a temporary checkout, or say where it is kept (--keep)."""
    if keep:
        print(f"kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def snakemake(workdir: Path, cores: int, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores), *args],
        check=False,
        cwd=workdir,
        capture_output=True,
        text=True,
        env={**_environment(), "HF_HUB_OFFLINE": "1"},
    )
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"snakemake {' '.join(args)} failed in {workdir}:\n{run.stderr[-4000:]}")
    return seconds, run.stderr + run.stdout


def _environment() -> dict:
    # the venv's console scripts (snakemake calls python scripts with this interpreter)
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


STARTUP_SNAKEFILE = """
rule all:
    input: [f"started/{i}.txt" for i in range(JOBS)]

rule start:
    output: "started/{i}.txt"
    script: "start.py"
"""


def fixed_cost_per_job(jobs: int = 6) -> float:
    """Seconds a job costs before its work begins: Snakemake starting it and the interpreter
    running its script preamble, measured as (a run of `jobs` empty script jobs - a no-op run) / jobs
    on one core."""
    with tempfile.TemporaryDirectory(prefix="topex-start-") as folder:
        workdir = Path(folder)
        (workdir / "Snakefile").write_text(f"JOBS = {jobs}\n" + STARTUP_SNAKEFILE)
        (workdir / "start.py").write_text("open(snakemake.output[0], 'w').close()\n")
        with_jobs, _ = snakemake(workdir, 1)
        noop, _ = snakemake(workdir, 1)
    return (with_jobs - noop) / jobs


def generation_tokens(workdir: Path) -> dict[str, int]:
    """Tokens the generations spent, from their records (every attempt's prompt and completion
    counts): prompt tokens of zero- and few-shot attempts, completion tokens of accepted and of
    rejected attempts. llama.cpp re-evaluates only what follows the previous prompt's shared prefix,
    so a zero-shot prompt, the same every attempt, is evaluated about once per generation."""
    tokens = defaultdict(int)
    for path in (workdir / "results").glob("*/seed~*/generate/cluster~*/*/shots~*.jsonl"):
        shots = "zero-shot" if path.stem == "shots~0" else "few-shot"
        for line in path.read_text().splitlines():
            record = json.loads(line)
            tokens[f"prompt, {shots}"] += record["prompt_tokens"]
            kind = "accepted" if record["accepted"] else "rejected"
            tokens[f"completion, {kind}"] += record["completion_tokens"]
            tokens[f"attempts, {kind}"] += 1
    return dict(tokens)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary checkout and its results")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="topex-grid-"))
    try:
        fresh_checkout(workdir)
        fresh_seconds, output = snakemake(workdir, args.cores)
        fresh_jobs = sum(jobs_run(output).values())
        print(f"fresh offline default grid, --cores {args.cores}: {fresh_jobs} jobs in {fresh_seconds / 60:.1f} min")
        ratio = fresh_seconds / GOAL_SECONDS
        print(f"  ratio to the 15-min goal: {ratio:.2f} ({'met' if ratio <= 1 else 'MISSED'})")
        print("  where the time went (job seconds summed per rule; jobs overlap on the cores):")
        per_rule = seconds_per_rule(workdir)
        total = sum(seconds for _, seconds in per_rule.values())
        for line in rule_table(per_rule):
            print(f"    {line}")

        per_dataset = core_seconds_per_dataset(workdir, threads_per_rule(output))
        core_seconds = sum(per_dataset.values())
        print("  core-seconds per dataset (a job's seconds x its threads; shared: tables, figures, resources):")
        for name, seconds in sorted(per_dataset.items(), key=lambda item: -item[1]):
            print(f"    {name:20s} {seconds:8.0f} core-s  {seconds / core_seconds:6.1%}")

        tokens = generation_tokens(workdir)
        print("  generation tokens (llama.cpp; prompts: as sent, a shared prefix is evaluated once):")
        for kind, n in sorted(tokens.items()):
            print(f"    {kind:22s} {n:8d}")
        fixed = fixed_cost_per_job()
        print(
            f"  fixed cost per job (Snakemake starting an empty script job): {fixed:.2f} s; "
            f"x {fresh_jobs} jobs = {fixed * fresh_jobs:.0f} job-s ({fixed * fresh_jobs / total:.1%} of the job seconds)"
        )

        noop_seconds, output = snakemake(workdir, args.cores)
        noop_jobs = sum(jobs_run(output).values())
        print(
            f"second run: {noop_jobs} jobs in {noop_seconds:.1f} s (goal 0 jobs: {'met' if noop_jobs == 0 else 'MISSED'})"
        )

        config_file = workdir / "config" / "config.yaml"
        config = yaml.safe_load(config_file.read_text())
        counts = sorted({*config["augment"]["counts"], 2})
        config["augment"]["counts"] = counts
        config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        counts_seconds, output = snakemake(workdir, args.cores)
        ran = jobs_run(output)
        upstream = sorted(UPSTREAM & set(ran))
        print(f"after changing augment.counts to {counts}: {sum(ran.values())} jobs in {counts_seconds / 60:.1f} min")
        print("  rules that ran: " + ", ".join(f"{rule} ({n})" for rule, n in sorted(ran.items())))
        print(
            f"  no base training, logits, clustering or naming: {'met' if not upstream else 'MISSED: ' + ', '.join(upstream)}"
        )
    finally:
        release(workdir, args.keep)


if __name__ == "__main__":
    main()
