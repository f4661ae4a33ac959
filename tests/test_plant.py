"""The plant block: a superclass planting applied when the data is prepared, its answer key kept
apart from everything the method reads; and 20 Newsgroups, the offline corpus it is made for."""

import json
import re
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import TINY, copy_run, run_workflow, tiny_pairs, workflow_command

from topex.data import DataError, load, prepare
from topex.newsgroups import REDACTED, redact_groups, strip_header

FINE = ["a.x", "a.y", "b.x", "b.y", "c.z"]  # coarse a and b by prefix; c is left out


def fine_dataset(tmp_path, per_label: int = 40) -> dict:
    rows = [(f"text {label} {i}", label) for label in FINE for i in range(per_label)]
    path = tmp_path / "fine.csv"
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(path, index=False)
    return {
        "task": "news",
        "source": {"kind": "files", "splits": {"all": str(path)}, "text_columns": ["text"], "label_column": "label"},
        "splits": {
            "test": {"from": "all", "size": 40},
            "train": {"from": "all", "size": 40},
            "explore": {"from": "all", "size": 40},
        },
        "plant": {
            "kind": "superclass",
            "superclasses": {"alpha": "a", "beta": ["b.x", "b.y"]},
            "slice": "a.y",
            "train_count": 0,
        },
    }


def test_superclass_planting_keeps_the_slice_out_of_train_and_at_its_share_elsewhere(tmp_path):
    spec = fine_dataset(tmp_path)
    spec["plant"]["train_count"] = 1
    splits, manifest, key = prepare("fine", spec, 0)
    assert manifest["label_names"] == ["alpha", "beta"]
    # the slice points taken out of train go nowhere; train is filled back from the pool
    dropped = 40 - sum(len(ids) for ids in key["ids"].values())
    assert dropped > 0 and manifest["sizes"] == {"test": 40, "train": 40, "explore": 40, "pool": 40 - dropped}
    assert "a.y" not in yaml.safe_dump(manifest) and "plant" not in manifest  # the method never sees it
    for name, frame in splits.items():
        assert list(frame.columns) == list(splits["test"].columns) and "fine_label" not in frame
        assert set(frame["label_name"]) <= {"alpha", "beta"}
        assert not frame["text"].str.contains("c.z").any()  # fine classes no coarse class takes are left out
        # the answer key is exactly the split's points of the fine class a.y
        members = frame["text"].str.contains("a.y", regex=False)
        assert sorted(frame.loc[members, "id"]) == sorted(key["ids"][name]), name
        assert (frame.loc[members, "label_name"] == "alpha").all()
    assert len(key["ids"]["train"]) == 1  # train_count of the slice's points stay in train
    # 40 of 160 points are a.y: explore and test keep their share, and no split shares a point
    shares = {name: len(key["ids"][name]) / len(splits[name]) for name in ("test", "explore")}
    assert all(0.1 < share < 0.45 for share in shares.values()), shares
    ids = [i for frame in splits.values() for i in frame["id"]]
    assert len(ids) == len(set(ids))
    assert key["planted"] and key["slice"] == "a.y" and key["kind"] == "superclass"
    again, _, again_key = prepare("fine", spec, 0)  # seeded: the same planting
    assert again_key == key and all(again[name].equals(splits[name]) for name in splits)


def test_superclass_planting_errors_name_the_key(tmp_path):
    spec = fine_dataset(tmp_path)
    spec["plant"]["train_count"] = 0
    spec["plant"]["slice"] = "c.z"
    with pytest.raises(DataError, match=r"datasets\.fine\.plant\.slice: 'c\.z' is not a fine label of a coarse class"):
        prepare("fine", spec, 0)
    spec["plant"].update(slice="a.y", superclasses={"alpha": "a", "beta": ["a.x", "b.x"]})
    with pytest.raises(
        DataError, match=r"datasets\.fine\.plant: plant\.superclasses: 'a\.x' is in both alpha and beta"
    ):
        prepare("fine", spec, 0)
    spec["plant"]["superclasses"] = {"alpha": "a", "delta": "d"}
    with pytest.raises(DataError, match=r"plant\.superclasses\.delta: no label starts with 'd\.'"):
        prepare("fine", spec, 0)


def test_an_unplanted_dataset_says_so_in_its_answer_key(tmp_path):
    spec = fine_dataset(tmp_path)
    del spec["plant"]
    _, manifest, key = prepare("fine", spec, 0)
    assert key == {"planted": False} and len(manifest["label_names"]) == len(FINE)


def test_newsgroup_headers_go_and_the_subject_stays():
    assert strip_header("Newsgroup:sci.medDocument_id: 58045From: a@b.edu (A B)Subject: Re: PainIn article") == (
        "Re: PainIn article"
    )
    assert strip_header("Newsgroup:sci.cryptdocument_id: 15Subject: KeysFrom: pg@cs.nz (Peter G)In <x> wrote") == (
        "Keys In <x> wrote"
    )
    assert strip_header("Newsgroup:misc.forsaleDocument_id: 7From: koutd@hiram.eduVHS for sale") == "for sale"
    assert strip_header("no header at all ") == "no header at all"
    groups = ["sci.med", "talk.politics.misc", "talk.politics.guns"]
    assert redact_groups("see SCI.MED and news:talk.politics.misc, sci.medicine", groups) == (
        f"see {REDACTED} and news:{REDACTED}, {REDACTED}icine"
    )


def test_packaged_20_newsgroups_names_no_label_in_its_texts():
    loaded = load({"kind": "package", "name": "twenty_newsgroups"}, {"train", "dev", "test"})
    assert len(loaded.names) == 20 and "sci.med" in loaded.names
    for name, frame in loaded.sources.items():
        assert len(frame) in (7000, 1000, 2000), name
        labels = frame["label"].map(lambda label: loaded.names[label])
        own = [label.lower() in text.lower() for label, text in zip(labels, frame["text"])]
        assert not any(own), f"{name}: {sum(own)} texts name their own newsgroup"
        assert not frame["text"].str.match(r"Newsgroup:\S*[Dd]ocument_id").any()
        assert frame["text"].str.contains(re.escape(REDACTED)).mean() > 0.01  # the redaction did happen


def test_only_evaluation_reads_the_answer_key_and_only_prepare_data_gets_the_plant_block(tmp_path):
    """In the DAG of a config with a planted dataset, prepare_data writes the answer key and no job
    outside evaluation reads it; the plant block reaches only prepare_data's params, through
    ``dataset_config`` (every other rule reads single keys of a dataset: task, source, label words)."""
    from conftest import rule_blocks

    spec = fine_dataset(tmp_path)
    tiny_pairs().to_csv(tmp_path / "pairs.csv", index=False)
    config = {**TINY, "datasets": {**TINY["datasets"], "fine": spec}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    command, env = workflow_command(tmp_path, "-n", "--cores", "1", f"--configfile={tmp_path / 'config.yaml'}")
    run = subprocess.run(command, capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    jobs = re.split(r"\n(?=(?:rule|checkpoint) \w+:)", run.stdout + run.stderr)
    writers, readers, manifest_readers = set(), set(), set()
    for job in jobs:
        rule = re.match(r"(?:rule|checkpoint) (\w+):", job)
        inputs = re.search(r"^\s*input: (.*)$", job, re.MULTILINE)
        outputs = re.search(r"^\s*output: (.*)$", job, re.MULTILINE)
        if rule and outputs and "answer_key.json" in outputs.group(1):
            writers.add(rule.group(1))
        if rule and inputs and "answer_key.json" in inputs.group(1):
            readers.add(rule.group(1))
        if rule and inputs and "fine/data/splits.json" in inputs.group(1):
            manifest_readers.add(rule.group(1))
    assert writers == {"prepare_data"}
    assert {"train_base", "explore"} <= manifest_readers  # the parse sees inputs: the manifest's readers
    # the rules that evaluate against the answer key (and slice_oracle_points, which joins the DAG
    # once the scores are in: test_another_answer_key_reruns_evaluation_alone sees it)
    evaluation = {"planted_failures", "known_answer", "slice_cells"}
    assert readers == evaluation, f"rules that read the answer key: {sorted(readers)}"
    users = {rule for rule, block in rule_blocks().items() if "dataset_config" in block}
    assert users == {"prepare_data"}


def test_failure_check_by_hand():
    from topex.answer_key import failure_check, in_slice

    key = {"ids": {"test": ["t1", "t3"]}}
    assert in_slice(["t0", "t1", "t2", "t3"], key, "test").tolist() == [False, True, False, True]
    # 20 slice points, 2 right (0.10); 80 others, 72 right (0.90): 0.10 <= 0.45 and the intervals
    # (about ±0.13 and ±0.07) are far apart
    member = np.arange(100) < 20
    correct = np.concatenate([np.arange(20) < 2, np.arange(80) < 72])
    row = failure_check(correct, member, seed=0)
    assert (row["n_slice"], row["n_rest"]) == (20, 80)
    assert row["slice_accuracy"] == pytest.approx(0.10) and row["rest_accuracy"] == pytest.approx(0.90)
    assert 0 <= row["slice_low"] <= 0.10 <= row["slice_high"] < 0.30 < 0.80 < row["rest_low"] <= 0.90
    assert row["verdict"] == "fails"
    assert failure_check(correct, member, seed=0) == row  # seeded
    # 4 slice points, 1 right (0.25 <= half of 0.90), but so few that the intervals overlap:
    # P(3 or 4 of 4 right at 0.25) = 0.051 > 0.025, so the slice's upper bound is 0.75, and
    # P(6 or fewer of 10 right at 0.9) = 0.013 < 0.025 < P(7 or fewer) = 0.070: the rest's lower bound is 0.7
    small = np.arange(14) < 4
    correct = np.array([True, False, False, False] + [True] * 9 + [False])
    row = failure_check(correct, small, seed=0)
    assert row["slice_high"] >= row["rest_low"] and row["verdict"] == "does not fail"
    # no better than the rest: does not fail whatever the intervals
    assert failure_check(np.arange(100) % 2 == 0, member, seed=0)["verdict"] == "does not fail"
    with pytest.raises(ValueError, match="needs points in and out of the slice: 0 of 3"):
        failure_check(np.ones(3, bool), np.zeros(3, bool), seed=0)


def test_discovery_by_hand():
    """A 4-point cluster with 3 slice points; the 10 points nearest its centre hold 5 slice points;
    2 of the slice's 4 misclassified points sit in the one candidate cluster."""
    from topex.answer_key import discovery

    points = pd.DataFrame(
        {
            "id": [str(i) for i in range(12)],
            "cluster": [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, -1, -1],
            "correct": [False, False, True, False, False] + [True] * 5 + [False, True],
            "norm_0": [1, 1, 0.9, 1, -1, -1, -1, -1, -1, -1, 0.5, -5],
            "norm_1": [1, 0.9, 1, 1, -1, -1.1, -1.2, -1.3, -1.4, -1.5, 0.5, -5],
        }
    )
    points["is_candidate"] = points["cluster"] == 0
    member = np.array([True, True, True, False, True] + [False] * 5 + [True, False])
    row = discovery(points, member, 0)
    assert (row["n_slice"], row["n_slice_misclassified"], row["candidate_recall"]) == (5, 4, 0.5)
    assert (row["cluster"], row["size"], row["slice_precision"], row["hit"]) == (0, 4, 0.75, True)
    # the nearest 10 leave out the farthest point of cluster 1 and the outlier at (-5, -5)
    assert (row["p_at_10"], row["hit_p10"]) == (0.5, False)
    other = discovery(points, member, 1)
    assert (other["size"], other["slice_precision"], other["hit"]) == (6, pytest.approx(1 / 6), False)
    assert other["candidate_recall"] == 0.5  # the candidates', whatever the choice
    none = discovery(points, member, None)
    assert none["size"] == 0 and np.isnan(none["slice_precision"]) and not none["hit"] and not none["hit_p10"]
    with pytest.raises(ValueError, match="cluster 7 has no point"):
        discovery(points, member, 7)


def test_the_map_marks_the_slice(tmp_path):
    from topex import plots

    points = pd.DataFrame(
        {"x": [0.0, 1, 2, 3], "y": [0.0, 1, 0, 1], "correct": [True, False, False, True], "cluster": [-1, 0, 0, -1]}
    )
    clusters = pd.DataFrame({"cluster": [0], "size": [2], "name": ["a b"], "is_candidate": [True]})
    path = tmp_path / "map.png"
    plots.output_space_map(points, clusters, "t", path, 0, "weighted", np.array([0, 1, 0, 1], bool), "slice s")
    assert path.read_bytes()[:4] == b"\x89PNG"


def slice_cell(method: str, n: int, correct: list[int], seed: int = 0) -> dict:
    """A retrained cell's metrics as retrain_cells writes them (the fields the slice reads)."""
    return {"dataset": "d", "seed": seed, "mode": "top", "method": method, "n": n, "test_correct": correct}


def test_slice_cells_and_effects_by_hand(tmp_path):
    """4 test points, the first 2 in the slice; each cell's accuracy on either part by hand, its
    deltas to the control and to random; the effects read only the seeds that fail."""
    from topex import plots
    from topex.answer_key import failing_seeds, slice_cells, slice_effects, slice_markdown, slice_power

    member = np.array([True, True, False, False])

    def seed_cells(seed: int, oracle: list[int]) -> pd.DataFrame:
        cells = [
            slice_cell("control", 0, [0, 0, 1, 1], seed),  # slice 0.0, rest 1.0
            slice_cell("random", 1, [1, 0, 1, 0], seed),  # 0.5, 0.5
            slice_cell("oracle", 1, oracle, seed),
            slice_cell("generated/cluster~2/llm/shots~0", 1, [0, 1, 1, 1], seed),  # 0.5, 1.0
        ]
        for cell in cells:
            cell["accuracy"] = float(np.mean(cell["test_correct"]))
        return slice_cells(cells, member, {"weighted": 2, "density": 2}, "weighted", [("llm", 0)], [1])

    rows = seed_cells(0, [1, 1, 1, 1])  # the oracle: slice 1.0, rest 1.0
    assert (rows["n_slice"] == 2).all()
    oracle = rows[rows["method"] == "oracle"].iloc[0]
    assert (oracle.slice_accuracy, oracle.slice_delta, oracle.slice_target_delta) == (1.0, 1.0, 0.5)
    assert (oracle.rest_accuracy, oracle.rest_delta, oracle.rest_target_delta) == (1.0, 0.0, 0.5)
    topex = rows[rows["family"] == "topex"]
    assert sorted(topex["scorer"]) == ["density", "weighted"]  # one row per scorer that chose the cluster
    assert (topex["slice_delta"] == 0.5).all() and (topex["slice_target_delta"] == 0.0).all()
    assert (topex["rest_delta"] == 0.0).all()
    random = rows[rows["method"] == "random"].iloc[0]
    assert random.slice_delta == 0.5 and np.isnan(random.slice_target_delta)

    cells = pd.concat([seed_cells(0, [1, 1, 1, 1]), seed_cells(1, [1, 0, 1, 1]), seed_cells(2, [1, 1, 0, 0])])
    failures = pd.DataFrame({"dataset": ["d"] * 3, "seed": [0, 1, 2], "verdict": ["fails", "fails", "does not fail"]})
    table = slice_effects(cells, failures)
    oracle = table[table["method"] == "oracle"].iloc[0]
    # seeds 0 and 1 only: slice deltas 1.0 and 0.5, targeting effects 0.5 and 0.0, rest 0.0 and 0.0
    assert oracle.seeds == 2 and oracle.base_slice_accuracy == 0.0
    assert (oracle.slice_accuracy, oracle.slice_delta, oracle.slice_target_delta) == (0.75, 0.75, 0.25)
    assert oracle.rest_delta == 0.0 and oracle.rest_verdict == "noise"
    assert oracle.slice_low < 0.75 < oracle.slice_high  # a t-interval over 2 seeds
    markdown = slice_markdown(table, failures, "top", slice_power(cells, failures, 2), 1)
    assert "- positive control (oracle, n = 1) does not show: no row can be read: +25.0 [" in markdown
    assert "- Seeds read: the 2 of 3 whose classifier fails on the slice." in markdown
    plots.slice_accuracy(failing_seeds(cells, failures), "weighted", tmp_path / "slice.png")
    assert (tmp_path / "slice.png").read_bytes()[:4] == b"\x89PNG"
    none = failures.assign(verdict="does not fail")
    empty = slice_effects(cells, none)
    assert empty.empty and "slice_target_verdict" in empty.columns
    assert "No seed's classifier fails on the slice: nothing to read." in slice_markdown(empty, none, "top", {}, 1)


def test_a_cell_measured_on_another_test_split_names_itself():
    from topex.answer_key import on_points

    with pytest.raises(ValueError, match="oracle n=3: 4 test points in its metrics, 5 in the split"):
        on_points(slice_cell("oracle", 3, [1, 0, 1, 1]), np.ones(5, dtype=bool))
    old = {k: v for k, v in slice_cell("oracle", 3, []).items() if k != "test_correct"}
    with pytest.raises(ValueError, match="oracle n=3: no per-point test record"):
        on_points(old, np.ones(5, dtype=bool))
    skipped = {**old, "skipped": "only 2 oracle points available, 3 asked for"}
    assert on_points(skipped, np.ones(5, dtype=bool)) == skipped


def test_the_slice_oracle_draws_slice_points_seeded_as_prefixes():
    from topex.controls import slice_points

    explore = pd.DataFrame({"id": [f"e{i}" for i in range(10)], "text": list("abcdefghij"), "label": [0, 1] * 5})
    explore = explore.assign(text_pair=None, label_name=explore["label"].map({0: "x", 1: "y"}))
    member = np.array([False, True, True, False, True, False, True, True, False, False])
    three = slice_points(explore, member, 3, seed=5)
    assert set(three["id"]) <= {"e1", "e2", "e4", "e6", "e7"} and len(three) == 3
    assert three.equals(slice_points(explore, member, 3, seed=5))  # seeded
    assert slice_points(explore, member, 2, seed=5).equals(three.head(2))  # smaller counts are prefixes
    assert sorted(slice_points(explore, member, 9, seed=5)["id"]) == ["e1", "e2", "e4", "e6", "e7"]  # all there are
    assert list(three.columns) == ["id", "text", "text_pair", "label", "label_name"]


PLANTED = "tiny_newsgroups"  # the tiny config's planted dataset
SCORERS = TINY["scoring"]["scorers"]


@pytest.mark.e2e
def test_the_tiny_run_checks_its_planted_failure_against_the_answer_key(tiny_run):
    """Every seed's verdict, recomputed by hand from the base model's test outputs and the key;
    nothing of the planting is in what the method reads."""
    from topex.answer_key import FAIL_RATIO

    data = tiny_run / "results" / PLANTED / "data"
    key = json.loads((data / "answer_key.json").read_text())
    assert key["planted"] and key["slice"] == "sci.med" and key["ids"]["train"] == []
    table = pd.read_csv(tiny_run / "results/tables/planted_failures.csv")
    assert table["dataset"].tolist() == [PLANTED] * 2 and table["seed"].tolist() == [0, 1]
    for row in table.itertuples():
        outputs = pd.read_parquet(tiny_run / "results" / PLANTED / f"seed~{row.seed}/base/outputs/test.parquet")
        member = outputs["id"].isin(key["ids"]["test"])
        assert row.n_slice == member.sum() == len(key["ids"]["test"]) > 0
        assert row.slice_accuracy == pytest.approx(outputs.loc[member, "correct"].mean())
        assert row.rest_accuracy == pytest.approx(outputs.loc[~member, "correct"].mean())
        fails = row.slice_accuracy <= FAIL_RATIO * row.rest_accuracy and row.rest_low > row.slice_high
        assert row.verdict == ("fails" if fails else "does not fail")
    manifest = (data / "splits.json").read_text()
    assert "sci.med" not in manifest and "plant" not in manifest
    assert json.loads(manifest)["label_names"] == ["computers", "recreation", "science"]
    for split in ("train", "explore", "test", "pool"):
        frame = pd.read_parquet(data / f"{split}.parquet")
        assert list(frame.columns) == ["id", "text", "text_pair", "label", "label_name"], split
        assert not frame["text"].str.lower().str.contains("sci.med", regex=False).any(), split


@pytest.mark.e2e
def test_the_known_answer_table_scores_each_choice_against_the_key(tiny_run):
    """Each scorer's chosen cluster, its size and slice precision recomputed from the explore
    table and the key; the hit rate is the mean hit over the seeds that fail."""
    from topex.answer_key import HIT_PRECISION

    key = json.loads((tiny_run / "results" / PLANTED / "data/answer_key.json").read_text())
    table = pd.read_csv(tiny_run / "results/tables/known_answer.csv")
    failures = pd.read_csv(tiny_run / "results/tables/planted_failures.csv")
    assert len(table) == len(SCORERS) * 2 and set(table["scorer"]) == set(SCORERS)
    for row in table.itertuples():
        seed = tiny_run / "results" / PLANTED / f"seed~{row.seed}"
        points = pd.read_parquet(seed / "explore/points.parquet")
        member = points["id"].isin(key["ids"]["explore"])
        cluster = json.loads((seed / "score/chosen.json").read_text())[row.scorer]
        verdict = failures.loc[failures["seed"] == row.seed, "verdict"].item()
        assert row.verdict == verdict and row.n_slice == member.sum()
        if cluster is None:
            assert pd.isna(row.cluster) and row.size == 0 and not row.hit
            continue
        inside = points["cluster"] == cluster
        assert (row.cluster, row.size) == (cluster, inside.sum())
        assert row.slice_precision == pytest.approx(member[inside].mean())
        assert row.hit == (row.slice_precision >= HIT_PRECISION)
        wrong = member & ~points["correct"]
        if wrong.any():
            assert row.candidate_recall == pytest.approx((wrong & points["is_candidate"]).sum() / wrong.sum())
    for scorer, rows in table.groupby("scorer"):
        read = rows[rows["verdict"] == "fails"]
        expected = read["hit"].mean() if len(read) else np.nan
        assert np.allclose(rows["hit_rate"], expected, equal_nan=True), scorer
    assert (tiny_run / "results/tables/known_answer.md").read_text().startswith("| dataset | seed |")
    assert (tiny_run / f"results/figures/{PLANTED}/slice_map.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.e2e
def test_the_slice_tables_measure_each_cell_on_the_slice(tiny_run):
    """Each cell of a seed measured on the key's test slice from its own per-point record; the
    slice effects open with the positive control and hold every method of the grid."""
    key = json.loads((tiny_run / "results" / PLANTED / "data/answer_key.json").read_text())
    test = pd.read_parquet(tiny_run / "results" / PLANTED / "data/test.parquet")
    member = test["id"].isin(key["ids"]["test"]).to_numpy()
    mode = TINY["retrain"]["mode"]
    seed = tiny_run / "results" / PLANTED / "seed~0"
    rows = pd.read_csv(seed / f"retrain~{mode}/slice_cells.csv", keep_default_na=False, na_values=[""])
    cells = pd.read_csv(seed / f"retrain~{mode}/cells.csv", keep_default_na=False, na_values=[""])
    counts = TINY["augment"]["counts"]
    assert len(rows) == len(cells) + len(counts) and (rows["n_slice"] == member.sum()).all()
    assert sorted(rows["method"]) == sorted(cells["method"].tolist() + ["slice_oracle"] * len(counts))
    control = json.loads((seed / f"retrain~{mode}/control/n~0/metrics.json").read_text())
    correct = np.array(control["test_correct"], dtype=bool)
    assert control["accuracy"] == pytest.approx(correct.mean())
    for method in ("oracle", "random", "eda", "slice_oracle"):
        for n in counts:
            metrics = json.loads((seed / f"retrain~{mode}/{method}/n~{n}/metrics.json").read_text())
            if "skipped" in metrics:
                continue
            cell = np.array(metrics["test_correct"], dtype=bool)
            row = rows[(rows["method"] == method) & (rows["n"] == n)].iloc[0]
            assert row.slice_accuracy == pytest.approx(cell[member].mean())
            assert row.slice_delta == pytest.approx(cell[member].mean() - correct[member].mean())
            assert row.rest_delta == pytest.approx(cell[~member].mean() - correct[~member].mean())
    table = pd.read_csv(tiny_run / "results/tables/slice_effects.csv")
    baselines = set(TINY["baselines"]["methods"]) - {"clare"}  # no masked LM in the tiny config: not run
    assert {"oracle", "random", "slice_oracle", *baselines} <= set(table["method"])
    assert set(table["n"]) == set(TINY["augment"]["counts"])
    assert (tiny_run / "results/figures/slice_accuracy.png").read_bytes()[:4] == b"\x89PNG"
    markdown = (tiny_run / "results/tables/slice_effects.md").read_text()
    assert markdown.startswith(f"## {PLANTED}, {mode} mode\n\n- positive control (slice_oracle, n = 2)")


@pytest.mark.e2e
def test_the_slice_oracle_adds_real_slice_points_that_random_never_draws(tiny_run):
    key = json.loads((tiny_run / "results" / PLANTED / "data/answer_key.json").read_text())
    explore = pd.read_parquet(tiny_run / "results" / PLANTED / "data/explore.parquet").set_index("id")
    for seed in TINY["seeds"]:
        controls = tiny_run / "results" / PLANTED / f"seed~{seed}/controls"
        oracle = pd.read_parquet(controls / "slice_oracle.parquet")
        random = pd.read_parquet(controls / "random.parquet")
        assert len(oracle) == min(max(TINY["augment"]["counts"]), len(key["ids"]["explore"])) > 0
        assert set(oracle["id"]) <= set(key["ids"]["explore"])
        assert not set(oracle["id"]) & set(random["id"])
        assert (oracle["label"].to_numpy() == explore.loc[oracle["id"], "label"].to_numpy()).all()  # true labels
        mode = TINY["retrain"]["mode"]
        metrics = json.loads((controls.parent / f"retrain~{mode}/slice_oracle/n~1/metrics.json").read_text())
        assert (
            metrics["method"] == "slice_oracle"
            and len(metrics["test_correct"]) == TINY["datasets"][PLANTED]["splits"]["test"]["size"]
        )


@pytest.mark.e2e
def test_another_answer_key_reruns_evaluation_alone(tiny_run, tmp_path):
    """With a different slice in the answer key and the same splits, the whole grid plans to
    rerun the planted-failure, discovery and slice evaluations and the slice oracle's cells, nothing else: explore, scores, generations, baselines and
    retraining do not depend on the key, so theirs are the outputs of the same run."""
    work = copy_run(tiny_run, tmp_path / "run")
    path = work / "results" / PLANTED / "data/answer_key.json"
    key = json.loads(path.read_text())
    test_ids = pd.read_parquet(work / "results" / PLANTED / "data/test.parquet")["id"].tolist()
    key["ids"]["test"] = [i for i in test_ids if i not in key["ids"]["test"]][:3]  # another slice
    path.write_text(json.dumps(key))
    (work / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    run = run_workflow(work, f"--configfile={work / 'tiny.yaml'}", "-n", "all", "noise")
    assert run.returncode == 0, run.stderr[-3000:]
    planned = set(re.findall(r"^(?:local)?(?:rule|checkpoint) (\w+):$", run.stdout + run.stderr, re.MULTILINE))
    evaluation = {"planted_failures", "known_answer", "slice_cells", "slice_effects"}
    # and the positive control, which draws its points from the key: its cells alone
    control = {"slice_oracle_points", "embed_slice_oracle", "retrain"}
    assert planned == evaluation | control | {"all"}, planned  # all: the target, as its inputs changed
    methods = set(re.findall(r"^\s*wildcards: .*method=([^,\s]+)", run.stdout + run.stderr, re.MULTILINE))
    assert methods == {"slice_oracle"}, methods
