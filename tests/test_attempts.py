"""The attempt loop the Augmenter and the baselines share, on a fake attempt."""

import logging

from topex.attempts import Outcome, attempt_until, text_key

log = logging.getLogger("topex.test")


def fake(texts):
    """Answers attempt i with texts[i]; None is rejected as 'empty', a seen text as 'duplicate'."""
    calls = []

    def attempt(i, seed, seen):
        calls.append((i, seed))
        text = texts[i]
        reason = "empty" if text is None else "duplicate" if text_key(text, None) in seen else None
        return Outcome({"text": text, "text_pair": None}, reason, {"after": i})

    return attempt, calls


def test_stops_at_count_and_numbers_the_accepted():
    attempt, calls = fake(["a", None, "A.", "b", "c", "d"])
    records = attempt_until(2, 3, 10, attempt, log)
    assert calls == [(0, 10), (1, 11), (2, 12), (3, 13)]  # stops once 2 are accepted
    assert [r["reason"] for r in records] == [None, "empty", "duplicate", None]  # "A." is "a" normalised
    assert [r["index"] for r in records] == [0, None, None, 1]
    assert [r["accepted"] for r in records] == [True, False, False, True]
    # the loop's fields between the attempt's own, in this order
    assert list(records[0]) == ["text", "text_pair", "attempt", "seed", "accepted", "reason", "index", "after"]
    assert records[3] == {
        "text": "b",
        "text_pair": None,
        "attempt": 3,
        "seed": 13,
        "accepted": True,
        "reason": None,
        "index": 1,
        "after": 3,
    }


def test_attempts_are_bounded_and_every_one_recorded(caplog):
    attempt, calls = fake([None, "a", None, None, "a", None, "b"])
    with caplog.at_level(logging.WARNING, logger="topex.test"):
        records = attempt_until(3, 2, 0, attempt, log, "fake: ")
    assert len(calls) == len(records) == 6  # 3 × 2 attempts, the last text never asked for
    assert [r["attempt"] for r in records] == list(range(6)) and [r["seed"] for r in records] == list(range(6))
    assert sum(r["accepted"] for r in records) == 1
    assert "fake: only 1 of 3 points accepted after 6 attempts" in caplog.text


def test_pairs_are_seen_as_premise_and_hypothesis_joined():
    assert text_key("A  Premise.", "the Hypothesis!") == "a premise. the hypothesis"
