"""Cells paired with their control, and Tables 1 and 2, on hand-made records."""

import numpy as np
import pandas as pd
import pytest

from topex.added import read_added
from topex.cells import cell_rows
from topex.io import write_jsonl
from topex.tables import effects, noise, power, table1, table2, table2_markdown

CHOSEN = {"density": 3, "pairwise": 3, "cosine": 5, "weighted": 5, "ctc": None}
GENERATIONS = [("llm", 0)]


def metrics(seed, method, n, accuracy, group):
    return {
        "dataset": "d",
        "seed": seed,
        "mode": "head",
        "method": method,
        "n": n,
        "accuracy": accuracy,
        "group": {str(c): {"accuracy": a, "n": 4} for c, a in group.items()},
    }


def seed_cells(seed, shift):
    return [
        metrics(seed, "control", 0, 0.80 + shift, {3: 0.25, 5: 0.5}),
        metrics(seed, "generated/cluster~3/llm/shots~0", 1, 0.81 + shift, {3: 0.5, 5: 0.5}),
        metrics(seed, "generated/cluster~5/llm/shots~0", 1, 0.83 + shift + seed / 100, {3: 0.25, 5: 0.75}),
        metrics(seed, "eda", 1, 0.79 + shift, {3: 0.25, 5: 0.5}),
        {"dataset": "d", "seed": seed, "mode": "head", "method": "oracle", "n": 1, "skipped": "only 0 oracle points"},
    ]


def all_cells():
    return pd.concat(
        [
            cell_rows(seed_cells(s, shift), CHOSEN, "weighted", GENERATIONS, [1])
            for s, shift in ((0, 0.0), (1, 0.05), (2, -0.02))
        ],
        ignore_index=True,
    )


def test_generations_fan_out_to_the_scorers_that_chose_them_and_pair_with_their_seed():
    rows = cell_rows(seed_cells(1, 0.05), CHOSEN, "weighted", GENERATIONS, [1])
    topex = rows[rows["family"] == "topex"]
    assert sorted(topex["scorer"]) == ["cosine", "ctc", "density", "pairwise", "weighted"]
    ctc = topex[topex["scorer"] == "ctc"].iloc[0]  # chose nothing: a skipped row, not a missing one
    assert ctc["skipped"] == "no candidate cluster chosen" and np.isnan(ctc["delta"])
    density = topex[topex["scorer"] == "density"].iloc[0]
    assert density["cluster"] == 3 and density["delta"] == pytest.approx(0.01)
    assert density["in_group_accuracy"] == 0.5 and density["in_group_delta"] == pytest.approx(0.25)
    cosine = topex[topex["scorer"] == "cosine"].iloc[0]
    assert cosine["delta"] == pytest.approx(0.04) and cosine["in_group_delta"] == pytest.approx(0.25)
    eda = rows[rows["method"] == "eda"].iloc[0]
    assert eda["cluster"] == 5 and eda["scorer"] == "" and eda["delta"] == pytest.approx(-0.01)
    assert rows[rows["method"] == "oracle"].iloc[0]["skipped"].startswith("only 0")


def test_effects_are_paired_over_seeds_and_skipped_seeds_counted():
    effect = effects(all_cells())
    cosine = effect[(effect["scorer"] == "cosine") & (effect["n"] == 1)].iloc[0]
    # deltas 0.03, 0.04, 0.05 (the seeds' shifts cancel in the pairing)
    assert cosine["delta"] == pytest.approx(0.04) and cosine["seeds"] == 3
    assert cosine["low"] == pytest.approx(0.04 - 4.302653 * 0.01 / np.sqrt(3), rel=1e-5)
    assert cosine["verdict"] == "gain" and cosine["p"] == pytest.approx(0.25)
    assert cosine["base_accuracy"] == pytest.approx(np.mean([0.80, 0.85, 0.78]))
    ctc = effect[effect["scorer"] == "ctc"].iloc[0]
    assert ctc["seeds"] == 0 and ctc["skipped_seeds"] == 3
    oracle = effect[effect["method"] == "oracle"].iloc[0]
    assert oracle["seeds"] == 0 and oracle["skipped_seeds"] == 3


def test_table2_lists_the_reference_scorer_and_baselines_not_run():
    effect = effects(all_cells())
    table = table2(effect, "weighted", ["eda", "a2t", "clare"], {"clare": "not run: no masked LM configured"}, [1])
    assert table["label"].tolist() == ["EDA", "CLARE", "oracle (real cluster points)", "TopEx llm 0-shot"]
    assert table.set_index("method").loc["clare", "status"] == "not run: no masked LM configured"
    assert table.set_index("method").loc["topex/llm/shots~0", "delta"] == pytest.approx(0.04)
    text = table2_markdown(table, [1], power(all_cells(), 3, 1), 1)
    assert "+4.0 [+1.5, +6.5] ▲" in text and "not run: no masked LM configured" in text
    assert text.startswith("- **d** (head mode, 3 seeds): positive control **not detected**")


def controlled_cells():
    """Three seeds with a control, random and oracle at n = 2; cluster 5 is the reference's."""
    rows = []
    for seed, (random, oracle, oracle_group) in enumerate([(0.81, 0.84, 0.9), (0.80, 0.82, 0.7), (0.83, 0.83, 0.8)]):
        cells = [
            metrics(seed, "control", 0, 0.80, {5: 0.5}),
            metrics(seed, "random", 2, random, {5: 0.5}),
            metrics(seed, "oracle", 2, oracle, {5: oracle_group}),
        ]
        rows.append(cell_rows(cells, {"weighted": 5}, "weighted", [], []))
    return pd.concat(rows, ignore_index=True)


def test_targeting_effect_and_power_by_hand():
    cells = controlled_cells()
    effect = effects(cells).set_index("method")
    # oracle − random per seed: 0.03, 0.02, 0.00 (test); in-group 0.4, 0.2, 0.3
    assert effect.loc["oracle", "target_delta"] == pytest.approx(0.05 / 3)
    assert effect.loc["oracle", "in_group_target_delta"] == pytest.approx(0.3)
    # in-group: sd 0.1, half width t(0.975, 2) · 0.1 / √3 = 0.248414: [0.0516, 0.5484], a gain
    assert effect.loc["oracle", "in_group_target_low"] == pytest.approx(0.3 - 0.248414, rel=1e-4)
    assert effect.loc["oracle", "in_group_target_verdict"] == "gain"
    assert np.isnan(effect.loc["random", "target_delta"])  # random against itself: not a targeting effect
    line = power(cells, 3, 2).iloc[0]
    assert bool(line["oracle_detected"]) and line["oracle_in_group_target_delta"] == pytest.approx(0.3)
    # the in-group targeting effect's only cell is the oracle's: sd 0.1, MDE (4.302653 + 1.060660) · 0.1 / √3
    assert line["in_group_target_sd"] == pytest.approx(0.1)
    assert line["in_group_target_mde"] == pytest.approx(5.363313 * 0.1 / np.sqrt(3), rel=1e-5)
    # the delta to control pools two cells: random (0.01, 0, 0.03) and oracle (0.04, 0.02, 0.03)
    pooled = np.sqrt((np.var([0.01, 0.0, 0.03], ddof=1) * 2 + np.var([0.04, 0.02, 0.03], ddof=1) * 2) / 4)
    assert line["sd"] == pytest.approx(pooled) and line["cells"] == 2


def test_noise_table_by_hand():
    row = noise(controlled_cells(), 3).iloc[0]
    assert row["control_accuracy"] == pytest.approx(0.80) and row["control_sd"] == pytest.approx(0.0)
    assert row["oracle_delta"] == pytest.approx(0.03) and row["random_delta"] == pytest.approx(0.04 / 3)
    assert row["oracle_in_group_target_delta"] == pytest.approx(0.3)
    assert row["oracle_in_group_target_delta_verdict"] == "gain"
    assert row["oracle_in_group_target_delta_mde"] == pytest.approx(5.363313 * 0.1 / np.sqrt(3), rel=1e-5)
    assert row["in_group_n"] == 4


def test_table1_shares_of_the_best_scorer():
    table = table1(effects(all_cells()), ["density", "pairwise", "ctc", "cosine", "weighted"]).set_index("scorer")
    assert table.loc["cosine", "share_of_best"] == pytest.approx(100)
    assert table.loc["density", "share_of_best"] == pytest.approx(100 * 0.01 / 0.04)
    assert table.loc["ctc", "cells"] == 0 and np.isnan(table.loc["ctc", "share_of_best"])
    assert table.loc["ctc", "skipped_cell_seeds"] == 3 and table.loc["cosine", "common_cells"] == 1


def test_added_points_come_in_rank_order_accepted_only(tmp_path):
    records = [
        {"text": "b", "text_pair": None, "label": 1, "label_name": "y", "accepted": True, "index": 1},
        {"text": "x", "text_pair": None, "label": 1, "label_name": "y", "accepted": False, "index": None},
        {"text": "a", "text_pair": None, "label": 0, "label_name": "x", "accepted": True, "index": 0},
    ]
    write_jsonl(records, tmp_path / "eda.jsonl")
    added = read_added(tmp_path / "eda.jsonl")
    assert added["text"].tolist() == ["a", "b"] and added["label"].tolist() == [0, 1]
    assert added["id"].tolist() == ["eda-0", "eda-1"]


def test_table1_compares_the_five_metrics_on_one_llm():
    """Only the named LLM's cells count, and the weighted score (derived from Table 1) is left out."""
    other = pd.concat(
        [
            cell_rows(
                [
                    metrics(s, "control", 0, 0.80, {3: 0.25, 5: 0.5}),
                    metrics(s, "generated/cluster~3/big/shots~0", 1, 0.90, {3: 0.5, 5: 0.5}),
                    metrics(s, "generated/cluster~5/big/shots~0", 1, 0.85, {3: 0.25, 5: 0.75}),
                ],
                CHOSEN,
                "weighted",
                [("big", 0)],
                [1],
            )
            for s in (0, 1, 2)
        ],
        ignore_index=True,
    )
    both = effects(pd.concat([all_cells(), other[other["n"] > 0]], ignore_index=True))
    scorers = ["density", "pairwise", "ctc", "cosine", "weighted"]
    mine = table1(both, scorers, "llm").set_index("scorer")
    assert "weighted" not in mine.index and set(mine["llm"]) == {"llm"}
    assert mine.loc["cosine", "share_of_best"] == pytest.approx(100)  # as with llm alone
    assert mine.loc["density", "share_of_best"] == pytest.approx(100 * 0.01 / 0.04)
    big = table1(both, scorers, "big").set_index("scorer")
    assert big.loc["density", "mean_delta"] == pytest.approx(0.10)  # 0.90 - 0.80 on cluster 3
    assert big.loc["density", "share_of_best"] == pytest.approx(100)
    assert big.loc["cosine", "share_of_best"] == pytest.approx(50)  # 0.05 of 0.10
