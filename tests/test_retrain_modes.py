"""Retraining modes, controls and paired statistics on tiny data."""

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import default_config, topic_texts, train_settings

from topex import classifier
from topex.controls import oracle_points, random_points
from topex.data import standardise_all
from topex.retrain_modes import ContinueSettings, FullSettings, HeadSettings, replay_order, retrain
from topex.stats import mean_interval, paired_deltas, sign_flip_p, verdict


def settings(model):
    return train_settings(
        model=str(model), epochs=1, max_length=32, batch_size=8, eval_batch_size=16, learning_rate=1e-3
    )


@pytest.fixture(scope="module")
def setup(tmp_path_factory, tiny_bert):
    sources, names = standardise_all({"all": (topic_texts(10, seed=1), "fixture")}, ["text"], "label")
    frame = sources["all"].sample(frac=1.0, random_state=0).reset_index(drop=True)
    train, added, test = frame.iloc[:16], frame.iloc[16:20], frame.iloc[20:]
    base = tmp_path_factory.mktemp("base")
    classifier.fine_tune(train, names, settings(tiny_bert), seed=3, out_dir=base)
    return train, added, test, names, str(base), settings(tiny_bert)


def run(setup, mode, added, **kwargs):
    """``retrain`` on the setup, with the default config's head settings unless given."""
    train, _, test, names, base, config = setup
    head = HeadSettings(**default_config()["retrain"]["head"])
    return retrain(mode, train, added, test, names, config, 3, base, **{"head": head, **kwargs})


def test_head_mode_is_deterministic_and_sees_the_added_points(setup):
    _, added, _, _, _, _ = setup
    first, record = run(setup, "head", added)
    again, _ = run(setup, "head", added)
    control, _ = run(setup, "head", added.head(0))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, control)
    assert record["mode"] == "head" and record["n_added"] == 4


def test_continue_pairs_share_seed_steps_and_replay_order(setup):
    _, added, _, _, _, _ = setup
    cont = ContinueSettings(steps=3, replay_batch_size=4, learning_rate=1e-3)
    treated, treated_record = run(setup, "continue", added, cont=cont)
    control, control_record = run(setup, "continue", added.head(0), cont=cont)
    again, _ = run(setup, "continue", added, cont=cont)
    assert treated_record["replay_order"] == control_record["replay_order"] == replay_order(16, 3, 4, 3).tolist()
    assert treated_record["steps"] == control_record["steps"] == 3
    np.testing.assert_allclose(treated, again, atol=1e-6)  # same seed, same run
    assert not np.allclose(treated, control)  # the pair differs in the added points


@pytest.mark.parametrize("order", ["paired", "shuffled"])
def test_full_mode_control_is_the_base_model(setup, order):
    """The full-mode control (train alone, same seed) reproduces the base model, which the
    workflow therefore reuses instead of training it again."""
    train, _, test, _, base, config = setup
    logits, record = run(setup, "full", train.head(0), full=FullSettings(order))
    np.testing.assert_allclose(logits, classifier.predict_logits(base, test, config), atol=1e-5)
    assert record["mode"] == "full" and record["order"] == order and "train_seconds" in record


def test_full_mode_paired_shares_the_controls_batches_of_train_points(setup):
    """Paired full mode trains on the control's batches of train points with the added points in
    them; seeded, and another model than the same points reshuffled as one set."""
    train, added, test, names, _, config = setup
    plan = classifier.batch_plan(len(train), config.batch_size, config.epochs, 3, len(added))
    control_plan = classifier.batch_plan(len(train), config.batch_size, config.epochs, 3)
    assert [chosen for chosen, _ in plan] == [chosen for chosen, _ in control_plan]
    treated, record = run(setup, "full", added, full=FullSettings("paired"))
    again, _ = run(setup, "full", added, full=FullSettings("paired"))
    shuffled, _ = run(setup, "full", added, full=FullSettings("shuffled"))
    np.testing.assert_allclose(treated, again, atol=1e-6)  # seeded
    assert not np.allclose(treated, shuffled)  # another order of the same points
    assert record["order"] == "paired"


def test_unknown_mode_is_named(setup):
    with pytest.raises(ValueError, match="retrain.mode: unknown mode 'partial'"):
        run(setup, "partial", setup[1])


def test_oracle_takes_the_cluster_then_its_nearest_points():
    points = pd.DataFrame(
        {
            "id": list("abcdef"),
            "text": list("abcdef"),
            "text_pair": None,
            "label": [0, 1, 0, 1, 0, 1],
            "label_name": "x",
            "cluster": [2, 2, -1, -1, 5, -1],
            "norm_0": [0.0, 0.2, 0.15, 0.9, 0.5, -1.0],
            "norm_1": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    chosen = oracle_points(points, 2, 4, seed=0)
    assert set(chosen["id"][:2]) == {"a", "b"}  # the cluster's own points first
    assert chosen["id"][2:].tolist() == ["c", "e"]  # then the nearest to its centroid (0.1, 0)
    assert oracle_points(points, 2, 4, seed=0)["id"].tolist() == chosen["id"].tolist()
    with pytest.raises(ValueError, match="cluster 9 has no points"):
        oracle_points(points, 9, 2, seed=0)


def test_random_points_come_from_the_pool_seeded():
    pool = pd.DataFrame(
        {"id": [f"p{i}" for i in range(20)], "text": "t", "text_pair": None, "label": 0, "label_name": "x"}
    )
    first = random_points(pool, 5, seed=1)
    assert first["id"].tolist() == random_points(pool, 5, seed=1)["id"].tolist()
    assert random_points(pool, 10, seed=1)["id"].tolist()[:5] == first["id"].tolist()  # prefixes
    with pytest.raises(ValueError, match="20 points, fewer than the 30"):
        random_points(pool, 30, seed=1)


def test_paired_statistics_by_hand():
    deltas = paired_deltas({0: 0.82, 1: 0.85, 2: 0.80, 3: 0.9}, {0: 0.80, 1: 0.81, 2: 0.80})
    np.testing.assert_allclose(deltas, [0.02, 0.04, 0.0])  # seed 3 has no control: left out
    mean, low, high = mean_interval(deltas)
    # mean 0.02, sd 0.02, t(0.975, 2) = 4.3027: half width 4.3027 * 0.02 / sqrt(3)
    assert mean == pytest.approx(0.02)
    assert high - mean == pytest.approx(4.302653 * 0.02 / np.sqrt(3), rel=1e-5)
    assert verdict(low, high) == "noise"
    # 8 sign patterns; |mean| >= 0.02 for the all-equal-sign pair and the patterns keeping 0.04's sign
    # with 0.02: (+,+) and (-,-) over the two non-zero deltas, each twice (0's sign is free): 4 / 8
    assert sign_flip_p(deltas) == pytest.approx(0.5)
    assert sign_flip_p(np.array([0.1, 0.2, 0.3])) == pytest.approx(0.25)  # the smallest with 3 seeds
    assert verdict(0.01, 0.03) == "gain" and verdict(-0.03, -0.01) == "loss"
    assert np.isnan(mean_interval(np.array([0.1]))[1])


def test_finite_replaces_minus_infinity_below_the_lowest_logit():
    from topex.retrain_modes import finite

    logits = finite(np.array([[2.0, 0.0], [-np.inf, 0.0]]))
    np.testing.assert_array_equal(logits, [[2.0, 0.0], [-1.0, 0.0]])  # argmax unchanged


@pytest.mark.parametrize("layers", [1, 2])
def test_top_mode_cached_lower_layers_give_the_plain_forward_logits(setup, layers):
    from topex.top import lower_outputs, top_logits

    train, _, test, _, base, config = setup
    model, tokenizer = classifier.load_classifier(base, config)
    states = lower_outputs(model, tokenizer, test, config, layers)
    with torch.no_grad():
        cached = top_logits(model, layers, states).numpy()
    np.testing.assert_allclose(cached, classifier.predict_logits(base, test, config), atol=1e-5)


def test_top_mode_head_alone_with_no_steps_gives_the_plain_forward_logits(setup):
    from topex.retrain_modes import Retrainer

    train, added, test, names, base, config = setup
    top = {"layers": 0, "steps": 1, "learning_rate": 1e-12}  # one step too small to move a weight
    retrainer = Retrainer("top", train, test, names, config, 3, base, default_config(retrain={"top": top})["retrain"])
    logits, _ = retrainer.run(added.head(0), added)
    np.testing.assert_allclose(logits, classifier.predict_logits(base, test, config), atol=1e-5)


def test_linear_head_steps_are_torch_adamws():
    """The NumPy steps of the head alone against torch.optim.AdamW (weight decay 0) on a linear
    layer with the same start and batches: a known answer computed by another implementation."""
    from topex import linear_head

    rng = np.random.default_rng(0)
    weight, bias = rng.normal(size=(3, 5)).astype(np.float32), rng.normal(size=3).astype(np.float32)
    batches = [(rng.normal(size=(6, 5)).astype(np.float32), rng.integers(3, size=6)) for _ in range(4)]
    layer = torch.nn.Linear(5, 3).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight)), layer.bias.copy_(torch.from_numpy(bias))
    optimiser = torch.optim.AdamW(layer.parameters(), lr=0.05, weight_decay=0.0)
    for inputs, labels in batches:
        loss = torch.nn.functional.cross_entropy(layer(torch.from_numpy(inputs).double()), torch.from_numpy(labels))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    trained_weight, trained_bias = linear_head.train_steps(weight, bias, batches, 0.05)
    np.testing.assert_allclose(trained_weight, layer.weight.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(trained_bias, layer.bias.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert not np.allclose(trained_weight, weight)  # the steps moved it
    assert weight.dtype == np.float32  # the start is left as it was


@pytest.mark.parametrize("layers", [0, 1])
def test_top_mode_pairs_differ_only_in_the_added_points(setup, layers):
    train, added, test, names, base, config = setup
    from topex.retrain_modes import Retrainer

    top = {"layers": layers, "steps": 4, "replay_batch_size": 4, "learning_rate": 1e-2}
    settings = default_config(retrain={"top": top})["retrain"]
    retrainer = Retrainer("top", train, test, names, config, 3, base, settings)
    control, record = retrainer.run(added.head(0), added)
    treated, _ = retrainer.run(added, added)
    again_control, _ = retrainer.run(added.head(0), added)
    again, _ = Retrainer("top", train, test, names, config, 3, base, settings).run(added, added)
    np.testing.assert_array_equal(control, again_control)  # starts from the base weights every time
    np.testing.assert_allclose(treated, again, atol=1e-6)  # same seed, same cell
    assert not np.allclose(treated, control)
    assert record["mode"] == "top" and record["layers"] == layers and record["n_added"] == 0


def test_count_metrics_retrains_each_count_and_skips_what_is_missing(setup):
    from topex.added import COLUMNS
    from topex.retrain_modes import Retrainer, count_metrics, finite

    train, added, test, names, base, config = setup
    group = train.head(3)  # stands in for the chosen clusters' explore points
    evaluated = pd.concat([test, group[COLUMNS]], ignore_index=True)
    regions = {"7": {"ids": test["id"].head(4).tolist()}}
    retrainer = Retrainer("head", train, evaluated, names, config, 3, base, default_config()["retrain"])
    metrics = count_metrics(retrainer, [0, 2, 5], added, "tiny", "oracle", test, group["id"], regions)
    assert [m["n"] for m in metrics] == [0, 2, 5]
    assert list(metrics[1]) == [
        "dataset",
        "seed",
        "mode",
        "method",
        "n",
        "n_added",
        "accuracy",
        "n_test",
        "group",
        "test_correct",
        "group_logits",
    ]
    assert metrics[2] == {
        "dataset": "tiny",
        "seed": 3,
        "mode": "head",
        "method": "oracle",
        "n": 5,
        "skipped": "only 4 oracle points available, 5 asked for",
    }
    head = HeadSettings(**default_config()["retrain"]["head"])
    logits, _ = retrain("head", train, added.head(2)[COLUMNS], evaluated, names, config, 3, base, head=head)
    correct = finite(logits)[: len(test)].argmax(axis=1) == test["label"].to_numpy()
    assert metrics[1]["accuracy"] == float(correct.mean()) and metrics[1]["n_test"] == len(test)
    assert metrics[1]["test_correct"] == correct.astype(int).tolist()
    assert metrics[1]["group"]["7"]["n"] == 4 and metrics[1]["group"]["7"]["accuracy"] == float(correct[:4].mean())
    assert list(metrics[1]["group_logits"]) == group["id"].tolist()
    assert "explore_logits" not in metrics[0]


def test_count_metrics_of_the_full_control_reuse_the_base_model(setup):
    from topex.retrain_modes import Retrainer, count_metrics

    train, _, test, names, base, config = setup
    base_logits = np.zeros((len(test) + 1, len(names)))
    base_logits[:, 1] = 1.0  # every point predicted as class 1
    retrainer = Retrainer(
        "full", train, test, names, config, 3, base, default_config()["retrain"]
    )  # would fine-tune if it ran
    metrics = count_metrics(retrainer, [0], None, "tiny", "control", test, ["e0"], {}, base_logits)[0]
    assert metrics["reused"] == "base model" and metrics["accuracy"] == float((test["label"] == 1).mean())
    assert metrics["explore_logits"] == [[0.0, 1.0] + [0.0] * (len(names) - 2)]
    assert list(metrics) == [
        "dataset",
        "seed",
        "mode",
        "method",
        "n",
        "reused",
        "accuracy",
        "n_test",
        "group",
        "test_correct",
        "group_logits",
        "explore_logits",
    ]
    assert metrics["test_correct"] == (test["label"] == 1).astype(int).tolist()


@pytest.mark.parametrize("mode", ["head", "top"])
def test_linear_layer_modes_on_cached_added_features_load_no_model(setup, tmp_path, mode):
    """The features embed_added caches give the same cells as embedding the points in the job,
    with no base model to load (its folder may be gone): head mode, and top mode on the head
    alone, whose weights predict_base caches with the representations."""
    from topex.added import cached_features
    from topex.io import write_arrays
    from topex.retrain_modes import Retrainer

    train, added, test, names, base, config = setup
    model, tokenizer = classifier.load_classifier(base, config)
    features = {
        name: classifier.forward(model, tokenizer, frame, config, features=True)[1]
        for name, frame in (("train", train), ("test", test), ("added", added))
    }
    cache = tmp_path / "added_features.npz"
    other = np.zeros((2, features["added"].shape[1]), dtype=np.float32)  # another method's points
    write_arrays(
        cache,
        features=np.vstack([other, features["added"]]),
        source=np.array(["other.jsonl"] * 2 + ["oracle.parquet"] * len(added)),
        id=np.array(["a", "b", *added["id"].astype(str)]),
    )
    retrain_config = {mode: {**default_config()["retrain"][mode], **({"layers": 0} if mode == "top" else {})}}
    head = classifier.head_layer(model)
    features_file = tmp_path / "features.npz"
    write_arrays(
        features_file,
        train=features["train"],
        test=features["test"],
        explore=features["test"][:0],
        head_weight=head.weight.detach().numpy(),
        head_bias=head.bias.detach().numpy(),
    )
    rows = np.arange(0)
    expected = Retrainer(mode, train, test, names, config, 3, base, retrain_config, str(features_file), rows)
    cached = Retrainer(
        mode,
        train,
        test,
        names,
        config,
        3,
        str(tmp_path / "no-model"),
        retrain_config,
        str(features_file),
        rows,
        added_features=cached_features(cache, "oracle.parquet", added["id"]),
    )
    for n in (0, 2, 4):
        np.testing.assert_allclose(
            cached.run(added.head(n), added)[0], expected.run(added.head(n), added)[0], atol=1e-5
        )
    with pytest.raises(ValueError, match="added_features.npz: its points of oracle.parquet are not those"):
        cached_features(cache, "oracle.parquet", added["id"].iloc[::-1])


def test_the_linear_layer_modes_path_imports_no_torch():
    """A head-mode or top-mode (layers 0) cell's imports (scripts/retrain_cells.py) leave torch and transformers out."""
    import subprocess
    import sys
    from pathlib import Path

    workflow = Path(__file__).resolve().parents[1] / "workflow"
    code = (
        "import sys; from topex import io, retrain_modes, added, logs, train_settings; "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=workflow, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
