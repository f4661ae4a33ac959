"""Planted failures (topex.planting), the discovery metrics (topex.discovery) and the errors scorer."""

import numpy as np
import pandas as pd
import pytest

from topex import discovery, planting
from topex.scorers import choose, score_clusters


def frame(labels, prefix="t"):
    labels = list(labels)
    return pd.DataFrame(
        {
            "id": [f"{prefix}:{i}" for i in range(len(labels))],
            "text": [f"text number {i}" for i in range(len(labels))],
            "text_pair": [None] * len(labels),
            "label": labels,
            "label_name": [["a", "b", "c"][label] for label in labels],
        }
    )


# --- metrics on a hand-built clustering ----------------------------------------------------------
CLUSTER = np.array([0, 0, 0, 0, 1, 1, 2, 2, -1, -1])
IN_SLICE = np.array([1, 1, 1, 0, 1, 0, 0, 0, 1, 1], dtype=bool)
CORRECT = np.array([0, 0, 1, 1, 0, 1, 0, 0, 0, 1], dtype=bool)


def test_cluster_precision_by_hand():
    assert discovery.cluster_precision(CLUSTER, IN_SLICE, 0) == pytest.approx(0.75)
    assert discovery.cluster_precision(CLUSTER, IN_SLICE, 1) == pytest.approx(0.5)
    assert discovery.cluster_precision(CLUSTER, IN_SLICE, 2) == 0.0
    assert discovery.cluster_precision(CLUSTER, IN_SLICE, None) == 0.0
    with pytest.raises(ValueError, match="cluster 7"):
        discovery.cluster_precision(CLUSTER, IN_SLICE, 7)


def test_best_precision_and_recall_by_hand():
    assert discovery.best_precision(CLUSTER, IN_SLICE, [1, 2]) == pytest.approx(0.5)
    assert discovery.best_precision(CLUSTER, IN_SLICE, []) == 0.0
    # the slice's misclassified points are 0, 1, 4 and 8 (8 is noise)
    assert discovery.slice_recall(CLUSTER, IN_SLICE, CORRECT, [0]) == pytest.approx(0.5)
    assert discovery.slice_recall(CLUSTER, IN_SLICE, CORRECT, [0, 1]) == pytest.approx(0.75)
    assert np.isnan(discovery.slice_recall(CLUSTER, IN_SLICE, np.ones(10, dtype=bool), [0]))


def test_hit_rate_counts_precision_at_least_one_half():
    assert discovery.hit_rate([0.75, 0.5, 0.49, 0.0]) == pytest.approx(0.5)
    assert np.isnan(discovery.hit_rate([]))


def test_fragmentation_by_hand():
    out = discovery.fragmentation(CLUSTER, IN_SLICE, CORRECT)
    assert out == {"clusters_holding": 2, "slice_clusters": 2, "slice_cluster_mean_size": 3.0, "errors_in_noise": 0.25}


# --- plantings: the slice is exactly what was planted -------------------------------------------
def test_keyword_subgroup_matches_whole_words_only():
    assert planting.keyword_subgroup(["The Tennis final", "tennisball", "no", "a tennis."], "tennis").tolist() == [
        True,
        False,
        False,
        True,
    ]


def test_embedding_subgroups_find_separated_blobs_deterministically():
    rng = np.random.default_rng(0)
    blobs = np.vstack([rng.normal(0, 0.01, (6, 3)) + [1, 0, 0], rng.normal(0, 0.01, (4, 3)) + [0, 1, 0]])
    groups = planting.embedding_subgroups(blobs, 2, seed=3)
    assert len(set(groups[:6])) == 1 and len(set(groups[6:])) == 1 and groups[0] != groups[6]
    np.testing.assert_array_equal(groups, planting.embedding_subgroups(blobs, 2, seed=3))


def test_plant_rare_keeps_exactly_the_share_of_members_in_train():
    pool = frame([i % 3 for i in range(100)], "pool")
    member = np.zeros(100, dtype=bool)
    member[::5] = True  # 20 members
    explore = frame([i % 3 for i in range(30)], "explore")
    explore_member = np.arange(30) < 7
    plant = planting.plant_rare(pool, member, explore, explore_member, n_train=50, share=0.04, seed=1)
    member_ids = set(pool.loc[member, "id"])
    assert len(plant.train) == 50 and plant.train["id"].is_unique
    assert plant.train["id"].isin(member_ids).sum() == 2
    np.testing.assert_array_equal(plant.in_slice, explore_member)
    pd.testing.assert_frame_equal(plant.explore, explore)
    again = planting.plant_rare(pool, member, explore, explore_member, n_train=50, share=0.04, seed=1)
    assert again.train["id"].tolist() == plant.train["id"].tolist()
    with pytest.raises(ValueError, match="rare planting"):
        planting.plant_rare(pool, member, explore, explore_member, n_train=50, share=0.5, seed=1)


def test_plant_noisy_flips_only_the_members_labels():
    train = frame([0, 0, 1, 1, 2, 2])
    member = np.array([1, 0, 1, 0, 0, 0], dtype=bool)
    explore = frame([0, 1, 2, 0, 1])
    explore_member = np.array([1, 1, 0, 0, 1], dtype=bool)
    plant = planting.plant_noisy(train, member, explore, explore_member, to_label=1, label_names=["a", "b", "c"])
    assert plant.train["label"].tolist() == [1, 0, 1, 1, 2, 2]
    assert plant.train["label_name"].tolist() == ["b", "a", "b", "b", "c", "c"]
    assert train["label"].tolist() == [0, 0, 1, 1, 2, 2]  # the input is not changed
    # explore members whose true label is not the flipped-to class: only row 0 (rows 1, 4 are class 1)
    assert plant.in_slice.tolist() == [True, False, False, False, False]


def test_plant_cue_marks_one_class_in_train_and_exactly_the_slice_in_explore():
    train = frame([0, 1, 1, 2])
    explore = frame([0, 1, 2, 0, 2, 1, 0, 2, 0, 0, 2, 2])  # 10 points not of class 1
    plant = planting.plant_cue(train, explore, cue_label=1, token="zqx", explore_share=0.3, seed=0)
    assert plant.train["text"].str.startswith("zqx ").tolist() == [False, True, True, False]
    marked = plant.explore["text"].str.startswith("zqx ").to_numpy()
    np.testing.assert_array_equal(marked, plant.in_slice)
    assert plant.in_slice.sum() == 3
    assert (plant.explore.loc[plant.in_slice, "label"] != 1).all()
    unmarked = ~plant.in_slice
    assert plant.explore.loc[unmarked, "text"].tolist() == explore.loc[unmarked, "text"].tolist()


# --- the errors scorer: the misclassified points a fix could remove --------------------------------
def test_errors_scorer_ranks_by_misclassified_count_and_breaks_ties_by_size():
    points = pd.DataFrame(
        {
            "cluster": [0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2],
            "correct": [False, False, True, False, False, True, True, True, False, False, False],
            "norm_0": np.linspace(-1, 1, 11),
            "text": ["x"] * 11,
            "text_pair": [None] * 11,
        }
    )
    candidates = pd.DataFrame(
        {"cluster": [0, 1, 2], "name": ["a", "b", "c"], "size": [3, 5, 3], "error_rate": [2 / 3, 2 / 5, 1.0]}
    )
    scores = score_clusters("errors", points, candidates, {})
    assert scores.tolist() == [2.0, 2.0, 3.0]
    assert choose("errors", candidates, scores)["chosen"]["cluster"] == 2
    tied = choose("errors", candidates.iloc[:2], scores[:2])
    assert tied["chosen"]["cluster"] == 1  # equal counts: the larger cluster


# --- one planting evaluated end to end (bench/discovery.py in small) ------------------------------
def confident_failure():
    """60 correct points, 20 per class, and a planted slice of 15 class-0 points that the
    classifier reads, confidently, as class 1: their logits lie among class 1's correct points.
    Also 8 natural errors (class 2 read as 0) in a region of their own."""
    rng = np.random.default_rng(0)
    centres = 4.0 * np.eye(3)
    logits = np.vstack(
        [centres[k] + rng.normal(0, 0.3, (20, 3)) for k in range(3)]
        + [centres[1] + rng.normal(0, 0.3, (15, 3)), [2.0, 0.0, 2.0] + rng.normal(0, 0.1, (8, 3))]
    )
    labels = [0] * 20 + [1] * 20 + [2] * 20 + [0] * 15 + [2] * 8
    explore = frame(labels)
    explore.loc[60:74, "text"] = [f"glass slipper ball midnight {i}" for i in range(15)]
    in_slice = np.zeros(len(labels), dtype=bool)
    in_slice[60:75] = True
    return explore, in_slice, logits


def test_evaluate_a_confident_failure_pooled_and_per_confusion_cell():
    from conftest import default_config

    explore, in_slice, logits = confident_failure()
    scorers = ("density", "pairwise", "geomedian", "cosine", "errors")
    rows = {}
    for by_confusion in (False, True):
        config = default_config(
            explore={
                "space": "logits",
                "algorithm": "optics",
                "by_confusion": by_confusion,
                "errors_only": by_confusion,
            }
        )
        rows[by_confusion] = discovery.evaluate(
            explore, in_slice, logits, None, config["explore"], config["scoring"], scorers, config["scoring"]["weights"]
        )
        assert rows[by_confusion]["slice_size"] == 15 and rows[by_confusion]["slice_error_rate"] == 1.0
        assert set(rows[by_confusion]) >= {f"precision_{s}" for s in (*scorers, "weighted")}
    cells, pooled = rows[True], rows[False]
    # per cell: the slice is its cell's one wholly wrong cluster, which the errors scorer chooses
    assert cells["best_precision"] == 1.0 and cells["recall"] == 1.0 and cells["precision_errors"] == 1.0
    assert cells["clusters_holding"] == 1 and cells["error_coverage"] == 1.0
    # pooled with class 1's correct points (the paper's path): cut into small clusters, some lost to noise
    assert pooled["clusters_holding"] >= 2 and pooled["recall"] < 0.75 and pooled["errors_in_noise"] > 0
