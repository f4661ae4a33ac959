"""The baselines' driver: sources in order, rejections with reasons, counts as prefixes."""

import numpy as np
import pandas as pd

from topex.baselines import Augmented, augment_cluster


class Upper:
    """A deterministic recipe: upper-cases the text, except texts containing 'keep'."""

    def augment(self, text, text_pair, label, rng):
        changed = 0 if "keep" in text else 1
        return Augmented(text if "keep" in text else text.upper(), text_pair, changed, {"draw": float(rng.random())})


SOURCES = pd.DataFrame(
    {
        "id": ["a", "b", "c", "d"],
        "text": ["alpha beta", "keep me", "training text", "delta"],
        "text_pair": [None] * 4,
        "label": [0, 1, 0, 1],
        "label_name": ["x", "y", "x", "y"],
    }
)


def test_rejections_name_their_reason_and_sources_cycle():
    records = augment_cluster(Upper(), "upper", SOURCES, {"training text"}, count=3, attempts_per_point=2, seed=5)
    assert [r["source_id"] for r in records] == ["a", "b", "c", "d", "a", "b"]  # cycles, 3 × 2 attempts
    assert [r["reason"] for r in records] == [
        None,
        "unchanged",
        "copy of a training text",
        None,
        "duplicate",
        "unchanged",
    ]
    accepted = [r for r in records if r["accepted"]]
    assert [r["text"] for r in accepted] == ["ALPHA BETA", "DELTA"] and [r["index"] for r in accepted] == [0, 1]
    assert [r["label"] for r in accepted] == [0, 1]  # each keeps its source's label
    assert [r["seed"] for r in records] == list(range(5, 11))


def test_a_smaller_count_is_a_prefix_of_the_larger():
    small = augment_cluster(Upper(), "upper", SOURCES, set(), count=1, attempts_per_point=3, seed=2)
    large = augment_cluster(Upper(), "upper", SOURCES, set(), count=2, attempts_per_point=3, seed=2)

    def accepted(records):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in records if r["accepted"]]

    first = accepted(small)
    assert len(first) == 1 and first == accepted(large)[:1]
    assert np.isclose(first[0]["info"]["draw"], np.random.default_rng(2).random())
