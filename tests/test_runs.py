"""What the shared tiny run did: every rule it covered when the test suite was made faster, no
heavy import in a light job (tests/import_audit records each job's imports), and a GPU declared by
exactly the jobs that use a model."""

import json
import re
from collections import defaultdict

import pytest
from conftest import E2E_RUNS

# The rules that the tiny config's run of `all` and `noise` executed on 2026-12-04, before the
# test suite was made faster (issue 29); read from that run's job records. None may drop out.
# Since then noise_cell (one job per cell) became noise_cells (one job per mode, its three cells).
SNAPSHOT_RULES = {
    "assess_generations",
    "baseline",
    "choose_clusters",
    "collect_cells",
    "control_points",
    "dataset_figures",
    "embed_explore",
    "embed_split",
    "explore",
    "explore_coverage",
    "explorer_figures",
    "fit_judge",
    "generate",
    "generation_summary",
    "generation_table",
    "in_group_regions",
    "noise_cells",
    "noise_table",
    "predict_base",
    "prepare_data",
    "prepare_llm",
    "prepare_wordnet",
    "results_figures",
    "retrain",
    "retrain_control",
    "score_clusters",
    "score_weighted",
    "table3",
    "tables",
    "train_base",
}
# and rules added since: top mode's cells read the added points' cached representations
# (embed_added), and the planted dataset's failure, its discovery and its retrained cells are checked
# against its answer key, with its positive control (the slice oracle, embedded apart)
TINY_RULES = SNAPSHOT_RULES | {
    "embed_added",
    "planted_failures",
    "known_answer",
    "slice_oracle_points",
    "embed_slice_oracle",
    "slice_cells",
    "slice_effects",
}

# Jobs that only read tables, scores and points: they start without torch, transformers or
# sentence-transformers (each of those costs seconds per job). Every scorer but ctc (which embeds
# the cluster's texts) is light too, and so is every retraining cell of the tiny grid: its mode,
# top with layers 0, trains the final linear layer on the seed's cached representations.
LIGHT = {
    "choose_clusters",
    "collect_cells",
    "control_points",
    "explore_coverage",
    "generation_summary",
    "generation_table",
    "in_group_regions",
    "known_answer",
    "noise_table",
    "planted_failures",
    "prepare_data",
    "retrain",
    "retrain_control",
    "score_weighted",
    "table3",
    "tables",
}


# topex.devices logs every device choice as "device: CHOSEN (SETTING: VALUE...)"
DEVICE_LINE = re.compile(r"device: \S+.*?\(([\w.]+): ([^;)]+)")


@pytest.mark.e2e
def test_exactly_the_jobs_that_use_a_model_declare_a_gpu(tiny_run):
    """A job that puts a model on a device that may be a GPU (torch's auto or cuda, llama.cpp
    offload) declares the gpu resource, so no two jobs share a GPU; and every rule that declares
    one has jobs that use it. Read from the jobs' own logs: what they did, not what they import."""
    from topex.job_records import job_headers

    asks, declares = defaultdict(bool), defaultdict(bool)
    for job in job_headers(E2E_RUNS["tiny run"]["output"]):
        lines = [line for log in job["log"] for line in DEVICE_LINE.findall((tiny_run / log).read_text())]
        asked = any(value.strip() not in ("cpu", "0") for _, value in lines)
        declared = int(job["resources"].get("gpu", 0)) > 0
        assert declared or not asked, f"{job['rule']} ({job['log']}) puts a model on {lines} but declares no gpu"
        asks[job["rule"]] |= asked
        declares[job["rule"]] |= declared
    assert asks["train_base"] and asks["predict_base"] and asks["embed_explore"]
    idle = sorted(rule for rule in declares if declares[rule] and not asks[rule])
    assert not idle, f"rules that declare a gpu but put no model on one: {idle}"


@pytest.mark.e2e
def test_the_tiny_run_executes_every_rule_it_covered(tiny_run):
    ran = E2E_RUNS["tiny run"]["rules"]
    assert TINY_RULES <= set(ran), f"rules no longer run: {sorted(TINY_RULES - set(ran))}"


@pytest.mark.e2e
def test_light_jobs_import_no_torch_transformers_or_sentence_transformers(tiny_run):
    records = [json.loads(path.read_text()) for path in E2E_RUNS["tiny run"]["imports"].glob("*.json")]
    audited, heavy = defaultdict(int), defaultdict(set)
    for record in records:
        rule = record["rule"]
        if rule == "score_clusters":
            rule = "score_clusters (ctc)" if record["wildcards"]["scorer"] == "ctc" else "score_clusters (others)"
        audited[rule] += 1
        heavy[rule].update(record["imported"])
    ran = E2E_RUNS["tiny run"]["rules"]
    for rule in sorted(LIGHT):
        assert audited[rule] == ran[rule] > 0, f"{rule}: {audited[rule]} of {ran.get(rule, 0)} jobs audited"
    assert audited["score_clusters (others)"] > 0
    offenders = {rule: sorted(heavy[rule]) for rule in {*LIGHT, "score_clusters (others)"} if heavy[rule]}
    assert not offenders, f"light jobs that import heavy packages: {offenders}"
    # the audit sees imports: the jobs that load a model import torch
    assert "torch" in heavy["train_base"] and "torch" in heavy["generate"]


def test_job_seconds_count_a_job_with_several_outputs_once(tmp_path):
    from topex.job_records import seconds_per_rule

    metadata = tmp_path / ".snakemake" / "metadata"
    metadata.mkdir(parents=True)
    records = [  # one generate job with two outputs written 4 s apart, one retrain job, one earlier job
        ("a", {"rule": "generate", "job_hash": 7, "starttime": 100.0, "endtime": 110.0}),
        ("b", {"rule": "generate", "job_hash": 7, "starttime": 100.0, "endtime": 114.0}),
        ("c", {"rule": "retrain", "job_hash": 8, "starttime": 101.0, "endtime": 103.5}),
        ("d", {"rule": "retrain", "job_hash": 9, "starttime": 50.0, "endtime": 60.0}),
    ]
    for name, record in records:
        (metadata / name).write_text(json.dumps(record))
    assert seconds_per_rule(tmp_path, since=100.0) == {"generate": (1, 14.0), "retrain": (1, 2.5)}
    assert seconds_per_rule(tmp_path)["retrain"] == (2, 12.5)


def test_core_seconds_go_to_the_dataset_a_job_writes_to(tmp_path):
    import base64

    from topex.job_records import core_seconds_per_dataset, job_headers, threads_per_rule

    log = (
        "[Sat Dec  5 19:04:17 2026]\nlocalrule train_base:\n    output: results/a/seed~0/base/model\n"
        "    threads: 2\n    resources: tmpdir=/tmp\n\nrule tables:\n    output: results/tables/t.csv\n"
        "    resources: tmpdir=/tmp\n\ncheckpoint choose_clusters:\n    threads: 1\n"
    )
    threads = threads_per_rule(log)
    assert threads == {"train_base": 2, "tables": 1, "choose_clusters": 1}
    with_logs = "localrule embed_split:\n    log: results/a/logs/embed_test.log\n    resources: tmpdir=/tmp, gpu=1\n"
    assert job_headers(with_logs + "\n" + log)[:2] == [
        {
            "rule": "embed_split",
            "threads": 1,
            "log": ["results/a/logs/embed_test.log"],
            "resources": {"tmpdir": "/tmp", "gpu": "1"},
        },
        {"rule": "train_base", "threads": 2, "log": [], "resources": {"tmpdir": "/tmp"}},
    ]
    metadata = tmp_path / ".snakemake" / "metadata"
    long_output = "results/b/seed~0/retrain~head/" + "x" * 200 + "/metrics.json"
    jobs = [  # (output, rule, job hash, start, end)
        ("results/a/seed~0/base/model", "train_base", 1, 100.0, 110.0),
        ("results/a/seed~0/base/train.json", "train_base", 1, 100.0, 109.0),  # the same job: counts once
        (long_output, "retrain", 2, 100.0, 103.0),  # a record path over 255 characters is cut into folders
        ("results/tables/t.csv", "tables", 3, 100.0, 101.5),
    ]
    for output, rule, job_hash, start, end in jobs:
        encoded = base64.urlsafe_b64encode(output.encode()).decode()
        record = metadata.joinpath(*[encoded[i : i + 254] for i in range(0, len(encoded), 254)])
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"rule": rule, "job_hash": job_hash, "starttime": start, "endtime": end}))
    assert core_seconds_per_dataset(tmp_path, threads) == {"a": 20.0, "b": 3.0, "shared": 1.5}
