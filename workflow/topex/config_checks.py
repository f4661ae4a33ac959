"""Start-up checks of the config: mistakes that JSON Schema reports badly or not at all.

Run by the Snakefile before ``validate``, so a bad config fails at once, naming the key:

- a key that does not belong to the ``kind`` of a ``datasets.*.source`` or ``llms.*.model``
  (JSON Schema only says "is not valid under any of the given schemas"), a missing key of that
  kind, or an unknown kind;
- a float where the schema asks for an integer (JSON Schema accepts ``size: 30.0``);
- a dataset whose task has no prompt in ``augment.prompts``, or a prompt with unknown fields;
- ``augment.min_words`` above ``augment.max_words``.

Also :func:`drop_removed`: a dataset or LLM set to null in a config overlay is removed, so that
``config/local.yaml`` can replace the default datasets instead of adding to them.
"""

from __future__ import annotations

import string
from typing import Any

from .prompts import FIELDS


class ConfigError(ValueError):
    """A config mistake: the message names each offending key."""


def drop_removed(config: dict[str, Any]) -> list[str]:
    """Remove the datasets and LLMs set to null (an overlay's way to leave one out); return their keys."""
    removed = []
    for section in ("datasets", "llms"):
        entries = _mapping(config.get(section))
        for name in [name for name, value in entries.items() if value is None]:
            del entries[name]
            removed.append(f"{section}.{name}")
    return removed


def template_fields(template: str) -> list[str]:
    """The fields a prompt template uses, e.g. ["issue", "label"]."""
    return sorted({name for _, name, _, _ in string.Formatter().parse(template) if name is not None})


def check_config(config: dict[str, Any], schema: dict[str, Any]) -> None:
    """Raise :class:`ConfigError` listing every problem found (see the module's docstring)."""
    problems: list[str] = []
    _walk(config, schema, "config", schema, problems)
    augment = _mapping(config.get("augment"))
    prompts = _mapping(augment.get("prompts"))
    for name, dataset in sorted(_mapping(config.get("datasets")).items()):
        task = _mapping(dataset).get("task")
        if task is not None and task not in prompts:
            problems.append(
                f"augment.prompts.{task}: missing; dataset '{name}' has task '{task}' and needs its prompt "
                f"(prompts given: {sorted(prompts)})"
            )
    for task, template in sorted(prompts.items()):
        if not isinstance(template, str):
            continue
        try:
            unknown = set(template_fields(template)) - FIELDS
        except ValueError as error:
            problems.append(f"augment.prompts.{task}: malformed template: {error}")
            continue
        if unknown:
            problems.append(
                f"augment.prompts.{task}: unknown field(s) {sorted(unknown)}; templates may use {sorted(FIELDS)}"
            )
    # before validate fills the defaults in: an absent bound is the schema's default
    bounds = schema["properties"]["augment"]["properties"]
    low, high = (augment.get(key, bounds[key]["default"]) for key in ("min_words", "max_words"))
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
        problems.append(
            f"augment.min_words ({low}) is above augment.max_words ({high}): every generation would be rejected"
        )
    if problems:
        raise ConfigError("config errors:\n  " + "\n  ".join(problems))


def _mapping(value: Any) -> dict:
    """``value`` when it is a mapping, else an empty one (JSON Schema then reports its type)."""
    return value if isinstance(value, dict) else {}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _walk(value: Any, schema: dict[str, Any], key: str, root: dict[str, Any], problems: list[str]) -> None:
    schema = _resolve(schema, root)
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "integer" in types and "number" not in types and isinstance(value, float):
        hint = f" (write {int(value)})" if value.is_integer() else ""
        problems.append(f"{key}: {value!r} is not an integer{hint}")
    if isinstance(value, dict):
        if "oneOf" in schema:
            branch = _branch(value, schema, key, root, problems)
            if branch is None:
                return
            schema = {**schema, **branch}
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                _walk(item, properties[name], f"{key}.{name}" if key != "config" else name, root, problems)
            elif isinstance(extra, dict):
                _walk(item, extra, f"{key}.{name}" if key != "config" else name, root, problems)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _walk(item, schema["items"], f"{key}[{i}]", root, problems)


def _branch(value: dict, schema: dict, key: str, root: dict, problems: list[str]) -> dict | None:
    """The ``oneOf`` branch a mapping means: by its ``kind`` when the branches have one (naming
    keys that do not belong to that kind), else the first whose required keys are all present."""
    branches = [_resolve(branch, root) for branch in schema["oneOf"]]
    kinds = {b.get("properties", {}).get("kind", {}).get("const"): b for b in branches}
    kinds.pop(None, None)
    if kinds:
        kind = value.get("kind")
        if kind is None:
            problems.append(f"{key}: no kind given (one of {', '.join(kinds)})")
            return None
        if kind not in kinds:
            problems.append(f"{key}.kind: unknown kind {kind!r} (one of {', '.join(kinds)})")
            return None
        branch = kinds[kind]
        allowed = list(branch.get("properties", {}))
        unknown = [name for name in value if name not in allowed]
        if unknown:
            problems.append(
                f"{key}: key(s) {unknown} do not belong to a {_what(key)} of kind '{kind}' (its keys: {allowed})"
            )
        missing = [name for name in branch.get("required", []) if name not in value]
        if missing:
            problems.append(f"{key}: a {_what(key)} of kind '{kind}' needs the key(s) {missing}")
        return branch
    for branch in branches:
        if all(name in value for name in branch.get("required", [])):
            return branch
    return None


def _what(key: str) -> str:
    return key.rsplit(".", 1)[-1]
