"""Sentence embeddings from the local encoder: of the explored texts (to name clusters), of the
test and train texts, and of generated points (near-copies, the label judge, Table 3).

The splits' embeddings depend on the texts only, not on the classifier, so the workflow computes
them once per dataset and every seed reuses them.
"""

from __future__ import annotations

import numpy as np

from .models import resolve_model


def load_encoder(model: str, max_length: int, device: str = "cpu", revision: str | None = None):
    """The sentence encoder (``revision``: the hub commit of ``model``; safetensors weights only),
    loaded once by callers that embed many small batches (the generation filter)."""
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(
        resolve_model(model), device=device, revision=revision, model_kwargs={"use_safetensors": True}
    )
    encoder.max_seq_length = max_length
    return encoder


def encode(encoder, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text, from a loaded encoder."""
    if not texts:
        return np.zeros((0, encoder.get_sentence_embedding_dimension()), dtype=np.float32)
    vectors = encoder.encode(
        texts, batch_size=batch_size, show_progress_bar=progress, normalize_embeddings=True, convert_to_numpy=True
    )
    return vectors.astype(np.float32)


def embed(
    texts: list[str], model: str, batch_size: int, max_length: int, device: str = "cpu", revision: str | None = None
) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text (``revision``: the hub commit of ``model``;
    safetensors weights only)."""
    return encode(load_encoder(model, max_length, device, revision), texts, batch_size, progress=True)
