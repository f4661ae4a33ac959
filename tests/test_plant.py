"""The plant block: a superclass planting applied when the data is prepared, its answer key kept
apart from everything the method reads; and 20 Newsgroups, the offline corpus it is made for."""

import re
import subprocess

import pandas as pd
import pytest
import yaml
from conftest import TINY, tiny_pairs, workflow_command

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
        "plant": {"kind": "superclass", "superclasses": {"alpha": "a", "beta": ["b.x", "b.y"]}, "slice": "a.y"},
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
    evaluation: set[str] = set()  # the rules that score against the answer key (none reads it yet)
    assert readers <= evaluation, f"rules outside evaluation read the answer key: {sorted(readers - evaluation)}"
    users = {rule for rule, block in rule_blocks().items() if "dataset_config" in block}
    assert users == {"prepare_data"}
