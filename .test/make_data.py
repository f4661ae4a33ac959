"""Make the tiny test config's data: .test/data/pairs.csv, a sentence-pair set in HANS's shape.

    python .test/make_data.py          # rewrites .test/data/pairs.csv (committed; this remakes it)

The tests import :func:`pair_texts` from here for their own fixtures, and check that the
committed file is what this command writes.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

PAIRS = Path(__file__).resolve().parent / "data" / "pairs.csv"
NOUNS = ["doctor", "lawyer", "artist", "senator", "scientist", "author", "student", "judge"]


def pair_texts(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` premise/hypothesis pairs whose label is given away by word order: even rows are
    entailed sub-sentences, odd rows swap subject and object (non-entailment)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        a, b, c = rng.sample(NOUNS, 3)
        premise = f"The {a} and the {b} mentioned the {c}."
        if i % 2 == 0:
            rows.append({"premise": premise, "hypothesis": f"The {a} mentioned the {c}.", "label": "entailment"})
        else:
            rows.append({"premise": premise, "hypothesis": f"The {c} mentioned the {a}.", "label": "non-entailment"})
    return pd.DataFrame(rows)


def tiny_pairs() -> pd.DataFrame:
    """The tiny config's pairs: 80 of them, seed 2."""
    return pair_texts(80, seed=2)


if __name__ == "__main__":
    PAIRS.parent.mkdir(parents=True, exist_ok=True)
    tiny_pairs().to_csv(PAIRS, index=False)
    print(f"wrote {PAIRS}")
