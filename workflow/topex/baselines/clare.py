"""CLARE, the contextualised-perturbation baseline, as TextAttack's ``CLAREAugmenter`` builds it.

TextAttack (textattack/augmentation/recipes.py, ``CLAREAugmenter(model="distilroberta-base")``)
shares one masked LM among three transformations in a ``CompositeTransformation``:

- ``WordSwapMaskedLM(method="bae", max_candidates=50, min_confidence=5e-4)``
  (transformations/word_swaps/word_swap_masked_lm.py, ``_bae_replacement_words``): mask a word and
  take the LM's most probable words for the mask;
- ``WordInsertionMaskedLM(max_candidates=50, min_confidence=0.0)``
  (transformations/word_insertions/word_insertion_masked_lm.py, ``_get_new_words``): insert a
  mask before a word;
- ``WordMergeMaskedLM(max_candidates=50, min_confidence=5e-3)``
  (transformations/word_merges/word_merge_masked_lm.py, ``find_merge_index``): replace two
  adjacent words by one mask;

with the constraints ``RepeatModification()``, ``StopwordModification()`` and
``UniversalSentenceEncoder(threshold=0.7, metric="cosine", compare_against_original=True,
window_size=15, skip_text_shorter_than_window=True)``, in an ``Augmenter`` with
``pct_words_to_swap=0.1, transformations_per_example=1`` (augmentation/augmenter.py,
``Augmenter.augment``): until ``max(int(pct * len(words)), 1)`` words are modified, generate every
transformed text of the current text, keep those that pass the constraints, and continue from one
drawn with ``random.choice``; stop early when none passes.

Here the same loop runs on ``Words``, with these differences, each for a reason:

- The sentence constraint is :class:`~topex.baselines.similarity.SentenceSimilarity` (the configured local
  encoder; USE does not ship offline), threshold 0.7, window 15, around the modified word, against
  the original text; texts shorter than the window are unchecked (the original's length here, the
  candidate's in TextAttack, which differ by one word for insertions and merges).
- The LM is loaded with ``AutoModelForMaskedLM`` (the recipe loads distilroberta-base with
  ``AutoModelForCausalLM``, which keeps the same LM head and, without ``is_decoder``, the same
  bidirectional attention).
- A uniform draw among the texts that pass equals the first text that passes in a uniformly
  shuffled order, so candidates are shuffled with ``rng`` and checked in that order until one
  passes: the same distribution, for a fraction of the encoder calls (TextAttack encodes all).
- Candidates are whole-word tokens only (no "##ing" or BPE continuation pieces, which TextAttack's
  current code also admits), so that a swap replaces one word by one word; the probability of a
  candidate is its softmax probability over the whole vocabulary, as in TextAttack.
- Merges: TextAttack merges only part-of-speech pairs from flair's tagger (NOUN+NOUN, ADJ+NOUN,
  DET+NOUN, VERB+ADV, ...), and no tagger ships offline. Every allowed pair ends in a content word
  and starts with a content word, a determiner or a pronoun, so here a pair is mergeable when its
  second word is not a stop word, its first is not a stop word or is a determiner/possessive, and
  only whitespace separates them (no merges across punctuation). This admits some pairs a tagger
  would not (e.g. NOUN+VERB); the merge confidence (5e-3) and the sentence constraint still apply.
- RepeatModification holds for merges too (TextAttack's merge ignores it): neither merged word may
  have been modified before. StopwordModification applies to swaps only, as in TextAttack (its
  ``check_compatibility`` admits word swaps only); stop words are matched case-insensitively.
- A merge replaces the two words and the whitespace between them by the new word.
- The LM sees the text padded to the longest in its batch, not to ``max_length``, and projects
  only the mask onto the vocabulary (same probabilities, a fraction of the cost); for a sentence
  pair it sees (premise, masked hypothesis) as a pair, and only the hypothesis is edited.
- ``info["operations"]`` lists each step: operation, word index, ``old`` (the word replaced, the
  two words merged, or the word the insertion went before) and ``new``.
- ``max_positions`` (config ``baselines.clare.max_positions``) is a speed knob: with a number,
  each operation tries at most that many of its allowed positions per step, drawn with ``rng``;
  None tries all, as TextAttack.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..models import pretrained_kwargs, resolve_model
from . import Augmented
from .similarity import SentenceSimilarity
from .words import WORD, Words, budget

CONFIG_KEY = "baselines.clare.masked_lm"
# TextAttack merges DET/PRON + NOUN/ADJ; these are the stop words that may start a merged pair.
MERGE_STARTERS = frozenset(
    "a an the this that these those some any no each every my your his her its our their".split()
)
MAX_BATCH = 256  # most candidates checked against the sentence constraint in one call


class MaskedLMUnavailable(RuntimeError):
    """CLARE cannot run: no masked LM is configured, or the configured one cannot be loaded."""


def load_masked_lm(spec: str | None, revision: str | None = None):
    """The masked LM and its tokenizer for ``spec`` (``package:...``, a local directory or a hub
    id), in eval mode; remote code is never trusted."""
    if not spec:
        raise MaskedLMUnavailable(f"not run: no masked LM configured ({CONFIG_KEY} is null)")
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    try:
        path = resolve_model(spec)
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False, revision=revision)
        model = AutoModelForMaskedLM.from_pretrained(path, trust_remote_code=False, **pretrained_kwargs(revision))
    except (OSError, ValueError) as error:
        raise MaskedLMUnavailable(
            f"masked LM '{spec}' could not be loaded ({error}); set {CONFIG_KEY} to a local model "
            "directory (or to null to report CLARE as not run)"
        ) from error
    return model.eval(), tokenizer


def _vocabulary(tokenizer, size: int) -> tuple[list[str], torch.Tensor, torch.Tensor]:
    """For each token id: the word it stands for ('' when it is no single word), whether it may
    fill a mask that follows a space (a word-start token), and whether it may fill a mask that
    follows nothing or punctuation (where byte-level BPE writes words without "Ġ"; TextAttack's
    ``check_if_subword(..., starting)``)."""
    ids = list(range(min(size, len(tokenizer))))
    tokens = tokenizer.convert_ids_to_tokens(ids)
    texts = tokenizer.batch_decode([[i] for i in ids], clean_up_tokenization_spaces=False)
    bpe = any(t.startswith(("Ġ", "▁")) for t in tokens if t)
    special = set(tokenizer.all_special_ids)
    words = [""] * size
    after_space, after_other = torch.zeros(size, dtype=torch.bool), torch.zeros(size, dtype=torch.bool)
    for i, token, text in zip(ids, tokens, texts):
        word = text.strip()
        if i in special or not token or not WORD.fullmatch(word):
            continue
        words[i] = word
        start = token.startswith(("Ġ", "▁")) if bpe else not token.startswith("##")
        after_space[i], after_other[i] = start, start or bpe
    return words, after_space, after_other


@dataclass(frozen=True)
class _Masked:
    """One masked text to predict: which operation, at which word, and its candidate limits."""

    operation: str
    index: int
    text: str
    after_space: bool
    max_candidates: int
    min_confidence: float


@dataclass(frozen=True)
class _Candidate:
    operation: str
    index: int
    old: str
    new: str
    text: str

    @property
    def words(self) -> Words:
        return Words.of(self.text)


class CLARE:
    """CLARE augmenter: ``augment`` applies masked-LM swaps, insertions and merges to a text."""

    def __init__(
        self,
        masked_lm,
        tokenizer,
        similarity: SentenceSimilarity | None,
        pct_words_to_swap: float = 0.1,
        swap_max_candidates: int = 50,
        swap_min_confidence: float = 5e-4,
        insert_max_candidates: int = 50,
        insert_min_confidence: float = 0.0,
        merge_max_candidates: int = 50,
        merge_min_confidence: float = 5e-3,
        max_length: int = 512,
        max_positions: int | None = None,
        batch_size: int = 32,
    ):
        """``similarity``: the sentence constraint (None: no sentence constraint)."""
        if not 0.0 <= pct_words_to_swap <= 1.0:
            raise ValueError(f"pct_words_to_swap must be in [0, 1], not {pct_words_to_swap}")
        if tokenizer.mask_token_id is None:
            raise ValueError("the masked LM's tokenizer has no mask token")
        self.model, self.tokenizer, self.similarity = masked_lm.eval(), tokenizer, similarity
        self.pct_words_to_swap, self.max_length = pct_words_to_swap, max_length
        self.max_positions, self.batch_size = max_positions, batch_size
        self.limits = {
            "swap": (swap_max_candidates, swap_min_confidence),
            "insert": (insert_max_candidates, insert_min_confidence),
            "merge": (merge_max_candidates, merge_min_confidence),
        }
        self.words, self.after_space, self.after_other = _vocabulary(tokenizer, masked_lm.config.vocab_size)
        self.device = next(masked_lm.parameters()).device

    def augment(self, text: str, text_pair: str | None, label: int, rng: np.random.Generator) -> Augmented:
        """One augmented version of the text (of the hypothesis, for a pair); CLARE ignores the
        label. ``changed`` counts the operations applied (each modifies one word position)."""
        premise, target = (None, text) if text_pair is None else (text, text_pair)
        original = words = Words.of(target)
        modified: set[int] = set()
        operations: list[dict] = []
        for _ in range(budget(len(words), self.pct_words_to_swap) if len(words) else 0):
            chosen = self._choose(original, self._candidates(words, premise, modified, rng), rng)
            if chosen is None:
                break
            words, modified = chosen.words, _shift(modified, chosen.operation, chosen.index)
            operations.append(
                {"operation": chosen.operation, "index": chosen.index, "old": chosen.old, "new": chosen.new}
            )
        info = {"operations": operations}
        if text_pair is None:
            return Augmented(words.text, None, len(operations), info)
        return Augmented(text, words.text, len(operations), info)

    def _positions(self, positions: list[int], rng: np.random.Generator) -> list[int]:
        if self.max_positions is None or len(positions) <= self.max_positions:
            return positions
        return sorted(rng.choice(positions, size=self.max_positions, replace=False).tolist())

    def _candidates(
        self, words: Words, premise: str | None, modified: set[int], rng: np.random.Generator
    ) -> list[_Candidate]:
        """Every transformed text of one step, deduplicated and sorted by text (TextAttack's
        ``filter_transformations`` sorts them, so the draw does not depend on generation order)."""
        text, spans, n = words.text, words.spans, len(words)
        free = [i for i in range(n) if i not in modified]
        sites = {
            "swap": self._positions([i for i in free if not words.is_stopword(i)], rng),
            "insert": self._positions(free, rng),
            "merge": self._positions(
                [i for i in free if i + 1 < n and i + 1 not in modified and _mergeable(words, i)], rng
            ),
        }

        def edit(operation: str, i: int, new: str) -> str:  # as Words.replace / Words.insert, on the text
            start, end = spans[i][0], spans[i + 1 if operation == "merge" else i][1]
            return text[:start] + new + (" " + text[start:] if operation == "insert" else text[end:])

        masked = [
            _Masked(op, i, edit(op, i, self.tokenizer.mask_token), _after_space(words, i), *self.limits[op])
            for op, positions in sites.items()
            for i in positions
        ]
        candidates: dict[str, _Candidate] = {}
        for item, news in zip(masked, self._predict(masked, premise)):
            at = words.word(item.index)  # TextAttack drops a candidate equal to the word at the index
            old = f"{at} {words.word(item.index + 1)}" if item.operation == "merge" else at
            for new in news:
                edited = edit(item.operation, item.index, new)
                if new != at and edited != text:
                    candidates.setdefault(edited, _Candidate(item.operation, item.index, old, new, edited))
        return [candidates[key] for key in sorted(candidates)]

    @torch.inference_mode()
    def _predict(self, masked: list[_Masked], premise: str | None) -> list[list[str]]:
        """The candidate words for each masked text: the most probable allowed tokens at the (first)
        mask, at most ``max_candidates``, each at least ``min_confidence`` probable (TextAttack's
        ranked loop over the vocabulary, vectorised). A mask cut off by truncation has none."""
        results: list[list[str]] = []
        for start in range(0, len(masked), self.batch_size):
            batch = masked[start : start + self.batch_size]
            texts = [item.text for item in batch]
            inputs = (texts,) if premise is None else ([premise] * len(batch), texts)
            encoded = self.tokenizer(
                *inputs, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
            ).to(self.device)
            is_mask = encoded["input_ids"] == self.tokenizer.mask_token_id
            first = is_mask & (is_mask.cumsum(dim=1) == 1)
            has_mask = first.any(dim=1).tolist()
            found = [item for item, has in zip(batch, has_mask) if has]
            if not found:
                results.extend([] for _ in batch)
                continue
            probs = torch.softmax(self._mask_logits(encoded, first).float(), dim=-1).cpu()
            spaced = torch.tensor([item.after_space for item in found])[:, None]
            allowed = torch.where(spaced, self.after_space, self.after_other)
            k = min(max(item.max_candidates for item in found), probs.shape[1])
            values, indices = torch.topk(probs.masked_fill(~allowed, -1.0), k=k)
            ranked = iter(zip(values.tolist(), indices.tolist()))
            for item, has in zip(batch, has_mask):
                row_values, row_indices = next(ranked) if has else ([], [])
                results.append(
                    [self.words[i] for p, i in zip(row_values, row_indices) if p >= 0 and p >= item.min_confidence][
                        : item.max_candidates
                    ]
                )
        return results

    def _mask_logits(self, encoded, first: torch.Tensor) -> torch.Tensor:
        """The LM's logits at the ``first`` positions only, in row order: a hook hands the output
        projection just those hidden states, since projecting every position onto the vocabulary
        would cost most of the forward pass."""
        head = self.model.get_output_embeddings()
        if head is None:
            return self.model(**encoded).logits[first]
        handle = head.register_forward_pre_hook(lambda module, args: (args[0][first], *args[1:]))
        try:
            return self.model(**encoded).logits
        finally:
            handle.remove()

    def _choose(self, original: Words, candidates: list[_Candidate], rng: np.random.Generator) -> _Candidate | None:
        """A uniform draw among the candidates that pass the sentence constraint: the first that
        passes in a random order. Candidates are checked in that order, each call together with
        later unchecked ones at the same word (the encoder compares windows around one word), in
        batches that double after each call: one small call when the first passes, few calls when
        none does."""
        order = [candidates[i] for i in rng.permutation(len(candidates))]
        if self.similarity is None:
            return order[0] if order else None
        at_index: dict[int, list[int]] = {}
        for position, candidate in enumerate(order):
            at_index.setdefault(candidate.index, []).append(position)
        passed: dict[int, bool] = {}
        size = 1
        for position, candidate in enumerate(order):
            if position not in passed:
                batch = [q for q in at_index[candidate.index] if q not in passed][:size]
                allowed = self.similarity.allows(original, [order[q].words for q in batch], candidate.index)
                passed.update(zip(batch, (bool(ok) for ok in allowed)))
                size = min(2 * size, MAX_BATCH)
            if passed[position]:
                return candidate
        return None


def _after_space(words: Words, index: int) -> bool:
    """Whether word ``index`` follows whitespace (else a BPE LM writes it without a space mark)."""
    start = words.spans[index][0]
    return start > 0 and words.text[start - 1].isspace()


def _mergeable(words: Words, i: int) -> bool:
    """Stand-in for TextAttack's part-of-speech merge pairs (see the module docstring)."""
    gap = words.text[words.spans[i][1] : words.spans[i + 1][0]]
    first_ok = not words.is_stopword(i) or words.word(i).lower() in MERGE_STARTERS
    return gap.isspace() and first_ok and not words.is_stopword(i + 1)


def _shift(modified: set[int], operation: str, index: int) -> set[int]:
    """Modified word indices after an operation at ``index``, as TextAttack's ``AttackedText``
    tracks them: an insertion shifts later words right, a merge (which deletes ``index + 1``)
    shifts them left; the operated position itself is modified."""
    if operation == "insert":
        modified = {m + 1 if m >= index else m for m in modified}
    elif operation == "merge":
        modified = {m - 1 if m > index + 1 else m for m in modified}
    return modified | {index}
