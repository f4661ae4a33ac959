"""The hub repositories a config loads: listed, downloaded into the Hugging Face cache once, and
locked to the commits they pointed to then.

``make download CONFIG=config/paper.yaml`` (``python -m topex.hub_cache CONFIG``):

- lists every hub repository the config loads (:func:`hub_items`): the models with their
  tokenizers (classifier, encoder, CTC's aligner, the baselines' sentence encoder, CLARE's masked
  LM), the datasets and the GGUF files;
- resolves each revision (a branch, a tag, a commit, or null: the default branch) to the commit it
  points to now, downloads that commit into ``HF_HOME``'s cache (a model's small files and
  safetensors weights, no pickled or other frameworks' weights; a GGUF alone) and loads each
  dataset's splits once through :mod:`topex.data`, so that ``datasets`` caches them prepared;
- writes the lock beside the config (``config/paper.lock.yaml`` for ``config/paper.yaml``): per
  repository, the revision asked and its commit.

Every run reads the locks of its config files (:func:`use_lock`, called by the Snakefile): a locked
repository's revision becomes its commit, so a run a month later loads the same weights and data.
When every hub repository is locked and its commit is in the cache, the workflow sets
``HF_HUB_OFFLINE=1`` itself, so ``snakemake`` alone works with the network off. A lock is checked
against the cache, not by the look of its hashes: a made-up commit has no snapshot there, so the
run stays online and says which repository is missing. The two keys without a revision of their
own (``scoring.ctc_model``, ``baselines.sentence_encoder``) are downloaded and locked too; offline,
their default branch resolves to the cached commit.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from .models import PACKAGE_PREFIX

log = logging.getLogger("topex.hub_cache")

# what a model download leaves out: pickled weights and other frameworks' copies of the weights
NOT_DOWNLOADED = [
    "*.bin",
    "*.pt",
    "*.pth",
    "*.ckpt",
    "*.pkl",
    "*.h5",
    "*.msgpack",
    "*.ot",
    "*.onnx",
    "onnx/*",
    "openvino/*",
]
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


@dataclass(frozen=True)
class HubItem:
    key: str  # where the config names it, e.g. "classifier.model"
    repo_type: str  # "model" or "dataset"
    repo_id: str
    revision: str | None  # as the config asks for it (None: the default branch)
    revision_key: tuple[str, ...] | None  # where that revision sits in the config (None: no such key)
    filename: str | None = None  # the one file to download (a GGUF); None: the repository


def _is_hub_id(spec) -> bool:
    return isinstance(spec, str) and not spec.startswith(PACKAGE_PREFIX) and not Path(spec).expanduser().exists()


def _at(config: dict, keys: tuple[str, ...]):
    for key in keys:
        config = config[key]
    return config


def hub_items(config: dict) -> list[HubItem]:
    """Every hub repository that a validated config (its defaults filled in) loads."""
    items = []
    models = [
        ("classifier.model", ("classifier", "model"), ("classifier", "revision")),
        ("encoder.model", ("encoder", "model"), ("encoder", "revision")),
        ("scoring.ctc_model", ("scoring", "ctc_model"), None),
        ("baselines.sentence_encoder", ("baselines", "sentence_encoder"), None),
    ]
    if "clare" in config["baselines"]["methods"]:
        models.append(
            (
                "baselines.clare.masked_lm",
                ("baselines", "clare", "masked_lm"),
                ("baselines", "clare", "masked_lm_revision"),
            )
        )
    for key, spec_key, revision_key in models:
        spec = _at(config, spec_key)
        if _is_hub_id(spec):
            revision = _at(config, revision_key) if revision_key else None
            items.append(HubItem(key, "model", spec, revision, revision_key))
    for name, dataset in config["datasets"].items():
        source = dataset["source"]
        if source["kind"] == "hub" and _is_hub_id(source["path"]):  # not a local dataset directory
            revision_key = ("datasets", name, "source", "revision")
            items.append(
                HubItem(f"datasets.{name}.source", "dataset", source["path"], source.get("revision"), revision_key)
            )
    for name, llm in config["llms"].items():
        spec = llm["model"]
        if spec["kind"] == "hub":
            revision_key = ("llms", name, "model", "revision")
            items.append(
                HubItem(
                    f"llms.{name}.model", "model", spec["repo_id"], spec.get("revision"), revision_key, spec["filename"]
                )
            )
    return items


def lock_path(config_file: str | Path) -> Path:
    """Where the lock of a config file lives: beside it, ``NAME.lock.yaml``."""
    config_file = Path(config_file)
    return config_file.with_name(f"{config_file.stem}.lock.yaml")


def _locked(item: HubItem, entries: list[dict]) -> dict | None:
    return next(
        (
            e
            for e in entries
            if (e["type"], e["repo_id"], e["revision"], e.get("filename"))
            == (item.repo_type, item.repo_id, item.revision, item.filename)
        ),
        None,
    )


def snapshot_folder(item: HubItem, commit: str, cache: Path) -> Path:
    """The hub cache's folder of one commit of a repository (huggingface_hub's layout)."""
    return cache / f"{item.repo_type}s--{item.repo_id.replace('/', '--')}" / "snapshots" / commit


def use_lock(config: dict, config_files: list[str], cache: Path | None = None) -> list[str]:
    """Pin every locked hub repository of ``config`` to its commit (in place), from the locks of
    ``config_files``; and set HF_HUB_OFFLINE when every one is locked and in the cache. Returns what
    keeps the run online (a sentence per repository), empty when offline."""
    items = hub_items(config)
    entries = [e for f in config_files if lock_path(f).is_file() for e in yaml.safe_load(lock_path(f).read_text())]
    missing = []
    if items:
        from huggingface_hub.constants import HF_HUB_CACHE

        cache = Path(cache or HF_HUB_CACHE)
    for item in items:
        entry = _locked(item, entries)
        if entry is None:
            missing.append(f"{item.key} ({item.repo_id} at {item.revision or 'its default branch'}): not locked")
            continue
        if item.revision_key:
            parent = _at(config, item.revision_key[:-1])
            parent[item.revision_key[-1]] = entry["commit"]
        if not snapshot_folder(item, entry["commit"], cache).is_dir():
            missing.append(f"{item.key} ({item.repo_id} at {entry['commit']}): locked but not in the cache {cache}")
    if not missing:
        os.environ.update(OFFLINE)
    return missing


def download(items: list[HubItem], config: dict, api=None, fetch=None, load=None) -> list[dict]:
    """Resolve each item's revision to a commit, download that commit into the hub cache, load each
    dataset once through :func:`topex.data.load` at that commit; return the lock's entries.
    ``api``, ``fetch`` and ``load`` (HfApi, snapshot_download, topex.data.load) are for tests."""
    from huggingface_hub import HfApi, snapshot_download

    from . import data

    api, fetch, load = api or HfApi(), fetch or snapshot_download, load or data.load
    entries = []
    for item in items:
        commit = api.repo_info(item.repo_id, repo_type=item.repo_type, revision=item.revision).sha
        patterns = {"allow_patterns": [item.filename]} if item.filename else {"ignore_patterns": NOT_DOWNLOADED}
        folder = Path(fetch(item.repo_id, repo_type=item.repo_type, revision=commit, **patterns))
        if folder.name != commit:
            raise RuntimeError(f"{item.key}: {item.repo_id} at {commit} was cached as {folder}, not as that commit")
        if item.repo_type == "dataset":
            name = item.key.split(".")[1]
            spec = config["datasets"][name]
            load({**spec["source"], "revision": commit}, data.needed_source_splits(spec["splits"]))
        entry = {"key": item.key, "type": item.repo_type, "repo_id": item.repo_id, "revision": item.revision}
        entries.append({**entry, **({"filename": item.filename} if item.filename else {}), "commit": commit})
        log.info("%s: %s at %s -> %s", item.key, item.repo_id, item.revision or "its default branch", commit)
    return entries


def write_lock(entries: list[dict], config_file: str | Path) -> Path:
    from .io import atomic_path

    path = lock_path(config_file)
    header = (
        f"# Written by `make download CONFIG={config_file}` (topex.hub_cache) on {date.today()}: the commit\n"
        "# each hub revision of the config pointed to then. Runs with this config load these commits.\n"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(header + yaml.safe_dump(entries, sort_keys=False))
    return path


def main(config_file: str) -> None:
    from snakemake.utils import validate

    from .config_checks import drop_removed

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = yaml.safe_load(Path(config_file).read_text())
    drop_removed(config)
    validate(config, schema=str(Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"))
    items = hub_items(config)
    if not items:
        print(f"{config_file}: no hub repository to download (every model and dataset is local or a package)")
        return
    path = write_lock(download(items, config), config_file)
    print(f"{len(items)} hub repositories cached and locked in {path}")


if __name__ == "__main__":
    main(sys.argv[1])
