"""The real Snakefile on a tiny config: files' contents, paired layout, no-op rerun, bad config."""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import E2E_OPTIONS, ROOT, TINY, copy_run, pair_texts, run_workflow, tiny_pairs, workflow_command

from topex.tables import COMBINED

MODE = TINY["retrain"]["mode"]
SCORERS = TINY["scoring"]["scorers"]
CONTROLS = ["oracle", "random"]


def snakemake(workdir: Path, config: dict, *args: str, label: str | None = None) -> subprocess.CompletedProcess:
    """The workflow in ``workdir`` on ``config`` (written there as tiny.yaml), as the shared run ran."""
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(config))
    return run_workflow(workdir, f"--configfile={workdir / 'tiny.yaml'}", *args, label=label)


@pytest.mark.e2e
@pytest.mark.parametrize("dataset", ["tiny_pairs", "bbc_small", "tiny_newsgroups"])
def test_splits_are_disjoint_and_described(tiny_run, dataset):
    data = tiny_run / "results" / dataset / "data"
    splits = {s: pd.read_parquet(data / f"{s}.parquet") for s in ("train", "explore", "test", "pool")}
    manifest = json.loads((data / "splits.json").read_text())
    assert manifest["sizes"] == {s: len(f) for s, f in splits.items()}
    ids = [set(splits[s]["id"]) for s in ("train", "explore", "test", "pool")]
    assert sum(map(len, ids)) == len(set().union(*ids))
    assert manifest["sentence_pair"] == (dataset == "tiny_pairs")
    if dataset == "tiny_pairs":
        assert manifest["label_names"] == ["entailment", "non-entailment"]
        assert splits["explore"]["text_pair"].notna().all()


@pytest.mark.e2e
@pytest.mark.parametrize("dataset", ["tiny_pairs", "bbc_small"])
def test_metrics_match_the_forward_pass(tiny_run, dataset):
    seed = tiny_run / "results" / dataset / "seed~0"
    metrics = json.loads((seed / "base/metrics.json").read_text())
    for split in ("explore", "test"):
        outputs = pd.read_parquet(seed / f"base/outputs/{split}.parquet")
        logits = outputs.filter(like="logit_").to_numpy()
        assert (outputs["prediction"] == logits.argmax(axis=1)).all()
        assert (outputs["correct"] == (outputs["prediction"] == outputs["label"])).all()
        assert metrics[split] == {"n": len(outputs), "accuracy": pytest.approx(outputs["correct"].mean())}
    assert (seed / "base/model/model.safetensors").is_file()
    assert json.loads((seed / "base/train.json").read_text())["seed"] == 0


@pytest.mark.e2e
@pytest.mark.parametrize("dataset", ["tiny_pairs", "bbc_small"])
def test_clusters_csv_agrees_with_the_points(tiny_run, dataset):
    explore = tiny_run / "results" / dataset / "seed~0" / "explore"
    clusters = pd.read_csv(explore / "clusters.csv", keep_default_na=False)
    points = pd.read_parquet(explore / "points.parquet")
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
    assert len(clusters) >= 1
    assert len(points) == len(pd.read_parquet(tiny_run / "results" / dataset / "data/explore.parquet"))
    for row in clusters.itertuples():
        members = points[points["cluster"] == row.cluster]
        assert row.size == len(members)
        assert row.n_misclassified == int((~members["correct"]).sum())
        assert row.error_rate == pytest.approx(row.n_misclassified / row.size)
        assert row.is_candidate == (row.error_rate > 0.5)
        assert row.name and (members["cluster_name"] == row.name).all()
        assert members["is_candidate"].eq(row.is_candidate).all()
    assert set(points["cluster"]) - {-1} == set(clusters["cluster"])
    norm = points.filter(like="norm_").to_numpy()
    assert norm.min() == pytest.approx(-1) and norm.max() == pytest.approx(1)
    assert np.isfinite(points[["x", "y"]].to_numpy()).all()


@pytest.mark.e2e
def test_explore_summaries_and_coverage_table_agree_with_the_points(tiny_run):
    coverage = pd.read_csv(tiny_run / "results/tables/explore_coverage.csv", dtype={"seed": str})
    for dataset in ("tiny_pairs", "bbc_small"):
        for seed in ("0", "1"):
            explore = tiny_run / "results" / dataset / f"seed~{seed}" / "explore"
            summary = json.loads((explore / "summary.json").read_text())
            points = pd.read_parquet(explore / "points.parquet")
            wrong = ~points["correct"]
            assert summary["n_misclassified"] == int(wrong.sum())
            assert summary["misclassified_in_candidates"] == int((wrong & points["is_candidate"]).sum())
            assert summary["share_clustered"] == pytest.approx((points["cluster"] != -1).mean())
            row = coverage[(coverage["dataset"] == dataset) & (coverage["seed"] == seed)].iloc[0]
            assert row["error_coverage"] == pytest.approx(summary["error_coverage"])
    assert (tiny_run / "results/tables/explore_coverage.md").read_text().startswith("| dataset |")


@pytest.mark.e2e
@pytest.mark.parametrize("dataset", ["tiny_pairs", "bbc_small"])
def test_every_scorer_chooses_its_best_candidate(tiny_run, dataset):
    seed = tiny_run / "results" / dataset / "seed~0"
    clusters = pd.read_csv(seed / "explore/clusters.csv", keep_default_na=False)
    candidates = clusters[clusters["is_candidate"]]
    assert not candidates.empty, "the tiny fixture must give a candidate cluster for the scorers to choose from"
    for scorer in SCORERS:
        record = json.loads((seed / f"score/{scorer}.json").read_text())
        assert record["scorer"] == scorer and record["n_candidates"] == len(candidates)
        assert [c["cluster"] for c in record["candidates"]] == candidates["cluster"].tolist()
        log = (seed / f"logs/score_{scorer}.log").read_text()
        assert record["explanation"] in log
        scores = {c["cluster"]: c["score"] for c in record["candidates"]}
        assert record["chosen"]["score"] == max(scores.values())
        assert scores[record["chosen"]["cluster"]] == record["chosen"]["score"]
        assert record["explanation"].startswith(f"cluster '{record['chosen']['name']}'")
    # the weighted score reads the other scorers' files: each scaled metric is that file's score,
    # min-max scaled over the candidates (the combination itself is tested by hand in test_scoring)
    weighted = json.loads((seed / "score/weighted.json").read_text())
    for metric in weighted["weights"]:
        raw = [c["score"] for c in json.loads((seed / f"score/{metric}.json").read_text())["candidates"]]
        low, high = min(raw), max(raw)
        expected = [(r - low) / (high - low) if high > low else 0.0 for r in raw]
        assert [c[f"scaled_{metric}"] for c in weighted["candidates"]] == pytest.approx(expected)
    # weighted_errors reads the weighted file: its score times the candidate's misclassified points
    errors = json.loads((seed / "score/weighted_errors.json").read_text())
    assert [c["weighted_score"] for c in errors["candidates"]] == [c["score"] for c in weighted["candidates"]]
    assert [c["misclassified"] for c in errors["candidates"]] == [
        round(size * rate) for size, rate in zip(candidates["size"], candidates["error_rate"])
    ]
    assert [c["score"] for c in errors["candidates"]] == pytest.approx(
        [c["weighted_score"] * c["misclassified"] for c in errors["candidates"]]
    )


@pytest.mark.e2e
@pytest.mark.parametrize("dataset", ["tiny_pairs", "bbc_small"])
def test_one_generation_per_chosen_cluster_serves_every_scorer(tiny_run, dataset):
    seed = tiny_run / "results" / dataset / "seed~0"
    chosen = json.loads((seed / "score/chosen.json").read_text())
    summary = json.loads((seed / "generate/summary.json").read_text())
    clusters = {c for c in chosen.values() if c is not None}
    files = sorted((seed / "generate").glob("cluster~*/*/shots~*.jsonl"))
    assert len(files) == len(clusters) * 2 * 2  # distinct clusters × LLMs × shots, not × scorers
    points = pd.read_parquet(seed / "explore/points.parquet")
    assert None not in chosen.values(), "the tiny fixture must give every scorer a candidate cluster"
    for scorer, cluster in chosen.items():
        for llm in ("smollm2", "gemma3"):
            for shots in ("0", "1"):
                cell = summary[f"{scorer}/{llm}/shots~{shots}"]
                records = [json.loads(line) for line in Path(tiny_run, cell["file"]).read_text().splitlines()]
                assert cell["accepted"] == sum(r["accepted"] for r in records)
                assert cell["attempts"] == len(records) <= 2 * 2
                members = points[points["cluster"] == cluster]
                wrong = members[~members["correct"]]
                expected = np.bincount((wrong if len(wrong) else members)["label"]).argmax()
                assert {r["label"] for r in records} == {expected}
                assert all(r["cluster"] == cluster and r["llm"] == llm for r in records)
                assert all(r["accepted"] == (r["reason"] is None) for r in records)
                accepted = [r for r in records if r["accepted"]]
                assert [r["index"] for r in accepted] == list(range(len(accepted)))
                assert records and all("seconds" not in r for r in records)  # wall times stay in the log
                if dataset == "tiny_pairs":
                    # pair data reaches generation: the prompt asks for the delimiter, few-shot
                    # examples are pairs, and whatever is accepted is a pair
                    assert all("/delim/" in json.dumps(r["prompt"]) for r in records)
                    if shots == "1":
                        assert all(r["shots"] == 1 and json.dumps(r["prompt"]).count("/delim/") >= 2 for r in records)
                    assert all(r["text_pair"] for r in accepted)


@pytest.mark.e2e
def test_generation_quality_table_and_table3_count_what_was_generated(tiny_run):
    table = pd.read_csv(
        tiny_run / "results/tables/generations.csv", dtype={"seed": str}, keep_default_na=False, na_values=[""]
    )
    pooled = table[table["seed"] == "all"]
    assert len(pooled) == len(TINY["datasets"]) * 2 * 2  # datasets × LLMs × shots
    for row in pooled.itertuples():
        records = [
            json.loads(line)
            for seed in ("0", "1")
            for path in (tiny_run / "results" / row.dataset / f"seed~{seed}" / "generate").glob(
                f"cluster~*/{row.llm}/shots~{row.shots}.jsonl"
            )
            for line in path.read_text().splitlines()
        ]
        assert row.attempts == len(records) and row.accepted == sum(r["accepted"] for r in records)
        assert row.attempts > 0 and 0 <= row.acceptance_rate <= 1
        assert 0 <= row.members_on_topic <= 1  # the chosen cluster's own points: never empty
        for share in ("judge_agreement", "base_agreement", "on_topic_rate"):
            value = getattr(row, share)  # a share of the accepted points: NaN exactly when none was
            assert 0 <= value <= 1 if row.accepted else pd.isna(value), (row.dataset, row.llm, row.shots, share)
        assert row.near_copies_accepted == 0  # the filter rejects them
    assert (pooled["accepted"] > 0).any(), "no generation accepted a point: no share was checked"
    for dataset in ("tiny_pairs", "bbc_small"):
        quality = pd.read_parquet(tiny_run / "results" / dataset / "seed~0/generate/quality.parquet")
        files = (tiny_run / "results" / dataset / "seed~0/generate").glob("cluster~*/*/shots~*.jsonl")
        assert len(quality) == sum(
            json.loads(line)["accepted"] for path in files for line in path.read_text().splitlines()
        )
        assert np.isfinite(quality[["x", "y", "centroid_cosine"]].to_numpy()).all()
    markdown = (tiny_run / "results/tables/generations.md").read_text()
    assert "label judge" in markdown and "| dataset | LLM | shots |" in markdown
    table3 = (tiny_run / "results/tables/table3.md").read_text()
    assert "## tiny_pairs (seed 0)" in table3 and "## bbc_small (seed 0)" in table3
    assert "most similar original" in table3 or "(no point accepted)" in table3
    assert "<!DOCTYPE html>" in (tiny_run / "results/tables/table3.html").read_text()


@pytest.mark.e2e
@pytest.mark.parametrize("figure", ["output_space", "cluster_composition"])
def test_figures_are_images(tiny_run, figure):
    for dataset in ("tiny_pairs", "bbc_small"):
        path = tiny_run / "results" / dataset / "seed~0" / "figures" / f"{figure}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


@pytest.mark.e2e
@pytest.mark.parametrize("dataset", ["tiny_pairs", "bbc_small"])
def test_retrain_cells_record_their_mode_and_pair_by_seed(tiny_run, dataset):
    for seed in (0, 1):
        root = tiny_run / "results" / dataset / f"seed~{seed}"
        regions = json.loads((root / "score/regions.json").read_text())["regions"]
        chosen = {c for c in json.loads((root / "score/chosen.json").read_text()).values() if c is not None}
        assert chosen and set(regions) == {str(c) for c in chosen}  # the tiny data has candidates
        test_ids = set(pd.read_parquet(root.parent / "data/test.parquet")["id"])
        cells = root / f"retrain~{MODE}"
        control = json.loads((cells / "control/n~0/metrics.json").read_text())
        assert control["mode"] == MODE and control["seed"] == seed and control["n"] == 0
        for cluster, region in regions.items():
            # a region: region_size test points, none of which any method draws from
            assert len(region["ids"]) == TINY["retrain"]["region_size"] and set(region["ids"]) <= test_ids
            assert control["group"][cluster]["ids"] == region["ids"]
        for method in ("oracle", "random"):
            for n in (1, 2):
                record = json.loads((cells / f"{method}/n~{n}/metrics.json").read_text())
                assert (record["mode"], record["method"], record["n"], record["seed"]) == (MODE, method, n, seed)
                assert "skipped" not in record and record["n_added"] == n  # the tiny fixture has a cluster and a pool
                correct = record["accuracy"] * record["n_test"]
                assert record["n_test"] == 20 and correct == pytest.approx(round(correct))
                for cluster, region in regions.items():  # scored on the control's points
                    assert record["group"][cluster]["ids"] == region["ids"]
                    assert record["group"][cluster]["n"] == len(region["ids"])


@pytest.mark.e2e
@pytest.mark.parametrize("dataset", ["tiny_pairs", "bbc_small"])
def test_baselines_augment_the_reference_cluster_in_the_generation_schema(tiny_run, dataset):
    seed = tiny_run / "results" / dataset / "seed~0"
    cluster = json.loads((seed / "score/chosen.json").read_text())["weighted"]
    assert not (seed / "baselines/clare.jsonl").exists()  # no masked LM configured: not run
    points = pd.read_parquet(seed / "explore/points.parquet").set_index("id")
    assert cluster is not None, "the tiny fixture must give the weighted scorer a candidate cluster"
    for method in ("eda", "a2t"):
        records = [json.loads(line) for line in (seed / f"baselines/{method}.jsonl").read_text().splitlines()]
        assert records and all(r["method"] == method and r["cluster"] == cluster for r in records)
        size = int((points["cluster"] == cluster).sum())
        for record in records:
            source = points.loc[record["source_id"]]
            assert record["label"] == source["label"]  # labels kept
            # the cluster's own points first, then (a small cluster) its nearest explore points
            assert record["source_in_cluster"] == (source["cluster"] == cluster) == (record["attempt"] < size)
            assert record["accepted"] == (record["reason"] is None)
            if dataset == "tiny_pairs":
                assert record["text"] == source["text"]  # the premise is kept


@pytest.mark.e2e
def test_tables_pair_every_cell_with_its_seed_control(tiny_run):
    cells = pd.read_csv(tiny_run / "results/tables/cells.csv", keep_default_na=False, na_values=[""])
    for row in cells[cells["family"] != "control"].itertuples():
        seed = tiny_run / f"results/{row.dataset}/seed~{row.seed}/retrain~{MODE}"
        control = json.loads((seed / "control/n~0/metrics.json").read_text())
        if not row.skipped:
            assert row.delta == pytest.approx(row.accuracy - control["accuracy"])
        if not row.skipped and row.family not in ("control", "random"):
            random = json.loads((seed / f"random/n~{row.n}/metrics.json").read_text())
            assert row.target_delta == pytest.approx(row.accuracy - random["accuracy"])
            in_group = random["group"][str(row.cluster)]["accuracy"]
            assert row.in_group_target_delta == pytest.approx(row.in_group_accuracy - in_group)
    table2 = pd.read_csv(tiny_run / "results/tables/table2.csv", keep_default_na=False, na_values=[""])
    assert set(table2["n"]) == {1, 2}
    for dataset, rows in table2.groupby("dataset"):
        clare = rows[rows["method"] == "clare"]
        assert len(clare) == 2 and (clare["status"] == "not run: no masked LM configured").all()
        ran = rows[rows["status"] == "ran"]
        assert (ran["seeds"] >= 1).all()
        # the controls by hand from cells.csv: the mean of the 2 seeds' paired deltas d1, d2, and its
        # 95 % t interval, half width t(0.975, 1) · sd / √2 = 12.7062 · |d1 - d2| / 2
        for method in ("oracle", "random"):
            for n in (1, 2):
                row = rows[(rows["method"] == method) & (rows["n"] == n)].iloc[0]
                deltas = cells[(cells["dataset"] == dataset) & (cells["method"] == method) & (cells["n"] == n)]
                d1, d2 = deltas.sort_values("seed")["delta"]
                assert row["seeds"] == 2 and row["delta"] == pytest.approx((d1 + d2) / 2, abs=1e-9)
                assert row["low"] == pytest.approx((d1 + d2) / 2 - 12.7062 * abs(d1 - d2) / 2, abs=1e-4)
        assert {"eda", "a2t", "oracle", "random"} <= set(rows["method"])
    table1 = pd.read_csv(tiny_run / "results/tables/table1.csv")
    # the paper's Table 1: the five metrics (not the weighted score, whose weights come from it), one LLM
    assert len(table1) == len(TINY["datasets"]) * len([s for s in SCORERS if s not in COMBINED])
    assert table1["llm"].nunique() == 1
    markdown = (tiny_run / "results/tables/table2.md").read_text()
    assert "### tiny_pairs" in markdown and "not run: no masked LM configured" in markdown
    power = markdown.split("\n\n")[0].splitlines()  # the power lines open the table
    assert [line.split("**")[1] for line in power] == sorted(TINY["datasets"])
    assert all("positive control" in line and "Smallest effect this grid can read" in line for line in power)
    assert {"target_delta", "in_group_target_delta", "in_group_target_p", "in_group_n", "target_mde"} <= set(table2)


@pytest.mark.e2e
def test_figures_target_rebuilds_without_training(tiny_run, tmp_path):
    import shutil

    work = copy_run(tiny_run, tmp_path / "run")
    shutil.rmtree(work / "results/figures")
    run = snakemake(work, TINY, "figures", label="figures rebuilt")
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout + run.stderr
    for rule in ("train_base", "retrain", "retrain_control", "generate", "baseline"):
        assert f"rule {rule}:" not in out and f"localrule {rule}:" not in out
    for name in ("performance.png", "scorers.png", "bbc_small/before_after.png", "tiny_pairs/cluster_composition.png"):
        assert (work / "results/figures" / name).read_bytes()[:4] == b"\x89PNG"
    html = (work / "results/figures/bbc_small/output_space.html").read_text()
    assert "plotly" in html and "snippet" in html


@pytest.mark.e2e
def test_report_holds_every_table_and_figure(tiny_run, tmp_path):
    work = copy_run(tiny_run, tmp_path / "run")
    run = snakemake(work, TINY, "--report", "results/report.html", label="report")
    assert run.returncode == 0, run.stderr[-3000:]
    report = (work / "results/report.html").read_text()
    for name in (
        "table1.csv",
        "table2.csv",
        "effects.csv",
        "performance.png",
        "scorers.png",
        "before_after.png",
        "output_space.html",
        "cluster_composition.png",
        "generations.csv",
        "table3.html",
        "planted_failures.csv",  # the tiny config's planted dataset: the known-answer tables and figure
        "known_answer.csv",
        "slice_effects.csv",
        "slice_accuracy.png",
        "slice_map.png",
    ):
        assert name in report


@pytest.mark.e2e
def test_head_cells_refit_on_the_seeds_cached_added_features(tiny_run, tmp_path):
    """Head-mode grid cells take their points' representations from embed_added (one job per
    seed, every method's points) and load no model; they equal, bit for bit, the noise study's
    head cells, which embed the same points in the job (each point alone in both:
    classifier.added_features)."""
    n = max(TINY["augment"]["counts"])
    seed = Path("results/bbc_small/seed~0")
    cells = [
        seed / f"{study}~head/{method}/n~{n}/metrics.json" for study in ("retrain", "noise") for method in CONTROLS
    ]
    assert all((tiny_run / cell).is_file() for cell in cells[2:])  # the shared run's noise study
    work = copy_run(tiny_run, tmp_path / "run")
    run = snakemake(work, TINY, str(seed / "retrain~head/cells.csv"), *map(str, cells[2:]), label="head cells")
    assert run.returncode == 0, run.stderr[-3000:]
    # the shared run's one embed_added job for the seed (the top mode's cells read it too) serves them
    assert (tiny_run / seed / "base/added_features.npz").is_file()
    assert not re.findall(r"^(?:local)?rule embed_added:$", run.stdout + run.stderr, flags=re.MULTILINE)
    for method, grid_file, noise_file in zip(CONTROLS, cells[:2], cells[2:]):
        log = (work / seed / f"logs/retrain~head/{method}.log").read_text()
        assert "predict" not in log  # no forward pass in the grid cell
        grid, noise = (json.loads((work / path).read_text()) for path in (grid_file, noise_file))
        assert grid["accuracy"] == noise["accuracy"] and grid["group_logits"] == noise["group_logits"]


@pytest.mark.e2e
def test_the_default_explorer_clusters_each_confusion_cells_errors(tiny_run, tmp_path):
    """The offline default's Explorer (config/config.yaml: each confusion cell's errors, outputs
    and embeddings side by side) on a copy of the tiny run's base outputs (the tiny config keeps
    the paper's path): only the Explorer and the scorer rerun, every candidate is one kind of
    error, and the correctly classified points stay unclustered."""
    work = copy_run(tiny_run, tmp_path / "run")
    default = yaml.safe_load((ROOT / "config/config.yaml").read_text())["explore"]
    assert default["by_confusion"] and default["errors_only"] and default["space"] == "both"
    config = copy.deepcopy(TINY)
    config["explore"] = {**default, "optics": {**default["optics"], **TINY["explore"]["optics"]}}
    seed = Path("results/bbc_small/seed~0")
    run = snakemake(
        work, config, str(seed / "explore/summary.json"), str(seed / "score/weighted.json"), label="default explorer"
    )
    assert run.returncode == 0, run.stderr[-3000:]
    rules = set(re.findall(r"^(?:local)?rule (\w+):$", run.stdout + run.stderr, flags=re.MULTILINE))
    assert "explore" in rules and not rules & {"train_base", "predict_base", "embed_explore"}, rules
    summary = json.loads((work / seed / "explore/summary.json").read_text())
    assert summary["options"] == {"space": "both", "algorithm": "optics", "errors_only": True, "by_confusion": True}
    points = pd.read_parquet(work / seed / "explore/points.parquet")
    assert (points.loc[points["correct"], "cluster"] == -1).all()
    clustered = points[points["cluster"] != -1]
    assert len(clustered) and clustered["is_candidate"].all()  # every cluster is wholly misclassified
    assert (clustered.groupby("cluster")[["label", "prediction"]].nunique() == 1).all().all()
    assert summary["error_coverage"] == pytest.approx(len(clustered) / (~points["correct"]).sum())
    chosen = json.loads((work / seed / "score/weighted.json").read_text())["chosen"]
    assert chosen is not None and chosen["cluster"] in set(clustered["cluster"])


@pytest.mark.e2e
def test_noise_study_table(tiny_run):
    table = pd.read_csv(tiny_run / "results/tables/noise.csv")
    assert len(table) == len(TINY["datasets"]) * 4 and set(table["mode"]) == {"top", "head", "continue", "full"}
    assert (table["seeds"] == 2).all()
    for row in table.itertuples():
        control = {
            seed: json.loads(
                (tiny_run / f"results/{row.dataset}/seed~{seed}/noise~{row.mode}/control/n~0/metrics.json").read_text()
            )
            for seed in (0, 1)
        }
        assert all(c["mode"] == row.mode for c in control.values())
        random = {
            seed: json.loads(
                (tiny_run / f"results/{row.dataset}/seed~{seed}/noise~{row.mode}/random/n~2/metrics.json").read_text()
            )["accuracy"]
            for seed in (0, 1)
        }
        paired = np.mean([random[s] - control[s]["accuracy"] for s in (0, 1)])
        assert row.random_delta == pytest.approx(paired, abs=1e-5)
        assert row.in_group_n == TINY["retrain"]["region_size"]
        assert {"oracle_in_group_target_delta", "oracle_in_group_target_delta_mde", "oracle_target_delta_sd"} <= set(
            table.columns
        )
    assert (tiny_run / "results/tables/noise.md").read_text().startswith("| dataset | mode |")


def kill_when_running(workdir: Path, job_log: str, *args: str) -> None:
    """Start the workflow and SIGKILL it, jobs included, as soon as a job writing ``job_log`` (a
    glob) has started: a crash or a preempted node in the middle of that job."""
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    command, env = workflow_command(workdir, *E2E_OPTIONS, f"--configfile={workdir / 'tiny.yaml'}", *args)
    with open(workdir / "killed.log", "a") as out:
        run = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.monotonic() + 900
    while not list(workdir.glob(job_log)):
        assert run.poll() is None, f"the run ended before a job wrote {job_log}"
        assert time.monotonic() < deadline, f"no job wrote {job_log} within 15 min"
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()


def comparable(path: Path):
    """A result file's content, without the wall times it records (NaN made comparable)."""

    def drop_times(value):
        if isinstance(value, dict):
            return {k: drop_times(v) for k, v in value.items() if not re.search(r"(^|_)seconds$|per_second$", k)}
        if isinstance(value, list):
            return [drop_times(v) for v in value]
        return "NaN" if isinstance(value, float) and value != value else value

    if path.suffix == ".parquet":
        return drop_times(pd.read_parquet(path).to_dict("list"))
    if path.suffix == ".npz":
        with np.load(path) as arrays:
            return {key: arrays[key].tolist() for key in arrays.files}
    if path.suffix == ".json":
        return drop_times(json.loads(path.read_text()))
    if path.suffix == ".jsonl":
        return [drop_times(json.loads(line)) for line in path.read_text().splitlines()]
    if path.suffix == ".csv":
        return drop_times(pd.read_csv(path, keep_default_na=False).to_dict("list"))
    return path.read_bytes()


@pytest.mark.e2e
def test_killed_runs_resume_to_identical_results(tiny_run, tmp_path):
    """Killed in the middle of a training job, then of a generation, the workflow resumes with
    --rerun-incomplete and every result file equals the uninterrupted run's. It starts from a copy
    of the shared run without one seed's folder: that seed's every job runs again, from training on."""
    import shutil

    seed = Path("results/bbc_small/seed~0")
    work = copy_run(tiny_run, tmp_path / "run")
    shutil.rmtree(work / seed)
    target = str(seed / f"retrain~{MODE}/cells.csv")
    kill_when_running(work, f"{seed}/logs/train_base.log", target)
    assert not (work / seed / "base/train.json").exists(), "killed after training had finished"
    assert any((work / ".snakemake/incomplete").iterdir()), "no job was marked incomplete"
    blocked = snakemake(work, TINY, target)
    assert blocked.returncode != 0 and "--unlock" in blocked.stderr  # the killed run left its lock

    assert snakemake(work, TINY, "--unlock").returncode == 0
    kill_when_running(work, f"{seed}/logs/generate/*.log", "--rerun-incomplete", target)
    started = len(list((work / seed / "logs/generate").iterdir()))  # one log per (cluster, LLM) job
    written = len(list((work / seed / "generate").rglob("*.jsonl")))  # one file per shot setting
    assert written < started * len(TINY["augment"]["shots"]), "killed after generating"
    assert snakemake(work, TINY, "--unlock").returncode == 0
    resumed = snakemake(work, TINY, "--rerun-incomplete", target, label="killed run resumed")
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    # logs and Snakemake's benchmark files hold wall times by design: every other file must be equal
    files = [p for p in (work / seed).rglob("*") if p.is_file() and not {"logs", "benchmarks"} & set(p.parts)]
    assert len(files) > 50 and (work / target).is_file()
    assert any((work / seed / "generate").rglob("*.jsonl")) and (work / seed / "base/train.json").is_file()
    for path in files:
        relative = path.relative_to(work)
        assert comparable(path) == comparable(tiny_run / relative), f"{relative} differs from the uninterrupted run"


@pytest.mark.e2e
def test_second_run_runs_nothing(tiny_run, tmp_path):
    run = snakemake(copy_run(tiny_run, tmp_path / "run"), TINY, "all", "noise")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Nothing to be done" in run.stderr + run.stdout


@pytest.mark.e2e
def test_a_modes_settings_rerun_that_modes_cells_only(tiny_run, tmp_path):
    """Retraining jobs get their mode's section of retrain alone: a change to the continue
    mode's steps reruns the continue cells of the noise study and nothing of the top-mode grid."""
    work = copy_run(tiny_run, tmp_path / "run")

    def planned_cells(config: dict) -> set[str]:
        run = snakemake(work, config, "-n", "all", "noise")
        assert run.returncode == 0, run.stderr[-2000:]
        return set(re.findall(r"wildcards: ([^\n]*mode=[^\n]*)", run.stdout + run.stderr))

    config = copy.deepcopy(TINY)
    config["retrain"]["continue"]["steps"] += 1
    extra = planned_cells(config) - planned_cells(TINY)
    assert extra and all("mode=continue" in cell for cell in extra), extra


def _bad(tmp_path, mutate):
    config = copy.deepcopy(TINY)
    mutate(config)
    return snakemake(tmp_path, config, "-n")


def test_wrong_type_fails_validation_naming_the_key(tmp_path):
    run = _bad(tmp_path, lambda c: c["classifier"].update(epochs="two"))
    assert run.returncode != 0
    out = run.stdout + run.stderr
    assert "'two' is not of type 'integer'" in out and "instance['classifier']['epochs']" in out


def test_missing_key_fails_validation_naming_the_key(tmp_path):
    run = _bad(tmp_path, lambda c: c["classifier"].pop("model"))
    assert run.returncode != 0
    out = run.stdout + run.stderr
    assert "'model' is a required property" in out and "instance['classifier']" in out


def test_startup_checks_name_the_key_before_any_job(tmp_path):
    def mutate(config):
        config["datasets"]["tiny_pairs"]["splits"]["test"]["size"] = 30.0
        config["datasets"]["bbc_small"]["source"]["label_column"] = "label"
        config["llms"]["gemma3"]["model"]["path"] = "/models/gemma.gguf"
        config["augment"].update(min_words=30, max_words=20)
        del config["augment"]["prompts"]["news"]

    run = _bad(tmp_path, mutate)
    assert run.returncode != 0
    out = run.stdout + run.stderr
    for message in (
        "datasets.tiny_pairs.splits.test.size: 30.0 is not an integer (write 30)",
        "datasets.bbc_small.source: key(s) ['label_column'] do not belong to a source of kind 'package'",
        "llms.gemma3.model: key(s) ['path'] do not belong to a model of kind 'package'",
        "augment.min_words (30) is above augment.max_words (20)",
        "augment.prompts.news: missing; dataset 'bbc_small' has task 'news'",
    ):
        assert message in out
    assert "is not valid under any of the given schemas" not in out
    assert not (tmp_path / "results").exists()


def test_local_overlay_merges_over_the_default_and_leaves_out_nulls(tmp_path):
    """Without --configfile, config/local.yaml is merged over config/config.yaml: one key adds a
    dataset, and a default dataset set to null is left out."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text((ROOT / "config/config.yaml").read_text())
    tiny_pairs().to_csv(tmp_path / "pairs.csv", index=False)
    overlay = {"datasets": {"yahoo_answers": None, "tiny_pairs": TINY["datasets"]["tiny_pairs"]}}
    (tmp_path / "config/local.yaml").write_text(yaml.safe_dump(overlay))
    command, env = workflow_command(tmp_path, "--cores", "1", "-n")
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout + run.stderr
    assert "results/tiny_pairs/data/splits.json" in out and "results/bbc_news/data/splits.json" in out
    assert "yahoo_answers" not in out
    for seed in (0, 1, 2):  # the default's seeds, not the tiny config's
        assert f"results/tiny_pairs/seed~{seed}/base/metrics.json" in out


def test_integer_labels_without_names_fail_in_prepare_data_naming_the_dataset(tmp_path):
    frame = pair_texts(80, seed=2)
    frame["label"] = (frame["label"] == "non-entailment").astype(int)
    frame.to_csv(tmp_path / "pairs.csv", index=False)
    config = copy.deepcopy(TINY)
    del config["datasets"]["bbc_small"]
    run = snakemake(tmp_path, config, "results/tiny_pairs/data/splits.json")
    assert run.returncode != 0
    log = (tmp_path / "results/tiny_pairs/logs/prepare_data.log").read_text()
    assert (
        "dataset 'tiny_pairs': integer labels ['0', '1'] and no label_names, but the prompt augment.prompts.nli "
        "uses {label}"
    ) in log
    assert not (tmp_path / "results/tiny_pairs/data/train.parquet").exists()


def test_missing_column_fails_naming_file_and_column(tmp_path):
    pd.DataFrame({"premise": ["a"] * 80, "label": ["x"] * 80}).to_csv(tmp_path / "pairs.csv", index=False)
    config = copy.deepcopy(TINY)
    del config["datasets"]["bbc_small"]
    run = snakemake(tmp_path, config, "results/tiny_pairs/data/splits.json")
    assert run.returncode != 0
    log = (tmp_path / "results/tiny_pairs/logs/prepare_data.log").read_text()
    assert "pairs.csv: column 'hypothesis' not found" in log
    assert not (tmp_path / "results/tiny_pairs/data/train.parquet").exists()


def test_paper_config_builds_the_dag_for_four_datasets():
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", "config/paper.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    for dataset in ("imdb", "ag_news", "trec", "hans"):
        for seed in range(5):
            assert f"results/{dataset}/seed~{seed}/explore/clusters.csv" in run.stdout
            # collects the generations of every LLM (generate jobs follow the choose_clusters checkpoint)
            assert f"results/{dataset}/seed~{seed}/generate/summary.json" in run.stdout
    # the paper's three LLMs (footnotes 2-4), each fetched once for every dataset's generations
    for llm in ("gemma2_2b", "llama2_7b", "llama3_8b"):
        assert f"resources/llm/{llm}.gguf" in run.stdout
    paper = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    assert sorted(paper["llms"]) == ["gemma2_2b", "llama2_7b", "llama3_8b"]
    assert not paper["llms"]["gemma2_2b"]["chat"] and not paper["llms"]["llama2_7b"]["chat"]  # base models
    # the paper's config replaces the default, not merged into it: no job of a default dataset (a
    # "params changed" reason may still name them when the default has run in this folder)
    assert "results/bbc_news/" not in run.stdout and "results/yahoo_answers/" not in run.stdout
