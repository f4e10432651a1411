"""Fixtures for the hub client tests: an isolated environment, a tree of repos, and a running HubServer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hub_helpers import LFS_THRESHOLD, N_DATA_FILES, README, big_bytes, write

from crucible_torch.testing.hub import hub_server


@pytest.fixture(autouse=True)
def hub_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No real token, no offline switch, a private cache and tiny retry delays for every test."""
    for name in (
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_TOKEN_PATH",
        "HF_ENDPOINT",
        "HF_HUB_OFFLINE",
        "HF_DATASETS_OFFLINE",
        "TRANSFORMERS_OFFLINE",
        "HUGGINGFACE_HUB_CACHE",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN",
        "CRUCIBLE_TORCH_HUB_NO_LOCKS",
        "HF_HUB_DISABLE_SYMLINKS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CRUCIBLE_TORCH_HUB_BACKOFF_BASE", "0.001")
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    return tmp_path / "cache"


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    """alice/data (20 CSVs, an LFS file, README card; refs/convert/parquet, refs/pr/1, tag v1.0),
    alice/gated, alice/private, and the model alice/tiny-model."""
    root = tmp_path / "repos"
    data = root / "alice" / "data"
    write(data / "README.md", README)
    write(data / ".gitattributes", "*.bin filter=lfs diff=lfs merge=lfs -text\n")
    for i in range(N_DATA_FILES):
        write(data / "data" / f"train-{i:05d}.csv", "a,b\n" + "".join(f"{i},{j}\n" for j in range(i + 1)))
    write(data / "blobs" / "big.bin", big_bytes(300_000))
    parquet = root / "alice" / "data@refs%2Fconvert%2Fparquet"
    write(parquet / "default" / "train" / "0000.parquet", big_bytes(1000, 1))
    write(root / "alice" / "data@refs%2Fpr%2F1" / "README.md", "# PR\n")
    write(root / "alice" / "data@tags%2Fv1.0" / "data.csv", "a\n1\n")
    write(root / "alice" / "gated" / "README.md", "---\nlicense: other\n---\n")
    write(root / "alice" / "gated" / "data.csv", "x\n1\n")
    write(root / "alice" / "private" / "data.csv", "secret\n1\n")
    write(root / "models" / "alice" / "tiny-model" / "config.json", '{"hidden": 4}')
    write(root / "models" / "alice" / "tiny-model" / "model.bin", big_bytes(100_000, 2))
    return root


@pytest.fixture
def server(repos: Path):
    with hub_server(repos, lfs_threshold=LFS_THRESHOLD) as s:
        s.set_access("alice/gated", gated="manual", tokens={"hf_granted"})
        s.set_access("alice/private", private=True, tokens={"hf_granted"})
        s.add_token("hf_other")
        yield s
