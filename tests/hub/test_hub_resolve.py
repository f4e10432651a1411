"""resolve_repo and the metadata endpoints against the real local server: files, card data, revisions,
pagination, and the request budget (1 info + tree pages + 1 GET per file, no HEAD; 0 when pinned/offline)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
import yaml
from hub_helpers import N_DATA_FILES, README

from crucible_torch import hub
from crucible_torch.testing.hub import hub_server


def expected_files(directory: Path) -> dict[str, bytes]:
    """Independent expectation: every file under the directory, read from disk."""
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def card_of(readme: str) -> dict:
    return yaml.safe_load(readme.split("---")[1])


def test_resolve_lists_files_and_card_data(server, repos):
    snap = hub.resolve_repo("alice/data")
    truth = expected_files(repos / "alice" / "data")
    assert snap.commit == server.commit("alice/data")
    assert len(snap.commit) == 40 and snap.revision == "main"
    assert {p: f.size for p, f in snap.files.items()} == {p: len(b) for p, b in truth.items()}
    assert snap.files["blobs/big.bin"].lfs_sha256 is not None
    assert snap.files["README.md"].lfs_sha256 is None
    assert snap.card_data == card_of(README)
    assert "hf_" not in repr(snap)


def test_request_budget_resolve_and_20_downloads(server, repos):
    snap = hub.resolve_repo("alice/data")
    csvs = sorted(p for p in snap.files if p.startswith("data/"))
    assert len(csvs) == N_DATA_FILES
    local = snap.download(csvs)
    for p in csvs:
        assert Path(local[p]).read_bytes() == (repos / "alice" / "data" / p).read_bytes()
    assert server.count("GET", "/api/datasets/alice/data/revision/") == 1
    assert server.count("GET", "/tree/") == 1  # one page at the default page size
    assert server.count("GET", "/resolve/") == N_DATA_FILES
    assert server.count("HEAD") == 0
    assert server.count() == 2 + N_DATA_FILES

    server.reset()
    again = hub.resolve_repo("alice/data", revision=snap.commit)
    assert again.download(csvs) == local
    assert server.count() == 0, server.requests()


def test_second_resolve_at_branch_costs_one_info_call(server):
    hub.resolve_repo("alice/data")
    server.reset()
    hub.resolve_repo("alice/data")
    assert [(r.method, r.path) for r in server.requests()] == [("GET", "/api/datasets/alice/data/revision/main")]


def test_offline_resolve_and_download_make_no_request(server, repos, monkeypatch):
    snap = hub.resolve_repo("alice/data")
    snap.download(["README.md", "data/train-00003.csv"])
    server.reset()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = hub.resolve_repo("alice/data")
    assert offline.commit == snap.commit and offline.files == snap.files and offline.card_data == snap.card_data
    assert offline.download("data/train-00003.csv")["data/train-00003.csv"].endswith("train-00003.csv")
    path = hub.hf_hub_download("alice/data", "data/train-00003.csv", repo_type="dataset")
    assert Path(path).read_bytes() == (repos / "alice/data/data/train-00003.csv").read_bytes()
    with pytest.raises(hub.LocalEntryNotFoundError, match="offline"):
        offline.download(["data/train-00004.csv"])
    assert server.count() == 0


def test_offline_with_nothing_cached_says_so(server, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(hub.LocalEntryNotFoundError, match=r"alice/data.*never resolved.*HF_HUB_OFFLINE"):
        hub.resolve_repo("alice/data")
    with pytest.raises(hub.LocalEntryNotFoundError, match="offline mode is enabled"):
        hub.hf_hub_download("alice/data", "README.md", repo_type="dataset")
    with pytest.raises(hub.OfflineModeIsEnabled):
        hub.dataset_info("alice/data")
    assert server.count() == 0


@pytest.mark.parametrize("page_size", [1, 7])
def test_tree_pagination_is_followed(repos, page_size):
    with hub_server(repos, page_size=page_size) as server:
        snap = hub.resolve_repo("alice/data")
        truth = expected_files(repos / "alice" / "data")
        assert set(snap.files) == set(truth)
        items = len(truth) + 2  # files plus the directories data/ and blobs/
        assert server.count("GET", "/tree/") == math.ceil(items / page_size)
        pages = server.requests("GET", "/tree/")
        assert all("recursive=true" in r.query for r in pages)
        assert sorted(hub.list_repo_files("alice/data", repo_type="dataset")) == sorted(truth)


def test_tree_cache_file_is_huggingface_hub_format(server):
    snap = hub.resolve_repo("alice/data")
    tree = json.loads(
        (Path(os.environ["HF_HUB_CACHE"]) / "datasets--alice--data/trees" / f"{snap.commit}.json").read_text()
    )
    assert tree["format_version"] == 1
    big = tree["files"]["blobs/big.bin"]
    assert big == {
        "size": 300_000,
        "blob_id": snap.files["blobs/big.bin"].blob_id,
        "lfs_sha256": snap.files["blobs/big.bin"].lfs_sha256,
        "lfs_size": 300_000,
    }


def test_convert_parquet_revision_and_nested_ref(server, repos, hub_env):
    snap = hub.resolve_repo("alice/data", revision="refs/convert/parquet")
    assert snap.commit == server.commit("alice/data", "refs/convert/parquet") != server.commit("alice/data")
    assert list(snap.files) == ["default/train/0000.parquet"]
    ref_file = hub_env / "datasets--alice--data" / "refs" / "refs" / "convert" / "parquet"
    assert ref_file.read_text() == snap.commit
    info = server.requests("GET", "/api/datasets/")[0]
    assert info.path == "/api/datasets/alice/data/revision/refs/convert/parquet"
    local = snap.download("default/train/0000.parquet")["default/train/0000.parquet"]
    assert (
        Path(local).read_bytes()
        == (repos / "alice/data@refs%2Fconvert%2Fparquet/default/train/0000.parquet").read_bytes()
    )
    assert "/resolve/" + snap.commit in server.requests("GET", "/resolve/")[0].path


def test_pr_and_tag_revisions_and_refs_listing(server, hub_env):
    pr = hub.resolve_repo("alice/data", revision="refs/pr/1")
    assert list(pr.files) == ["README.md"] and pr.card_data == {}
    assert (hub_env / "datasets--alice--data/refs/refs/pr/1").read_text() == pr.commit
    tag = hub.resolve_repo("alice/data", revision="v1.0")
    assert list(tag.files) == ["data.csv"]
    refs = hub.list_repo_refs("alice/data", repo_type="dataset", include_pull_requests=True)
    assert [(r.name, r.ref) for r in refs.branches] == [("main", "refs/heads/main")]
    assert [(r.name, r.ref) for r in refs.converts] == [("parquet", "refs/convert/parquet")]
    assert [(r.name, r.target_commit) for r in refs.tags] == [("v1.0", tag.commit)]
    assert [(r.ref, r.target_commit) for r in refs.pull_requests] == [("refs/pr/1", pr.commit)]
    assert hub.list_repo_refs("alice/data", repo_type="dataset").pull_requests is None


def test_dataset_info_tree_and_paths_info(server, repos):
    info = hub.dataset_info("alice/data", files_metadata=True)
    assert info.id == "alice/data" and info.sha == server.commit("alice/data")
    assert info.cardData == info.card_data == card_of(README)
    assert info.private is False and info.gated is False
    by_name = {s.rfilename: s for s in info.siblings}
    assert by_name["blobs/big.bin"].lfs.size == 300_000 and by_name["README.md"].lfs is None
    top = {e.path: type(e).__name__ for e in hub.list_repo_tree("alice/data", repo_type="dataset")}
    assert top == {
        "README.md": "RepoFile",
        ".gitattributes": "RepoFile",
        "data": "RepoFolder",
        "blobs": "RepoFolder",
    }
    sub = [e.path for e in hub.list_repo_tree("alice/data", "data", repo_type="dataset")]
    assert sub == [f"data/train-{i:05d}.csv" for i in range(N_DATA_FILES)]
    got = hub.get_paths_info("alice/data", ["README.md", "data", "missing.txt"], repo_type="dataset")
    assert [(type(e).__name__, e.path) for e in got] == [("RepoFile", "README.md"), ("RepoFolder", "data")]
    assert got[0].size == len(README)


def test_model_repo_hf_hub_download(server, repos, hub_env):
    path = hub.hf_hub_download("alice/tiny-model", "model.bin")
    assert Path(path).read_bytes() == (repos / "models/alice/tiny-model/model.bin").read_bytes()
    assert "/models--alice--tiny-model/snapshots/" in path
    assert hub.model_info("alice/tiny-model").sha == server.commit("alice/tiny-model", repo_type="model")
    assert hub.list_repo_files("alice/tiny-model") == ["config.json", "model.bin"]
    heads = server.requests("HEAD")
    assert [r.path for r in heads] == ["/alice/tiny-model/resolve/main/model.bin"]


def test_snapshot_download_with_patterns(server, repos, tmp_path):
    folder = hub.snapshot_download(
        "alice/data", repo_type="dataset", allow_patterns=["data/*"], ignore_patterns="*-0001*.csv"
    )
    got = sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())
    want = [f"data/train-{i:05d}.csv" for i in range(N_DATA_FILES) if not 10 <= i <= 19]
    assert got == want
    assert server.count("HEAD") == 0
    out = hub.snapshot_download(
        "alice/data", repo_type="dataset", local_dir=tmp_path / "local", allow_patterns="README.md"
    )
    assert (Path(out) / "README.md").read_text() == README
    record = (tmp_path / "local/.cache/huggingface/download/README.md.metadata").read_text().splitlines()
    assert record[0] == server.commit("alice/data")


def test_hf_hub_download_pinned_uses_cached_listing_instead_of_head(server):
    snap = hub.resolve_repo("alice/data")
    server.reset()
    path = hub.hf_hub_download("alice/data", "data/train-00001.csv", repo_type="dataset", revision=snap.commit)
    assert path.endswith("data/train-00001.csv")
    assert server.count("HEAD") == 0 and server.count("GET", "/resolve/") == 1
    server.reset()
    assert hub.hf_hub_download("alice/data", "data/train-00001.csv", repo_type="dataset", revision=snap.commit) == path
    assert server.count() == 0
