"""The generation filter's checks that need a sentence encoder: near-copies and the label check.

Run after the format checks of :mod:`topex.cleaning`, on each candidate that passed them:

- **near-copy**: a candidate whose sentence embedding has cosine at least ``near_copy_cosine``
  with an explore or test text is rejected: added to training it would leak a point that the
  Explorer, the oracle control or the evaluation uses (few-shot prompts show explore texts, and
  small LLMs copy them);
- **label check** (``augment.label_check: judge``): a candidate that the independent judge
  (:mod:`topex.judge`) assigns to another label than the target is rejected: accepted, it would
  train the classifier on a wrong label.

The text is data: it is embedded, never executed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embeddings import encode
from .judge import Judge

LABEL_CHECKS = ("none", "judge")


@dataclass
class Screen:
    """Near-copy and label checks of one generation run."""

    encoder: object  # a loaded sentence encoder (topex.embeddings.load_encoder)
    references: np.ndarray  # L2-normalised embeddings of the explore and test texts, stacked
    reference_splits: np.ndarray  # the split ("explore" / "test") of each row of references
    near_copy_cosine: float
    judge: Judge | None = None  # None: no label check
    label_names: list[str] | None = None

    def __call__(self, text: str, text_pair: str | None, label: int) -> tuple[str | None, dict]:
        """The reason to reject the candidate (None: keep it) and what was measured."""
        whole = text if text_pair is None else f"{text} {text_pair}"
        vector = encode(self.encoder, [whole])
        return screen_vector(
            vector[0],
            label,
            self.references,
            self.reference_splits,
            self.near_copy_cosine,
            self.judge,
            self.label_names,
        )


def screen_vector(
    vector: np.ndarray,
    label: int,
    references: np.ndarray,
    reference_splits: np.ndarray,
    near_copy_cosine: float,
    judge: Judge | None = None,
    label_names: list[str] | None = None,
) -> tuple[str | None, dict]:
    """:class:`Screen`'s decision for one embedded candidate (a pure function, for the tests)."""
    info: dict = {}
    if len(references):
        cosines = references @ vector
        best = int(cosines.argmax())
        info["nearest_cosine"] = round(float(cosines[best]), 4)
        if cosines[best] >= near_copy_cosine:
            split = str(reference_splits[best])
            article = "an" if split[0] in "aeiou" else "a"
            return f"near-copy of {article} {split} text (cosine {cosines[best]:.3f} >= {near_copy_cosine})", info
    if judge is not None:
        read = int(judge.predict(vector[None, :])[0])
        info["judge_label"] = read
        if read != label:
            name = label_names[read] if label_names else str(read)
            return f"off-label: the judge reads '{name}'", info
    return None, info
