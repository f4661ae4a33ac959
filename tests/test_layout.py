"""The layout a newcomer reads first: the tiny test config, the README's Layout section and the
package map match the tree."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pandas as pd
import yaml
from conftest import ROOT, TINY_CONFIG, tiny_pairs

PACKAGE = ROOT / "workflow" / "topex"


def test_committed_tiny_data_is_what_its_command_makes():
    committed = pd.read_csv(ROOT / ".test" / "data" / "pairs.csv")
    pd.testing.assert_frame_equal(committed, tiny_pairs())


def test_tiny_config_dry_runs_from_the_repository_root():
    config = yaml.safe_load(TINY_CONFIG.read_text())
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-n",
            "--nolock",
            "--cores",
            "1",
            "--configfile",
            str(TINY_CONFIG.relative_to(ROOT)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for dataset in config["datasets"]:
        assert f"results/{dataset}/data/splits.json" in run.stdout + run.stderr


def readme_layout() -> list[str]:
    """The paths in the README's Layout block, one per line (the first word of each)."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"^## Layout\n.*?```\n(.*?)```", text, flags=re.MULTILINE | re.DOTALL).group(1)
    paths = []
    for line in block.splitlines():
        for path in line.split("  ")[0].split(", "):  # "resources/, results/  written by ..."
            paths.append(path.strip())
    return [p for p in paths if p]


def test_readme_layout_names_existing_paths():
    paths = readme_layout()
    assert "workflow/Snakefile" in paths and "workflow/schemas/" in paths
    for path in paths:
        matches = list(ROOT.glob(path.rstrip("/")))
        assert matches, f"README Layout: {path} is not in the tree"


def package_modules() -> set[str]:
    """Every module of the package, dotted from topex (``baselines.eda``), without __init__."""
    return {
        ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    } | {path.parent.name for path in PACKAGE.glob("*/__init__.py")}


def test_package_docstring_maps_every_module():
    doc = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text()))
    mapped = set(re.findall(r"^\s*- ``([\w.]+)``", doc, flags=re.MULTILINE))
    assert mapped == package_modules()
