import numpy as np
import pandas as pd
import pytest
from conftest import pair_texts, topic_texts

from topex.data import DataError, load_source, make_splits, needed_source_splits, read_table, texts_of


def files_source(paths, text_columns=("text",), label_column="label", **extra):
    return {"kind": "files", "splits": paths, "text_columns": list(text_columns), "label_column": label_column, **extra}


@pytest.mark.parametrize("suffix", ["csv", "tsv", "jsonl", "parquet"])
def test_file_loader_each_format(tmp_path, suffix):
    frame = topic_texts(4)
    path = tmp_path / f"train.{suffix}"
    {
        "csv": lambda: frame.to_csv(path, index=False),
        "tsv": lambda: frame.to_csv(path, sep="\t", index=False),
        "jsonl": lambda: frame.to_json(path, orient="records", lines=True),
        "parquet": lambda: frame.to_parquet(path),
    }[suffix]()
    sources, names = load_source(files_source({"train": str(path)}), {"train"})
    train = sources["train"]
    assert names == ["politics", "sports", "tech"]  # sorted string labels
    assert len(train) == 12
    assert train["text"].tolist() == frame["text"].tolist()
    assert [names[i] for i in train["label"]] == frame["label"].tolist()
    assert train["label_name"].tolist() == frame["label"].tolist()
    assert train["text_pair"].isna().all()
    assert train["id"].tolist()[:2] == ["train:0", "train:1"]


def test_sentence_pair_fixture(tmp_path):
    path = tmp_path / "pairs.csv"
    pair_texts(6).to_csv(path, index=False)
    source = files_source(
        {"train": str(path)}, text_columns=("premise", "hypothesis"), label_names=["entailment", "non-entailment"]
    )
    sources, names = load_source(source, {"train"})
    train = sources["train"]
    assert names == ["entailment", "non-entailment"]
    assert train["label"].tolist() == [0, 1, 0, 1, 0, 1]
    assert train["text_pair"].str.startswith("The ").all()
    assert texts_of(train)[0] == f"{train['text'][0]} {train['text_pair'][0]}"


def test_missing_column_names_file_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"sentence": ["a", "b"], "label": [0, 1]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"bad\.csv: column 'text' not found.*'sentence'"):
        load_source(files_source({"train": str(path)}), {"train"})


def test_unreadable_and_missing_files_name_the_file(tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_text("not parquet")
    with pytest.raises(DataError, match=r"broken\.parquet: cannot read as parquet"):
        read_table(broken)
    with pytest.raises(DataError, match=r"absent\.csv: data file not found"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(DataError, match=r"notes\.txt: unsupported file type"):
        read_table(tmp_path / "notes.txt")


def test_unknown_label_value_is_named(tmp_path):
    path = tmp_path / "labels.csv"
    pd.DataFrame({"text": ["a", "b"], "label": ["pos", "meh"]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"labels\.csv: label 'meh'.*not one of \['neg', 'pos'\]"):
        load_source(files_source({"train": str(path)}, label_names=["neg", "pos"]), {"train"})


def test_integer_labels_without_names(tmp_path):
    path = tmp_path / "ints.csv"
    pd.DataFrame({"text": ["a", "b", "c"], "label": [3, 7, 3]}).to_csv(path, index=False)
    sources, names = load_source(files_source({"train": str(path)}), {"train"})
    assert names == ["3", "7"]
    assert sources["train"]["label"].tolist() == [0, 1, 0]


def test_hub_loader_on_a_local_dataset(tmp_path):
    """The hub code path (datasets.load_dataset), on a dataset directory the test writes,
    with ClassLabel names carried in the parquet metadata as on the hub."""
    import datasets

    features = datasets.Features(
        {
            "premise": datasets.Value("string"),
            "hypothesis": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["entailment", "non-entailment"]),
        }
    )
    frame = pair_texts(10)
    frame["label"] = (frame["label"] == "non-entailment").astype(int)
    (tmp_path / "data").mkdir()
    for split, part in [("train", frame[:6]), ("validation", frame[6:])]:
        datasets.Dataset.from_pandas(part.reset_index(drop=True), features=features).to_parquet(
            tmp_path / "data" / f"{split}-00000-of-00001.parquet"
        )
    source = {"kind": "hub", "path": str(tmp_path), "text_columns": ["premise", "hypothesis"], "label_column": "label"}
    sources, names = load_source(source, {"train", "validation"})
    assert names == ["entailment", "non-entailment"]
    assert len(sources["train"]) == 6 and len(sources["validation"]) == 4
    assert sources["validation"]["label_name"].tolist() == ["entailment", "non-entailment"] * 2
    assert sources["train"]["text_pair"].notna().all()


def test_packaged_corpora_load_offline():
    bbc, names = load_source({"kind": "package", "name": "bbc_news"}, {"all"})
    assert names == ["business", "entertainment", "politics", "sports", "tech"]
    assert len(bbc["all"]) == 2225
    yahoo, names = load_source({"kind": "package", "name": "yahoo_answers"}, {"train", "dev", "test"})
    assert len(names) == 10 and "Sports" in names
    assert {k: len(v) for k, v in yahoo.items()} == {"dev": 1000, "test": 2000, "train": 7000}
    assert not yahoo["train"]["text"].str.contains("\\n", regex=False).any()
    with pytest.raises(DataError, match="has no source split"):
        load_source({"kind": "package", "name": "bbc_news"}, {"train"})


def _source(n):
    frame = pd.DataFrame(
        {
            "id": [f"s:{i}" for i in range(n)],
            "text": [f"t{i}" for i in range(n)],
            "text_pair": None,
            "label": np.arange(n) % 2,
            "label_name": "x",
        }
    )
    return frame


SPEC = {
    "test": {"from": "all", "size": 20},
    "train": {"from": "all", "size": 30},
    "explore": {"from": "all", "size": None},
}


def test_splits_are_disjoint_seeded_and_sized():
    splits, warnings = make_splits({"all": _source(100)}, SPEC, seed=3)
    assert warnings == []
    assert {k: len(v) for k, v in splits.items()} == {"test": 20, "train": 30, "explore": 50, "pool": 0}
    ids = [set(splits[k]["id"]) for k in ("test", "train", "explore")]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    again, _ = make_splits({"all": _source(100)}, SPEC, seed=3)
    other, _ = make_splits({"all": _source(100)}, SPEC, seed=4)
    assert again["train"]["id"].tolist() == splits["train"]["id"].tolist()
    assert other["train"]["id"].tolist() != splits["train"]["id"].tolist()
    assert needed_source_splits(SPEC) == {"all"}


def test_pool_is_the_unused_training_source():
    spec = {
        "test": {"from": "test", "size": None},
        "train": {"from": "train", "size": 10},
        "explore": {"from": "train", "size": 15},
    }
    splits, _ = make_splits({"train": _source(40), "test": _source(5)}, spec, seed=0)
    assert len(splits["pool"]) == 15
    used = set(splits["train"]["id"]) | set(splits["explore"]["id"])
    assert used.isdisjoint(splits["pool"]["id"])


def test_explore_same_as_test_warns_loudly(caplog):
    spec = {**SPEC, "explore": {"same_as": "test"}}
    splits, warnings = make_splits({"all": _source(100)}, spec, seed=0)
    assert splits["explore"]["id"].tolist() == splits["test"]["id"].tolist()
    assert len(warnings) == 1 and "leaks" in warnings[0]
    assert "explore split is the test split" in caplog.text


def test_split_larger_than_its_source_is_named():
    spec = {**SPEC, "train": {"from": "all", "size": 90}}
    with pytest.raises(DataError, match=r"splits\.train: size 90 .* 'all' has left \(80\)"):
        make_splits({"all": _source(100)}, spec, seed=0)


def test_a_pool_too_small_for_the_random_control_names_the_dataset():
    from topex.data import check_pool

    spec = {
        "test": {"from": "test", "size": None},
        "train": {"from": "train", "size": 10},
        "explore": {"from": "train", "size": None},
    }
    splits, _ = make_splits({"train": _source(40), "test": _source(5)}, spec, seed=0)
    assert len(splits["pool"]) == 0
    with pytest.raises(DataError, match=r"dataset 'imdb': the unused training pool has 0 points, fewer than the 10"):
        check_pool(splits["pool"], 10, "imdb")
    check_pool(splits["train"], 10, "imdb")  # 10 points are enough
