"""An independent label judge for generated points: a linear head on sentence embeddings.

The seed's base classifier is a poor referee of its own failures (the chosen cluster is where it
errs, and it trained on train), so generated points are also read by a logistic regression fitted
on the *explore* split's sentence embeddings: it never saw train, and its inputs are the encoder's
(not the classifier's). Deterministic (lbfgs); the fitted weights are stored as arrays, so reading
them back runs no pickled code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Judge:
    """A fitted linear head: scores = X @ coef.T + intercept; ``classes`` maps columns to labels."""

    coef: np.ndarray
    intercept: np.ndarray
    classes: np.ndarray

    def predict(self, embeddings: np.ndarray) -> np.ndarray:
        """The label the judge reads in each row of ``embeddings``."""
        embeddings = np.atleast_2d(np.asarray(embeddings, dtype=np.float64))
        scores = embeddings @ self.coef.T + self.intercept
        if self.coef.shape[0] == 1:  # binary: one column, positive means the second class
            return self.classes[(scores[:, 0] > 0).astype(int)]
        return self.classes[scores.argmax(axis=1)]

    def arrays(self) -> dict[str, np.ndarray]:
        return {"coef": self.coef, "intercept": self.intercept, "classes": self.classes}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "Judge":
        return cls(np.asarray(arrays["coef"]), np.asarray(arrays["intercept"]), np.asarray(arrays["classes"]))


def fit_judge(embeddings: np.ndarray, labels: np.ndarray, c: float = 1.0, max_iter: int = 2000) -> Judge:
    """Fit the judge on one split's embeddings and labels (the explore split in the workflow)."""
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(labels)
    if len(np.unique(labels)) < 2:
        raise ValueError(
            f"the label judge needs at least two classes in the explore split, found {np.unique(labels).tolist()}"
        )
    model = LogisticRegression(C=c, max_iter=max_iter).fit(np.asarray(embeddings, dtype=np.float64), labels)
    return Judge(model.coef_.astype(np.float64), model.intercept_.astype(np.float64), model.classes_)
