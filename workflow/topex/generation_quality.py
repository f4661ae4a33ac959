"""How good are the generated points? Measured per generation file, pooled per (dataset, LLM, shots).

The paper judges its generations by reading them (§4, Table 3, appendix C) and blames weak results
on LLMs that "generate nonsensical text". Fluent text passes the format filters whatever it says,
so each accepted point is also measured:

- **label agreement**: whether the seed's base classifier, and an independent judge that did not
  train on train (:mod:`topex.judge`), assign it the target label. The base classifier errs on
  the chosen cluster by construction, so its disagreement can mean the point lies in the failure
  (the aim); the judge's disagreement means the point reads as another class;
- **on-topic**: whether its sentence embedding is nearer (cosine) the chosen cluster's centroid
  than any other cluster's, and its cosine to that centroid. The cluster's own members are measured
  the same way (``members_on_topic``): the rate a perfect imitation of the cluster would reach;
- **diversity** of a generation's points: distinct-2 (Li et al. 2016: distinct word bigrams over
  all bigrams) and the mean pairwise cosine of their embeddings (1: one text repeated);
- **near-copies**: cosine to the nearest explore or test text at least the filter's threshold
  (``augment.near_copy_cosine``); the filter rejects them (:mod:`topex.screening`), so an accepted
  near-copy means a generation made before the filter had the check.

Centroids are means of L2-normalised embeddings, renormalised; noise points (cluster -1) belong
to no cluster.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

from .clustering import NOISE

# Rejection reasons by kind: the reasons carry numbers and quotes (cleaning.judge, screening).
REASON_KINDS = (
    ("empty", "empty"),
    ("pair delimiter", "pair delimiter"),
    ("too short", "too short"),
    ("too long", "too long"),
    ("echoes the prompt", "echoes the prompt"),
    ("duplicate", "duplicate"),
    ("copy of a training text", "copy of a training text"),
    ("near-copy", "near-copy of explore/test"),
    ("off-label", "off-label (judge)"),
)


def reason_kind(reason: str) -> str:
    """The kind of a rejection reason, e.g. "too short: 3 words < 5" -> "too short"."""
    for prefix, kind in REASON_KINDS:
        if reason.startswith(prefix):
            return kind
    return re.split(r"[:(]", reason, maxsplit=1)[0].strip() or reason


def distinct_n(texts: list[str], n: int = 2) -> float:
    """Distinct word n-grams over all n-grams of ``texts`` (lower case); NaN without any n-gram."""
    grams = []
    for text in texts:
        words = re.findall(r"\w+", text.lower())
        grams += [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def mean_pairwise_cosine(vectors: np.ndarray) -> float:
    """Mean cosine over the pairs i < j of L2-normalised rows; NaN for fewer than two rows."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if len(vectors) < 2:
        return float("nan")
    similarity = vectors @ vectors.T
    upper = np.triu_indices(len(vectors), k=1)
    return float(similarity[upper].mean())


def centroids(embeddings: np.ndarray, cluster: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cluster ids (noise left out) and their L2-normalised mean embeddings, one row each."""
    cluster = np.asarray(cluster)
    ids = np.array(sorted(set(cluster.tolist()) - {NOISE}), dtype=int)
    rows = (
        np.stack([np.asarray(embeddings)[cluster == c].mean(axis=0) for c in ids])
        if len(ids)
        else np.zeros((0, np.asarray(embeddings).shape[1]))
    )
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return ids, rows / np.where(norms > 0, norms, 1.0)


def topic_fit(vectors: np.ndarray, ids: np.ndarray, centres: np.ndarray, chosen: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``vectors``: whether the chosen cluster's centroid is the nearest (cosine; a tie
    counts as on-topic) and the cosine to it."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    if len(vectors) == 0:
        return np.zeros(0, dtype=bool), np.zeros(0)
    where = np.flatnonzero(np.asarray(ids) == chosen)
    if not len(where):
        raise ValueError(f"cluster {chosen} is not among the clusters {list(ids)}")
    cosines = vectors @ np.asarray(centres, dtype=np.float64).T
    own = cosines[:, where[0]]
    return own >= cosines.max(axis=1), own


def members_on_topic(
    embeddings: np.ndarray, cluster: np.ndarray, ids: np.ndarray, centres: np.ndarray, chosen: int
) -> float:
    """The share of the chosen cluster's own points that are on-topic by :func:`topic_fit`: the
    reference an imitation of the cluster is read against (centroids in sentence-embedding space
    overlap, since the Explorer clusters the classifier's outputs, not the texts)."""
    members = np.asarray(embeddings)[np.asarray(cluster) == chosen]
    return float(topic_fit(members, ids, centres, chosen)[0].mean()) if len(members) else float("nan")


def nearest(vectors: np.ndarray, references: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``references`` with the highest cosine to each row of ``vectors``: their
    indices and cosines, best first (k is cut to the number of references)."""
    vectors, references = np.atleast_2d(vectors), np.atleast_2d(references)
    k = min(k, len(references))
    if len(vectors) == 0 or k == 0:
        return np.zeros((len(vectors), 0), dtype=int), np.zeros((len(vectors), 0))
    cosines = vectors @ references.T
    order = np.argsort(-cosines, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(cosines, order, axis=1)


def near_copies(vectors: np.ndarray, references: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``vectors``: the cosine to its nearest reference, and whether it is at least
    ``threshold`` (a near-copy)."""
    index, cosine = nearest(vectors, references, 1)
    best = cosine[:, 0] if cosine.shape[1] else np.full(len(index), -1.0)
    return best, best >= threshold


def assess_points(
    accepted: pd.DataFrame,
    vectors: np.ndarray,
    base_prediction: np.ndarray,
    judge_prediction: np.ndarray,
    ids: np.ndarray,
    centres: np.ndarray,
    references: np.ndarray,
    threshold: float,
) -> pd.DataFrame:
    """Per accepted point (rows of ``accepted``: its ``label`` and ``cluster``; ``vectors`` its
    embeddings): label agreement of the base classifier and the judge, on-topic and cosine to the
    chosen centroid, the nearest explore/test cosine and whether it is a near-copy."""
    frame = accepted.copy()
    frame["base_prediction"] = np.asarray(base_prediction, dtype=int)
    frame["judge_prediction"] = np.asarray(judge_prediction, dtype=int)
    frame["base_agrees"] = frame["base_prediction"] == frame["label"]
    frame["judge_agrees"] = frame["judge_prediction"] == frame["label"]
    on_topic, cosine = np.zeros(len(frame), dtype=bool), np.zeros(len(frame))
    for cluster in frame["cluster"].unique():
        rows = np.flatnonzero((frame["cluster"] == cluster).to_numpy())
        on_topic[rows], cosine[rows] = topic_fit(vectors[rows], ids, centres, int(cluster))
    frame["on_topic"], frame["centroid_cosine"] = on_topic, cosine
    frame["nearest_cosine"], frame["near_copy"] = near_copies(vectors, references, threshold)
    return frame


def file_summary(records: list[dict], points: pd.DataFrame, texts: list[str], vectors: np.ndarray) -> dict:
    """One generation file: attempts, acceptance, rejections by kind, and the pooled counts and
    diversity of its accepted ``points`` (rows of :func:`assess_points`; ``texts`` and ``vectors``
    the same points' texts and embeddings)."""
    rejected = Counter(reason_kind(r["reason"]) for r in records if not r["accepted"])
    return {
        "attempts": len(records),
        "accepted": int(sum(r["accepted"] for r in records)),
        "rejected": dict(sorted(rejected.items())),
        "base_agree": int(points["base_agrees"].sum()),
        "judge_agree": int(points["judge_agrees"].sum()),
        "on_topic": int(points["on_topic"].sum()),
        "centroid_cosine_sum": float(points["centroid_cosine"].sum()),
        "near_copies_accepted": int(points["near_copy"].sum()),
        "distinct_2": distinct_n(texts, 2),
        "pairwise_cosine": mean_pairwise_cosine(vectors),
    }


def _share(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def quality_table(summaries: list[dict]) -> pd.DataFrame:
    """One row per (dataset, LLM, shots, seed) and one pooled over the seeds (seed "all"): the
    generation files, acceptance, rejections by kind, and the shares of accepted points that each
    measurement passes. Diversity is the mean over files (a file's points are one generation)."""
    frame = pd.DataFrame(summaries)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    keys = ["dataset", "llm", "shots"]
    for key, group in frame.groupby(keys, sort=True):
        for seed, part in [*group.groupby("seed", sort=True), ("all", group)]:
            rejected = Counter()
            for counts in part["rejected"]:
                rejected.update(counts)
            accepted = part["accepted"].sum()
            rows.append(
                {
                    **dict(zip(keys, key)),
                    "seed": str(seed),
                    "generations": len(part),
                    "attempts": int(part["attempts"].sum()),
                    "accepted": int(accepted),
                    "acceptance_rate": _share(accepted, part["attempts"].sum()),
                    "rejections": ", ".join(f"{kind} {n}" for kind, n in rejected.most_common()) or "-",
                    "base_agreement": _share(part["base_agree"].sum(), accepted),
                    "judge_agreement": _share(part["judge_agree"].sum(), accepted),
                    "on_topic_rate": _share(part["on_topic"].sum(), accepted),
                    "centroid_cosine": _share(part["centroid_cosine_sum"].sum(), accepted),
                    "members_on_topic": part["members_on_topic"].mean(),
                    "distinct_2": part["distinct_2"].mean(),
                    "pairwise_cosine": part["pairwise_cosine"].mean(),
                    "near_copies_rejected": int(rejected.get("near-copy of explore/test", 0)),
                    "near_copies_accepted": int(part["near_copies_accepted"].sum()),
                    "off_label_rejected": int(rejected.get("off-label (judge)", 0)),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


COLUMNS = [
    "dataset",
    "llm",
    "shots",
    "seed",
    "generations",
    "attempts",
    "accepted",
    "acceptance_rate",
    "rejections",
    "base_agreement",
    "judge_agreement",
    "on_topic_rate",
    "centroid_cosine",
    "members_on_topic",
    "distinct_2",
    "pairwise_cosine",
    "near_copies_rejected",
    "near_copies_accepted",
    "off_label_rejected",
]


def _percent(value: float) -> str:
    return "–" if pd.isna(value) else f"{100 * value:.0f} %"


def _number(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.2f}"


def quality_markdown(table: pd.DataFrame, judges: dict[str, dict], threshold: float, label_check: str) -> str:
    """The pooled rows (seed "all") as a Markdown table, opened by the judge's accuracy per dataset
    and closed by how to read each column."""
    lines = [
        f"- **{dataset}**: the label judge (a logistic regression on the explore split's sentence "
        f"embeddings) has accuracy {_percent(judge.get('explore_accuracy'))} on explore and "
        f"{_percent(judge.get('test_accuracy'))} on test ({judge.get('classes', '?')} classes)."
        for dataset, judge in sorted(judges.items())
    ]
    lines += [
        "",
        f"Filter: near-copies (cosine ≥ {threshold} to an explore or test text) rejected; label check "
        f"`augment.label_check: {label_check}`.",
        "",
    ]
    header = [
        "dataset",
        "LLM",
        "shots",
        "seeds",
        "accepted / attempts",
        "rejections",
        "base agrees",
        "judge agrees",
        "on-topic (members)",
        "cos to centroid",
        "distinct-2",
        "pairwise cos",
        "near-copies rejected",
    ]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    pooled = table[table["seed"] == "all"]
    seeds = table[table["seed"] != "all"].groupby(["dataset", "llm", "shots"])["seed"].nunique()
    for row in pooled.itertuples(index=False):
        cells = [
            row.dataset,
            row.llm,
            str(row.shots),
            str(seeds.get((row.dataset, row.llm, row.shots), 0)),
            f"{row.accepted} / {row.attempts} ({_percent(row.acceptance_rate)})",
            row.rejections,
            _percent(row.base_agreement),
            _percent(row.judge_agreement),
            f"{_percent(row.on_topic_rate)} ({_percent(row.members_on_topic)})",
            _number(row.centroid_cosine),
            _number(row.distinct_2),
            _number(row.pairwise_cosine),
            str(row.near_copies_rejected),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Per (dataset, LLM, shots), pooled over the seeds and the distinct chosen clusters of each seed "
        "(per-seed rows in generations.csv). *base agrees*: share of accepted points that the seed's base "
        "classifier assigns to the target label (it errs on the chosen cluster by construction, so a low "
        "share can mean the point lies in the failure); *judge agrees*: the same for the independent judge; "
        "*on-topic*: share nearer the chosen cluster's centroid than any other cluster's (sentence "
        "embeddings), in brackets the share of the cluster's own points that are; *distinct-2* and "
        "*pairwise cos*: diversity within a generation (1 and 0 for all-different texts, a repeated text "
        "gives a low distinct-2 and a cosine of 1).",
    ]
    return "\n".join(lines) + "\n"
