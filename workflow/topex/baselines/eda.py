"""EDA, the Easy Data Augmentation baseline, as TextAttack's ``EasyDataAugmenter`` builds it.

TextAttack (textattack/augmentation/recipes.py, ``EasyDataAugmenter(pct_words_to_swap=0.1,
transformations_per_example=4)``) runs four augmenters, each with the constraints
``RepeatModification()`` and ``StopwordModification()`` and the same ``pct_words_to_swap``:

- ``WordNetAugmenter``: ``WordSwapWordNet``, synonym replacement;
- ``SynonymInsertionAugmenter``: ``WordInsertionRandomSynonym``, random synonym insertion;
- ``SwapAugmenter``: ``WordInnerSwapRandom``, random word swap;
- ``DeletionAugmenter``: ``WordDeletion``, random word deletion;

and returns their texts shuffled. The baselines write one augmented point per call, so here each
call draws one of the four operations (uniformly, with the given generator) and returns its text:
the same distribution as taking the first of TextAttack's shuffled list.

Each operation edits ``budget(len(words), pct_words_to_swap)`` words, TextAttack's
``max(int(pct_words_to_swap * len(words)), 1)`` (textattack/augmentation/augmenter.py,
``Augmenter.augment``). The two constraints hold in every operation, as in TextAttack: only
non-stop words are edited (or deleted, or moved first in a swap, or used as the place of an
insertion), and a word is edited at most once. Where TextAttack draws at random until something
fits (its insertion tries 7 random words, and its loop could spin on texts with nothing to edit,
TextAttack issue #368), each step here draws among the candidates that fit, and stops when there
are none: every call ends after at most ``len(words)`` steps, with ``changed=0`` if nothing could
be done.
"""

from __future__ import annotations

import numpy as np

from . import Augmented
from .wordnet import WordNet
from .words import Words, budget

OPERATIONS = ("synonym", "insertion", "swap", "deletion")


def _pick(items: list, rng: np.random.Generator):
    return items[int(rng.integers(len(items)))]


class EDA:
    """EDA augmenter: ``augment`` applies one random EDA operation to a text.

    For a sentence pair only the hypothesis (``text_pair``) is edited and the premise is kept, as
    A2T's ``InputColumnModification(["premise", "hypothesis"], {"premise"})`` does: the label of a
    pair is a relation between its two sentences, and editing one side keeps the edit small
    enough that the relation, and so the label, plausibly holds.
    """

    def __init__(self, wordnet: WordNet, pct_words_to_swap: float = 0.1, operations=OPERATIONS):
        if not 0.0 <= pct_words_to_swap <= 1.0:
            raise ValueError(f"pct_words_to_swap must be in [0, 1], not {pct_words_to_swap}")
        unknown = set(operations) - set(OPERATIONS)
        if not operations or unknown:
            raise ValueError(f"operations must be a non-empty subset of {OPERATIONS}, not {operations}")
        self.wordnet = wordnet
        self.pct_words_to_swap = pct_words_to_swap
        self.operations = tuple(operations)

    def augment(self, text: str, text_pair: str | None, label: int, rng: np.random.Generator) -> Augmented:
        """One augmented version of the text (or of the hypothesis of a pair); EDA ignores the
        label. ``changed`` counts words replaced, inserted, deleted or moved."""
        operation = _pick(self.operations, rng)
        edit = {"synonym": self.synonym, "insertion": self.insertion, "swap": self.swap, "deletion": self.deletion}[
            operation
        ]
        edited, changed = edit(text if text_pair is None else text_pair, rng)
        info = {"operation": operation}
        if text_pair is None:
            return Augmented(edited, None, changed, info)
        return Augmented(text, edited, changed, info)

    def _budget(self, words: Words) -> int:
        return budget(len(words), self.pct_words_to_swap) if len(words) else 0

    def synonym(self, text: str, rng: np.random.Generator) -> tuple[str, int]:
        """Replace words by WordNet synonyms (``WordSwapWordNet``): each step draws uniformly
        among all (non-stop, unedited word, synonym) pairs, as TextAttack's ``random.choice``
        among all transformed texts does."""
        words, edited = Words.of(text), set()
        for _ in range(self._budget(words)):
            candidates = [
                (i, synonym)
                for i in range(len(words))
                if i not in edited and not words.is_stopword(i)
                for synonym in self.wordnet.synonyms(words.word(i))
            ]
            if not candidates:
                break
            i, synonym = _pick(candidates, rng)
            words = words.replace(i, synonym)  # one word for one word: indices stay valid
            edited.add(i)
        return words.text, len(edited)

    def insertion(self, text: str, rng: np.random.Generator) -> tuple[str, int]:
        """Insert synonyms of words of the text (``WordInsertionRandomSynonym``): each step puts a
        random synonym of a random word that has synonyms right after a random non-stop word of
        the original text (inserted words are edits, so RepeatModification keeps them out).

        TextAttack draws the source word among the current words, inserted ones included; here
        it is drawn among the original words, so that no insertion is a synonym of a synonym.
        """
        words = Words.of(text)
        sources = [word for word in words.words if self.wordnet.synonyms(word)]
        inserted = [False] * len(words)
        for _ in range(self._budget(words)):
            places = [i for i in range(len(words)) if not inserted[i] and not words.is_stopword(i)]
            if not places or not sources:
                break
            place = _pick(places, rng)
            synonym = _pick(self.wordnet.synonyms(_pick(sources, rng)), rng)
            words = words.replace(place, f"{words.word(place)} {synonym}")
            inserted.insert(place + 1, True)
        return words.text, sum(inserted)

    def swap(self, text: str, rng: np.random.Generator) -> tuple[str, int]:
        """Exchange words (``WordInnerSwapRandom``): each step moves a random non-stop word not
        yet moved with a random other word, until ``budget`` positions have been edited (a swap
        edits two, so TextAttack's count of modified indices grows by two)."""
        words = original = Words.of(text)
        n, moved, tried = self._budget(words), set(), set()
        while len(moved) < n:
            firsts = [i for i in range(len(words)) if i not in moved | tried and not words.is_stopword(i)]
            if not firsts or len(words) < 2:
                break
            i = _pick(firsts, rng)
            j = _pick([j for j in range(len(words)) if j != i], rng)
            tried.add(i)
            if words.word(i) != words.word(j):  # swapping equal words would change nothing
                words = words.swap(i, j)
                moved |= {i, j}
        return words.text, sum(a != b for a, b in zip(original.words, words.words))

    def deletion(self, text: str, rng: np.random.Generator) -> tuple[str, int]:
        """Delete random non-stop words (``WordDeletion``), never every word: an empty text is
        no training example, so a one-word text is left as it is."""
        words = Words.of(text)
        for _ in range(min(self._budget(words), len(words) - 1)):
            candidates = [i for i in range(len(words)) if not words.is_stopword(i)]
            if not candidates:
                break
            words = words.delete(_pick(candidates, rng))
        return words.text, len(Words.of(text)) - len(words)
