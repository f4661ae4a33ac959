"""Sentence-similarity constraint of the attack recipes, on the local sentence encoder.

TextAttack's A2T uses ``BERT(model_name="stsb-distilbert-base", threshold=0.9, metric="cosine")``
and CLARE ``UniversalSentenceEncoder(threshold=0.7, metric="cosine", compare_against_original=True,
window_size=15, skip_text_shorter_than_window=True)``. Neither encoder ships offline, so both use
the configured local sentence encoder (MiniLM-L6 by default); thresholds stay config values.
With a window, only the words around the modified word are compared, as TextAttack does.
"""

from __future__ import annotations

import numpy as np

from ..embeddings import encode, load_encoder
from .words import Words


class SentenceSimilarity:
    """Cosine similarity of sentence embeddings between an original and its candidates."""

    def __init__(
        self, model: str, threshold: float, window_size: int | None = None, max_length: int = 128, device: str = "cpu"
    ):
        self.encoder = load_encoder(model, max_length, device)
        self.threshold, self.window_size = threshold, window_size

    def similarity(self, original: str, candidates: list[str]) -> np.ndarray:
        vectors = encode(self.encoder, [original, *candidates], batch_size=32)
        return vectors[1:] @ vectors[0]

    def window(self, words: Words, index: int) -> str:
        """The ``window_size`` words centred on ``index`` (the whole text without a window)."""
        if self.window_size is None or len(words) <= self.window_size:
            return words.text
        start = min(max(index - self.window_size // 2, 0), len(words) - self.window_size)
        return " ".join(words.words[start : start + self.window_size])

    def allows(self, original: Words, candidates: list[Words], index: int) -> np.ndarray:
        """Which candidates (edits of ``original`` at word ``index``) keep the similarity at or
        above the threshold. Texts shorter than the window are not checked (TextAttack's
        ``skip_text_shorter_than_window``)."""
        if not candidates:
            return np.zeros(0, dtype=bool)
        if self.window_size is not None and len(original) < self.window_size:
            return np.ones(len(candidates), dtype=bool)
        scores = self.similarity(self.window(original, index), [self.window(c, index) for c in candidates])
        return scores >= self.threshold
