"""Cluster scorers (paper §2.3): which candidate cluster is most worth augmenting.

Each scorer is a pure function returning a float; higher is better for every one of them, and
the candidate with the highest score is chosen (paper §2.3: "We choose the cluster with the
highest score"). Points are the normalised outputs in [-1, 1]; a cluster is given as a boolean
mask over all points.

Where the paper's formulas are garbled or leave a case open, the reading chosen is stated in the
function's docstring and, where it is a choice, exposed as a config value.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

CHUNK = 2048  # rows of a distance block: bounds memory at CHUNK × n floats


def density(cluster_points: np.ndarray, min_extent: float = 1e-6) -> float:
    """Eq. 1: s = |C| / max_d diam_d(C), the size over the largest extent along one dimension.

    ``diam_d`` is the range (max − min) of the cluster along dimension ``d``. A cluster of one
    point, or of identical points, has zero extent; the extent is floored at ``min_extent``
    (config ``scoring.density_min_extent``), so such a cluster scores ``|C| / min_extent``: the
    densest possible, finite, so it can still be min-max scaled with the others.
    """
    cluster_points = np.atleast_2d(np.asarray(cluster_points, dtype=np.float64))
    extent = float(np.max(cluster_points.max(axis=0) - cluster_points.min(axis=0)))
    return len(cluster_points) / max(extent, min_extent)


def _distance_sum(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of Euclidean distances over all pairs (a_i, b_j), in blocks of ``CHUNK`` rows."""
    total = 0.0
    b_sq = np.einsum("ij,ij->i", b, b)
    for start in range(0, len(a), CHUNK):
        block = a[start : start + CHUNK]
        sq = np.einsum("ij,ij->i", block, block)[:, None] + b_sq[None, :] - 2.0 * block @ b.T
        total += float(np.sqrt(np.maximum(sq, 0.0)).sum())
    return total


def pairwise_distance(points: np.ndarray, in_cluster: np.ndarray, normalisation: str = "mean") -> float:
    """Eq. 2: the distance of the cluster's points to every point outside it.

    The paper prints ``Σ_{j∈C, k∉C} ||C_j − Y_k|| / (|Y| − |C|)`` but describes it as the average
    of those distances. The sum runs over |C|·(|Y|−|C|) pairs, so dividing by (|Y|−|C|) alone
    gives |C| times the average, a score that grows with cluster size. ``normalisation="mean"``
    (default, config ``scoring.pairwise_normalisation``) divides by the number of pairs, the
    average the text describes; ``"paper"`` divides by (|Y|−|C|) as printed. A cluster with no
    point outside it (the whole set) scores 0: there is nothing to be far from.
    """
    points = np.asarray(points, dtype=np.float64)
    in_cluster = np.asarray(in_cluster, dtype=bool)
    inside, outside = points[in_cluster], points[~in_cluster]
    if len(outside) == 0 or len(inside) == 0:
        return 0.0
    total = _distance_sum(inside, outside)
    if normalisation == "mean":
        return total / (len(inside) * len(outside))
    if normalisation == "paper":
        return total / len(outside)
    raise ValueError(f"scoring.pairwise_normalisation: unknown value '{normalisation}' (mean or paper)")


def geometric_median(points: np.ndarray, tolerance: float = 1e-7, max_iterations: int = 1000) -> np.ndarray:
    """The point minimising the sum of Euclidean distances to ``points`` (Weiszfeld's algorithm).

    The paper cites Cohen et al. (2016), whose algorithm has better worst-case bounds for the
    same minimiser; Weiszfeld's iteration is the standard practical method. An iterate that lands
    on a data point is handled as in Vardi and Zhang (2000): the point itself is the median when
    the pull of the others is at most its own weight, otherwise the step moves off it. Stops when
    an iterate moves less than ``tolerance``.
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    estimate = points.mean(axis=0)
    for _ in range(max_iterations):
        distance = np.linalg.norm(points - estimate, axis=1)
        at_point = distance < 1e-12
        weights = 1.0 / np.where(at_point, 1.0, distance)
        weights[at_point] = 0.0
        if weights.sum() == 0.0:  # every point coincides with the estimate
            return estimate
        pulled = (weights[:, None] * points).sum(axis=0) / weights.sum()
        n_here = int(at_point.sum())
        if n_here:
            pull = np.linalg.norm((weights[:, None] * (points - estimate)).sum(axis=0))
            if pull <= n_here:
                return estimate
            step = min(1.0, n_here / pull)
            pulled = (1.0 - step) * pulled + step * estimate
        moved = np.linalg.norm(pulled - estimate)
        estimate = pulled
        if moved < tolerance:
            break
    return estimate


def geomedian_distance(points: np.ndarray, in_cluster: np.ndarray, tolerance: float = 1e-7) -> float:
    """Eq. 3: s = Σ_{j∉C} ||g − Y_j|| / (|Y| − |C|), the mean distance from the cluster's geometric
    median g to the points outside the cluster. The whole set scores 0 (nothing outside)."""
    points = np.asarray(points, dtype=np.float64)
    in_cluster = np.asarray(in_cluster, dtype=bool)
    outside = points[~in_cluster]
    if len(outside) == 0 or not in_cluster.any():
        return 0.0
    median = geometric_median(points[in_cluster], tolerance)
    return float(np.linalg.norm(outside - median, axis=1).mean())


def count_cosine(texts: list[str], stop_words: str | None = None) -> float:
    """Eq. 5: the mean cosine similarity of the texts' count vectors over all pairs j ≠ k.

    The printed formula (a sum of differences of points over |C|) is garbled; the text says
    "count vectorization and ... the average cosine similarity", read here as
    ``1/(n(n−1)) Σ_{j≠k} cos(v_j, v_k)`` with scikit-learn's ``CountVectorizer`` fitted on the
    cluster's texts (stop words kept, as a plain count vectorisation; config
    ``scoring.cosine_stop_words``). Computed without a pair loop: with unit rows u_j,
    ``Σ_{j≠k} u_j·u_k = ||Σ_j u_j||² − Σ_j ||u_j||²``. A text with no token has a zero vector and
    similarity 0 to every other text. Fewer than two texts have no pair: the score is 0.
    """
    n = len(texts)
    if n < 2:
        return 0.0
    try:
        counts = CountVectorizer(stop_words=stop_words).fit_transform(texts).astype(np.float64)
    except ValueError:  # empty vocabulary: no text has a token
        return 0.0
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    unit = counts.multiply(1.0 / np.where(norms > 0, norms, 1.0)[:, None]).tocsr()
    summed = np.asarray(unit.sum(axis=0)).ravel()
    self_similarity = float((norms > 0).sum())
    # counts are non-negative, so is every cosine: clip the rounding error of the subtraction
    return float(max(0.0, (summed @ summed - self_similarity) / (n * (n - 1))))


def ctc_preservation(
    name: str, texts: list[str], align: Callable[[str, list[str]], tuple[np.ndarray, np.ndarray]]
) -> float:
    """Eq. 4: s = Σ_j CTC_preservation(name, text_j) / |C|, Deng et al. (2021).

    CTC's preservation of x in y is ``(a_yx · a_xy) / (a_yx + a_xy)`` with ``a_yx`` the mean
    alignment of y's tokens to x and ``a_xy`` that of x's tokens to y (ctc_score's
    ``StyleTransferScorer.score_preservation``). The alignments come from ``align(name, texts)``,
    which returns both directions per text; :class:`EmbeddingAligner` implements CTC's embedding
    (E) aligner on the local encoder. A pair whose alignments are both 0 preserves nothing: 0.
    """
    if not texts:
        return 0.0
    name_to_text, text_to_name = align(name, texts)
    total = name_to_text + text_to_name
    per_text = np.where(total > 0, name_to_text * text_to_name / np.where(total > 0, total, 1.0), 0.0)
    return float(per_text.mean())


class EmbeddingAligner:
    """CTC's embedding-matching aligner (the "E" aligner, BERTScore-style) on a local encoder.

    Deng et al. align each token of one text to the most similar token of the other by cosine
    similarity of contextual embeddings (RoBERTa-large there) and average over the tokens. The
    ctc-score package downloads its aligner models at first use, which this workflow cannot do
    offline; here the contextual token embeddings come from the configured local encoder
    (config ``scoring.ctc_model``; MiniLM-L6 by default), special tokens excluded. Scores are not
    comparable with published CTC numbers, only between clusters, which is all the scorer needs.
    """

    def __init__(
        self, model: str, max_length: int = 128, batch_size: int = 32, device: str = "cpu", precision: str = "fp32"
    ):
        from transformers import AutoModel, AutoTokenizer

        from .models import resolve_model

        source = resolve_model(model)
        self.tokenizer = AutoTokenizer.from_pretrained(source)
        self.model = AutoModel.from_pretrained(source).to(device).eval()
        self.max_length, self.batch_size, self.device = max_length, batch_size, device
        self.precision = precision  # topex.devices.autocast

    def token_embeddings(self, texts: list[str]) -> list[np.ndarray]:
        """Unit-length contextual embeddings of each text's tokens (special tokens dropped)."""
        import torch

        from .devices import autocast

        out = []
        with torch.inference_mode(), autocast(self.precision, torch.device(self.device)):
            for start in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(
                    texts[start : start + self.batch_size],
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                    return_special_tokens_mask=True,
                )
                special = batch.pop("special_tokens_mask").bool()
                hidden = self.model(**{k: v.to(self.device) for k, v in batch.items()}).last_hidden_state.float().cpu()
                keep = batch["attention_mask"].bool() & ~special
                for row, mask in zip(hidden, keep):
                    vectors = row[mask].numpy().astype(np.float64)
                    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                    out.append(vectors / np.where(norms > 0, norms, 1.0))
        return out

    def __call__(self, name: str, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per text: (mean alignment of the name's tokens to the text, and of the text's to the name)."""
        name_tokens = self.token_embeddings([name])[0]
        forward, backward = [], []
        for tokens in self.token_embeddings(texts):
            if len(tokens) == 0 or len(name_tokens) == 0:
                forward.append(0.0)
                backward.append(0.0)
                continue
            similarity = name_tokens @ tokens.T
            forward.append(float(similarity.max(axis=1).mean()))
            backward.append(float(similarity.max(axis=0).mean()))
        return np.clip(forward, 0.0, None), np.clip(backward, 0.0, None)


def errors_removable(n_misclassified: int) -> float:
    """Not in the paper: the misclassified points a fix of the cluster could remove, i.e. its size
    times its error rate. The paper's scorers rank by geometry or text and can pass over a large
    cluster of errors for a small, tight one; this one ranks by what augmentation can gain. Ties
    (equal counts) go to the larger cluster, as for every scorer, so the purer one loses them."""
    return float(n_misclassified)


def weighted_errors(weighted_scores: np.ndarray, n_misclassified: np.ndarray) -> np.ndarray:
    """Not in the paper: the weighted score (Eq. 6) times the cluster's misclassified points.

    The weighted score ranks clusters by how they stand out (spread, distance from the rest, word
    overlap) on metrics min-max scaled across candidates, and ignores how many errors each holds:
    a 10-point cluster can outrank a 50-point one with the same shape. The product reads the
    weighted score as how good a target the region is and the count as how much a fix can gain,
    so it ranks by the errors a well-aimed fix could remove. It has no weight of its own, so
    nothing in it is fitted to a dataset; a candidate that scales to 0 on every weighted metric
    scores 0 whatever its size (README, "A known answer")."""
    return np.asarray(weighted_scores, dtype=np.float64) * np.asarray(n_misclassified, dtype=np.float64)


def minmax_scale(values: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] across candidates; all-equal values (or one candidate) scale to 0."""
    values = np.asarray(values, dtype=np.float64)
    span = values.max() - values.min() if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)


def weighted(scores: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Eq. 6: s_i = Σ_m w_m · scaled(s_m)_i over the metrics m with a weight.

    The metrics live on different scales (a density can be in the thousands, a cosine is at most
    1), so each is first min-max scaled across the candidate clusters (the paper's "linearly
    scale them"); then the weights (config ``scoring.weights``; the paper's cosine 0.68,
    pairwise 0.65, density 0.41) combine them.
    """
    missing = set(weights) - set(scores)
    if missing:
        raise ValueError(f"scoring.weights names metrics that were not computed: {sorted(missing)}")
    n = len(next(iter(scores.values()))) if scores else 0
    total = np.zeros(n)
    for metric, weight in weights.items():
        total += weight * minmax_scale(scores[metric])
    return total
