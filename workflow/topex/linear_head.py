"""The top retraining mode with ``retrain.top.layers: 0``: optimiser steps on the base model's
final linear layer alone, on cached representations, in NumPy.

With no encoder layer retrained, the part that trains is a linear softmax classifier, so its
steps need no deep-learning framework. A cell reads the base head's weights and the
representations that predict_base and embed_added cached, and starts neither torch nor
transformers, whose imports took over 95 % of a top-mode cell's time.

The steps are those of ``torch.optim.AdamW`` with ``weight_decay=0`` (betas 0.9 and 0.999, eps
1e-8) on the mean cross-entropy, in float64 from the float32 weights;
tests/test_retrain_modes.py checks them against torch's optimiser on the same problem.
"""

from __future__ import annotations

import numpy as np

BETAS = (0.9, 0.999)  # torch.optim.AdamW's defaults
EPS = 1e-8


def logits(weight: np.ndarray, bias: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """The linear layer's outputs: ``inputs @ weight.T + bias``."""
    return np.asarray(inputs, dtype=np.float64) @ weight.T + bias


def gradients(weight: np.ndarray, bias: np.ndarray, inputs: np.ndarray, labels: np.ndarray):
    """The gradients of the mean softmax cross-entropy with respect to ``weight`` and ``bias``."""
    inputs = np.asarray(inputs, dtype=np.float64)
    scores = logits(weight, bias, inputs)
    scores -= scores.max(axis=1, keepdims=True)
    probabilities = np.exp(scores)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    probabilities[np.arange(len(labels)), labels] -= 1.0
    probabilities /= len(labels)
    return probabilities.T @ inputs, probabilities.sum(axis=0)


def train_steps(
    weight: np.ndarray,
    bias: np.ndarray,
    batches,
    learning_rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Adam steps from ``weight`` and ``bias``, one per ``(inputs, labels)`` of ``batches``; the
    trained copies are returned (the arguments are left as they were)."""
    parameters = [np.array(weight, dtype=np.float64), np.array(bias, dtype=np.float64)]
    first = [np.zeros_like(p) for p in parameters]
    second = [np.zeros_like(p) for p in parameters]
    for step, (inputs, labels) in enumerate(batches, start=1):
        for p, m, v, g in zip(parameters, first, second, gradients(*parameters, inputs, labels)):
            m *= BETAS[0]
            m += (1 - BETAS[0]) * g
            v *= BETAS[1]
            v += (1 - BETAS[1]) * g * g
            denominator = np.sqrt(v) / np.sqrt(1 - BETAS[1] ** step) + EPS
            p -= learning_rate / (1 - BETAS[0] ** step) * m / denominator
    return parameters[0], parameters[1]
