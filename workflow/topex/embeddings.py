"""Sentence embeddings from the local encoder: of the explored texts (to name clusters), of the
test and train texts, and of generated points (near-copies, the label judge, Table 3).

The splits' embeddings depend on the texts only, not on the classifier, so the workflow computes
them once per dataset and every seed reuses them.

The encoder is a sentence-transformers model (all-MiniLM-L6-v2 by default) run with transformers
alone: importing sentence-transformers costs seconds (scikit-learn, SciPy and its own backends),
and every generation job paid them for the filter's encoder. The models the workflow uses are a
transformer, a mean or CLS pooling and an L2 normalisation, as their ``modules.json`` says;
:class:`SentenceEncoder` runs exactly that, batched as sentence-transformers batches (longest
texts first), and refuses any other layout naming the model. tests/test_embeddings.py holds it
against sentence-transformers' own ``encode``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .models import pretrained_kwargs, resolve_model

TRANSFORMER = "sentence_transformers.models.Transformer"
POOLING = "sentence_transformers.models.Pooling"
NORMALIZE = "sentence_transformers.models.Normalize"
POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


def _model_file(source: str, name: str, revision: str | None) -> dict | None:
    """A JSON file of a local model directory or a hub repository (None when it has none)."""
    if Path(source).is_dir():
        path = Path(source) / name
        return json.loads(path.read_text()) if path.is_file() else None
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError

    try:
        return json.loads(Path(hf_hub_download(source, name, revision=revision)).read_text())
    except EntryNotFoundError:
        return None


class SentenceEncoder:
    """A sentence-transformers model (transformer, pooling, normalisation) on transformers alone."""

    def __init__(
        self, model: str, max_length: int, device: str = "cpu", revision: str | None = None, precision: str = "fp32"
    ):
        from transformers import AutoModel, AutoTokenizer

        source = resolve_model(model)
        modules = _model_file(source, "modules.json", revision)
        if modules is None:
            raise ValueError(f"encoder.model '{model}': no modules.json, not a sentence-transformers model")
        kinds = [module["type"] for module in modules]
        if kinds not in ([TRANSFORMER, POOLING], [TRANSFORMER, POOLING, NORMALIZE]):
            raise ValueError(
                f"encoder.model '{model}': modules {kinds}; supported: a Transformer, a Pooling and "
                "optionally a Normalize module"
            )
        folder = modules[0]["path"]
        pooling = _model_file(source, f"{modules[1]['path']}/config.json", revision) or {}
        modes = [mode for key, mode in POOLING_MODES.items() if pooling.get(key)]
        others = [key for key, value in pooling.items() if key.startswith("pooling_mode") and value]
        if len(modes) != 1 or len(others) != 1:
            raise ValueError(f"encoder.model '{model}': pooling {others}; supported: mean or CLS tokens alone")
        settings = _model_file(source, f"{folder}/sentence_bert_config.json".lstrip("/"), revision) or {}
        self.pooling, self.normalise = modes[0], len(kinds) == 3
        self.lower_case, self.max_length, self.device = settings.get("do_lower_case", False), max_length, device
        self.precision = precision
        subfolder = {"subfolder": folder} if folder else {}
        self.tokenizer = AutoTokenizer.from_pretrained(source, revision=revision, **subfolder)
        self.model = AutoModel.from_pretrained(source, **pretrained_kwargs(revision), **subfolder).to(device).eval()
        self.dimension = self.model.config.hidden_size

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """One float32 row per text, in order: batches of the longest texts first (less padding)."""
        import torch

        from .devices import autocast

        texts = [str(text).strip() for text in texts]
        texts = [text.lower() for text in texts] if self.lower_case else texts
        order = np.argsort([-len(text) for text in texts], kind="stable")
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with torch.inference_mode(), autocast(self.precision, torch.device(self.device)):
            for start in range(0, len(texts), batch_size):
                rows = order[start : start + batch_size]
                batch = self.tokenizer(
                    [texts[i] for i in rows],
                    padding=True,
                    truncation="longest_first",
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
                tokens = self.model(**batch).last_hidden_state
                if self.pooling == "cls":
                    pooled = tokens[:, 0]
                else:
                    mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
                    pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                if self.normalise:
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                vectors[rows] = pooled.float().cpu().numpy()
        return vectors


def load_encoder(
    model: str, max_length: int, device: str = "cpu", revision: str | None = None, precision: str = "fp32"
) -> SentenceEncoder:
    """The sentence encoder (``revision``: the hub commit of ``model``; safetensors weights only;
    ``precision``: :func:`topex.devices.autocast`), loaded once by callers that embed many small
    batches (the generation filter)."""
    return SentenceEncoder(model, max_length, device, revision, precision)


def encode(encoder: SentenceEncoder, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text, from a loaded encoder."""
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    vectors = encoder.encode(list(texts), batch_size)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)  # unit length whatever the model's modules
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def embed(
    texts: list[str],
    model: str,
    batch_size: int,
    max_length: int,
    device: str = "cpu",
    revision: str | None = None,
    precision: str = "fp32",
) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text (``revision``: the hub commit of ``model``;
    safetensors weights only; ``precision``: :func:`topex.devices.autocast`)."""
    return encode(load_encoder(model, max_length, device, revision, precision), texts, batch_size)
