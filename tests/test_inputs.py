"""Bring-your-own data without silent damage: one test per row of issue 16's table.

Each test feeds one kind of bad (or unusual) input and asserts the message, or the data kept.
"""

import copy
import json

import pandas as pd
import pytest
import yaml
from conftest import ROOT, generation_settings

from topex.cleaning import judge
from topex.config_checks import ConfigError, check_config, drop_removed
from topex.data import DataError, prepare
from topex.llm import ModelFileError, PromptTooLong, load_model, prepare_model, prompt_fitter

SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
DEFAULT = yaml.safe_load((ROOT / "config/config.yaml").read_text())
SPLITS = {
    "test": {"from": "all", "size": 1},
    "train": {"from": "all", "size": 4},
    "explore": {"from": "all", "size": 1},
}


def dataset(path, splits=SPLITS, task="news", **source):
    return {
        "task": task,
        "source": {
            "kind": "files",
            "splits": {"all": str(path)},
            "text_columns": ["text"],
            "label_column": "label",
            **source,
        },
        "splits": splits,
    }


def write_csv(tmp_path, rows, name="mine.csv"):
    path = tmp_path / name
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(path, index=False)
    return path


# --- integer labels and no label_names ------------------------------------------------------------


def test_integer_labels_without_names_stop_before_training_when_the_prompt_uses_label(tmp_path):
    path = write_csv(tmp_path, [(f"text {i}", i % 2) for i in range(8)])
    with pytest.raises(
        DataError,
        match=r"dataset 'mine': integer labels \['0', '1'\] and no label_names, but the "
        r"prompt augment\.prompts\.news uses \{label\}: add source\.label_names",
    ):
        prepare("mine", dataset(path), 0, ["issue", "label"], "augment.prompts.news")
    splits, manifest, _ = prepare("mine", dataset(path, label_names=["sad", "glad"]), 0, ["issue", "label"], "k")
    assert manifest["label_names"] == ["sad", "glad"]
    prepare("mine", dataset(path), 0, ["issue"], "augment.prompts.news")  # a prompt without {label}: fine


# --- "None", "NA", "null", "n/a" are text -------------------------------------------------------

NA_LIKE = ["None", "NA", "null", "n/a", "NaN", "N/A", "nan", "#N/A"]


@pytest.mark.parametrize("suffix", ["csv", "tsv", "jsonl", "json", "parquet"])
def test_na_like_strings_are_kept_as_text_and_labels(tmp_path, suffix):
    frame = pd.DataFrame({"text": NA_LIKE, "label": ["None", "NA"] * 4})
    path = tmp_path / f"mine.{suffix}"
    {
        "csv": lambda: frame.to_csv(path, index=False),
        "tsv": lambda: frame.to_csv(path, sep="\t", index=False),
        "jsonl": lambda: frame.to_json(path, orient="records", lines=True),
        "json": lambda: frame.to_json(path, orient="records"),
        "parquet": lambda: frame.to_parquet(path),
    }[suffix]()
    splits = {
        "test": {"from": "all", "size": 2},
        "train": {"from": "all", "size": 4},
        "explore": {"from": "all", "size": 2},
    }
    out, manifest, _ = prepare("mine", dataset(path, splits=splits), 0)
    assert manifest["label_names"] == ["NA", "None"]
    assert manifest["dropped_empty"] == {"all": 0}
    texts = pd.concat([out[s] for s in ("test", "train", "explore")])
    assert sorted(texts["text"]) == sorted(NA_LIKE)
    assert dict(zip(texts["text"], texts["label_name"])) == dict(zip(frame["text"], frame["label"]))


# --- rows dropped as empty --------------------------------------------------------------------------


def test_empty_rows_are_counted_per_source_split(tmp_path):
    train = write_csv(
        tmp_path,
        [
            ("a one", "x"),
            ("", "y"),
            ("   ", "x"),
            ("b two", "y"),
            ("c three", "x"),
            ("d four", "y"),
            ("e five", None),
            ("h eight", "x"),
            ("i nine", "y"),
        ],
        "train.csv",
    )
    test = write_csv(tmp_path, [("f six", "x"), ("g seven", "y"), (None, "y")], "test.csv")
    spec = dataset(train)
    spec["source"]["splits"] = {"train": str(train), "test": str(test)}
    spec["splits"] = {
        "test": {"from": "test", "size": None},
        "train": {"from": "train", "size": 3},
        "explore": {"from": "train", "size": 1},
    }
    splits, manifest, _ = prepare("mine", spec, 0)
    assert manifest["dropped_empty"] == {"test": 1, "train": 3}
    assert len(splits["pool"]) == 2  # 6 rows kept in train.csv: 3 train, 1 explore
    assert sorted(splits["test"]["text"]) == ["f six", "g seven"]
    assert manifest["warnings"] == []
    spec["splits"]["explore"]["size"] = None  # nothing left for the random control: said, not silent
    splits, manifest, _ = prepare("mine", spec, 0)
    assert splits["pool"].empty and manifest["warnings"][0].startswith("the pool is empty")


def test_a_class_that_loses_all_its_rows_is_an_error(tmp_path):
    path = write_csv(tmp_path, [("a one", "x"), ("b two", "y"), ("c three", "x"), ("", "gone"), (None, "gone")])
    with pytest.raises(DataError, match=r"class\(es\) \['gone'\] lost all their rows to empty texts.*'all': 2"):
        prepare("mine", dataset(path), 0)


# --- one class only ----------------------------------------------------------------------------------


def test_a_single_class_is_named(tmp_path):
    path = write_csv(tmp_path, [(f"text {i}", "spam") for i in range(8)])
    with pytest.raises(DataError, match=r"dataset 'mine': only one label \('spam'\) in the data"):
        prepare("mine", dataset(path), 0)


# --- the same text twice --------------------------------------------------------------------------


def test_exact_duplicates_are_removed_before_carving_and_counted(tmp_path):
    train = write_csv(
        tmp_path,
        [("same", "x"), ("same", "x"), ("other", "y"), ("shared", "y"), ("more", "x"), ("words", "y"), ("again", "x")],
        "train.csv",
    )
    test = write_csv(tmp_path, [("shared", "x"), ("test one", "y"), ("test two", "x")], "test.csv")
    spec = dataset(train)
    spec["source"]["splits"] = {"train": str(train), "test": str(test)}
    spec["splits"] = {
        "test": {"from": "test", "size": None},
        "train": {"from": "train", "size": 3},
        "explore": {"from": "train", "size": None},
    }
    splits, manifest, _ = prepare("mine", spec, 0)
    # the test copy of "shared" is kept (test first); the train copy and the second "same" go
    assert manifest["duplicates_removed"] == {"test": 0, "train": 2}
    assert manifest["duplicates_with_other_label"] == 1  # "shared" is y in train, x in test
    texts = [t for s in ("train", "explore", "test", "pool") for t in splits[s]["text"]]
    assert len(texts) == len(set(texts)) == 8
    assert splits["test"].set_index("text").loc["shared", "label_name"] == "x"


# --- a user's id column -------------------------------------------------------------------------


def test_the_id_column_is_used_and_duplicated_ids_name_the_file(tmp_path):
    path = tmp_path / "mine.csv"
    frame = pd.DataFrame(
        {"doc": [f"d{i}" for i in range(6)], "text": [f"text {i}" for i in range(6)], "label": ["x", "y"] * 3}
    )
    frame.to_csv(path, index=False)
    splits, manifest, _ = prepare("mine", dataset(path, id_column="doc"), 0)
    ids = [i for s in ("train", "explore", "test") for i in splits[s]["id"]]
    assert sorted(ids) == [f"d{i}" for i in range(6)] and manifest["ids"] == "doc"
    by_id = pd.concat([splits[s] for s in ("train", "explore", "test")]).set_index("id")
    assert by_id.loc["d3", "text"] == "text 3"
    frame.loc[4, "doc"] = "d1"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"mine\.csv: duplicated ids in column 'doc' \(id_column\): \['d1'\]"):
        prepare("mine", dataset(path, id_column="doc"), 0)


# --- mixed int/str labels, "pos" vs "Pos " -------------------------------------------------------


def test_mixed_integer_and_text_labels_name_file_and_column(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(json.dumps({"text": f"t {i}", "label": label}) for i, label in enumerate([0, 1, "pos", 1]))
    )
    with pytest.raises(
        DataError,
        match=r"mixed\.jsonl: column 'label' mixes integer labels \(e\.g\. \[0, 1\]\) "
        r"and text labels \(e\.g\. \['pos'\]\)",
    ):
        prepare("mine", dataset(path), 0)


def test_labels_are_stripped_and_case_clashes_named(tmp_path):
    path = write_csv(
        tmp_path, [("a", "pos"), ("b", " pos "), ("c", "neg "), ("d", "neg"), ("e", "pos\t"), ("f", "neg")]
    )
    splits, manifest, _ = prepare("mine", dataset(path), 0)
    assert manifest["label_names"] == ["neg", "pos"]
    path = write_csv(tmp_path, [("a", "pos"), ("b", "Pos "), ("c", "neg"), ("d", "neg"), ("e", "pos"), ("f", "neg")])
    with pytest.raises(
        DataError,
        match=r"mine\.csv'\]: column 'label' has labels that differ only in case: "
        r"\[\['Pos', 'pos'\]\]",
    ):
        prepare("mine", dataset(path), 0)


# --- start-up checks of the config ----------------------------------------------------------------


def config_with(mutate):
    config = copy.deepcopy(DEFAULT)
    mutate(config)
    return config


def startup_error(mutate) -> str:
    with pytest.raises(ConfigError) as error:
        check_config(config_with(mutate), SCHEMA)
    return str(error.value)


def test_the_default_config_passes_the_startup_checks():
    check_config(copy.deepcopy(DEFAULT), SCHEMA)


def test_a_missing_prompt_fails_at_startup_naming_the_key():
    message = startup_error(lambda c: c["augment"]["prompts"].pop("news"))
    assert "augment.prompts.news: missing; dataset 'bbc_news' has task 'news'" in message


def test_min_words_above_max_words_fails_at_startup():
    message = startup_error(lambda c: c["augment"].update(min_words=50, max_words=10))
    assert "augment.min_words (50) is above augment.max_words (10)" in message


def test_a_float_size_fails_at_startup_naming_the_key():
    message = startup_error(lambda c: c["datasets"]["bbc_news"]["splits"]["test"].update(size=30.0))
    assert "datasets.bbc_news.splits.test.size: 30.0 is not an integer (write 30)" in message
    message = startup_error(lambda c: c["augment"].update(counts=[1, 2.5]))
    assert "augment.counts[1]: 2.5 is not an integer" in message


def test_unknown_keys_name_the_kind_they_do_not_belong_to():
    message = startup_error(lambda c: c["datasets"]["bbc_news"]["source"].update(text_columns=["text"]))
    assert "datasets.bbc_news.source: key(s) ['text_columns'] do not belong to a source of kind 'package'" in message
    message = startup_error(lambda c: c["llms"]["smollm2"]["model"].update(path="/models/x.gguf"))
    assert "llms.smollm2.model: key(s) ['path'] do not belong to a model of kind 'package'" in message
    message = startup_error(lambda c: c["llms"]["gemma3"].update(model={"kind": "url", "url": "x"}))
    assert "llms.gemma3.model.kind: unknown kind 'url' (one of package, file, hub)" in message
    message = startup_error(
        lambda c: c["datasets"]["bbc_news"].update(
            source={"kind": "files", "splits": {"all": "x.csv"}, "text_columns": ["text"]}
        )
    )
    assert "datasets.bbc_news.source: a source of kind 'files' needs the key(s) ['label_column']" in message


def test_an_overlay_can_leave_out_default_datasets():
    config = config_with(lambda c: c["datasets"].update(bbc_news=None))
    assert drop_removed(config) == ["datasets.bbc_news"]
    assert "bbc_news" not in config["datasets"] and "yahoo_answers" in config["datasets"]


# --- a prompt longer than the LLM's context ------------------------------------------------------


class WordTokenizer:
    """Stands in for a llama_cpp.Llama: one token per word."""

    def tokenize(self, text: bytes, add_bos: bool = True):
        return [0] * (len(text.split()) + int(add_bos))


def test_examples_are_cut_to_fit_the_context_or_the_error_names_the_llm():
    examples = [" ".join(["word"] * 100)] * 3
    fit = prompt_fitter(WordTokenizer(), False, "tiny", n_ctx=250, max_tokens=50)
    # by hand: frame 21 words, a block per example 1 + 4 + 2 + 100, the last block 7, BOS 1:
    # 2 examples 243 + 50 > 250, 1 example 136 + 50 <= 250
    assert fit("Generate a news article", examples) == examples[:1]
    # chat: 21 + 104 per example + 4, and 8 per message + 1: 2 examples 282 + 50 > 250, 1: 162 + 50
    chat_fit = prompt_fitter(WordTokenizer(), True, "tiny", n_ctx=250, max_tokens=50)
    assert chat_fit("Generate a news article", examples) == examples[:1]
    with pytest.raises(
        PromptTooLong,
        match=r"llms\.tiny: the prompt is 2\d\d tokens without examples; with "
        r"max_tokens 50 it exceeds the LLM's context n_ctx 256",
    ):
        prompt_fitter(WordTokenizer(), False, "tiny", n_ctx=256, max_tokens=50)(" ".join(["w"] * 200), examples)


# --- model files that fail to load, downloads that fail ------------------------------------------


def test_a_gguf_header_over_a_broken_model_names_the_key_and_path(tmp_path):
    pytest.importorskip("llama_cpp")
    path = tmp_path / "broken.gguf"
    path.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\x00" * 64)
    with pytest.raises(ModelFileError, match=r"llms\.mine\.model: llama.cpp cannot load the model file .*broken\.gguf"):
        load_model(path, "llms.mine.model", n_ctx=256, n_threads=1, n_gpu_layers=0, seed=0)


def test_a_hub_download_error_names_the_key_and_repo(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    spec = {"kind": "hub", "repo_id": "someone/missing-gguf", "filename": "model.gguf"}
    with pytest.raises(
        ModelFileError,
        match=r"llms\.mine\.model: cannot download 'model\.gguf' from the hub repo "
        r"'someone/missing-gguf' \(revision main\)",
    ):
        prepare_model(spec, tmp_path / "mine.gguf", "llms.mine.model")


# --- the echo filter ---------------------------------------------------------------------------


def test_the_echo_filter_rejects_only_echoes_of_this_prompt():
    prompt = "Generate a business news article with a headline, based on the topic: 'oil prices'"
    real = "Shell said it would generate a profit of two billion this year despite the fall in oil prices."
    assert judge(real, False, set(), set(), 3, 100, prompt=prompt).accepted
    echo = "Sure. Generate a business news article with a headline about oil prices: Oil falls."
    assert judge(echo, False, set(), set(), 3, 100, prompt=prompt).reason == (
        "echoes the prompt ('generate a business news article with')"
    )
    framed = "Oil prices fell today. Your answer: more news"
    assert judge(framed, False, set(), set(), 3, 100, prompt=prompt).reason == "echoes the prompt ('Your answer:')"


class FittingStub(WordTokenizer):
    """A completion model that counts words as tokens and answers the same review every time."""

    def __init__(self):
        self.prompts = []

    def create_completion(self, prompt, seed, **kwargs):
        self.prompts.append(prompt)
        return {
            "choices": [{"text": f"A quiet review of a film, number {seed}."}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1},
        }


def test_generation_sends_only_the_examples_that_fit_and_records_how_many():
    from topex.augmenter import generate

    cluster = pd.DataFrame(
        {
            "text": [" ".join(["long"] * 60) + f" {i}" for i in range(4)],
            "text_pair": [None] * 4,
            "label": [0, 0, 0, 0],
            "correct": [False] * 4,
        }
    )
    stub = FittingStub()
    settings = generation_settings(2, 3, max_tokens=40, min_words=3)
    template = "Generate a {label} movie review about '{issue}'"
    # by hand: frame 21 words, a block per example 1 + 8 + 2 + 61, the last block 11, BOS 1:
    # one example 105 + 40 <= 210, two 177 + 40 > 210
    fit = prompt_fitter(stub, False, "tiny", n_ctx=210, max_tokens=40)
    records = generate(
        stub, False, template, cluster, "slow films", ["negative", "positive"], set(), settings, 5, fit=fit
    )
    assert [r["shots"] for r in records] == [1, 1] and all(r["accepted"] for r in records)
    assert len(stub.prompts) == 2 and all(prompt.count("Your answer:") == 2 for prompt in stub.prompts)
