"""Differential checks with the real huggingface_hub on one cache: each library uses what the other wrote.

huggingface_hub reads HF_ENDPOINT at import, so its network calls run in a subprocess with the env set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hub_helpers import README, run_python

from crucible_torch import hub

huggingface_hub = pytest.importorskip("huggingface_hub")


def test_huggingface_hub_finds_what_we_downloaded(server, repos, hub_env):
    snap = hub.resolve_repo("alice/data")
    ours = snap.download(list(snap.files))
    model_file = hub.hf_hub_download("alice/tiny-model", "model.bin")
    for path, local in ours.items():
        found = huggingface_hub.try_to_load_from_cache("alice/data", path, cache_dir=hub_env, repo_type="dataset")
        assert found == local
    assert huggingface_hub.try_to_load_from_cache("alice/tiny-model", "model.bin", cache_dir=hub_env) == model_file

    report = huggingface_hub.scan_cache_dir(hub_env)
    assert report.warnings == []
    repos_found = {(r.repo_type, r.repo_id): r for r in report.repos}
    data = repos_found[("dataset", "alice/data")]
    (revision,) = data.revisions
    assert revision.commit_hash == snap.commit and revision.refs == frozenset({"main"})
    assert {f.file_name for f in revision.files} == {Path(p).name for p in snap.files}
    assert data.size_on_disk == sum(f.size for f in snap.files.values())
    tree = huggingface_hub.get_cached_repo_tree("alice/data", repo_type="dataset", cache_dir=hub_env)
    assert {f.path: f.size for f in tree} == {p: f.size for p, f in snap.files.items()}

    server.reset()
    out = run_python(
        """
        import huggingface_hub as h
        print(h.hf_hub_download("alice/data", "blobs/big.bin", repo_type="dataset"))
        print(h.snapshot_download("alice/data", repo_type="dataset"))
        """,
        env={"HF_HUB_OFFLINE": "1"},
    )
    big, folder = out.stdout.split()
    assert big == ours["blobs/big.bin"] and folder == str(Path(big).parents[1])
    assert server.count() == 0


def test_we_use_what_huggingface_hub_downloaded_without_requests(server, repos, hub_env, monkeypatch):
    out = run_python(
        """
        import huggingface_hub as h
        print(h.snapshot_download("alice/data", repo_type="dataset"))
        print(h.hf_hub_download("alice/tiny-model", "config.json"))
        """
    )
    folder, config = out.stdout.split()
    commit = server.commit("alice/data")
    assert Path(folder).name == commit
    assert (hub_env / "datasets--alice--data/trees" / f"{commit}.json").is_file()
    server.reset()

    pinned = hub.resolve_repo("alice/data", revision=commit)
    assert pinned.card_data == yaml.safe_load(README.split("---")[1])  # read from the README it downloaded
    assert pinned.download(list(pinned.files)) == {p: os.path.join(folder, p) for p in pinned.files}
    assert hub.hf_hub_download("alice/data", "blobs/big.bin", repo_type="dataset", revision=commit) == os.path.join(
        folder, "blobs/big.bin"
    )
    assert server.count() == 0

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = hub.resolve_repo("alice/data")
    assert offline.commit == commit and offline.files == pinned.files and offline.complete_listing
    assert offline.card_data == pinned.card_data
    assert hub.hf_hub_download("alice/tiny-model", "config.json") == config
    for path, local in offline.download(list(offline.files)).items():
        assert Path(local).read_bytes() == (repos / "alice/data" / path).read_bytes()
    assert server.count() == 0


def test_offline_listing_rebuilt_from_a_snapshot_without_tree(server, repos, monkeypatch):
    run_python(
        """
        import huggingface_hub as h
        h.hf_hub_download("alice/data", "README.md", repo_type="dataset")
        h.hf_hub_download("alice/data", "blobs/big.bin", repo_type="dataset")
        """
    )
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    snap = hub.resolve_repo("alice/data")
    assert not snap.complete_listing
    assert set(snap.files) == {"README.md", "blobs/big.bin"}
    assert snap.files["blobs/big.bin"].lfs_sha256 is not None
    assert snap.card_data["license"] == "mit"
