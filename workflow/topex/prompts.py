"""Prompts for the Augmenter (paper §2.4 and appendix B), per task shape, zero- and few-shot.

The task *instruction* comes from a config template with two fields: ``{issue}``, the cluster's
BERTopic name, and ``{label}``, the target class (``{labels}`` lists all classes, as the NLI
prompt of appendix B does). The instruction is wrapped in appendix B's completion frame::

    You have to complete the following text according to the instructions in 'Task' where the
    desired answer is followed by 'Answer'.
    Task: <instruction>
    Your answer:
    <example>            (few-shot: one Task / Your answer block per example)
    Task: <instruction>
    Your answer:

For a chat model the same instruction goes into user turns, with each example as the assistant's
answer to its own turn, so the chat template of the model does the framing.

Sentence pairs are written and read as ``premise /delim/ hypothesis`` (appendix B).
"""

from __future__ import annotations

import string

DELIMITER = "/delim/"
FRAME = (
    "You have to complete the following text according to the instructions in 'Task' "
    "where the desired answer is followed by 'Answer'."
)
TASK, ANSWER = "Task:", "Your answer:"
FIELDS = {"issue", "label", "labels"}


def check_template(template: str, where: str) -> None:
    """Fail naming the config key when a template uses a field other than issue, label, labels."""
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise ValueError(f"{where}: malformed template: {error}") from error
    unknown = used - FIELDS
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; templates may use {sorted(FIELDS)}")


def instruction(template: str, issue: str, label: str, labels: list[str]) -> str:
    """Fill a task template. The cluster name and labels are data: inserted as text, never evaluated."""
    return template.format(issue=issue, label=label, labels=", ".join(f"'{name}'" for name in labels))


def example_text(text: str, text_pair: str | None, max_words: int) -> str:
    """A cluster point as a few-shot answer: truncated to ``max_words``; pairs with the delimiter."""
    if text_pair is not None:
        return f"{_truncate(text, max_words)} {DELIMITER}\n{_truncate(text_pair, max_words)}"
    return _truncate(text, max_words)


def completion_prompt(task: str, examples: list[str]) -> str:
    """Appendix B's frame for a completion (base) model."""
    blocks = [FRAME]
    for example in examples:
        blocks.append(f"{TASK}\n{task}\n{ANSWER}\n{example}")
    blocks.append(f"{TASK}\n{task}\n{ANSWER}\n")
    return "\n".join(blocks)


def chat_messages(task: str, examples: list[str]) -> list[dict[str, str]]:
    """The same prompt for an instruction-tuned model, as chat turns."""
    messages = [{"role": "system", "content": FRAME}]
    for example in examples:
        messages += [{"role": "user", "content": task}, {"role": "assistant", "content": example}]
    messages.append({"role": "user", "content": task})
    return messages


def _truncate(text: str, max_words: int) -> str:
    words = text.split()
    return " ".join(words[:max_words]) + (" ..." if len(words) > max_words else "")
