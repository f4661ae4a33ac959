"""Retrain the classifier with n added points, in one of four modes (config ``retrain.mode``).

Adding 1–10 points to 1000 moves accuracy by tenths of a percent, the size of the seed-to-seed
spread, and a full fine-tune per cell is about a minute on a CPU. The modes trade faithfulness to
the paper against cost; each is paired with a control that differs *only* in the added points:

``full``      the paper's: fine-tune from the pretrained model on train + n points. Control: the
              same fine-tune on train alone, which is the seed's base model (same seed, same data).
              With ``retrain.full.order: paired`` the pair also shares its batches of train points,
              its number of steps and the dropout masks of the batches without added points (the
              added points join the base model's batches, :func:`topex.classifier.batch_plan`);
              ``shuffled`` reshuffles train + n points as one set, the paper's plain reading.
``continue``  start from the seed's base model and take a fixed number of steps, each on a batch of
              replayed training points plus the n new points. Control: the same steps on the replay
              batches alone; the replay order depends on the seed only, so the pair shares it.
``head``      keep the seed's base model and refit only its final linear layer, as a
              multinomial logistic regression on the cached representations of train + n points
              (deterministic). Control: the same refit on train alone.
``top``       continue training the seed's base model's head (and top layers) on cached
              representations, the added points in every step (:mod:`topex.top`; the head alone,
              ``layers: 0``, in NumPy: :mod:`topex.linear_head`). Control: the same steps on the
              same replay batches alone.

:class:`Retrainer` prepares what one (dataset, seed, mode, method) shares across its counts, and
:func:`count_metrics` retrains it at every count n and measures accuracy, in-group accuracy and
the logits of the explore points kept for the before/after map.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import linear_head
from .added import COLUMNS
from .regions import region_accuracy

if TYPE_CHECKING:
    from . import classifier

# torch and the classifier's code are imported where a mode needs them: head-mode and top-mode
# (layers 0) cells on cached representations start without them.

log = logging.getLogger("topex.retrain_modes")

MODES = ("full", "continue", "head", "top")


# The retrain.full, retrain.continue, retrain.top and retrain.head sections (their defaults: the schema).
@dataclass(frozen=True)
class FullSettings:
    order: str  # paired: the added points join the control's batches; shuffled: one reshuffled set


@dataclass(frozen=True)
class ContinueSettings:
    steps: int
    replay_batch_size: int
    learning_rate: float


@dataclass(frozen=True)
class TopSettings:
    layers: int  # encoder layers retrained below the head (0: the head alone)
    steps: int
    replay_batch_size: int
    learning_rate: float  # of the head
    layer_learning_rate: float  # of the retrained encoder layers


@dataclass(frozen=True)
class HeadSettings:
    c: float  # inverse L2 strength of the logistic regression
    max_iter: int


def replay_order(n_train: int, steps: int, batch_size: int, seed: int) -> np.ndarray:
    """Indices of the replayed training points, ``steps × batch_size`` drawn with replacement,
    from the seed alone."""
    return np.random.default_rng(seed).integers(n_train, size=steps * batch_size)


def continue_training(
    model,
    tokenizer,
    train: pd.DataFrame,
    added: pd.DataFrame,
    settings: classifier.TrainSettings,
    cont: ContinueSettings,
    seed: int,
) -> np.ndarray:
    """Take ``cont.steps`` steps on replay batches plus all added points; return the replay order.

    The model is changed in place. With no added points this is the control run.
    """
    from transformers import set_seed

    from . import classifier

    set_seed(seed)
    device = next(model.parameters()).device
    replay_items = classifier.encode(tokenizer, train, settings.max_length)
    replay_labels = train["label"].to_numpy()
    added_items = classifier.encode(tokenizer, added, settings.max_length) if len(added) else []
    added_labels = added["label"].to_numpy() if len(added) else np.array([], dtype=np.int64)
    order = replay_order(len(replay_items), cont.steps, cont.replay_batch_size, seed)

    def batches():
        for step in range(cont.steps):
            chosen = order[step * cont.replay_batch_size : (step + 1) * cont.replay_batch_size]
            items = [replay_items[i] for i in chosen] + list(added_items)
            yield items, np.concatenate([replay_labels[chosen], added_labels])

    optimiser = classifier.adamw(model, cont.learning_rate, settings.weight_decay)
    classifier.train_steps(model, tokenizer, batches(), optimiser, None, cont.steps, device, seed, settings.precision)
    return order


def refit_head(train_features: np.ndarray, train_labels: np.ndarray, head: HeadSettings):
    """A multinomial logistic regression on the representations (deterministic: lbfgs, no shuffling)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=head.c, max_iter=head.max_iter)
    model.fit(train_features, train_labels)
    return model


def head_logits(model, features: np.ndarray, n_classes: int) -> np.ndarray:
    """Log-probabilities as logits; a class the refit never saw gets -inf."""
    logits = np.full((len(features), n_classes), -np.inf)
    logits[:, model.classes_] = model.predict_log_proba(features)
    return logits


def retrain(
    mode: str,
    train: pd.DataFrame,
    added: pd.DataFrame,
    test: pd.DataFrame,
    label_names: list[str],
    settings: classifier.TrainSettings,
    seed: int,
    base_model_dir: str,
    cont: ContinueSettings | None = None,
    head: HeadSettings | None = None,
    cached_features: dict[str, np.ndarray] | None = None,
    full: FullSettings | None = None,
) -> tuple[np.ndarray, dict]:
    """Retrain with ``added`` points in ``mode``; return the test logits and a record of the run.

    ``cached_features`` (head mode) holds the base model's representations of ``train``, ``test``
    and ``added`` under those keys; what is absent is computed. ``cont`` and ``head`` are the
    settings of the continue and head modes, ``full`` those of full mode, each needed in its
    mode only.
    """
    if {"continue": cont, "head": head, "full": full}.get(mode, mode) is None:
        raise ValueError(f"retrain: mode {mode} needs its settings (retrain.{mode})")
    started = time.perf_counter()
    record = {"mode": mode, "seed": seed, "n_added": int(len(added))}
    if mode in ("full", "continue"):
        from . import classifier
    if mode == "full":
        if full.order == "paired":
            model, tokenizer, summary = classifier.train_classifier(train, label_names, settings, seed, added)
        else:
            together = pd.concat([train, added], ignore_index=True)
            model, tokenizer, summary = classifier.train_classifier(together, label_names, settings, seed)
        logits = classifier.forward(model, tokenizer, test, settings)
        record.update(order=full.order, train_seconds=summary["train_seconds"])
    elif mode == "continue":
        model, tokenizer = classifier.load_classifier(base_model_dir, settings)
        order = continue_training(model, tokenizer, train, added, settings, cont, seed)
        logits = classifier.forward(model, tokenizer, test, settings)
        record.update(steps=cont.steps, replay_batch_size=cont.replay_batch_size, replay_order=order.tolist())
    elif mode == "head":
        # Only what the cache lacks needs the model: the control with cached features loads nothing.
        needed = {"train": train, "test": test, "added": added}
        features = {split: cached_features[split] for split in needed if split in (cached_features or {})}
        missing = {split: frame for split, frame in needed.items() if split not in features and len(frame)}
        if missing:
            from . import classifier

            model, tokenizer = classifier.load_classifier(base_model_dir, settings)
            for split, frame in missing.items():
                if split == "added":  # as embed_added embeds them (see classifier.added_features)
                    features[split] = classifier.added_features(model, tokenizer, frame, settings)
                else:
                    features[split] = classifier.forward(model, tokenizer, frame, settings, features=True)[1]
        parts = [split for split in ("train", "added") if split in features]
        fitted = refit_head(
            np.vstack([features[split] for split in parts]),
            np.concatenate([needed[split]["label"].to_numpy() for split in parts]).astype(int),
            head,
        )
        logits = head_logits(fitted, features["test"], len(label_names))
    else:
        raise ValueError(f"retrain.mode: unknown mode '{mode}' (one of {', '.join(MODES)})")
    record["seconds"] = time.perf_counter() - started
    return logits, record


def finite(logits: np.ndarray) -> np.ndarray:
    """Logits with head mode's -inf (a class the refit never saw) replaced by one less than the
    lowest finite value, so that ranges, maps and JSON stay finite and the argmax is unchanged."""
    logits = np.asarray(logits, dtype=np.float64)
    bad = ~np.isfinite(logits)
    if not bad.any():
        return logits
    return np.where(bad, logits[~bad].min() - 1.0 if (~bad).any() else 0.0, logits)


def on_representations(mode: str, config: dict) -> bool:
    """Whether ``mode`` trains only a linear layer on the base model's representations: head
    mode, and top mode with ``layers: 0`` (``config`` holds the retrain section, or the mode's)."""
    return mode == "head" or (mode == "top" and TopSettings(**config["top"]).layers == 0)


class Retrainer:
    """The cells of one (dataset, seed, mode, method): what every count shares is prepared once,
    then :meth:`run` retrains with the first n added points and returns the logits over
    ``evaluated``.

    Head mode and top mode with ``layers: 0`` work on the base model's representations (the
    inputs of its final linear layer): those of train and ``evaluated`` come from
    ``features_path`` (predict_base's cache, which holds the head's weights too), those of the
    added points from ``added_features`` (embed_added's cache). With both caches the job loads
    no model and starts no torch; what a cache lacks is computed once with the base model.
    """

    def __init__(
        self,
        mode: str,
        train: pd.DataFrame,
        evaluated: pd.DataFrame,
        label_names: list[str],
        settings: classifier.TrainSettings,
        seed: int,
        base_model_dir: str,
        config: dict,
        features_path: str | None = None,
        explore_rows: np.ndarray | None = None,
        added_features: np.ndarray | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"retrain.mode: unknown mode '{mode}' (one of {', '.join(MODES)})")
        self.mode, self.train, self.evaluated, self.label_names = mode, train, evaluated, label_names
        self.settings, self.seed, self.base_model_dir = settings, seed, base_model_dir
        # ``config`` may hold the section of ``mode`` alone (as the workflow passes it).
        self.full, self.cont, self.head, self.top = (
            kind(**config[section]) if section in config else None
            for kind, section in (
                (FullSettings, "full"),
                (ContinueSettings, "continue"),
                (HeadSettings, "head"),
                (TopSettings, "top"),
            )
        )
        self._model = None  # (model, tokenizer) of the seed's base model, loaded when needed
        self.cached, self._head_weights = None, None
        self.on_representations = on_representations(mode, config)
        if features_path and self.on_representations:
            from . import io

            features = io.read_arrays(features_path)
            self.cached = {
                "train": features["train"],
                "test": np.vstack([features["test"], features["explore"][explore_rows]]),
            }
            if "head_weight" in features:
                self._head_weights = features["head_weight"], features["head_bias"]
        # the representations of every added point (all counts), when cached
        self._added_features = added_features if self.on_representations else None
        self._top = None
        if mode == "top" and self.top.layers:
            from .top import TopRetrainer

            model, tokenizer = self._base_model()
            self._top = TopRetrainer(model, tokenizer, settings, self.top, seed, train, evaluated)

    def _base_model(self):
        if self._model is None:
            from . import classifier

            self._model = classifier.load_classifier(self.base_model_dir, self.settings)
        return self._model

    def _representations(self, added: pd.DataFrame, all_added: pd.DataFrame | None) -> dict[str, np.ndarray]:
        """The final-layer inputs of train, ``evaluated`` (key ``test``) and, if any, ``added``
        (a prefix of ``all_added``, whose points are embedded once for every count)."""
        if self.cached is None:
            from . import classifier

            model, tokenizer = self._base_model()
            self.cached = {
                split: classifier.forward(model, tokenizer, frame, self.settings, features=True)[1]
                for split, frame in (("train", self.train), ("test", self.evaluated))
            }
        if not len(added):
            return self.cached
        if self._added_features is None:
            from . import classifier

            source = all_added if all_added is not None else added
            # as embed_added embeds them (see classifier.added_features)
            self._added_features = classifier.added_features(*self._base_model(), source[added.columns], self.settings)
        return {**self.cached, "added": self._added_features[: len(added)]}

    def _linear_head(self) -> tuple[np.ndarray, np.ndarray]:
        """The base model's final linear layer as (weight, bias) arrays."""
        if self._head_weights is None:
            from . import classifier

            layer = classifier.head_layer(self._base_model()[0])
            self._head_weights = layer.weight.detach().cpu().numpy(), layer.bias.detach().cpu().numpy()
        return self._head_weights

    def _top_record(self, n_added: int, started: float) -> dict:
        return {
            "mode": "top",
            "seed": self.seed,
            "n_added": n_added,
            "layers": self.top.layers,
            "steps": self.top.steps,
            "replay_batch_size": self.top.replay_batch_size,
            "seconds": time.perf_counter() - started,
        }

    def _run_linear_head(self, added: pd.DataFrame, all_added: pd.DataFrame | None) -> tuple[np.ndarray, dict]:
        """Top mode with ``layers: 0``: the steps of :mod:`topex.top` on the final linear layer
        alone, each on the seed's replay batch plus every added point, in NumPy."""
        started = time.perf_counter()
        features = self._representations(added, all_added)
        train_labels = self.train["label"].to_numpy().astype(int)
        added_labels = added["label"].to_numpy().astype(int)
        added_inputs = features.get("added", np.zeros((0, features["train"].shape[1]), dtype=np.float32))
        order = replay_order(len(train_labels), self.top.steps, self.top.replay_batch_size, self.seed)
        batch = self.top.replay_batch_size
        steps = (
            (
                np.concatenate([features["train"][rows], added_inputs]),
                np.concatenate([train_labels[rows], added_labels]),
            )
            for rows in (order[step * batch : (step + 1) * batch] for step in range(self.top.steps))
        )
        weight, bias = linear_head.train_steps(*self._linear_head(), steps, self.top.learning_rate)
        return linear_head.logits(weight, bias, features["test"]), self._top_record(len(added), started)

    def run(self, added: pd.DataFrame, all_added: pd.DataFrame | None = None) -> tuple[np.ndarray, dict]:
        """Retrain with ``added`` (a prefix of ``all_added``, whose representations are computed
        once for every count) and return the logits over ``evaluated`` and the run's record."""
        if self.mode == "top" and not self.top.layers:
            return self._run_linear_head(added, all_added)
        if self._top is not None:
            started = time.perf_counter()
            if len(added) and self._added_features is None:
                self._added_features = self._top.represent(
                    (all_added if all_added is not None else added)[added.columns]
                )
            inputs = self._added_features[: len(added)] if len(added) else []
            logits = self._top.run(inputs, added["label"].to_numpy().astype(int))
            return logits, self._top_record(len(added), started)
        return retrain(
            self.mode,
            self.train,
            added,
            self.evaluated,
            self.label_names,
            self.settings,
            self.seed,
            self.base_model_dir,
            cont=self.cont,
            head=self.head,
            cached_features=self._representations(added, all_added) if self.mode == "head" else None,
            full=self.full,
        )


def count_metrics(
    retrainer: Retrainer,
    counts: list[int],
    all_added: pd.DataFrame | None,
    dataset: str,
    method: str,
    test: pd.DataFrame,
    group_ids: list,
    regions: dict[str, dict],
    base_logits: np.ndarray | None = None,
) -> list[dict]:
    """The metrics of the cell with the first n of ``all_added`` (None: the control, no points)
    for every n of ``counts``, in order.

    ``retrainer.evaluated`` is ``test`` followed by the explore points ``group_ids``: accuracy and
    the in-group accuracy of ``regions`` are measured on the test part, and the logits of the
    explore points are kept for the before/after map (every explore point's for the control).
    ``base_logits``, the base model's logits over ``evaluated``, stand in for full mode's n = 0.
    A count with fewer points available than asked for is marked ``skipped``.
    """
    all_metrics = []
    for n in counts:
        added = test[COLUMNS].head(0) if all_added is None else all_added.head(n)
        metrics = {"dataset": dataset, "seed": retrainer.seed, "mode": retrainer.mode, "method": method, "n": n}
        all_metrics.append(metrics)
        if len(added) < n:
            metrics["skipped"] = f"only {len(added)} {method} points available, {n} asked for"
            log.warning("%s", metrics["skipped"])
            continue
        if retrainer.mode == "full" and n == 0:
            # The full-mode control is the fine-tune on train alone with this seed: the base model.
            logits = base_logits
            metrics["reused"] = "base model"
        else:
            logits, record = retrainer.run(added[COLUMNS], all_added)
            metrics.update(record)
            log.info("%s n=%d: %.1f s", method, n, metrics.pop("seconds"))
        logits = finite(logits)
        test_logits, explore_logits = logits[: len(test)], logits[len(test) :]
        correct = test_logits.argmax(axis=1) == test["label"].to_numpy()
        metrics.update(
            accuracy=float(correct.mean()),
            n_test=len(test),
            group=region_accuracy(test["id"].tolist(), correct, regions),
            test_correct=correct.astype(int).tolist(),  # per test point, in order: later evaluations (a slice)
        )
        metrics["group_logits"] = {i: row.tolist() for i, row in zip(group_ids, explore_logits)}
        if method == "control":
            metrics["explore_logits"] = explore_logits.tolist()
        log.info("%s n=%d: accuracy %.4f", method, n, metrics["accuracy"])
    return all_metrics
