"""scan_cache and deletion of a revision or a repo, checked against source sizes and huggingface_hub."""

from __future__ import annotations

import pytest
from hub_helpers import write

from crucible_torch import hub


def source_size(root, *paths) -> int:
    return sum((root / p).stat().st_size for p in paths)


def test_scan_reports_repos_revisions_files_and_sizes(server, repos, hub_env):
    main = hub.resolve_repo("alice/data")
    main.download(["README.md", "blobs/big.bin"])
    parquet = hub.resolve_repo("alice/data", revision="refs/convert/parquet")
    parquet.download(list(parquet.files))
    hub.hf_hub_download("alice/tiny-model", "config.json")
    info = hub.scan_cache()
    assert info.warnings == ()
    by_id = {(r.repo_type, r.repo_id): r for r in info.repos}
    data = by_id[("dataset", "alice/data")]
    assert data.refs == {"main": main.commit, "refs/convert/parquet": parquet.commit}
    revisions = {r.commit: r for r in data.revisions}
    assert {f.path for f in revisions[main.commit].files} == {"README.md", "blobs/big.bin"}
    assert revisions[main.commit].size_on_disk == source_size(repos / "alice/data", "README.md", "blobs/big.bin")
    parquet_size = source_size(repos / "alice/data@refs%2Fconvert%2Fparquet", "default/train/0000.parquet")
    assert revisions[parquet.commit].size_on_disk == parquet_size
    model_size = source_size(repos / "models/alice/tiny-model", "config.json")
    assert info.size_on_disk == data.size_on_disk + model_size


def test_delete_revision_keeps_shared_blobs(server, repos, hub_env, tmp_path):
    other = tmp_path / "dev-branch"
    write(other / "README.md", (repos / "alice/data/README.md").read_bytes())  # same blob as main
    write(other / "extra.txt", "only on dev")
    server.add_revision("alice/data", "dev", other)
    main = hub.resolve_repo("alice/data")
    main.download(["README.md"])
    dev = hub.resolve_repo("alice/data", revision="dev")
    dev.download(["README.md", "extra.txt"])
    freed = hub.delete_revision("alice/data", "dev")
    assert freed == len("only on dev")
    assert hub.try_to_load_from_cache("alice/data", "README.md", repo_type="dataset") == main.local_path("README.md")
    assert not (hub_env / "datasets--alice--data/refs/dev").exists()
    assert [r.commit for r in hub.scan_cache().repos[0].revisions] == [main.commit]
    huggingface_hub = pytest.importorskip("huggingface_hub")
    assert huggingface_hub.scan_cache_dir(hub_env).warnings == []
    with pytest.raises(hub.LocalEntryNotFoundError):
        hub.delete_revision("alice/data", "dev")


def test_delete_repo(server, hub_env):
    hub.resolve_repo("alice/data").download(["README.md", "blobs/big.bin"])
    freed = hub.delete_repo("alice/data")
    assert freed > 300_000
    assert not (hub_env / "datasets--alice--data").exists()
    assert not (hub_env / ".locks" / "datasets--alice--data").exists()
    assert hub.scan_cache().repos == ()
    with pytest.raises(hub.CacheNotFound):
        hub.scan_cache(hub_env / "missing")
