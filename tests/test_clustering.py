import numpy as np
import pandas as pd
import pytest
from conftest import default_config

from topex.clustering import NOISE, cluster_outputs, minmax_normalise, normalise_labels, summarise_clusters


def test_minmax_per_dimension_by_hand():
    logits = np.array([[0.0, 10.0], [5.0, 20.0], [10.0, 15.0]])
    expected = np.array([[-1.0, -1.0], [0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(minmax_normalise(logits), expected)


def test_minmax_global_keeps_relative_scale():
    logits = np.array([[0.0, 2.0], [4.0, 1.0]])
    np.testing.assert_allclose(minmax_normalise(logits, "global"), [[-1.0, 0.0], [1.0, -0.5]])


def test_minmax_constant_dimension_maps_to_zero():
    logits = np.array([[3.0, 1.0], [3.0, 2.0]])
    out = minmax_normalise(logits)
    np.testing.assert_allclose(out[:, 0], [0.0, 0.0])
    np.testing.assert_allclose(out[:, 1], [-1.0, 1.0])
    np.testing.assert_allclose(minmax_normalise(np.ones((3, 2)), "global"), np.zeros((3, 2)))


def test_minmax_rejects_unknown_mode():
    with pytest.raises(ValueError, match="explore.normalise.*'zscore'"):
        minmax_normalise(np.zeros((2, 2)), "zscore")


def test_labels_on_the_same_scale():
    np.testing.assert_allclose(normalise_labels(np.array([2, 0]), 3), [[-1, -1, 1], [1, -1, -1]])


def test_candidates_are_mostly_misclassified_clusters():
    cluster = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2, NOISE, NOISE])
    correct = np.array([1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0], dtype=bool)
    summary = summarise_clusters(cluster, correct, threshold=0.5)
    assert summary["cluster"].tolist() == [0, 1, 2]  # noise is not a cluster
    assert summary["size"].tolist() == [4, 2, 3]
    assert summary["n_misclassified"].tolist() == [3, 1, 1]
    np.testing.assert_allclose(summary["error_rate"], [0.75, 0.5, 1 / 3])
    # "mostly": strictly above the threshold, so a 50/50 cluster is not a candidate
    assert summary["is_candidate"].tolist() == [True, False, False]
    assert summarise_clusters(cluster, correct, threshold=0.3)["is_candidate"].tolist() == [True, True, True]


def test_summary_of_all_noise_is_empty():
    summary = summarise_clusters(np.full(4, NOISE), np.zeros(4, dtype=bool), 0.5)
    assert len(summary) == 0
    assert list(summary.columns) == ["cluster", "size", "n_misclassified", "error_rate", "is_candidate"]


def test_optics_separates_blobs_and_is_deterministic():
    rng = np.random.default_rng(0)
    a = rng.normal([-0.8, -0.8], 0.02, size=(30, 2))
    b = rng.normal([0.8, 0.8], 0.02, size=(30, 2))
    points = np.vstack([a, b])
    labels = cluster_outputs(points, min_samples=5)
    assert len(set(labels[:30]) - {NOISE}) == 1 and len(set(labels[30:]) - {NOISE}) == 1
    assert set(labels[:30]).isdisjoint(set(labels[30:]) - {NOISE})
    np.testing.assert_array_equal(labels, cluster_outputs(points, min_samples=5))


def test_optics_with_too_few_points_is_all_noise():
    assert cluster_outputs(np.zeros((3, 2)), min_samples=5).tolist() == [NOISE] * 3


# --- Explorer options: each must find a planted cluster of errors ------------------------------
from topex.clustering import (  # noqa: E402
    cluster_explore,
    cluster_hdbscan,
    coverage,
    explore_space,
    join_regions,
)


def planted_fixture(seed: int = 0):
    """90 correct points in three blobs, 20 misclassified points in a fourth blob (the planted
    cluster) and 12 in a fifth, the same in both spaces: normalised outputs (3 classes) and unit
    sentence embeddings (8 dimensions)."""
    rng = np.random.default_rng(seed)
    centres_out = np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1], [0.1, 0.1, -0.7], [-0.6, 0.2, 0.3]])
    centres_emb = np.eye(8)[[0, 2, 4, 6, 7]]
    sizes = [30, 30, 30, 20, 12]
    outputs = np.vstack([c + rng.normal(0, 0.04, (n, 3)) for c, n in zip(centres_out, sizes)])
    embeddings = np.vstack([c + rng.normal(0, 0.05, (n, 8)) for c, n in zip(centres_emb, sizes)])
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    planted = (np.arange(122) >= 90) & (np.arange(122) < 110)
    labels = np.repeat([0, 1, 2, 0, 1], sizes)  # the planted blob: class 0 read as 1; the fifth: 1 as 2
    predictions = np.repeat([0, 1, 2, 1, 2], sizes)
    predictions[[5, 40, 70]] = [2, 0, 1]  # a few scattered errors in the correct blobs
    return outputs, embeddings, labels, predictions, planted


OPTIONS = [
    {"space": "logits", "algorithm": "optics", "optics": {"min_samples": 5}},
    {"space": "logits", "algorithm": "hdbscan", "hdbscan": {"min_cluster_size": 5}},
    {"space": "embeddings", "algorithm": "optics", "optics": {"min_samples": 5}},
    {"space": "embeddings", "algorithm": "hdbscan", "hdbscan": {"min_cluster_size": 5}},
    {"space": "both", "algorithm": "optics", "optics": {"min_samples": 5}},
    {"space": "both", "algorithm": "hdbscan", "hdbscan": {"min_cluster_size": 5}},
    {"space": "logits", "algorithm": "hdbscan", "errors_only": True, "hdbscan": {"min_cluster_size": 5}},
    {"space": "embeddings", "algorithm": "optics", "errors_only": True, "optics": {"min_samples": 5}},
    {
        "space": "both",
        "algorithm": "hdbscan",
        "errors_only": True,
        "hdbscan": {"min_cluster_size": 5, "cluster_selection_method": "leaf"},
    },
    {"space": "logits", "algorithm": "optics", "by_confusion": True, "errors_only": True, "optics": {"min_samples": 5}},
    {"space": "embeddings", "algorithm": "optics", "by_confusion": True, "optics": {"min_samples": 5}},
    {"space": "both", "algorithm": "optics", "by_confusion": True, "errors_only": True, "optics": {"min_samples": 5}},
]


@pytest.mark.parametrize(
    "option",
    OPTIONS,
    ids=lambda o: f"{o['space']}-{o['algorithm']}-{o.get('errors_only', False)}-{o.get('by_confusion', False)}",
)
def test_every_option_finds_the_planted_cluster(option):
    paper = {"space": "logits", "algorithm": "optics", "errors_only": False, "by_confusion": False}
    option = default_config(explore={**paper, **option})["explore"]  # the other keys as the workflow has them
    outputs, embeddings, labels, predictions, planted = planted_fixture()
    correct = labels == predictions
    cluster = cluster_explore(explore_space(outputs, embeddings, option["space"]), labels, predictions, option)
    clusters = summarise_clusters(cluster, correct, 0.5)
    candidates = clusters.loc[clusters["is_candidate"], "cluster"].tolist()
    # the candidates made (almost) only of planted points hold most of the planted points
    pure = [c for c in candidates if planted[cluster == c].mean() >= 0.9]
    assert pure and np.isin(cluster, pure)[planted].mean() >= 0.8
    again = cluster_explore(explore_space(outputs, embeddings, option["space"]), labels, predictions, option)
    np.testing.assert_array_equal(cluster, again)  # deterministic


def test_explore_space_both_scales_the_outputs_by_hand():
    both = explore_space(np.array([[1.0, -1.0]]), np.array([[0.6, 0.8]]), "both")
    np.testing.assert_allclose(both, [[1 / np.sqrt(2), -1 / np.sqrt(2), 0.6, 0.8]])
    with pytest.raises(ValueError, match="explore.space: unknown value 'words'"):
        explore_space(np.zeros((1, 2)), np.zeros((1, 2)), "words")
    with pytest.raises(ValueError, match="one sentence embedding per explore point"):
        explore_space(np.zeros((2, 2)), np.zeros((1, 2)), "embeddings")


def test_unknown_algorithm_is_named():
    with pytest.raises(ValueError, match="explore.algorithm: unknown value 'kmeans'"):
        cluster_explore(
            np.zeros((10, 2)),
            np.zeros(10),
            np.zeros(10),
            {"algorithm": "kmeans", "errors_only": False, "by_confusion": False},
        )


def test_hdbscan_with_too_few_points_is_all_noise():
    assert (cluster_hdbscan(np.zeros((3, 2)), min_cluster_size=5) == NOISE).all()


def test_join_regions_by_hand():
    points = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0], [2.5], [5.0], [12.9]])
    clustered = np.array([True] * 6 + [False] * 3)
    cluster = np.array([0, 0, 0, 1, 1, 1])
    # k = 1: every clustered point's core distance is 1 (its nearest neighbour)
    out = join_regions(points, clustered, cluster, k=1)
    assert out.tolist() == [0, 0, 0, 1, 1, 1, 0, NOISE, 1]


def test_cluster_cells_never_mixes_confusion_cells():
    """Two confusion cells whose points coincide: pooled they form one cluster, per cell two, and
    each off-diagonal cell's clusters are wholly misclassified; errors_only leaves the diagonal as noise."""
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(0, 0.01, (8, 2)), rng.normal(0, 0.01, (6, 2)), rng.normal(5, 0.01, (4, 2))])
    labels = np.array([0] * 8 + [0] * 6 + [1] * 4)
    predictions = np.array([0] * 8 + [1] * 6 + [1] * 4)  # cell (0, 0): 8; (0, 1): 6 errors; (1, 1): 4
    optics = {"min_samples": 4, "xi": 0.05, "min_cluster_size": None, "max_eps": None}
    explore = {"algorithm": "optics", "optics": optics, "errors_only": False, "by_confusion": False}
    assert len(set(cluster_explore(points[:14], labels[:14], predictions[:14], explore)) - {NOISE}) == 1
    cells = cluster_explore(points, labels, predictions, {**explore, "by_confusion": True})
    assert cells.tolist() == [0] * 8 + [1] * 6 + [2] * 4  # ids unique across cells, in the cells' order
    only_errors = cluster_explore(points, labels, predictions, {**explore, "by_confusion": True, "errors_only": True})
    assert only_errors.tolist() == [NOISE] * 8 + [0] * 6 + [NOISE] * 4
    small = {**explore, "by_confusion": True, "optics": {**optics, "min_samples": 5}}
    assert cluster_explore(points, labels, predictions, small).tolist() == [0] * 8 + [1] * 6 + [NOISE] * 4


def test_candidate_size_floor():
    cluster = np.array([0, 0, 1, 1, 1])
    summary = summarise_clusters(cluster, np.zeros(5, dtype=bool), 0.5, min_size=3)
    assert summary["is_candidate"].tolist() == [False, True]


def test_coverage_by_hand():
    cluster = np.array([0, 0, 0, 1, 1, -1, -1])
    correct = np.array([False, False, True, True, False, False, True])
    clusters = summarise_clusters(cluster, correct, 0.5)  # cluster 0: 2/3 wrong (candidate); 1: 1/2
    out = coverage(cluster, correct, clusters)
    assert out["n_misclassified"] == 4 and out["misclassified_in_candidates"] == 2
    assert out["error_coverage"] == pytest.approx(0.5)
    assert out["share_clustered"] == pytest.approx(5 / 7)
    assert out["candidate_sizes"] == [3] and out["n_candidates"] == 1 and out["n_clusters"] == 2


def test_cluster_composition_starts_with_every_point(monkeypatch):
    """Paper Fig. 5: the first bar is all points (clustered or not), correct vs misclassified."""
    from topex import plots

    saved = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: saved.append(fig))
    clusters = pd.DataFrame(
        {
            "cluster": [0, 1],
            "size": [4, 3],
            "n_misclassified": [3, 0],
            "name": ["a b", "c d"],
            "is_candidate": [True, False],
        }
    )
    points = pd.DataFrame({"correct": [True] * 6 + [False] * 4})  # 10 points, 3 unclustered
    plots.cluster_composition(clusters, points, "t", "unused.png")
    ax = saved[0].axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "all points (10)"  # the top bar
    correct, wrong = ax.containers
    assert [b.get_width() for b in correct] == [3, 1, 6]  # clusters from the smallest; all points last
    assert [b.get_width() for b in wrong] == [0, 3, 4]
