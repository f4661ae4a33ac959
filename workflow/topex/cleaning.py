"""Clean and judge LLM generations (the paper's appendix C shows what goes wrong).

Faulty generations seen in the paper: the model carries on with the instructions ("and then write
the review. The review should be at least 250 words long ..."), adds chatter around the answer,
or, for sentence pairs, misplaces the delimiter. Each raw output is cleaned (prompt echoes and
chatter stripped) and then accepted or rejected with a reason. The text is data throughout:
nothing here evaluates it or uses it as a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .prompts import ANSWER, DELIMITER, FRAME, TASK

# A first line like "Sure! Here is a positive movie review:" is chatter, not data.
CHATTER = re.compile(r"^\s*(sure|certainly|of course|okay|ok|here is|here's|here are)\b[^\n]*?[:!.]\s*\n", re.I)
# A leading "Answer:" (the model naming its own output, as in the prompt frame) is not data.
LABEL_PREFIX = re.compile(r"^\s*(answer|output|response)\s*:\s*", re.I)
# Pieces of appendix B's frame: never part of a real answer.
ECHO_MARKERS = (TASK, ANSWER, FRAME[:40], DELIMITER)
# An answer holding this many consecutive words of its own instruction echoes it.
ECHO_WORDS = 6


@dataclass(frozen=True)
class Candidate:
    """A cleaned generation: the text (or premise), the hypothesis of a pair, and its verdict."""

    text: str
    text_pair: str | None
    reason: str | None  # None: accepted

    @property
    def accepted(self) -> bool:
        return self.reason is None


def clean(raw: str) -> str:
    """Cut what follows the answer (a new 'Task:' block), drop a leading 'Your answer:' or
    'Answer:', chatter before the answer, and quotes wrapped around all of it."""
    text = raw.replace("\r", "")
    for marker in (f"\n{TASK}", f"\n{FRAME[:30]}"):
        if marker in text:
            text = text[: text.index(marker)]
    text = text.strip()
    if text.startswith(ANSWER):
        text = text[len(ANSWER) :].strip()
    text = CHATTER.sub("", text, count=1).strip()
    text = LABEL_PREFIX.sub("", text, count=1).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def split_pair(text: str) -> tuple[str, str] | str:
    """``premise /delim/ hypothesis`` → (premise, hypothesis), or the reason it is not one."""
    count = text.count(DELIMITER)
    if count != 1:
        return f"pair delimiter {DELIMITER} found {count} times, not once"
    premise, hypothesis = (part.strip() for part in text.split(DELIMITER))
    if not premise or not hypothesis:
        return f"pair delimiter {DELIMITER} at an end: premise or hypothesis empty"
    return premise, hypothesis


def normalised(text: str) -> str:
    """The form used to spot duplicates: lower case, single spaces, no edge punctuation."""
    return re.sub(r"\s+", " ", text.lower()).strip(" .!?\"'")


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def echoes(text: str, prompt: str | None) -> str | None:
    """The piece of the prompt that ``text`` repeats, or None: a marker of appendix B's frame, or
    the first words of this generation's own instruction ``prompt`` (all of it when shorter). Real
    text that merely contains "generate a" is not an echo."""
    marker = next((m for m in ECHO_MARKERS if m.lower() in text.lower()), None)
    if marker is not None:
        return marker.strip()
    head = words_of(prompt or "")[:ECHO_WORDS]
    if head and f" {' '.join(head)} " in f" {' '.join(words_of(text))} ":
        return " ".join(head)
    return None


def judge(
    raw: str,
    pair: bool,
    seen: set[str],
    training: set[str],
    min_words: int,
    max_words: int,
    prompt: str | None = None,
) -> Candidate:
    """Clean ``raw`` and accept it or give the reason for rejecting it.

    ``seen`` holds the normalised texts accepted so far, ``training`` those of the training set
    (for pairs: premise and hypothesis joined by a space); ``prompt`` is the instruction this
    generation answered. Rejections, in order: empty, wrongly delimited pair, too short, too long,
    an echo of the prompt, a duplicate of an accepted text, a copy of a training text.
    """
    text = clean(raw)
    if not text:
        return Candidate("", None, "empty")
    hypothesis = None
    if pair:
        parsed = split_pair(text)
        if isinstance(parsed, str):
            return Candidate(text, None, parsed)
        text, hypothesis = (re.sub(r"\s+", " ", part) for part in parsed)
    else:
        text = re.sub(r"\s+", " ", text)
    whole = text if hypothesis is None else f"{text} {hypothesis}"
    words = len(whole.split())
    if words < min_words:
        return Candidate(text, hypothesis, f"too short: {words} words < {min_words}")
    if words > max_words:
        return Candidate(text, hypothesis, f"too long: {words} words > {max_words}")
    echo = echoes(whole, prompt)
    if echo is not None:
        return Candidate(text, hypothesis, f"echoes the prompt ({echo!r})")
    key = normalised(whole)
    if key in seen:
        return Candidate(text, hypothesis, "duplicate of an accepted generation")
    if key in training:
        return Candidate(text, hypothesis, "copy of a training text")
    return Candidate(text, hypothesis, None)
