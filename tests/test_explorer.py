import numpy as np
import pandas as pd
import pytest

from topex.explorer import NOISE, cluster_outputs, minmax_normalise, normalise_labels, summarise_clusters


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


def test_cluster_composition_starts_with_every_point(monkeypatch):
    """Paper Fig. 5: the first bar is all points (clustered or not), correct vs misclassified."""
    from topex import plots

    saved = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: saved.append(fig))
    clusters = pd.DataFrame({"cluster": [0, 1], "size": [4, 3], "n_misclassified": [3, 0],
                             "name": ["a b", "c d"], "is_candidate": [True, False]})
    points = pd.DataFrame({"correct": [True] * 6 + [False] * 4})  # 10 points, 3 unclustered
    plots.cluster_composition(clusters, points, "t", "unused.png")
    ax = saved[0].axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "all points (10)"  # the top bar
    correct, wrong = ax.containers
    assert [b.get_width() for b in correct] == [3, 1, 6]  # clusters from the smallest; all points last
    assert [b.get_width() for b in wrong] == [0, 3, 4]
