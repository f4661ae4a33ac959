"""The Slurm workflow profile (profiles/slurm/): its rule names and resources, and, where a Slurm
cluster answers (e.g. the throwaway one of profiles/slurm/local-test-cluster.sh), one seed of the
tiny config, a rule of every group, run through sbatch with it."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from conftest import ROOT, TINY, rule_blocks, workflow_command

PROFILE = ROOT / "profiles" / "slurm"
TARGETS = ["results/bbc_small/seed~0/base/metrics.json", "results/bbc_small/seed~0/explore/clusters.csv"]
TARGET_RULES = {"prepare_data", "embed_explore", "train_base", "predict_base", "explore"}
GPU_RULES = {"train_base", "predict_base", "embed_explore"}  # of TARGET_RULES: the rules that declare gpu=1
# What the run through sbatch builds besides: scoring and the checkpoint, a control's points and
# its head-mode retraining, EDA, every generation and the per-seed figures (one rule of each group).
RUN_TARGETS = [
    *TARGETS,
    "results/bbc_small/seed~0/retrain~head/random/n~1/metrics.json",
    "results/bbc_small/seed~0/baselines/eda.jsonl",
    "results/bbc_small/seed~0/generate/summary.json",
    "results/bbc_small/seed~0/figures/output_space.png",
]
RUN_RULES = TARGET_RULES | {
    "score_clusters",
    "score_weighted",
    "score_weighted_errors",
    "choose_clusters",
    "control_points",
    "retrain",
    "in_group_regions",
    "prepare_wordnet",
    "baseline",
    "prepare_llm",
    "generate",
    "generation_summary",
    "explorer_figures",
    "embed_split",
    "fit_judge",
}
# Resource keys that would ask for GPUs, or a partition's GPUs, behind the standard `gpu` resource.
GPU_KEYS = {"gpu", "gpus", "gres", "gpu_model", "cpus_per_gpu", "tasks_per_gpu"}
ACTIONS = re.compile(r"^    (script|shell|run|notebook|wrapper|cwl):", re.MULTILINE)
HAS_PLUGIN = importlib.util.find_spec("snakemake_executor_plugin_slurm") is not None
needs_plugin = pytest.mark.skipif(
    not HAS_PLUGIN,
    reason="snakemake-executor-plugin-slurm is not installed (pip install snakemake-executor-plugin-slurm==2.8.0)",
)


def profile() -> dict:
    return yaml.safe_load((PROFILE / "config.yaml").read_text())


def tiny_config() -> dict:
    config = copy.deepcopy(TINY)
    config["seeds"] = [0]
    config["datasets"] = {"bbc_small": config["datasets"]["bbc_small"]}
    return config


def snakemake(workdir: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(tiny_config()))
    command, env = workflow_command(
        workdir, "--configfile", str(workdir / "tiny.yaml"), "--workflow-profile", str(PROFILE), *args
    )
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


# --- the profile itself: no Slurm needed --------------------------------------------------------


def test_profile_uses_the_slurm_executor_with_runtime_and_memory_for_every_rule_it_names():
    config = profile()
    assert config["executor"] == "slurm"
    assert isinstance(config["jobs"], int) and config["jobs"] >= 1
    assert {"runtime", "mem_mb"} <= set(config["default-resources"])
    for rule, resources in config["set-resources"].items():
        assert isinstance(resources["runtime"], int) and resources["runtime"] > 0, rule  # minutes
        assert isinstance(resources["mem_mb"], int) and resources["mem_mb"] > 0, rule


def test_profile_names_only_rules_of_the_workflow():
    """Snakemake ignores a set-resources entry for an unknown rule: a renamed rule would silently
    fall back to default-resources."""
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-rules"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    listed = set(run.stdout.split())
    assert set(rule_blocks()) <= listed  # the parse below agrees with Snakemake's list
    unknown = set(profile()["set-resources"]) - listed
    assert not unknown, f"profiles/slurm/config.yaml names rules the workflow lacks: {sorted(unknown)}"


def test_profile_sizes_every_rule_that_runs_a_job():
    """Rules with an action become sbatch jobs; target rules (all, figures, noise) run nothing."""
    with_action = {name for name, text in rule_blocks().items() if ACTIONS.search(text)}
    missing = with_action - set(profile()["set-resources"])
    assert not missing, f"add these rules to a group in profiles/slurm/config.yaml: {sorted(missing)}"


def test_profile_asks_for_no_gpus_of_its_own_and_leaves_account_and_partition_to_the_user():
    config = profile()
    for scope, resources in [("default-resources", config["default-resources"]), *config["set-resources"].items()]:
        assert not GPU_KEYS & set(resources), scope
        assert not re.search(r"--(gpus|gres)", str(resources.get("slurm_extra", ""))), scope
    # placeholders, documented in comments: no made-up account or partition is submitted
    assert not {"slurm_account", "slurm_partition"} & set(config["default-resources"])
    text = (PROFILE / "config.yaml").read_text()
    assert "# slurm_account:" in text and "# slurm_partition:" in text


@needs_plugin
def test_dry_run_gives_gpu_rules_one_gpu_and_the_profile_s_sizes(tmp_path):
    run = snakemake(tmp_path, "--dry-run", *TARGETS, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    jobs = {}
    for block in re.split(r"\n(?=\[)", run.stdout + run.stderr):
        match = re.search(r"^rule (\w+):", block, re.MULTILINE)
        resources = re.search(r"resources: (.*)", block)
        if match and resources:
            jobs[match.group(1)] = dict(kv.split("=", 1) for kv in resources.group(1).split(", "))
    assert set(jobs) == TARGET_RULES
    sizes = profile()["set-resources"]
    for rule, resources in jobs.items():
        assert resources.get("gpu", "0") == ("1" if rule in GPU_RULES else "0"), rule
        assert resources["mem_mb"] == str(sizes[rule]["mem_mb"]) and resources["runtime"] == str(sizes[rule]["runtime"])


@needs_plugin
def test_pinned_plugin_turns_the_gpu_resource_into_gpus():
    from snakemake_executor_plugin_slurm.utils import set_gres_string

    def job(**resources):
        return SimpleNamespace(resources=SimpleNamespace(get=resources.get, **resources))

    assert set_gres_string(job(gpu=1)).split() == ["--gpus=1"]
    assert set_gres_string(job(gpu=2, gpu_model="a100")).split() == ["--gpus=a100:2"]
    assert set_gres_string(job(gpu=0)) == "" and set_gres_string(job()) == ""


# --- a real Slurm cluster ------------------------------------------------------------------------


def slurm_node() -> tuple[str | None, str]:
    """(None, gres of the first idle node) where Slurm can take jobs, else (why not, "")."""
    if not HAS_PLUGIN:
        return "snakemake-executor-plugin-slurm is not installed", ""
    if not shutil.which("sbatch"):
        return "no sbatch on PATH (a test cluster: sudo profiles/slurm/local-test-cluster.sh)", ""
    run = subprocess.run(["sinfo", "-h", "-N", "-o", "%T %c %G"], capture_output=True, text=True, timeout=30)
    nodes = [line.split() for line in run.stdout.splitlines() if line.strip()]
    idle = [n for n in nodes if n[0] in ("idle", "mixed")]
    if run.returncode != 0 or not idle:
        return f"sinfo reports no idle node ({run.stdout.strip() or run.stderr.strip()})", ""
    return None, idle[0][2]


def slurm_overrides(no_gpus: bool = True) -> list[str]:
    """What the local test cluster needs on top of the profile, and nothing else:

    * gpu=0 for every rule: its node has no GPU, and sbatch refuses --gpus=1 there. A command-line
      --set-resources replaces the profile's whole list (it is not merged), so the profile's
      entries are repeated here unchanged; --resources gpu=0 would not do: it caps the sbatch call
      but not the srun inside the job, which the job re-evaluates without it.
    * threads capped at the node's CPU count (rules ask for up to 4);
    * status through squeue: without slurmdbd, sacct answers "accounting storage is disabled";
    * no account (none exists), kept job logs (to check them), a quick first status check.

    On a production cluster that needs an account, this e2e test fails at submission: it is meant
    for a test cluster such as the one local-test-cluster.sh starts.
    """
    cpus = min(
        int(line.split()[0])
        for line in subprocess.run(
            ["sinfo", "-h", "-N", "-o", "%c"], capture_output=True, text=True, timeout=30
        ).stdout.split("\n")
        if line
    )
    entries = [
        f"{rule}:{key}={value}"
        for rule, resources in profile()["set-resources"].items()
        for key, value in resources.items()
    ]
    entries += [f"{rule}:gpu=0" for rule in profile()["set-resources"]]
    return [
        *(["--set-resources", *entries] if no_gpus else []),
        "--max-threads",
        str(cpus),
        "--slurm-status-command",
        "squeue",
        "--slurm-no-account",
        "--slurm-keep-successful-logs",
        "--slurm-init-seconds-before-status-checks",
        "5",
    ]


def job_states(job_ids) -> dict[str, tuple[str, str]]:
    """Slurm's record of each job: (comment, state). squeue while slurmctld still holds the job
    (the test cluster keeps finished jobs for MinJobAge = 30 min), else sacct, whose Comment is
    empty unless the cluster stores job comments."""

    def query(command):
        run = subprocess.run(command, capture_output=True, text=True, timeout=30)
        return {line.split("|")[0]: tuple(line.split("|")[1:3]) for line in run.stdout.splitlines() if line}

    states = query(["squeue", "--states=all", "-h", "-j", ",".join(job_ids), "-o", "%i|%k|%T"])
    missing = [job_id for job_id in job_ids if job_id not in states]
    if missing:
        states |= query(["sacct", "-X", "-n", "-P", "-j", ",".join(missing), "-o", "JobIDRaw,Comment,State"])
    return states


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory):
    why_not, _ = slurm_node()
    if why_not:
        pytest.skip(why_not)
    workdir = tmp_path_factory.mktemp("slurm-run")
    run = snakemake(workdir, *slurm_overrides(), *RUN_TARGETS)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    return workdir, run.stdout + run.stderr


@pytest.mark.e2e
def test_every_rule_group_runs_through_sbatch(slurm_run):
    workdir, out = slurm_run
    seed = workdir / "results/bbc_small/seed~0"
    metrics = json.loads((seed / "base/metrics.json").read_text())
    assert metrics["test"]["n"] == 20 and 0 <= metrics["test"]["accuracy"] <= 1
    clusters = pd.read_csv(seed / "explore/clusters.csv", keep_default_na=False)
    assert list(clusters.columns) == [
        "cluster",
        "size",
        "n_misclassified",
        "error_rate",
        "name",
        "is_candidate",
        "bertopic_name",
        "llm_name",
    ]
    assert json.loads((seed / "retrain~head/random/n~1/metrics.json").read_text())["mode"] == "head"
    assert (seed / "figures/output_space.png").read_bytes()[:4] == b"\x89PNG"
    generated = json.loads((seed / "generate/summary.json").read_text())
    assert generated and all("file" in entry or "skipped" in entry for entry in generated.values())
    submitted = dict(re.findall(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\.", out))
    rules = {}
    for job_id, log in submitted.items():
        log = Path(log)  # .snakemake/slurm_logs/rule_{rule}/{wildcards}/{job id}.log
        assert log.is_file(), log
        rules[job_id] = log.relative_to(workdir / ".snakemake/slurm_logs").parts[0].removeprefix("rule_")
        assert f"Finished jobid: 0 (Rule: {rules[job_id]})" in log.read_text()
    assert set(rules.values()) == RUN_RULES
    states = job_states(submitted)
    for job_id, rule in rules.items():
        comment, state = states[job_id]  # the plugin's --comment: rule_{rule}[_wildcards_{...}]
        assert re.fullmatch(rf"(rule_{rule}(_wildcards_.*)?)?", comment) and state == "COMPLETED", states[job_id]


@pytest.mark.e2e
def test_gpu_rule_asks_slurm_for_a_gpu(slurm_run, tmp_path):
    """Without the test's gpu=0, train_base's sbatch call carries --gpus=1; a node without GPUs
    refuses it at submission (so nothing trains)."""
    _, gres = slurm_node()
    if "gpu" in gres:
        pytest.skip("the idle node has GPUs: the job would run rather than be refused")
    workdir, _ = slurm_run
    shutil.copytree(workdir / "results/bbc_small/data", tmp_path / "results/bbc_small/data")
    run = snakemake(tmp_path, *slurm_overrides(no_gpus=False), "results/bbc_small/seed~0/base/train.json", timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode != 0
    call = re.search(r"sbatch call:\s+(sbatch .*--comment rule_train_base\S*.*)", out)
    assert call, out[-3000:]
    assert "--gpus=1" in call.group(1).split(" --wrap")[0]
    assert "SLURM sbatch failed" in out and "Invalid generic resource (gres) specification" in out
    assert not (tmp_path / "results/bbc_small/seed~0/base/train.json").exists()
