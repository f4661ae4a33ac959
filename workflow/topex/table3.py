"""The paper's Table 3 and appendix C, regenerated: what the LLMs wrote for the chosen cluster.

Per dataset and LLM, for the reference scorer's chosen cluster of the first seed: the cluster's
name(s), each accepted generated point (zero- and few-shot) beside its two most similar original
texts (train and explore, by sentence embedding) with their labels, and a sample of the rejected
attempts with their reasons (appendix C's faulty generations). Long texts are cut with an
ellipsis. LLM output is data: it is escaped for Markdown and HTML, never interpreted.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Block:
    """A heading, a paragraph or a table of the page (rendered to Markdown and to HTML)."""

    kind: str  # "heading", "text" or "table"
    text: str = ""
    level: int = 2
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def cut(text: str | None, max_chars: int) -> str:
    """One line of at most ``max_chars`` characters, with an ellipsis where it was cut."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def dataset_blocks(
    dataset: str,
    seed: str,
    scorer: str,
    cluster: int | None,
    clusters: pd.DataFrame,
    points: pd.DataFrame,
    summaries: list[dict],
    llms: list[str],
    shots: list[int],
    max_chars: int = 300,
    rejected: int = 3,
) -> list[Block]:
    """The blocks of one dataset. ``points`` are the seed's assessed generated points (with their
    ``similar_*`` originals), ``summaries`` its per-file summaries (with ``rejected_attempts``)."""
    if cluster is None:
        return [
            Block("heading", f"{dataset} (seed {seed})"),
            Block("text", f"No cluster chosen by the {scorer} scorer: nothing was generated."),
        ]
    row = clusters.loc[clusters["cluster"] == cluster].iloc[0]
    blocks = [Block("heading", f"{dataset} (seed {seed}): cluster {cluster} '{row['name']}'")]
    names = [
        f"{int(row['size'])} explore points, {int(row['n_misclassified'])} misclassified; chosen by the "
        f"{scorer} scorer."
    ]
    if str(row.get("bertopic_name", "") or "") and str(row.get("llm_name", "") or ""):
        names.append(
            f"BERTopic name '{row['bertopic_name']}'; LLM-written name '{row['llm_name']}' (the prompt used "
            f"'{row['name']}')."
        )
    blocks.append(Block("text", " ".join(names)))
    here = points[points["cluster"] == cluster] if len(points) else points
    for llm in llms:
        blocks.append(Block("heading", f"{llm}", level=3))
        table = Block("table", header=["", "data point", "label", "cosine"])
        for k in shots:
            mine = here[(here["llm"] == llm) & (here["shots"] == k)].sort_values("index") if len(here) else here
            if not len(mine):
                table.rows.append([f"**{k}-shot**", "(no point accepted)", "", ""])
            for point in mine.itertuples(index=False):
                point = point._asdict()
                verdict = (
                    f"{point['label_name']} (target); base model: {point['base_prediction_name']}, judge: "
                    f"{point['judge_prediction_name']}"
                )
                table.rows.append(
                    [
                        f"**generated, {k}-shot #{int(point['index']) + 1}**",
                        cut(point["full_text"], max_chars),
                        verdict,
                        "",
                    ]
                )
                for j in (1, 2):
                    if f"similar_{j}_text" not in point:
                        continue
                    which = "most similar" if j == 1 else "second most similar"
                    table.rows.append(
                        [
                            f"{which} original ({point[f'similar_{j}_split']})",
                            cut(point[f"similar_{j}_text"], max_chars),
                            str(point[f"similar_{j}_label"]),
                            f"{point[f'similar_{j}_cosine']:.2f}",
                        ]
                    )
        blocks.append(table)
        faulty = Block("table", header=["shots", "attempt", "reason", "raw output"])
        for k in shots:
            summary = next(
                (s for s in summaries if s["cluster"] == cluster and s["llm"] == llm and s["shots"] == k), None
            )
            attempts = (summary or {}).get("rejected_attempts", [])
            for attempt in attempts[:rejected]:
                faulty.rows.append([str(k), str(attempt["attempt"]), attempt["reason"], cut(attempt["raw"], max_chars)])
            if summary is not None:
                blocks.append(
                    Block(
                        "text",
                        f"{k}-shot: {summary['accepted']} of {summary['attempts']} attempts "
                        f"accepted; {len(attempts)} rejected.",
                    )
                )
        if faulty.rows:
            blocks.append(Block("text", f"Rejected attempts (appendix C), the first {rejected} per shot setting:"))
            blocks.append(faulty)
    return blocks


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown(blocks: list[Block], title: str) -> str:
    """The page as Markdown (cells escaped: a generated '|' or '<' stays text)."""
    lines = [f"# {title}", ""]
    for block in blocks:
        if block.kind == "heading":
            lines += ["#" * block.level + " " + _md_cell(block.text), ""]
        elif block.kind == "text":
            lines += [_md_cell(block.text), ""]
        else:
            lines += ["| " + " | ".join(block.header) + " |", "|" + "---|" * len(block.header)]
            # the first column is the workflow's own label; every other cell may hold LLM text
            lines += ["| " + " | ".join([row[0], *map(_md_cell, row[1:])]) + " |" for row in block.rows]
            lines.append("")
    return "\n".join(lines)


def page(blocks: list[Block], title: str) -> str:
    """The page as a self-contained HTML document for the report (every text escaped)."""
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:auto}table{border-collapse:collapse;"
        "margin-bottom:1em}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;font-size:90%}"
        "td:first-child{white-space:nowrap}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for block in blocks:
        if block.kind == "heading":
            parts.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif block.kind == "text":
            parts.append(f"<p>{html.escape(block.text)}</p>")
        else:
            parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in block.header) + "</tr>")
            for row in block.rows:
                first = f"<b>{html.escape(row[0].strip('*'))}</b>" if row[0].startswith("**") else html.escape(row[0])
                cells = [first, *map(html.escape, row[1:])]
                parts.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
