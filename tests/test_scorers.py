import ast
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, default_config

from topex.scorers import LABELS, SCORERS, choose, combine, combine_errors, score_clusters
from topex.tables import COMBINED

# 6 points in 2D: cluster 0 tight at the origin, cluster 1 spread out, cluster 2 not a candidate
POINTS = pd.DataFrame(
    {
        "norm_0": [0.0, 0.1, 1.0, 1.0, -1.0, -1.0],
        "norm_1": [0.0, 0.0, 1.0, 0.0, 1.0, 0.8],
        "cluster": [0, 0, 1, 1, 2, 2],
        "text": ["red red", "red blue", "green", "yellow", "x y", "z w"],
        "text_pair": [None] * 6,
    }
)
CANDIDATES = pd.DataFrame(
    {"cluster": [0, 1], "name": ["red blue", "green yellow"], "size": [2, 2], "error_rate": [1.0, 1.0]}
)


def test_scores_follow_the_scorer_definitions():
    settings = default_config()["scoring"]
    density = score_clusters("density", POINTS, CANDIDATES, settings)
    np.testing.assert_allclose(density, [2 / 0.1, 2 / 1.0])
    cosine = score_clusters("cosine", POINTS, CANDIDATES, settings)
    # (blue, red) counts: "red red" = (0, 2), "red blue" = (1, 1): cosine 2 / (2·√2)
    np.testing.assert_allclose(cosine, [1 / np.sqrt(2), 0.0])
    with pytest.raises(
        ValueError, match=r"unknown scorer 'magic' \(known: density, pairwise, geomedian, cosine, ctc, errors"
    ):
        score_clusters("magic", POINTS, CANDIDATES, settings)


def test_the_static_lists_of_scorers_match_the_registry():
    """The schema and the rules list the scorers themselves (the schema is static, and importing
    the registry would make Snakemake's own environment need scikit-learn); the lists must agree."""
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())["properties"]["scoring"][
        "properties"
    ]
    assert set(schema["scorers"]["items"]["enum"]) == {*SCORERS, *COMBINED} == set(LABELS)
    assert set(schema["weights"]["propertyNames"]["enum"]) == set(SCORERS)
    common = (ROOT / "workflow/rules/common.smk").read_text()
    assert set(ast.literal_eval(re.search(r"^BASE_SCORERS = (\[.*\])$", common, re.M).group(1))) == set(SCORERS)


def test_choice_and_explanation():
    record = choose("cosine", CANDIDATES, np.array([0.6, 0.2]))
    assert record["chosen"] == {"cluster": 0, "name": "red blue", "score": 0.6}
    assert record["explanation"] == (
        "cluster 'red blue' (0, 2 points) chosen: cosine similarity 1.50× the mean of all 2 candidates (min 0.50×)"
    )
    assert [c["score"] for c in record["candidates"]] == [0.6, 0.2]


def test_ties_go_to_the_larger_cluster():
    candidates = CANDIDATES.assign(size=[2, 5])
    assert choose("density", candidates, np.array([1.0, 1.0]))["chosen"]["cluster"] == 1


def test_no_candidate_is_recorded_not_a_crash():
    record = choose("density", CANDIDATES.iloc[:0], np.array([]))
    assert record["chosen"] is None and record["n_candidates"] == 0
    assert "no candidate" in record["explanation"]
    weighted = combine({"density": record, "cosine": {**record, "scorer": "cosine"}}, {"density": 1.0, "cosine": 1.0})
    assert weighted["chosen"] is None
    assert combine_errors(weighted)["chosen"] is None


def test_weighted_combines_scaled_metrics():
    records = {
        "cosine": choose("cosine", CANDIDATES, np.array([0.2, 0.6])),
        "density": choose("density", CANDIDATES, np.array([30.0, 10.0])),
    }
    record = combine(records, {"cosine": 0.68, "density": 0.41})
    assert [c["score"] for c in record["candidates"]] == pytest.approx([0.41, 0.68])
    assert record["chosen"]["cluster"] == 1
    assert record["candidates"][1]["scaled_cosine"] == 1.0
    assert record["weights"] == {"cosine": 0.68, "density": 0.41}


def test_weighted_errors_multiplies_the_weighted_score_by_the_misclassified_points():
    # hand-computed: weighted scores 0.41 and 0.68 (above); misclassified 8 × 0.5 = 4 and 2 × 1.0 = 2,
    # so 1.64 against 1.36: the larger cluster of errors wins although the weighted score prefers the other
    candidates = CANDIDATES.assign(size=[8, 2], error_rate=[0.5, 1.0])
    records = {
        "cosine": choose("cosine", candidates, np.array([0.2, 0.6])),
        "density": choose("density", candidates, np.array([30.0, 10.0])),
    }
    weighted = combine(records, {"cosine": 0.68, "density": 0.41})
    assert weighted["chosen"]["cluster"] == 1
    record = combine_errors(weighted)
    assert [c["score"] for c in record["candidates"]] == pytest.approx([1.64, 1.36])
    assert [c["misclassified"] for c in record["candidates"]] == [4, 2]
    assert record["chosen"]["cluster"] == 0 and record["scorer"] == "weighted_errors"
    assert "weighted score × misclassified points" in record["explanation"]
