"""Benchmark: classifier training throughput of the workflow's own loop against a plain Trainer.

The workflow fine-tunes with its own PyTorch loop (topex.classifier.train_classifier: data
tokenised once, batches padded to their own longest text, AdamW, linear warm-up then decay,
gradient clipping at 1.0). This puts it next to an ordinary transformers ``Trainer`` on the same
data, model and hyper-parameters, in one process, with the same torch thread count, and prints
training samples per second of both and their ratio (goal: ours / Trainer >= 1.0).

Data: the offline default's BBC News, carved by the workflow's own loading and splitting with the
default config's data seed; the train split holds ``--points`` points (400 as in the default
config). Model: the default classifier, MiniLM-L6 shipped by pip, with a fresh 5-class head.
Settings: max_length 128, batch size 16, learning rate 5e-5, warm-up 10% of the steps (the same
integer number of warm-up steps on both sides), weight decay 0.01, seed 0, and 1 epoch by default:
enough for a rate (``--epochs`` for more).

The Trainer side is a plain use: a tokenised ``datasets.Dataset``, ``DataCollatorWithPadding``
(dynamic padding), no evaluation, no checkpoints, no logging or reporting, the CPU when there is
no GPU, no data-loader workers, and otherwise the defaults (so its optimiser is the default of
this transformers version). Timed: only the training itself, i.e. for ours the loop that
``train_classifier`` times itself (its ``train_seconds``: model loading and tokenisation are not
in it), for the Trainer ``trainer.train()`` with model, tokenised data and Trainer made before.
The two run one after the other ``--rounds`` times (default 2), the order swapped every round so
that neither always pays for first-call warm-up, and the best round of each is kept.
Also printed: the mean training loss over all steps of each, to show both trained comparably.
Run: .venv/bin/python bench/training.py  (quick check: --points 32 --rounds 1)
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import datasets
import numpy as np
import torch
import transformers
import yaml
from snakemake.utils import validate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from topex.classifier import TrainSettings, train_classifier  # noqa: E402
from topex.data import load_source, make_splits, needed_source_splits  # noqa: E402
from topex.devices import torch_device  # noqa: E402
from topex.models import resolve_model  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--points", type=int, default=400, help="training points (default 400, the default config's)")
parser.add_argument("--epochs", type=int, default=1, help="epochs (default 1: enough for a rate)")
parser.add_argument("--rounds", type=int, default=2, help="runs of each side, order swapped each round; best kept")
parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch threads for both sides")
args = parser.parse_args()

SEED = 0
torch.set_num_threads(args.threads)
transformers.logging.set_verbosity_error()  # no load report about the fresh head
transformers.logging.disable_progress_bar()
datasets.disable_progress_bars()
config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
validate(config, schema=str(ROOT / "workflow/schemas/config.schema.yaml"))  # the schema's defaults filled in
dataset = config["datasets"]["bbc_news"]
spec = {**dataset["splits"], "train": {**dataset["splits"]["train"], "size": args.points}}
sources, label_names = load_source(dataset["source"], needed_source_splits(spec))
train = make_splits(sources, spec, config["data"]["seed"])[0]["train"]
settings = TrainSettings.from_config(
    {
        **config["classifier"],
        "epochs": args.epochs,
        "max_length": 128,
        "batch_size": 16,
        "learning_rate": 5e-5,
        "warmup_ratio": 0.1,
        "weight_decay": 0.01,
    }
)
steps = -(-len(train) // settings.batch_size) * settings.epochs
warmup_steps = int(settings.warmup_ratio * steps)  # as train_classifier counts them
samples = len(train) * settings.epochs


def run_ours() -> tuple[float, float]:
    """Seconds of training and mean loss over all steps of the workflow's loop."""
    _, _, summary = train_classifier(train, label_names, settings, SEED)
    return summary["train_seconds"], float(np.mean(summary["epoch_losses"]))


def run_trainer(tokenised) -> tuple[float, float]:
    """Seconds of ``trainer.train()`` and its mean loss over all steps."""
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    source = resolve_model(settings.model)
    tokenizer = AutoTokenizer.from_pretrained(source)
    set_seed(SEED)  # as train_classifier does before loading: the same fresh head
    model = AutoModelForSequenceClassification.from_pretrained(
        source,
        num_labels=len(label_names),
        id2label=dict(enumerate(label_names)),
        label2id={name: i for i, name in enumerate(label_names)},
        ignore_mismatched_sizes=True,
    )
    training_args = TrainingArguments(
        output_dir=OUTPUT_DIR,  # stays empty: no saving, no logging
        num_train_epochs=settings.epochs,
        per_device_train_batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        warmup_steps=warmup_steps,
        weight_decay=settings.weight_decay,
        lr_scheduler_type="linear",
        max_grad_norm=1.0,
        seed=SEED,
        eval_strategy="no",
        save_strategy="no",
        logging_strategy="no",
        report_to=[],
        disable_tqdm=True,
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=tokenised,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
    )
    started = time.perf_counter()
    output = trainer.train()
    seconds = time.perf_counter() - started
    run_trainer.optimiser = getattr(training_args.optim, "value", training_args.optim)
    return seconds, output.training_loss


def tokenise():
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_model(settings.model))
    frame = datasets.Dataset.from_pandas(train[["text", "label"]].reset_index(drop=True))
    return frame.map(
        lambda batch: tokenizer(batch["text"], truncation=True, max_length=settings.max_length),
        batched=True,
        remove_columns=["text"],
    )


scratch = tempfile.TemporaryDirectory(prefix="bench-trainer-")  # removed at exit
OUTPUT_DIR = scratch.name
tokenised = tokenise()
lengths = [len(ids) for ids in tokenised["input_ids"]]
print(
    f"BBC News, {len(train)} training points ({np.mean(lengths):.0f} tokens on average at max_length "
    f"{settings.max_length}), {settings.epochs} epoch(s) = {steps} steps of batch {settings.batch_size}, "
    f"{warmup_steps} warm-up steps; device {torch_device(settings.device)}, {torch.get_num_threads()} torch threads"
)
runs = {"ours": [], "Trainer": []}
for round_ in range(args.rounds):
    order = ["ours", "Trainer"] if round_ % 2 == 0 else ["Trainer", "ours"]
    for side in order:
        seconds, loss = run_ours() if side == "ours" else run_trainer(tokenised)
        runs[side].append((seconds, loss))
        print(
            f"  round {round_ + 1} {side:8}: {seconds:7.2f} s = {samples / seconds:6.2f} samples/s, "
            f"mean loss {loss:.4f} (threads {torch.get_num_threads()})",
            flush=True,
        )

best = {side: min(results) for side, results in runs.items()}
labels = {
    "ours": "topex train_classifier (torch.optim.AdamW)",
    "Trainer": f"transformers Trainer (optim {run_trainer.optimiser})",
}
for side in ("ours", "Trainer"):
    seconds, loss = best[side]
    print(
        f"{labels[side]:48}: {samples:5d} samples in {seconds:7.2f} s = {samples / seconds:6.2f} samples/s, "
        f"mean training loss {loss:.4f}"
    )
ratio = best["Trainer"][0] / best["ours"][0]
print(
    f"ratio ours / Trainer: {ratio:.2f} (goal >= 1.0: {'met' if ratio >= 1.0 else 'MISSED'}); "
    f"best of {args.rounds} round(s) each"
)
