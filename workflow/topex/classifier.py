"""Fine-tune a BERT-family sequence classifier and run it over a split (paper §3.3).

A plain PyTorch loop rather than ``transformers.Trainer``: the same optimiser and schedule
(AdamW, linear decay after warm-up), but with the data tokenised once, batches padded to their
own longest text, and evaluation batches sorted by length, which is what makes it cheap on a
CPU. Sentence pairs are encoded as pairs (``[CLS] a [SEP] b [SEP]``). Models are written as
safetensors.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from .devices import autocast, torch_device
from .models import pretrained_kwargs, resolve_model
from .train_settings import TrainSettings  # noqa: F401 (classifier.TrainSettings: its home in scripts)

log = logging.getLogger("topex.classifier")


def encode(tokenizer, frame: pd.DataFrame, max_length: int) -> list[dict[str, list[int]]]:
    """Tokenise every point once, truncated to ``max_length``; pairs as pairs."""
    pairs = frame["text_pair"].tolist() if frame["text_pair"].notna().any() else None
    encoded = tokenizer(frame["text"].tolist(), pairs, truncation=True, max_length=max_length)
    keys = [k for k in ("input_ids", "token_type_ids", "attention_mask") if k in encoded]
    return [{k: encoded[k][i] for k in keys} for i in range(len(frame))]


def _batch(tokenizer, items, device, labels=None):
    batch = tokenizer.pad(items, return_tensors="pt")
    if labels is not None:
        batch["labels"] = torch.as_tensor(labels)
    return {k: v.to(device) for k, v in batch.items()}


def batch_plan(n_train: int, batch_size: int, epochs: int, seed: int, n_added: int = 0) -> list[tuple[list, list]]:
    """Every step's ``(train indices, added indices)``: the batches of a fine-tune.

    The train points follow one seeded permutation per epoch, the same whatever ``n_added``, so a
    fine-tune with added points and its control without them share every batch of train points
    and the number of steps (common random numbers). The added points join those batches, each
    once per epoch, spread evenly from an offset drawn per epoch from a second stream of the seed:
    where they go depends on the seed and their number only, never on the data.
    """
    order_stream = torch.Generator().manual_seed(seed)
    placement_stream = np.random.default_rng([seed, n_train])
    steps = -(-n_train // batch_size)
    plan = []
    for _ in range(epochs):
        order = torch.randperm(n_train, generator=order_stream).tolist()
        offset = int(placement_stream.integers(steps))
        slots = [(offset + i * steps // n_added) % steps for i in range(n_added)]
        for step in range(steps):
            plan.append(
                (order[step * batch_size : (step + 1) * batch_size], [i for i, s in enumerate(slots) if s == step])
            )
    return plan


def train_classifier(
    train: pd.DataFrame,
    label_names: list[str],
    settings: TrainSettings,
    seed: int,
    added: pd.DataFrame | None = None,
) -> tuple[object, object, dict]:
    """Fine-tune ``settings.model`` on ``train``; return the model, its tokenizer and a summary.

    Everything random (head initialisation, dropout, batch order) follows ``seed``. ``added``
    points join the batches of the train points by :func:`batch_plan`, so the run shares its
    initialisation, its batches of train points and its dropout masks (drawn per step) with the
    run on ``train`` alone, except in the batches the added points join.
    """
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
        set_seed,
    )

    set_seed(seed)
    device = torch_device(settings.device)
    source = resolve_model(settings.model)
    tokenizer = AutoTokenizer.from_pretrained(source, revision=settings.revision)
    model = AutoModelForSequenceClassification.from_pretrained(
        source,
        **pretrained_kwargs(settings.revision),
        num_labels=len(label_names),
        id2label=dict(enumerate(label_names)),
        label2id={name: i for i, name in enumerate(label_names)},
        ignore_mismatched_sizes=True,  # a checkpoint with another head gets a fresh one for our labels
    ).to(device)

    added = train.head(0) if added is None else added
    items = encode(tokenizer, train, settings.max_length)
    added_items = encode(tokenizer, added, settings.max_length) if len(added) else []
    labels = np.concatenate([train["label"].to_numpy(), added["label"].to_numpy()])
    plan = batch_plan(len(items), settings.batch_size, settings.epochs, seed, len(added_items))
    steps_per_epoch = len(plan) // settings.epochs
    total_steps = len(plan)
    optimiser = adamw(model, settings.learning_rate, settings.weight_decay)
    schedule = get_linear_schedule_with_warmup(optimiser, int(settings.warmup_ratio * total_steps), total_steps)

    def batches():
        for chosen, chosen_added in plan:
            yield (
                [items[i] for i in chosen] + [added_items[i] for i in chosen_added],
                labels[chosen + [len(items) + i for i in chosen_added]],
            )

    started = time.perf_counter()
    losses = train_steps(
        model, tokenizer, batches(), optimiser, schedule, total_steps, device, seed, settings.precision
    )
    seconds = time.perf_counter() - started
    epoch_losses = [
        float(np.mean(losses[e * steps_per_epoch : (e + 1) * steps_per_epoch])) for e in range(settings.epochs)
    ]
    log.info("mean loss per epoch: %s", ", ".join(f"{loss:.4f}" for loss in epoch_losses))
    summary = {
        "model": settings.model,
        "seed": seed,
        "device": str(device),
        "n_train": len(items) + len(added_items),
        "epochs": settings.epochs,
        "steps": total_steps,
        "epoch_losses": epoch_losses,
        "train_seconds": seconds,
        "train_samples_per_second": len(items) * settings.epochs / seconds,
    }
    return model, tokenizer, summary


def adamw(model, learning_rate: float, weight_decay: float):
    """AdamW with no decay on biases and layer norms (as transformers' Trainer sets it up)."""
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    # The fused update (one kernel over all tensors, as the Trainer uses): the per-tensor default
    # spent twice its time in the optimiser step and slowed down most when jobs share the cores.
    fused = all(p.device.type in ("cpu", "cuda") and p.is_floating_point() for p in model.parameters())
    return torch.optim.AdamW(groups, lr=learning_rate, fused=fused or None)


def deterministic_algorithms() -> None:
    """Ask torch for its deterministic kernels where they exist (a warning, not an error, where an
    operation has none), so that the same seed gives the same weights, on a GPU too. cuBLAS needs
    its workspace setting for that; it is read when cuBLAS starts, so it is set here, before."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)


def train_steps(
    model, tokenizer, batches, optimiser, schedule, total: int, device, seed: int, precision: str = "fp32"
) -> list[float]:
    """Run one optimiser step per ``(items, labels)`` batch at ``precision`` (:func:`topex.devices.autocast`;
    fp16 scales the loss so that small gradients do not underflow); return the losses.

    Dropout is drawn afresh from ``(seed, step)`` at every step, so that two runs whose batches
    differ at one step still share the dropout masks of all the others."""
    deterministic_algorithms()
    model.train()
    device = torch.device(device)  # a name ("cpu") or a device
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    losses = []
    for step, (items, labels) in enumerate(tqdm(batches, total=total, desc="train", mininterval=5)):
        torch.manual_seed(int(np.random.SeedSequence([seed, step]).generate_state(1)[0]))
        with autocast(precision, device):
            loss = model(**_batch(tokenizer, items, device, labels)).loss
        scaler.scale(loss).backward()
        scaler.unscale_(optimiser)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimiser)
        scaler.update()
        if schedule is not None:
            schedule.step()
        optimiser.zero_grad()
        losses.append(loss.item())
    return losses


def fine_tune(
    train: pd.DataFrame, label_names: list[str], settings: TrainSettings, seed: int, out_dir: str | Path
) -> dict:
    """Fine-tune (see :func:`train_classifier`), save model and tokenizer to ``out_dir`` as
    safetensors, and return the summary."""
    model, tokenizer, summary = train_classifier(train, label_names, settings, seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return summary


def load_classifier(model_dir: str | Path, settings: TrainSettings):
    """A saved classifier and its tokenizer, on the configured device."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    device = torch_device(settings.device)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, use_safetensors=True).to(device)
    return model, tokenizer


def forward(model, tokenizer, frame: pd.DataFrame, settings: TrainSettings, features: bool = False):
    """Logits of every point of ``frame`` in its order (and, with ``features``, the inputs of the
    final linear layer: the representation that :func:`head_layer` maps to logits).

    Batches are formed from length-sorted points, so padding is small, and put back in order.
    """
    device = next(model.parameters()).device
    model.eval()
    items = encode(tokenizer, frame, settings.max_length)
    order = np.argsort([len(item["input_ids"]) for item in items], kind="stable")
    logits = np.zeros((len(items), model.config.num_labels), dtype=np.float32)
    head = head_layer(model)
    captured = np.zeros((len(items), head.in_features), dtype=np.float32) if features else None
    seen = []
    hook = head.register_forward_hook(lambda _, inputs, __: seen.append(inputs[0])) if features else None
    try:
        with torch.inference_mode(), autocast(settings.precision, device):
            for start in tqdm(range(0, len(order), settings.eval_batch_size), desc="predict", mininterval=5):
                chosen = order[start : start + settings.eval_batch_size]
                logits[chosen] = (
                    model(**_batch(tokenizer, [items[i] for i in chosen], device)).logits.float().cpu().numpy()
                )
                if features:
                    captured[chosen] = seen.pop().float().cpu().numpy()
    finally:
        if hook is not None:
            hook.remove()
    return (logits, captured) if features else logits


def added_features(model, tokenizer, frame: pd.DataFrame, settings: TrainSettings) -> np.ndarray:
    """The final layer's inputs for added points, each point in a batch of its own.

    A batch pads its points to its longest one, and a longer padded length changes the order of
    the fp32 sums, so a point's features would depend on which other points share its batch
    (1e-4 apart in the logits). Head-mode cells read every method's points embedded in one job
    (embed_added) or embed their own: alone, both give bitwise the same features.
    """
    return forward(model, tokenizer, frame, replace(settings, eval_batch_size=1), features=True)[1]


def head_layer(model) -> torch.nn.Linear:
    """The final linear layer that maps a representation to the class logits."""
    layers = [
        m for m in model.modules() if isinstance(m, torch.nn.Linear) and m.out_features == model.config.num_labels
    ]
    if not layers:
        raise ValueError("the classifier has no linear layer with one output per class")
    return layers[-1]


def predict_logits(model_dir: str | Path, frame: pd.DataFrame, settings: TrainSettings) -> np.ndarray:
    """Forward pass of a saved classifier over ``frame``: one row of logits per point."""
    model, tokenizer = load_classifier(model_dir, settings)
    return forward(model, tokenizer, frame, settings)
