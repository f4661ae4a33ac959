"""The ``top`` retraining mode: continue training the top of the seed's base model (its head and,
optionally, its last encoder layers) on cached representations, with the added points in every step.

What a user of TopEx does with a handful of new points is fine-tune the classifier they have on
them, mixed with replayed training data so it does not forget; the paper retrains from scratch,
which costs a minute a cell on a CPU and is as noisy as the seeds. This mode keeps what a cell
and its control share *exactly* shared (common random numbers):

- both start from the seed's base model, the one the Explorer explored (not a refit that has
  already fixed the failures the Explorer found);
- both take ``steps`` AdamW steps, each on the same replay batch of ``replay_batch_size``
  training points (an order drawn from the seed alone); the cell adds all its n points to every
  batch, so n points are seen ``steps`` times, as when fine-tuning on new data for a few epochs;
- dropout is off, so the pair differs only in the added points' gradients;
- the frozen lower part is run once and cached: the inputs of the final linear layer
  (``layers: 0``, cached per seed by predict_base and embed_added) or the hidden states entering
  the last ``layers`` encoder layers (BERT-style models: ``encoder.layer``, ``pooler``,
  ``classifier``; cached per job). Frozen layers' outputs do not change, so the cache is exact,
  and a cell costs a few optimiser steps on the top.

This module trains ``layers`` ≥ 1 with torch; the head alone is a linear softmax classifier,
trained in NumPy by :mod:`topex.linear_head` without starting torch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from . import classifier
from .retrain_modes import replay_order


class _Stop(Exception):
    """Raised by the hook that captures a layer's input, to skip the layers above it."""


def bert_parts(model, layers: int):
    """The encoder layers retrained and the modules above them, for a BERT-style classifier."""
    base = getattr(model, "base_model", None)
    encoder = getattr(base, "encoder", None)
    if not (hasattr(encoder, "layer") and getattr(base, "pooler", None) is not None and hasattr(model, "classifier")):
        raise ValueError(
            f"retrain.top.layers = {layers} needs a BERT-style classifier (encoder.layer, pooler, "
            f"classifier); {type(model).__name__} is not one: use retrain.top.layers: 0"
        )
    if not 0 < layers <= len(encoder.layer):
        raise ValueError(f"retrain.top.layers = {layers}: the model has {len(encoder.layer)} encoder layers")
    return base, list(encoder.layer[-layers:])


def lower_outputs(model, tokenizer, frame: pd.DataFrame, settings: classifier.TrainSettings, layers: int):
    """The hidden states entering the last ``layers`` encoder layers, one ``(length, hidden)`` array
    per point (unpadded), computed without running the layers above."""
    base, top = bert_parts(model, layers)
    device = next(model.parameters()).device
    model.eval()
    items = classifier.encode(tokenizer, frame, settings.max_length)
    states: list[np.ndarray | None] = [None] * len(items)
    captured = []

    def capture(_, args, kwargs):
        captured.append(args[0] if args else kwargs["hidden_states"])
        raise _Stop

    hook = top[0].register_forward_pre_hook(capture, with_kwargs=True)
    try:
        with torch.inference_mode():
            for start in range(0, len(items), settings.eval_batch_size):
                chosen = list(range(start, min(start + settings.eval_batch_size, len(items))))
                try:
                    base(**classifier._batch(tokenizer, [items[i] for i in chosen], device))
                except _Stop:
                    pass
                hidden = captured.pop().float().cpu().numpy()
                for row, i in enumerate(chosen):
                    states[i] = hidden[row, : len(items[i]["input_ids"])].copy()
    finally:
        hook.remove()
    return states


def _pad(states: list[np.ndarray], device) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(s) for s in states)
    hidden = np.zeros((len(states), longest, states[0].shape[1]), dtype=np.float32)
    mask = np.zeros((len(states), longest), dtype=np.int64)
    for i, s in enumerate(states):
        hidden[i, : len(s)], mask[i, : len(s)] = s, 1
    return torch.from_numpy(hidden).to(device), torch.from_numpy(mask).to(device)


def top_logits(model, layers: int, states: list[np.ndarray]) -> torch.Tensor:
    """Logits from cached hidden states through the last ``layers`` layers, pooler and head."""
    from transformers.masking_utils import create_bidirectional_mask

    base, top = bert_parts(model, layers)
    hidden, mask = _pad(states, next(model.parameters()).device)
    attention = create_bidirectional_mask(config=base.config, inputs_embeds=hidden, attention_mask=mask)
    for layer in top:
        hidden = layer(hidden, attention)
        hidden = hidden[0] if isinstance(hidden, tuple) else hidden
    return model.classifier(model.dropout(base.pooler(hidden)))


class TopRetrainer:
    """The cached lower part of one seed's base model and the steps of a cell (see module doc)."""

    def __init__(
        self,
        model,
        tokenizer,
        settings: classifier.TrainSettings,
        top,
        seed: int,
        train: pd.DataFrame,
        evaluated: pd.DataFrame,
    ):
        if not top.layers:
            raise ValueError(
                "retrain.top.layers = 0 trains the head alone: topex.linear_head, on cached representations"
            )
        self.model, self.tokenizer, self.settings, self.top, self.seed = model, tokenizer, settings, top, seed
        self.train_labels = train["label"].to_numpy()
        self.initial = {name: value.detach().clone() for name, value in model.state_dict().items()}
        self.train_inputs = lower_outputs(model, tokenizer, train, settings, top.layers)
        self.evaluated_inputs = lower_outputs(model, tokenizer, evaluated, settings, top.layers)

    def represent(self, frame: pd.DataFrame) -> list[np.ndarray]:
        """What the trained top reads for ``frame``: the hidden states entering its layers."""
        return lower_outputs(self.model, self.tokenizer, frame, self.settings, self.top.layers)

    def run(self, added_inputs: list[np.ndarray], added_labels: np.ndarray) -> np.ndarray:
        """Train from the base weights with the added points in every step; logits over ``evaluated``."""
        from transformers import set_seed

        self.model.load_state_dict(self.initial)
        self.model.eval()  # no dropout: a cell and its control differ only in the added points
        set_seed(self.seed)
        head = classifier.head_layer(self.model)
        base, layers = bert_parts(self.model, self.top.layers)
        upper = [p for layer in layers for p in layer.parameters()] + list(base.pooler.parameters())
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)
        groups = [
            {"params": list(head.parameters()), "lr": self.top.learning_rate},
            {"params": upper, "lr": self.top.layer_learning_rate},
        ]
        for group in groups:
            for parameter in group["params"]:
                parameter.requires_grad_(True)
        optimiser = torch.optim.AdamW(groups, weight_decay=0.0)
        order = replay_order(len(self.train_labels), self.top.steps, self.top.replay_batch_size, self.seed)
        device = head.weight.device
        for step in range(self.top.steps):
            rows = order[step * self.top.replay_batch_size : (step + 1) * self.top.replay_batch_size]
            inputs = [self.train_inputs[i] for i in rows] + list(added_inputs)
            labels = np.concatenate([self.train_labels[rows], added_labels])
            logits = top_logits(self.model, self.top.layers, inputs)
            loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(labels, device=device))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        batch = self.settings.eval_batch_size
        with torch.no_grad():
            return np.vstack(
                [
                    top_logits(self.model, self.top.layers, self.evaluated_inputs[i : i + batch]).float().cpu().numpy()
                    for i in range(0, len(self.evaluated_inputs), batch)
                ]
            )
