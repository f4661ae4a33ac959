"""Project the output space to 2D with SparsePCA (paper §2.2, Johnstone and Lu 2009).

The fitted components and mean are kept, so outputs after augmentation can be drawn on the same
axes as before it.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import SparsePCA


def fit_projection(points: np.ndarray, alpha: float, seed: int) -> dict[str, np.ndarray]:
    """Fit a 2-component SparsePCA; return its ``components`` (2 × d) and ``mean`` (d)."""
    points = np.asarray(points, dtype=np.float64)
    if points.shape[1] < 2:
        raise ValueError("the output space needs at least 2 dimensions to project to 2D")
    model = SparsePCA(n_components=2, alpha=alpha, random_state=seed).fit(points)
    return {"components": model.components_, "mean": model.mean_}


def project(points: np.ndarray, projection: dict[str, np.ndarray]) -> np.ndarray:
    """Coordinates of ``points`` on the fitted axes: (points − mean) · componentsᵀ."""
    return (np.asarray(points, dtype=np.float64) - projection["mean"]) @ projection["components"].T
