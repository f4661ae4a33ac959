"""A2T (Yoo & Qi 2021) as a data augmenter, re-implemented after TextAttack.

TextAttack's ``textattack/attack_recipes/a2t_yoo_2021.py`` (``A2TYoo2021.build``, ``mlm=False``):

- transformation ``WordSwapEmbedding(max_candidates=20)`` with ``WordEmbeddingDistance(min_cos_sim=0.8)``
  (here :class:`~topex.baselines.word_vectors.WordVectors`; the original word's case is kept, as TextAttack's
  ``recover_word_case`` does);
- constraints ``RepeatModification`` (a word is changed at most once), ``StopwordModification``,
  ``InputColumnModification(["premise", "hypothesis"], {"premise"})`` (only the hypothesis of a
  pair changes), ``MaxModificationRate(max_rate=0.1, min_threshold=4)`` and the sentence encoder
  ``BERT("stsb-distilbert-base", threshold=0.9, metric="cosine")`` against the original text (here
  :class:`~topex.baselines.similarity.SentenceSimilarity` on the whole text, pairs joined by a newline as
  TextAttack's ``AttackedText.text`` joins its columns);
- search ``GreedyWordSwapWIR(wir_method="gradient")``: one backward pass of the classifier, loss
  the cross-entropy against the model's own prediction (``HuggingFaceModelWrapper.get_grad``; kept,
  rather than the true label, so the ranking is TextAttack's: the words the model relies on); a
  word's importance is the L1 norm of the mean gradient, w.r.t. the word-piece input embeddings,
  over its word pieces; words are then tried in descending importance, each time taking the
  candidate that most lowers the true label's probability (``UntargetedClassification`` score)
  among those passing the constraints, and skipping the word when that does not lower it.

Deviations, all because this is an augmenter on an offline stack rather than an attack:

- TextAttack stops at the first swap that flips the prediction and skips inputs the model already
  misclassifies. The chosen cluster's points are mostly misclassified, so here the whole swap
  budget is spent, each swap the one that most lowers the true label's probability; ``info``
  records whether the result is misclassified (``fooled``) and every swap.
- Only words the classifier sees (within its ``max_length`` tokens; TextAttack: ``truncate_words_to``)
  are changed, and the budget ``max(ceil(max_rate * n), min_threshold)`` counts as ``n`` only those
  words, so that a long article gets 10% of what the model reads changed rather than 10% of its
  whole length crammed into its start (it is also what keeps a 400-word article fast).
- The gradient is taken in eval mode with the classifier's own truncation (TextAttack's
  ``get_grad`` switches to train mode, so dropout makes its ranking random).
- The part-of-speech constraint ``PartOfSpeech(allow_verb_noun_swap=False)`` is left out: it needs
  an NLTK tagger model that is not shipped offline.
- Vectors are GloVe unless counter-fitted ones are configured, and the sentence encoder is the
  local one (see :mod:`topex.baselines.word_vectors` and :mod:`topex.baselines.similarity`).
- Ties (equal importance or probability) are broken with ``rng``; otherwise the result is
  deterministic.

Constraints are checked lazily in score order, which picks the same candidate as filtering first
but calls the sentence encoder only until a candidate passes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from . import Augmented
from .similarity import SentenceSimilarity
from .word_vectors import WordVectors
from .words import Words

BATCH_SIZE = 32  # UntargetedClassification(model_batch_size=32)


def recover_case(word: str, reference: str) -> str:
    """``word`` in the case pattern of ``reference`` (lower, UPPER or Capitalised), as TextAttack."""
    if reference.islower():
        return word.lower()
    if reference.isupper() and len(reference) > 1:
        return word.upper()
    if reference[:1].isupper() and reference[1:].islower():
        return word.capitalize()
    return word


class A2T:
    """Gradient-ranked greedy embedding swaps that lower the classifier's true-label probability."""

    def __init__(
        self,
        model,
        tokenizer,
        vectors: WordVectors,
        similarity: SentenceSimilarity,
        *,
        max_length: int = 128,
        max_candidates: int = 20,
        min_cos_sim: float = 0.8,
        max_rate: float = 0.1,
        min_threshold: int = 4,
    ):
        self.model, self.tokenizer = model.eval(), tokenizer
        self.vectors, self.similarity = vectors, similarity
        self.max_length, self.max_candidates, self.min_cos_sim = max_length, max_candidates, min_cos_sim
        self.max_rate, self.min_threshold = max_rate, min_threshold
        self.device = next(model.parameters()).device

    @classmethod
    def load(
        cls, model_dir: str | Path, settings, vectors: WordVectors, similarity: SentenceSimilarity, **options
    ) -> "A2T":
        """An A2T on a saved classifier (``settings``: its :class:`~topex.classifier.TrainSettings`)."""
        from ..classifier import load_classifier

        model, tokenizer = load_classifier(model_dir, settings)
        return cls(model, tokenizer, vectors, similarity, max_length=settings.max_length, **options)

    # -- the classifier ------------------------------------------------------------------------

    def _encode(self, texts: list[str], pairs: list[str] | None, **extra):
        return self.tokenizer(
            texts, pairs, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt", **extra
        )

    def probabilities(self, texts: list[str], pairs: list[str] | None = None) -> np.ndarray:
        """Class probabilities of each text (pair), in batches of ``BATCH_SIZE``."""
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), BATCH_SIZE):
                batch = self._encode(
                    texts[start : start + BATCH_SIZE], None if pairs is None else pairs[start : start + BATCH_SIZE]
                ).to(self.device)
                out.append(torch.softmax(self.model(**batch).logits.float(), dim=-1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.model.config.num_labels), dtype=np.float32)

    def word_importance(self, text: str, text_pair: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The gradient importance of each word of the input (pairs: premise, then hypothesis) and
        the input's class probabilities. A word the classifier does not see (beyond ``max_length``)
        scores NaN, to tell it apart from a zero gradient."""
        words, cut = _joined(text, text_pair)
        batch = self._encode([text], None if text_pair is None else [text_pair], return_offsets_mapping=True)
        offsets = batch.pop("offset_mapping")[0].tolist()
        sequence = batch.sequence_ids(0)
        batch = batch.to(self.device)
        with torch.enable_grad():
            embeddings = self.model.get_input_embeddings()(batch["input_ids"]).detach().requires_grad_(True)
            inputs = {k: v for k, v in batch.items() if k != "input_ids"}
            logits = self.model(inputs_embeds=embeddings, **inputs).logits
            loss = torch.nn.functional.cross_entropy(logits, logits.argmax(dim=-1))
            gradient = torch.autograd.grad(loss, embeddings)[0][0].float().cpu().numpy()
        probabilities = torch.softmax(logits.detach().float(), dim=-1)[0].cpu().numpy()

        starts = np.array([s for s, _ in words.spans], dtype=np.int64)
        pieces: list[list[int]] = [[] for _ in range(len(words))]
        for position, ((a, b), seq) in enumerate(zip(offsets, sequence)):
            if seq is None or b <= a:
                continue
            at = a + (cut if seq == 1 else 0)
            w = int(np.searchsorted(starts, at, side="right")) - 1
            if w >= 0 and at < words.spans[w][1]:
                pieces[w].append(position)
        scores = np.array([np.abs(gradient[p].mean(axis=0)).sum() if p else np.nan for p in pieces], dtype=np.float64)
        return scores, probabilities

    # -- the search ----------------------------------------------------------------------------

    def augment(self, text: str, text_pair: str | None, label: int, rng: np.random.Generator) -> Augmented:
        original, cut = _joined(text, text_pair)
        editable = [
            i
            for i in range(len(original))
            if not original.is_stopword(i) and (text_pair is None or original.spans[i][0] >= cut)
        ]
        info: dict = {"swaps": []}
        if not editable:
            probabilities = self.probabilities([text], None if text_pair is None else [text_pair])[0]
            info.update(predicted_after=int(probabilities.argmax()), fooled=bool(probabilities.argmax() != label))
            return Augmented(text, text_pair, 0, info)

        scores, probabilities = self.word_importance(text, text_pair)
        seen = ~np.isnan(scores)
        editable = np.array([i for i in editable if seen[i]], dtype=np.int64)
        budget = max(math.ceil(self.max_rate * int(seen.sum()) - 1e-9), self.min_threshold)
        order = editable[np.lexsort((rng.permutation(len(editable)), -scores[editable]))]
        info.update(
            budget=budget,
            editable=len(editable),
            true_prob_before=float(probabilities[label]),
            predicted_before=int(probabilities.argmax()),
        )

        current, current_prob, current_pred = original, float(probabilities[label]), int(probabilities.argmax())
        for index in order:
            if len(info["swaps"]) >= budget:
                break
            word = original.word(index)
            texts = [t for t in (current.replace(index, c) for c in self.candidates(word)) if len(t) == len(current)]
            if not texts:
                continue
            split = [_split(t, cut) for t in texts]
            probs = self.probabilities([s[0] for s in split], None if text_pair is None else [s[1] for s in split])
            true = probs[:, label]
            ranked = [j for j in np.lexsort((rng.permutation(len(texts)), true)) if true[j] < current_prob]
            chosen = self._first_allowed(original, [texts[j] for j in ranked], index)
            if chosen is None:
                continue
            best = ranked[chosen]
            info["swaps"].append(
                {
                    "index": int(index),
                    "from": word,
                    "to": texts[best].word(index),
                    "importance": float(scores[index]),
                    "true_prob": float(true[best]),
                }
            )
            current, current_prob, current_pred = texts[best], float(true[best]), int(probs[best].argmax())

        new_text, new_pair = _split(current, cut)
        info.update(true_prob_after=current_prob, predicted_after=current_pred, fooled=bool(current_pred != label))
        return Augmented(new_text, new_pair, len(info["swaps"]), info)

    def candidates(self, word: str) -> list[str]:
        """The word's embedding neighbours in its case, without the word itself (``WordSwap``)."""
        neighbours = self.vectors.neighbours(word, self.max_candidates, self.min_cos_sim)
        return list(dict.fromkeys(c for c in (recover_case(n, word) for n in neighbours) if c.lower() != word.lower()))

    def _first_allowed(self, original: Words, ranked: list[Words], index: int) -> int | None:
        """Position in ``ranked`` of the first candidate that keeps the sentence similarity: the
        best alone first (usually it passes), then the rest in one encoder call."""
        if not ranked:
            return None
        if self.similarity.allows(original, ranked[:1], index)[0]:
            return 0
        passing = np.flatnonzero(self.similarity.allows(original, ranked[1:], index))
        return int(passing[0]) + 1 if len(passing) else None


def _joined(text: str, text_pair: str | None) -> tuple[Words, int]:
    """The input as one ``Words`` (a pair joined by a newline) and where the hypothesis starts."""
    if text_pair is None:
        return Words.of(text), 0
    return Words.of(f"{text}\n{text_pair}"), len(text) + 1


def _split(words: Words, cut: int) -> tuple[str, str | None]:
    if cut == 0:
        return words.text, None
    return words.text[: cut - 1], words.text[cut:]
