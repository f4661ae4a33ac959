"""LLM-written cluster names (``naming.method: llm``): the paper's stated limitation, addressed.

BERTopic's c-TF-IDF names are word lists ("1984 451 antwone boats" on short sentences). With
``llm``, the configured LLM (``naming.llm``) reads a candidate cluster's c-TF-IDF words and a few
of its texts (those nearest the cluster's sentence-embedding centroid: the most typical ones, no
draw needed) and writes a short name, through the same prompt frame as the Augmenter (appendix B's
completion frame, or the chat template). Only candidate clusters are named (the Augmenter only
prompts with those); the others keep their BERTopic name. An answer that cleans to nothing keeps
the BERTopic name too, and the log says so. Both names are kept in clusters.csv; ``name`` is the
configured one, which the Augmenter's prompt and every figure use.

The LLM's answer is data: cleaned, cut, stored and shown, never executed or used as a file name.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .augmenter import cell_seed, complete
from .cleaning import clean, words_of
from .prompts import example_text

log = logging.getLogger("topex.llm_naming")

# Of three phrasings tried on the offline LLMs, the one where SmolLM2 wrote titles rather than copy
# a text ("The Central Bank's Unprecedented Monetary Policy" for "bank rates markets").
INSTRUCTION = (
    "Write a short title (at most {max_words} words) for a group of texts about: {words}. "
    "Examples of the texts:\n{texts}\nTitle:"
)
# A name holding this many consecutive words of its prompt (a shown text) copies, not names.
COPIED_WORDS = 4
# A leading "Name:" or "Topic:" (the model labelling its answer) is not part of the name.
NAME_PREFIX = re.compile(r"^\s*(the\s+)?(topic|name|title|answer)(\s+name)?\s*(is)?\s*[:\-–]\s*", re.I)


@dataclass(frozen=True)
class NamingSettings:
    """The ``naming.llm_*`` keys of the LLM path (validated: the schema holds the defaults)."""

    texts: int  # texts of the cluster shown to the LLM
    text_words: int  # each cut to this many words
    max_words: int  # words of the name kept
    max_tokens: int
    temperature: float
    top_p: float

    @classmethod
    def from_config(cls, naming: dict) -> "NamingSettings":
        return cls(**{field: naming[f"llm_{field}"] for field in cls.__dataclass_fields__})


def naming_instruction(words: str, texts: list[str], settings: NamingSettings) -> str:
    """The instruction for one cluster: its c-TF-IDF words and a few of its texts, cut."""
    listed = "\n".join(
        f"{i + 1}. {example_text(' '.join(t.split()), None, settings.text_words)}" for i, t in enumerate(texts)
    )
    return INSTRUCTION.format(max_words=settings.max_words, words=words, texts=listed)


def clean_name(raw: str, max_words: int) -> str | None:
    """The name in an LLM's answer: its first line without prompt echoes, a "Name:" label, quotes,
    Markdown emphasis, list marks and end punctuation, cut to ``max_words`` words; None if empty."""
    text = clean(raw)
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = re.sub(r"^\s*(?:[-*#>]+|\d+[.)])\s+", "", line)  # "1. ", "- ", "## " before the name
    line = NAME_PREFIX.sub("", line.strip(), count=1)
    line = line.replace("*", "").replace("_", " ").strip(" \t\"'`“”‘’.,;:!?")
    words = line.split()[:max_words]
    name = " ".join(words).strip(" \"'`“”‘’.,;:!?")
    return name or None


def copies(name: str, prompt: str) -> bool:
    """Whether ``name`` repeats :data:`COPIED_WORDS` or more consecutive words of ``prompt`` (the
    small LLMs often answer with the first shown text), or the prompt frame's 'Task' marker."""
    words, source = words_of(name), f" {' '.join(words_of(prompt))} "
    if words[:1] == ["task"]:
        return True
    return any(f" {' '.join(words[i : i + COPIED_WORDS])} " in source for i in range(len(words) - COPIED_WORDS + 1))


def typical_texts(texts: list[str], embeddings: np.ndarray, k: int) -> list[str]:
    """The ``k`` texts nearest (cosine) the mean of their L2-normalised ``embeddings``."""
    embeddings = np.asarray(embeddings, dtype=np.float64)
    centre = embeddings.mean(axis=0)
    order = np.argsort(-(embeddings @ centre), kind="stable")[:k]
    return [texts[i] for i in order]


def llm_names(
    model,
    chat: bool,
    system_role: bool,
    clusters: pd.DataFrame,
    texts: list[str],
    embeddings: np.ndarray,
    cluster: np.ndarray,
    settings: NamingSettings,
    seed_parts: tuple,
    llm: str,
) -> dict[int, str | None]:
    """An LLM-written name (None when the answer cleans to nothing) for every candidate cluster
    of ``clusters`` (with its BERTopic ``name``); ``texts``, ``embeddings`` and ``cluster`` are
    per explore point. Each call's seed derives from ``seed_parts`` (dataset, training seed) and
    the cluster id."""
    names = {}
    cluster = np.asarray(cluster)
    for row in clusters[clusters["is_candidate"]].itertuples(index=False):
        members = np.flatnonzero(cluster == row.cluster)
        shown = typical_texts([texts[i] for i in members], embeddings[members], settings.texts)
        task = naming_instruction(row.name, shown, settings)
        seed = cell_seed(*seed_parts, row.cluster, llm, "name")
        raw, _, _, _ = complete(model, chat, task, [], settings, seed, system_role)
        name = clean_name(raw, settings.max_words)
        names[int(row.cluster)] = None if name is None or copies(name, task) else name
        if names[int(row.cluster)] is None:
            log.warning(
                "cluster %d: the LLM's answer %r gives no name (empty, or a copy of the prompt); the "
                "BERTopic name '%s' is kept",
                row.cluster,
                raw[:200],
                row.name,
            )
        else:
            log.info("cluster %d: BERTopic '%s', LLM '%s'", row.cluster, row.name, names[int(row.cluster)])
    return names


def apply_names(
    points: pd.DataFrame, clusters: pd.DataFrame, written: dict[int, str | None] | None, method: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep both names in ``clusters`` (``bertopic_name``, ``llm_name``: empty where none was
    written) and make ``name`` (and the points' ``cluster_name``) the configured method's."""
    clusters, points = clusters.copy(), points.copy()
    written = written or {}
    clusters["bertopic_name"] = clusters["name"]
    clusters["llm_name"] = [written.get(int(c)) or "" for c in clusters["cluster"]]
    if method == "llm":
        clusters["name"] = [llm or bertopic for llm, bertopic in zip(clusters["llm_name"], clusters["bertopic_name"])]
    elif method != "bertopic":
        raise ValueError(f"naming.method: unknown method '{method}' (bertopic or llm)")
    points["cluster_name"] = points["cluster"].map(dict(zip(clusters["cluster"], clusters["name"])))
    return points, clusters
