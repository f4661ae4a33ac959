"""Name clusters with BERTopic (Grootendorst 2022), on the clusters the Explorer already found.

BERTopic's documented way to bring your own clusters ("manual BERTopic"): an identity
dimensionality reduction, an identity clusterer and the cluster ids passed as ``y``. No second
clustering happens; BERTopic only computes its class-based TF-IDF per cluster. Embeddings are
passed in (computed once per dataset by the local encoder), so BERTopic never loads a model.

Departure from the paper, documented as the config value ``naming.stop_words``: the paper's
names keep stop words ("cinderella disney the and"); removing English stop words (default)
gives names that say what the cluster is about ("mr labour blair election").
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from .clustering import NOISE


def name_clusters(
    texts: list[str],
    embeddings: np.ndarray,
    cluster: np.ndarray,
    top_n_words: int = 4,
    stop_words: str | None = "english",
) -> dict[int, str]:
    """Map every cluster id (noise excluded) to its top c-TF-IDF words joined by spaces."""
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction

    cluster = np.asarray(cluster)
    ids = sorted(set(cluster.tolist()) - {NOISE})
    if not ids:
        return {}
    model = BERTopic(
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        vectorizer_model=CountVectorizer(stop_words=stop_words),
        top_n_words=top_n_words,
        calculate_probabilities=False,
    )
    model.fit_transform(texts, embeddings=np.asarray(embeddings), y=cluster)
    # BERTopic renumbers topics by frequency; every point of a cluster gets the same topic,
    # so the topic of a cluster is the topic of its points.
    topics = np.asarray(model.topics_)
    names = {}
    for cluster_id in ids:
        topic = int(np.bincount(topics[cluster == cluster_id] - topics.min()).argmax() + topics.min())
        words = [word for word, _ in (model.get_topic(topic) or [])[:top_n_words] if word]
        names[cluster_id] = " ".join(words) if words else f"cluster {cluster_id}"
    return names
