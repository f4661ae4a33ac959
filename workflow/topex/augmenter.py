"""The Augmenter (paper §2.4): an LLM writes new points for the chosen cluster.

One generation run per (dataset, seed, cluster, LLM, shots) produces the largest count of
accepted points; the counts 1, 3, 5, 10 are prefixes of that list. Attempt ``i`` always uses the
seed ``seed + i`` and its own draw of few-shot examples, so a run asked for 3 points makes exactly
the first attempts of a run asked for 10: the same seed gives the same output, and prefixes agree.
Every attempt is recorded, accepted or rejected with its reason (appendix C); the loop is
:func:`topex.attempts.attempt_until`, shared with the baselines.
"""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .attempts import Outcome, attempt_until
from .cleaning import Candidate, judge, normalised
from .data import texts_of
from .prompts import ANSWER, TASK, chat_messages, completion_prompt, example_text, instruction

log = logging.getLogger("topex.augmenter")


@dataclass(frozen=True)
class GenerationSettings:
    """One generation's settings: its count and shots, and the ``augment`` section of the config
    (validated: the schema holds the defaults)."""

    count: int  # accepted points wanted: the largest of the configured counts
    shots: int  # few-shot examples per prompt; 0 is zero-shot
    attempts_per_point: int  # bound on attempts: count × attempts_per_point
    min_words: int
    max_words: int
    max_tokens: int
    temperature: float
    top_p: float
    example_max_words: int

    @classmethod
    def from_config(cls, augment: dict, count: int, shots: int) -> "GenerationSettings":
        fields = [k for k in cls.__dataclass_fields__ if k not in ("count", "shots")]
        return cls(count=count, shots=shots, **{k: augment[k] for k in fields})


def cell_seed(*parts) -> int:
    """A stable seed for one generation cell, derived from its identity (dataset, training seed,
    cluster, LLM, shots): the same config always gives the same generations."""
    return zlib.crc32("|".join(str(part) for part in parts).encode()) % (2**31)


def target_label(cluster_points: pd.DataFrame) -> int:
    """The class to generate: the majority true label of the cluster's misclassified points
    (of all its points if none is misclassified); ties go to the lower label id."""
    wrong = cluster_points[~cluster_points["correct"]]
    labels = (wrong if len(wrong) else cluster_points)["label"].to_numpy()
    return int(np.bincount(labels).argmax())


def few_shot_pool(cluster_points: pd.DataFrame, label: int, max_words: int) -> list[str]:
    """Examples for few-shot prompts: the cluster's points of the target label, or all of its
    points when it has none of that label (the cluster is the context the LLM should stay in)."""
    same = cluster_points[cluster_points["label"] == label]
    chosen = same if len(same) else cluster_points
    pairs = chosen["text_pair"].where(chosen["text_pair"].notna(), None)
    return [example_text(t, p, max_words) for t, p in zip(chosen["text"], pairs)]


def training_keys(train: pd.DataFrame) -> set[str]:
    return {normalised(text) for text in texts_of(train)}


def generate(
    model,
    chat: bool,
    template: str,
    cluster_points: pd.DataFrame,
    cluster_name: str,
    label_names: list[str],
    training: set[str],
    settings: GenerationSettings,
    seed: int,
    system_role: bool = True,
    fit=None,
    screen=None,
) -> list[dict]:
    """Attempt generations until ``settings.count`` are accepted or the attempts run out.

    ``model`` is a ``llama_cpp.Llama``; ``chat`` says whether to use its chat template, and
    ``system_role`` whether that template takes a system turn (see :func:`prompts.chat_messages`).
    ``label_names`` are the words the prompts use for the labels. Returns one record per attempt
    (accepted ones carry their rank ``index``), plus timing and token counts.
    ``fit(task, examples)``, when given, cuts the examples to fit the LLM's context.
    ``screen(text, text_pair, label) -> (reason, measured)``, when given, judges each candidate
    that passed the format checks (near-copies, the label check: :mod:`topex.screening`); what it
    measured goes into the record under ``screen``.
    """
    label = target_label(cluster_points)
    pair = bool(cluster_points["text_pair"].notna().any())
    task = instruction(template, cluster_name, label_names[label], label_names)
    pool = few_shot_pool(cluster_points, label, settings.example_max_words)
    rng = np.random.default_rng(seed)

    def attempt(_, attempt_seed, seen):  # the seed tells the attempt apart
        shots = min(settings.shots, len(pool))
        examples = [pool[i] for i in rng.choice(len(pool), size=shots, replace=False)] if shots else []
        if fit is not None:
            examples = fit(task, examples)
            shots = len(examples)
        raw, prompt, usage, seconds = complete(model, chat, task, examples, settings, attempt_seed, system_role)
        candidate = judge(raw, pair, seen, training, settings.min_words, settings.max_words, prompt=task)
        measured = None
        if screen is not None and candidate.accepted:
            reason, measured = screen(candidate.text, candidate.text_pair, label)
            candidate = Candidate(candidate.text, candidate.text_pair, reason)
        before = {
            "text": candidate.text,
            "text_pair": candidate.text_pair,
            "label": label,
            "label_name": label_names[label],
            "cluster_name": cluster_name,
            "shots": shots,
        }
        after = {
            "raw": raw,
            "prompt": prompt,
            "prompt_tokens": usage["prompt_tokens"],
            "completion_tokens": usage["completion_tokens"],
            "seconds": seconds,
        }
        if screen is not None:
            after["screen"] = measured
        return Outcome(before, candidate.reason, after)

    return attempt_until(settings.count, settings.attempts_per_point, seed, attempt, log)


def complete(model, chat, task, examples, settings, seed, system_role=True):
    """One call to the model (``settings``: max_tokens, temperature, top_p); returns the raw text, the prompt as sent, its token counts and seconds."""
    sampling = dict(max_tokens=settings.max_tokens, temperature=settings.temperature, top_p=settings.top_p, seed=seed)
    started = time.perf_counter()
    if chat:
        messages = chat_messages(task, examples, system_role)
        output = model.create_chat_completion(messages=messages, **sampling)
        raw, prompt = output["choices"][0]["message"]["content"] or "", messages
    else:
        prompt = completion_prompt(task, examples)
        # a base model goes on to the next block of the frame: its markers end the answer
        output = model.create_completion(prompt, stop=[f"\n{TASK}", f"\n{ANSWER}"], **sampling)
        raw = output["choices"][0]["text"]
    seconds = time.perf_counter() - started
    usage = {key: int(output["usage"][key]) for key in ("prompt_tokens", "completion_tokens")}
    return raw, prompt, usage, seconds
