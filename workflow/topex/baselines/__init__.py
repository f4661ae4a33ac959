"""The baselines' common driver: augment source points drawn from the chosen cluster.

Paper §3.1: the datasets are augmented with EDA, CLARE and A2T "as provided by TextAttack", and
the clusters are optimised "with a random set of the augmented data". Here every baseline takes
its sources in the order the oracle control draws real points (``controls.oracle_points``): the
chosen cluster's points in a seeded random order, then, when the cluster is smaller than the
attempts need, the explore points nearest to it in the output space (its region). A recipe that is
deterministic per source (A2T) thus still finds enough distinct points. Each source keeps its
label, and each attempt writes one augmented point, in the same JSONL schema as the LLM
generations, so that retraining treats every method alike. Attempt ``i`` uses source ``i`` and the
random generator seeded with ``seed + i``: the first n accepted points of a run asked for 10 are
what a run asked for n would accept (unless that smaller run ran out of its n × attempts_per_point
attempts first), so one file serves every count.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from ..attempts import Outcome, attempt_until, text_key

log = logging.getLogger("topex.baselines")

METHODS = ("eda", "a2t", "clare")


@dataclass(frozen=True)
class Augmented:
    """One augmented point: its text(s), how many words were changed, and recipe details."""

    text: str
    text_pair: str | None
    changed: int
    info: dict = field(default_factory=dict)


class WordAugmenter(Protocol):
    """A baseline recipe: one augmented version of a (text, text_pair) with label ``label``."""

    def augment(self, text: str, text_pair: str | None, label: int, rng: np.random.Generator) -> Augmented: ...


def augment_cluster(
    augmenter: WordAugmenter,
    method: str,
    sources: pd.DataFrame,
    training: set[str],
    count: int,
    attempts_per_point: int,
    seed: int,
) -> list[dict]:
    """Augment ``sources`` in order (cycling if there are fewer than the attempts) until ``count``
    are accepted or the ``count × attempts_per_point`` attempts run out.

    A result is rejected when it is unchanged, a duplicate of an earlier result, or a copy of a
    training text. Every attempt is recorded, with its source and reason.
    """
    if sources.empty:
        raise ValueError(f"{method}: no source points to augment")

    def attempt(i, attempt_seed, seen):
        source = sources.iloc[i % len(sources)]
        pair = source["text_pair"] if isinstance(source["text_pair"], str) else None
        started = time.perf_counter()
        result = augmenter.augment(source["text"], pair, int(source["label"]), np.random.default_rng(attempt_seed))
        seconds = time.perf_counter() - started
        whole = text_key(result.text, result.text_pair)
        reason = (
            "unchanged"
            if result.changed == 0 or (result.text, result.text_pair) == (source["text"], pair)
            else "duplicate"
            if whole in seen
            else "copy of a training text"
            if whole in training
            else None
        )
        before = {
            "text": result.text,
            "text_pair": result.text_pair,
            "label": int(source["label"]),
            "label_name": source["label_name"],
            "method": method,
            "source_id": source["id"],
            "source_text": source["text"],
            "source_text_pair": pair,
        }
        return Outcome(before, reason, {"changed_words": result.changed, "info": result.info, "seconds": seconds})

    return attempt_until(count, attempts_per_point, seed, attempt, log, f"{method}: ")


def make_augmenter(method: str, settings: dict, classifier_config: dict, model_dir=None, wordnet_dir=None):
    """The recipe ``method`` built from the config's ``baselines`` section (and, for A2T, the
    seed's classifier; for EDA, the prepared WordNet)."""
    from ..classifier import TrainSettings
    from ..devices import torch_device

    recipe = dict(settings[method])
    encoder = settings["sentence_encoder"]
    if method == "eda":  # no model: no device to take
        from .eda import EDA
        from .wordnet import WordNet

        return EDA(WordNet(wordnet_dir), **recipe)
    device = str(torch_device(TrainSettings.from_config(classifier_config).device))
    if method == "a2t":
        from .a2t import A2T
        from .similarity import SentenceSimilarity
        from .word_vectors import WordVectors

        vectors = WordVectors(recipe.pop("vectors"), recipe.pop("vocabulary"))
        similarity = SentenceSimilarity(encoder, recipe.pop("sentence_threshold"), device=device)
        return A2T.load(model_dir, TrainSettings.from_config(classifier_config), vectors, similarity, **recipe)
    if method == "clare":
        from .clare import CLARE, load_masked_lm
        from .similarity import SentenceSimilarity

        masked_lm, tokenizer = load_masked_lm(recipe.pop("masked_lm"), recipe.pop("masked_lm_revision"))
        masked_lm.to(device)
        similarity = SentenceSimilarity(
            encoder, recipe.pop("sentence_threshold"), recipe.pop("window_size"), device=device
        )
        candidates = recipe.pop("max_candidates")
        return CLARE(
            masked_lm,
            tokenizer,
            similarity,
            swap_max_candidates=candidates,
            insert_max_candidates=candidates,
            merge_max_candidates=candidates,
            **recipe,
        )
    raise ValueError(f"baselines.methods: unknown method '{method}' (one of {', '.join(METHODS)})")
