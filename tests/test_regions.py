"""In-group regions and the paired statistics of the tables, against hand-computed cases."""

import numpy as np
import pytest

from topex.cells import cell_rows
from topex.regions import cluster_regions, distances_to_cluster, region, region_accuracy
from topex.stats import minimum_detectable_effect, pooled_sd, verdict


def test_distance_to_a_cluster_is_to_its_nearest_member():
    members = np.array([[0.0, 0.0], [1.0, 0.0]])
    test = np.array([[0.0, 1.0], [3.0, 0.0], [0.5, 0.0]])
    np.testing.assert_allclose(distances_to_cluster(test, members), [1.0, 2.0, 0.5])


def test_region_is_the_nearest_test_points_ties_in_test_order():
    members = np.array([[0.0, 0.0]])
    test = np.array([[2.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.5]])
    chosen, distance = region(test, members, 3)
    assert chosen.tolist() == [3, 1, 2]  # 0.5, then the tie 1.0 / 1.0 in test order
    np.testing.assert_allclose(distance, [0.5, 1.0, 1.0])
    assert region(test, members, 10)[0].tolist() == [3, 1, 2, 0]  # all of them when fewer


def test_regions_of_several_clusters_and_their_accuracy():
    explore = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [9.0, 9.0]])
    cluster = np.array([1, 1, 2, -1])
    test = np.array([[0.0, 0.2], [5.0, 4.0], [0.35, 0.0], [8.0, 8.0]])
    regions = cluster_regions(test, ["a", "b", "c", "d"], explore, cluster, [1, 2], 2)
    # a: 0.2 from (0, 0); c: 0.25 from (0.1, 0)
    assert regions["1"]["ids"] == ["a", "c"]
    assert regions["2"]["ids"] == ["b", "d"]  # 1.0 and √18 ≈ 4.24
    assert regions["1"]["members"] == 2 and regions["2"]["members"] == 1
    accuracy = region_accuracy(["a", "b", "c", "d"], np.array([True, False, False, True]), regions)
    assert accuracy == {
        "1": {"accuracy": 0.5, "n": 2, "ids": ["a", "c"]},
        "2": {"accuracy": 0.5, "n": 2, "ids": ["b", "d"]},
    }
    with pytest.raises(ValueError, match="at least one member"):
        cluster_regions(test, ["a", "b", "c", "d"], explore, cluster, [7], 2)


def test_minimum_detectable_effect_by_hand():
    # k = 3, sd = 0.02: (t(0.975, 2) + t(0.8, 2)) · 0.02 / √3 = (4.302653 + 1.060660) · 0.011547
    assert minimum_detectable_effect(0.02, 3) == pytest.approx(5.363313 * 0.02 / np.sqrt(3), rel=1e-5)
    # k = 10: t(0.975, 9) = 2.262157, t(0.8, 9) = 0.883404
    assert minimum_detectable_effect(0.02, 10) == pytest.approx(3.145561 * 0.02 / np.sqrt(10), rel=1e-5)
    assert np.isnan(minimum_detectable_effect(0.02, 1))


def test_pooled_sd_by_hand():
    # groups [1, 3] (var 2, df 1) and [2, 4, 6] (var 4, df 2): √((1·2 + 2·4) / 3) = √(10/3)
    sd, used = pooled_sd([np.array([1.0, 3.0]), np.array([2.0, 4.0, 6.0]), np.array([7.0])])
    assert sd == pytest.approx(np.sqrt(10 / 3)) and used == 2
    assert np.isnan(pooled_sd([np.array([1.0])])[0])


def test_a_degenerate_interval_gets_no_verdict():
    # two seeds that both gave −0.3 pp: sd 0, interval [−0.3, −0.3]; that is not a significant loss
    assert verdict(-0.003, -0.003) == "n/a"
    assert verdict(0.0, 0.0) == "noise"
    assert verdict(-0.004, -0.002) == "loss"


def metrics(method, n, accuracy, group):
    return {
        "dataset": "d",
        "seed": 0,
        "mode": "head",
        "method": method,
        "n": n,
        "accuracy": accuracy,
        "group": {cluster: {"accuracy": a, "n": 4} for cluster, a in group.items()},
    }


def test_targeting_effect_is_the_difference_to_random_at_the_same_n():
    cells = [
        metrics("control", 0, 0.80, {"3": 0.25, "5": 0.5}),
        metrics("random", 2, 0.81, {"3": 0.25, "5": 0.75}),
        metrics("oracle", 2, 0.83, {"3": 0.75, "5": 0.5}),
        metrics("generated/cluster~5/llm/shots~0", 2, 0.79, {"3": 0.5, "5": 1.0}),
    ]
    chosen = {"weighted": 3, "cosine": 5}
    rows = cell_rows(cells, chosen, "weighted", [("llm", 0)], [2]).set_index(["method", "scorer"])
    oracle = rows.loc[("oracle", "")]
    assert oracle["delta"] == pytest.approx(0.03) and oracle["target_delta"] == pytest.approx(0.02)
    # the oracle draws from the reference scorer's cluster 3: 0.75 − control 0.25, − random 0.25
    assert oracle["in_group_delta"] == pytest.approx(0.5) and oracle["in_group_target_delta"] == pytest.approx(0.5)
    topex = rows.loc[("topex/llm/shots~0", "cosine")]
    assert topex["target_delta"] == pytest.approx(-0.02)
    # cluster 5's region: 1.0 − control 0.5, − random 0.75
    assert topex["in_group_delta"] == pytest.approx(0.5) and topex["in_group_target_delta"] == pytest.approx(0.25)
    random = rows.loc[("random", "")]
    assert np.isnan(random["target_delta"]) and np.isnan(random["in_group_target_delta"])
    assert random["delta"] == pytest.approx(0.01)
