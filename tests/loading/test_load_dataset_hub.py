"""load_dataset from the project's Hub server over HTTP: request economy, offline reloads, parquet branch."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

import crucible_torch as ct
from crucible_torch.hub import LocalEntryNotFoundError, OfflineModeIsEnabled
from crucible_torch.testing import hub_server

SHARDS = 20


def _sharded_repo(root: Path) -> Path:
    repo = root / "team" / "sharded"
    (repo / "data").mkdir(parents=True)
    for shard in range(SHARDS):
        rows = [{"id": shard * 100 + i, "text": f"s{shard} r{i}"} for i in range(25)]
        pq.write_table(pa.Table.from_pylist(rows), repo / "data" / f"train-{shard:05d}-of-{SHARDS:05d}.parquet")
    pq.write_table(pa.Table.from_pylist([{"id": -1, "text": "t"}]), repo / "data" / "test-00000-of-00001.parquet")
    (repo / "README.md").write_text("---\nlicense: mit\n---\n# sharded\n")
    return repo


@pytest.fixture
def isolated_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("CRUCIBLE_TORCH_CACHE", str(tmp_path / "prepared"))
    return tmp_path


def test_a_20_shard_split_costs_one_info_one_listing_and_one_get_per_file(isolated_caches: Path) -> None:
    root = isolated_caches / "repos"
    _sharded_repo(root)
    with hub_server(root, lfs_threshold=1 << 30) as server:
        ds = ct.load_dataset("team/sharded", split="train")
        loader = torch.utils.data.DataLoader(ds, batch_size=32, num_workers=4, collate_fn=ds.collate_fn)
        ids = torch.cat([b["id"] for b in loader]).tolist()
        assert sorted(ids) == sorted(s * 100 + i for s in range(SHARDS) for i in range(25))
        assert server.count("HEAD") == 0
        assert server.count("GET", "/api/datasets/team/sharded/revision/") == 1
        assert server.count("GET", "/api/datasets/team/sharded/tree/") == 1
        assert server.count("GET", "/resolve/") == SHARDS, "only the train shards, each fetched once"
        assert server.count() == SHARDS + 2, "DataLoader workers made no requests"


def test_offline_reload_has_identical_fingerprint_and_no_network(
    isolated_caches: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = isolated_caches / "repos"
    _sharded_repo(root)
    with hub_server(root) as server:
        online = ct.load_dataset("team/sharded", split="train")
        endpoint = server.url
    monkeypatch.setenv("HF_ENDPOINT", endpoint)  # the server is gone: any request would fail
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = ct.load_dataset("team/sharded", split="train")
    assert offline._fingerprint == online._fingerprint
    assert offline.cache_files == online.cache_files
    assert offline.to_list() == online.to_list()
    with pytest.raises((LocalEntryNotFoundError, OfflineModeIsEnabled)):
        ct.load_dataset("team/sharded", split="test")


def test_pinned_commit_resolves_from_the_cache_with_zero_requests(isolated_caches: Path) -> None:
    root = isolated_caches / "repos"
    _sharded_repo(root)
    with hub_server(root) as server:
        first = ct.load_dataset("team/sharded", split="test")
        commit = server.commit("team/sharded")
        server.reset()
        pinned = ct.load_dataset("team/sharded", split="test", revision=commit)
        assert server.count() == 0
        assert pinned.to_list() == first.to_list()


def test_files_downloaded_by_huggingface_hub_are_reused(isolated_caches: Path) -> None:
    import subprocess
    import sys

    root = isolated_caches / "repos"
    _sharded_repo(root)
    with hub_server(root) as server:
        script = (
            "from huggingface_hub import snapshot_download\nsnapshot_download('team/sharded', repo_type='dataset')\n"
        )
        env = {**os.environ, "HF_ENDPOINT": server.url, "HF_HUB_DISABLE_XET": "1"}
        subprocess.run([sys.executable, "-c", script], env=env, check=True)
        server.reset()
        ds = ct.load_dataset("team/sharded", split="train")
        assert ds.num_rows == SHARDS * 25
        assert server.count("GET", "/resolve/") == 0, "every file came from huggingface_hub's cache"


def test_missing_repo_and_unknown_config_are_clear(isolated_caches: Path) -> None:
    root = isolated_caches / "repos"
    _sharded_repo(root)
    with hub_server(root):
        with pytest.raises(Exception, match="team/nope"):
            ct.load_dataset("team/nope")
        with pytest.raises(ValueError, match="'default'"):
            ct.load_dataset("team/sharded", "other")
