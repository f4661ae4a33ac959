"""topex.hub_cache on config/paper.yaml without a network: the hub is a stand-in that resolves
revisions and fills a local cache folder in the hub cache's layout; the lock pins the config's
revisions, and only a lock whose commits are in the cache makes the workflow go offline."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from conftest import ROOT, default_config
from snakemake.utils import validate

from topex.hub_cache import OFFLINE, hub_items, lock_path, snapshot_folder, use_lock, write_lock
from topex.hub_cache import download as download_items

SCHEMA = str(ROOT / "workflow" / "schemas" / "config.schema.yaml")


def paper() -> dict:
    config = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    validate(config, schema=SCHEMA)
    return config


class StandInHub:
    """Resolves a revision to a commit (a hash of the repository and revision, as a moving branch
    would give at one moment) and 'downloads' a commit by making its snapshot folder."""

    def __init__(self, cache: Path):
        self.cache, self.fetched, self.loaded = cache, [], []

    def repo_info(self, repo_id, repo_type, revision):
        return SimpleNamespace(sha=hashlib.sha1(f"{repo_type}/{repo_id}@{revision}".encode()).hexdigest())

    def fetch(self, repo_id, repo_type, revision, **patterns):
        self.fetched.append((repo_id, revision, patterns))
        folder = self.cache / f"{repo_type}s--{repo_id.replace('/', '--')}" / "snapshots" / revision
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)

    def load(self, source, needed):
        self.loaded.append((source["path"], source["revision"], sorted(needed)))


@pytest.fixture
def offline_unset(monkeypatch):
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)


def test_the_paper_config_names_its_ten_hub_repositories():
    items = {item.key: item for item in hub_items(paper())}
    assert sorted(items) == sorted(
        [
            "classifier.model",
            "encoder.model",
            "baselines.clare.masked_lm",
            *(f"datasets.{name}.source" for name in ("imdb", "ag_news", "trec", "hans")),
            *(f"llms.{name}.model" for name in paper()["llms"]),
        ]
    )
    assert items["datasets.hans.source"].repo_type == "dataset"
    assert items["datasets.hans.source"].revision == "refs/convert/parquet"
    assert items["classifier.model"].revision == "86b5e0934494bd15c9632b12f734a8a67f723594"
    assert all(items[f"llms.{name}.model"].filename.endswith(".gguf") for name in paper()["llms"])
    assert hub_items(default_config()) == []  # the offline default loads nothing from the hub


def test_download_locks_each_revision_to_its_commit_and_runs_then_use_it_offline(tmp_path, offline_unset):
    hub = StandInHub(tmp_path / "cache")
    config_file = tmp_path / "paper.yaml"
    config_file.write_text((ROOT / "config" / "paper.yaml").read_text())
    entries = download_items(hub_items(paper()), paper(), api=hub, fetch=hub.fetch, load=hub.load)
    write_lock(entries, config_file)
    assert lock_path(config_file) == tmp_path / "paper.lock.yaml"
    # a model leaves its pickled weights behind; a GGUF comes alone; each dataset is loaded at its commit
    patterns = {repo: p for repo, _, p in hub.fetched}
    assert "*.bin" in patterns["bert-base-uncased"]["ignore_patterns"]
    assert patterns["bartowski/gemma-2-2b-GGUF"] == {"allow_patterns": ["gemma-2-2b-Q4_K_M.gguf"]}
    imdb = next(e for e in entries if e["key"] == "datasets.imdb.source")
    assert ("stanfordnlp/imdb", imdb["commit"], ["test", "train"]) in hub.loaded

    config = paper()
    assert use_lock(config, [str(config_file)], cache=tmp_path / "cache") == []
    assert config["datasets"]["imdb"]["source"]["revision"] == imdb["commit"]  # main -> its commit
    llm = next(iter(config["llms"]))
    assert (
        config["llms"][llm]["model"]["revision"]
        == next(e for e in entries if e["key"] == f"llms.{llm}.model")["commit"]
    )
    assert all(os.environ[name] == "1" for name in OFFLINE)


def test_a_made_up_commit_keeps_the_run_online_and_says_which(tmp_path, offline_unset):
    hub = StandInHub(tmp_path / "cache")
    config_file = tmp_path / "paper.yaml"
    entries = download_items(hub_items(paper()), paper(), api=hub, fetch=hub.fetch, load=hub.load)
    forged = [{**e, "commit": "0" * 40} if e["key"] == "classifier.model" else e for e in entries]
    write_lock(forged, config_file)
    missing = use_lock(paper(), [str(config_file)], cache=tmp_path / "cache")
    assert missing == [
        f"classifier.model (bert-base-uncased at {'0' * 40}): locked but not in the cache {tmp_path / 'cache'}"
    ]
    assert not any(name in os.environ for name in OFFLINE)


def test_without_a_lock_every_repository_is_named_and_the_revisions_stay(tmp_path, offline_unset):
    config = paper()
    missing = use_lock(config, [str(tmp_path / "paper.yaml")], cache=tmp_path / "cache")
    assert len(missing) == 10 and "datasets.imdb.source (stanfordnlp/imdb at main): not locked" in missing
    assert config == paper()
    assert not any(name in os.environ for name in OFFLINE)
    assert not snapshot_folder(hub_items(config)[0], "0" * 40, tmp_path / "cache").exists()


def test_the_workflow_reads_the_lock_of_its_config_file(tmp_path):
    """The Snakefile pins and goes offline by itself: a dry run of a config with a hub classifier
    says it may fetch until the lock and the cache are there."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config["classifier"].update(model="example-org/tiny-bert", revision="main")
    config_file = tmp_path / "hub.yaml"
    config_file.write_text(yaml.safe_dump(config))
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "cache")}
    env.pop("HF_HUB_OFFLINE", None)

    def dry_run():
        command = [
            sys.executable,
            "-m",
            "snakemake",
            "-n",
            "--configfile",
            str(config_file),
            "-d",
            str(tmp_path / "run"),
        ]
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        return run.stdout + run.stderr

    assert "1 hub repositories not locked and cached" in dry_run()
    hub = StandInHub(tmp_path / "cache")
    validate(config, schema=SCHEMA)
    write_lock(download_items(hub_items(config), config, api=hub, fetch=hub.fetch, load=hub.load), config_file)
    assert "not locked and cached" not in dry_run()
