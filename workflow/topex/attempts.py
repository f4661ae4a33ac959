"""Attempt new points until n are accepted, recording every attempt: the loop the Augmenter and
the baselines share.

Attempt ``i`` runs with the seed ``seed + i``, and at most ``count × attempts_per_point`` attempts
are made. Each attempt's record is the method's own fields around the loop's (``attempt``,
``seed``, ``accepted``, ``reason``, ``index``: the rank of an accepted point), so every method's
file has the same schema. A text is accepted at most once: ``seen`` holds the keys of the texts
accepted so far, which each method checks in its own order of rejections.
"""

from __future__ import annotations

import logging
from typing import Callable, NamedTuple

from .cleaning import normalised


class Outcome(NamedTuple):
    """One attempt: the record's fields before the loop's, the reason it was rejected (None:
    accepted) and the fields after the loop's. ``before`` holds ``text`` and ``text_pair``."""

    before: dict
    reason: str | None
    after: dict


def text_key(text: str, text_pair: str | None) -> str:
    """The form in ``seen``: the normalised text, a pair's premise and hypothesis joined by a space."""
    return normalised(text if text_pair is None else f"{text} {text_pair}")


def attempt_until(
    count: int,
    attempts_per_point: int,
    seed: int,
    attempt: Callable[[int, int, set[str]], Outcome],
    log: logging.Logger,
    what: str = "",
) -> list[dict]:
    """Call ``attempt(i, seed + i, seen)`` for i = 0, 1, ... until ``count`` are accepted or the
    ``count × attempts_per_point`` attempts run out; return one record per attempt, in order.

    ``seen`` holds the :func:`text_key` of every text accepted so far (the loop adds them); fewer
    than ``count`` accepted is logged on ``log`` as a warning, prefixed with ``what``.
    """
    seen: set[str] = set()
    records: list[dict] = []
    accepted = 0
    for i in range(count * attempts_per_point):
        if accepted == count:
            break
        outcome = attempt(i, seed + i, seen)
        ok = outcome.reason is None
        records.append(
            {
                **outcome.before,
                "attempt": i,
                "seed": seed + i,
                "accepted": ok,
                "reason": outcome.reason,
                "index": accepted if ok else None,
                **outcome.after,
            }
        )
        if ok:
            seen.add(text_key(outcome.before["text"], outcome.before["text_pair"]))
            accepted += 1
    if accepted < count:
        log.warning("%sonly %d of %d points accepted after %d attempts", what, accepted, count, len(records))
    return records
