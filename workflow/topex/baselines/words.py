"""Word-level editing of a text, shared by the word-swap baselines (EDA, A2T, CLARE).

TextAttack edits an ``AttackedText``: a text split into words, where an operation replaces,
inserts or deletes whole words and everything between the words (spaces, punctuation) is kept.
``Words`` does the same with character spans, so an edited text keeps its original layout.
Words are runs of letters, digits, apostrophes and hyphens that contain a letter or digit, as
TextAttack's ``words_from_text`` splits them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"[\w'-]*\w[\w'-]*")

# NLTK's English stop-word list (nltk.corpus.stopwords.words("english")), which TextAttack's
# StopwordModification uses by default; NLTK's data is not shipped offline, so it is kept here.
STOPWORDS = frozenset(
    """i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself
    yourselves he him his himself she she's her hers herself it it's its itself they them their
    theirs themselves what which who whom this that that'll these those am is are was were be been
    being have has had having do does did doing a an the and but if or because as until while of
    at by for with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how all any
    both each few more most other some such no nor not only own same so than too very s t can will
    just don don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn
    didn't doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn
    mustn't needn needn't shan shan't shouldn shouldn't wasn wasn't weren weren't won won't wouldn
    wouldn't""".split()
)


@dataclass(frozen=True)
class Words:
    """A text and the character spans of its words; edits return a new ``Words``."""

    text: str
    spans: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, text: str) -> "Words":
        return cls(text, tuple(match.span() for match in WORD.finditer(text)))

    def __len__(self) -> int:
        return len(self.spans)

    @property
    def words(self) -> list[str]:
        return [self.text[start:end] for start, end in self.spans]

    def word(self, index: int) -> str:
        start, end = self.spans[index]
        return self.text[start:end]

    def is_stopword(self, index: int) -> bool:
        return self.word(index).lower() in STOPWORDS

    def replace(self, index: int, new: str) -> "Words":
        """Replace word ``index`` by ``new`` (which may be several words, or empty)."""
        start, end = self.spans[index]
        return Words.of(self.text[:start] + new + self.text[end:])

    def insert(self, index: int, new: str) -> "Words":
        """Insert ``new`` as a word before word ``index`` (``len(self)`` appends it)."""
        if index < len(self):
            start = self.spans[index][0]
            return Words.of(self.text[:start] + new + " " + self.text[start:])
        return Words.of(self.text.rstrip() + " " + new)

    def delete(self, index: int) -> "Words":
        """Delete word ``index`` and the space after it (before it, for the last word)."""
        start, end = self.spans[index]
        if end < len(self.text) and self.text[end] == " ":
            end += 1
        elif start > 0 and self.text[start - 1] == " ":
            start -= 1
        return Words.of(self.text[:start] + self.text[end:])

    def swap(self, i: int, j: int) -> "Words":
        """Exchange words ``i`` and ``j``."""
        if i == j:
            return self
        (a, b), (c, d) = sorted((self.spans[i], self.spans[j]))
        t = self.text
        return Words.of(t[:a] + t[c:d] + t[b:c] + t[a:b] + t[d:])


def budget(n_words: int, rate: float, minimum: int = 1) -> int:
    """How many words an operation may change: ``rate`` of the words, at least ``minimum``
    (TextAttack's augmenters: ``max(int(pct_words_to_swap * len(words)), 1)``), never more than
    there are words."""
    return min(n_words, max(int(rate * n_words), minimum))
