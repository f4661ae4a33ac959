"""Generation quality: the metrics on hand-built cases, the judge, the filter's screen, Table 3."""

import numpy as np
import pandas as pd
import pytest
from conftest import generation_settings

from topex import generation_quality as quality
from topex import table3
from topex.augmenter import generate
from topex.judge import Judge, fit_judge
from topex.screening import screen_vector


def unit(rows):
    rows = np.asarray(rows, dtype=np.float64)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


# three clusters in 3 dimensions, and noise
EMBEDDINGS = unit([[1, 0.1, 0], [1, -0.1, 0], [0, 1, 0.1], [0.1, 1, 0], [0, 0, 1], [0, 0.2, 1], [1, 1, 1]])
CLUSTER = np.array([0, 0, 1, 1, 2, 2, -1])


def test_a_point_equal_to_the_centroid_is_on_topic():
    ids, centres = quality.centroids(EMBEDDINGS, CLUSTER)
    assert ids.tolist() == [0, 1, 2]
    on_topic, cosine = quality.topic_fit(centres[[1]], ids, centres, chosen=1)
    assert on_topic.tolist() == [True] and cosine[0] == pytest.approx(1.0)
    # the same point is off-topic for another cluster, with a lower cosine
    on_topic, cosine = quality.topic_fit(centres[[1]], ids, centres, chosen=2)
    assert on_topic.tolist() == [False] and cosine[0] < 0.5
    assert quality.members_on_topic(EMBEDDINGS, CLUSTER, ids, centres, 0) == 1.0
    with pytest.raises(ValueError, match="cluster 7"):
        quality.topic_fit(centres[[1]], ids, centres, chosen=7)


def test_an_exact_copy_of_a_test_text_is_a_near_copy():
    references = EMBEDDINGS[:4]  # explore 0-1, test 2-3
    splits = np.array(["explore", "explore", "test", "test"])
    best, copy = quality.near_copies(EMBEDDINGS[[3, 4]], references, 0.95)
    assert copy.tolist() == [True, False]
    assert best[0] == pytest.approx(1.0) and best[1] < 0.95
    reason, measured = screen_vector(EMBEDDINGS[3], 1, references, splits, 0.95)
    assert reason.startswith("near-copy of a test text (cosine 1.000") and measured["nearest_cosine"] == 1.0
    assert quality.reason_kind(reason) == "near-copy of explore/test"
    assert screen_vector(EMBEDDINGS[4], 1, references, splits, 0.95)[0] is None


def test_distinct_2_and_pairwise_cosine_of_repeated_sentences():
    assert quality.distinct_n(["the cat sat", "the cat sat", "the cat sat"], 2) == pytest.approx(2 / 6)
    assert quality.distinct_n(["a b c a b c"], 2) == pytest.approx(3 / 5)  # ab bc ca ab bc
    assert quality.distinct_n(["one two three", "four five six"], 2) == 1.0
    assert np.isnan(quality.distinct_n(["single"], 2))
    assert quality.mean_pairwise_cosine(np.repeat(EMBEDDINGS[:1], 3, axis=0)) == pytest.approx(1.0)
    assert quality.mean_pairwise_cosine(np.eye(3)) == pytest.approx(0.0)
    assert np.isnan(quality.mean_pairwise_cosine(EMBEDDINGS[:1]))


def test_rejection_reasons_are_grouped_by_kind():
    assert quality.reason_kind("too short: 3 words < 5") == "too short"
    assert quality.reason_kind("echoes the prompt ('Task:')") == "echoes the prompt"
    assert quality.reason_kind("pair delimiter /delim/ found 2 times, not once") == "pair delimiter"
    assert quality.reason_kind("off-label: the judge reads 'sport'") == "off-label (judge)"
    assert quality.reason_kind("something new: detail") == "something new"


def test_judge_reads_labels_and_round_trips_as_arrays():
    rng = np.random.default_rng(0)
    for classes in (2, 3):
        centres = np.eye(4)[:classes] * 3
        labels = np.repeat(np.arange(classes), 20)
        points = centres[labels] + rng.normal(scale=0.3, size=(len(labels), 4))
        judge = fit_judge(points, labels)
        assert (judge.predict(points) == labels).mean() == 1.0
        again = Judge.from_arrays(judge.arrays())
        assert again.predict(centres).tolist() == list(range(classes))
    with pytest.raises(ValueError, match="two classes"):
        fit_judge(points, np.zeros(len(points), dtype=int))


def test_the_label_check_rejects_what_the_judge_reads_as_another_class():
    judge = fit_judge(np.array([[1.0, 0], [0.9, 0.1], [0, 1.0], [0.1, 0.9]]), np.array([0, 0, 1, 1]))
    empty = np.zeros((0, 2))
    reason, measured = screen_vector(np.array([1.0, 0]), 1, empty, np.array([]), 0.95, judge, ["business", "sport"])
    assert reason == "off-label: the judge reads 'business'" and measured == {"judge_label": 0}
    assert screen_vector(np.array([1.0, 0]), 0, empty, np.array([]), 0.95, judge)[0] is None


class Stub:
    """A completion model that writes a different sentence for every seed."""

    def create_completion(self, prompt, seed, **kwargs):
        return {
            "choices": [{"text": f"A fine article about markets and banks number {seed}"}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 9},
        }


def test_the_augmenter_records_what_the_screen_rejects_and_tries_again():
    cluster = pd.DataFrame(
        {"text": ["banks lend", "markets fall"], "text_pair": [None, None], "label": [0, 0], "correct": [False, False]}
    )
    calls = []

    def screen(text, text_pair, label):
        calls.append((text, label))
        return (
            ("near-copy of an explore text (cosine 0.990 >= 0.95)", {"nearest_cosine": 0.99})
            if len(calls) == 1
            else (None, {"nearest_cosine": 0.5})
        )

    records = generate(
        Stub(),
        False,
        "Generate a {label} news article about '{issue}'",
        cluster,
        "banks",
        ["business"],
        set(),
        generation_settings(2, 0),
        seed=5,
        screen=screen,
    )
    assert [r["accepted"] for r in records] == [False, True, True]
    assert records[0]["reason"].startswith("near-copy") and records[0]["screen"] == {"nearest_cosine": 0.99}
    assert [r["index"] for r in records] == [None, 0, 1] and len(calls) == 3


def test_quality_table_pools_files_and_seeds():
    def summary(seed, accepted, judge, on_topic, rejected):
        return {
            "dataset": "d",
            "llm": "m",
            "shots": 0,
            "seed": seed,
            "cluster": 1,
            "attempts": accepted + sum(rejected.values()),
            "accepted": accepted,
            "rejected": rejected,
            "base_agree": 0,
            "judge_agree": judge,
            "on_topic": on_topic,
            "centroid_cosine_sum": 0.5 * accepted,
            "near_copies_accepted": 0,
            "distinct_2": 1.0,
            "pairwise_cosine": 0.2,
            "members_on_topic": 0.5,
        }

    table = quality.quality_table(
        [summary(0, 4, 2, 1, {"too short": 2}), summary(1, 6, 6, 3, {"too short": 1, "near-copy of explore/test": 3})]
    )
    pooled = table[table["seed"] == "all"].iloc[0]
    assert pooled["accepted"] == 10 and pooled["attempts"] == 16
    assert pooled["judge_agreement"] == pytest.approx(0.8) and pooled["on_topic_rate"] == pytest.approx(0.4)
    assert pooled["rejections"] == "too short 3, near-copy of explore/test 3" and pooled["near_copies_rejected"] == 3
    assert table[table["seed"] == "0"].iloc[0]["acceptance_rate"] == pytest.approx(4 / 6)
    text = quality.quality_markdown(
        table, {"d": {"explore_accuracy": 0.9, "test_accuracy": 0.8, "classes": 5}}, 0.95, "none"
    )
    assert "| d | m | 0 | 2 | 10 / 16 (62 %) |" in text and "80 % on test" in text


def test_table3_cuts_long_texts_and_escapes_generated_markup():
    assert table3.cut("word " * 100, 20).endswith("…") and len(table3.cut("word " * 100, 20)) == 20
    clusters = pd.DataFrame(
        {
            "cluster": [3],
            "size": [6],
            "n_misclassified": [4],
            "name": ["markets banks"],
            "bertopic_name": ["markets banks"],
            "llm_name": [""],
        }
    )
    points = pd.DataFrame(
        {
            "cluster": [3],
            "llm": ["m"],
            "shots": [0],
            "index": [0],
            "full_text": ["a | b <script>x</script> " + "y" * 400],
            "label_name": ["business"],
            "base_prediction_name": ["sport"],
            "judge_prediction_name": ["business"],
            "similar_1_text": ["banks lend"],
            "similar_1_label": ["business"],
            "similar_1_cosine": [0.8],
            "similar_1_split": ["train"],
            "similar_2_text": ["markets fall"],
            "similar_2_label": ["business"],
            "similar_2_cosine": [0.7],
            "similar_2_split": ["explore"],
        }
    )
    summaries = [
        {
            "cluster": 3,
            "llm": "m",
            "shots": 0,
            "accepted": 1,
            "attempts": 2,
            "rejected_attempts": [{"attempt": 0, "reason": "too short: 1 words < 5", "raw": "Hi"}],
        },
        {"cluster": 3, "llm": "m", "shots": 1, "accepted": 0, "attempts": 1, "rejected_attempts": []},
    ]
    blocks = table3.dataset_blocks("d", "0", "weighted", 3, clusters, points, summaries, ["m"], [0, 1], 60, 3)
    text = table3.markdown(blocks, "Table 3")
    assert "cluster 3 'markets banks'" in text and "a \\| b &lt;script&gt;" in text and "<script>" not in text
    assert "| most similar original (train) | banks lend | business | 0.80 |" in text
    assert "(no point accepted)" in text and "| 0 | 0 | too short: 1 words &lt; 5 | Hi |" in text
    page = table3.page(blocks, "Table 3")
    assert "&lt;script&gt;" in page and "<script>" not in page
    none = table3.markdown(table3.dataset_blocks("d", "0", "weighted", None, clusters, points, [], ["m"], [0]), "T")
    assert "No cluster chosen" in none
