"""The classifier section of the config, apart from the classifier's code: reading it imports no
torch, so a job that only refits a linear layer on cached features starts without it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainSettings:
    """The ``classifier`` section of the config (validated: the schema holds the defaults)."""

    model: str
    epochs: int
    max_length: int
    batch_size: int
    eval_batch_size: int
    learning_rate: float
    warmup_ratio: float
    weight_decay: float
    device: str
    precision: str  # fp32, bf16 or fp16 (classifier.autocast)
    revision: str | None  # the hub commit of ``model`` (ignored for local models)

    @classmethod
    def from_config(cls, section: dict) -> "TrainSettings":
        return cls(**{k: section[k] for k in cls.__dataclass_fields__})
