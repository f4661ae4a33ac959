"""Sentence embeddings of the explored texts from the local encoder (used to name clusters).

They depend on the texts only, not on the classifier, so the workflow computes them once per
dataset and every seed reuses them.
"""

from __future__ import annotations

import numpy as np

from .models import resolve_model


def embed(
    texts: list[str], model: str, batch_size: int, max_length: int, device: str = "cpu", revision: str | None = None
) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text (``revision``: the hub commit of ``model``;
    safetensors weights only)."""
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(
        resolve_model(model), device=device, revision=revision, model_kwargs={"use_safetensors": True}
    )
    encoder.max_seq_length = max_length
    vectors = encoder.encode(
        texts, batch_size=batch_size, show_progress_bar=True, normalize_embeddings=True, convert_to_numpy=True
    )
    return vectors.astype(np.float32)
