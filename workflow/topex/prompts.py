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
answer to its own turn, so the chat template of the model does the framing. The frame goes into a
system turn where the template has a system role; templates without one (Gemma-2's raises "System
role not supported") get it folded into the first user turn (``system_role=False``), so the
messages are accepted by every chat template.

Label names go into the prompt as words: ``label_words`` maps a dataset's label names (e.g. the
hub's "neg", "ABBR") to the words the LLM reads ("negative", "abbreviation"), config key
``datasets.<name>.label_words``.

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


def chat_messages(task: str, examples: list[str], system_role: bool = True) -> list[dict[str, str]]:
    """The same prompt for an instruction-tuned model, as chat turns: the frame as a system turn,
    or, without ``system_role``, as the first paragraph of the first user turn."""
    messages = [{"role": "system", "content": FRAME}] if system_role else []
    for example in examples:
        messages += [{"role": "user", "content": task}, {"role": "assistant", "content": example}]
    messages.append({"role": "user", "content": task})
    if not system_role:
        messages[0] = {"role": "user", "content": f"{FRAME}\n\n{messages[0]['content']}"}
    return messages


def label_words(label_names: list[str], words: dict[str, str] | None, where: str) -> list[str]:
    """The label names as the prompts write them: ``words`` maps a label name to its words (names
    it does not list stay as they are); a key that is not a label name fails naming ``where``."""
    words = words or {}
    unknown = sorted(set(words) - set(label_names))
    if unknown:
        raise ValueError(f"{where}: {unknown} are not label names of the dataset (they are {label_names})")
    return [words.get(name, name) for name in label_names]


def _truncate(text: str, max_words: int) -> str:
    words = text.split()
    return " ".join(words[:max_words]) + (" ..." if len(words) > max_words else "")
