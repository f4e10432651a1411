"""Fixtures for the command-line tests: one sample Hub for the package and fresh caches per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crucible_torch.testing import SampleHub, SampleRepo, build_sample_hub, sample_hub_server

LFS_THRESHOLD = 4096  # parquet files above this go through the CDN redirect, as on huggingface.co
_CLEARED = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_TOKEN_PATH",
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HUGGINGFACE_HUB_CACHE",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN",
)


@pytest.fixture(scope="package")
def sample_repos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SampleRepo]]:
    root = tmp_path_factory.mktemp("sample-hub")
    return root, build_sample_hub(root)


@pytest.fixture(scope="package")
def served(sample_repos: tuple[Path, list[SampleRepo]]) -> Iterator[SampleHub]:
    root, repos = sample_repos
    with sample_hub_server(root, repos=repos, lfs_threshold=LFS_THRESHOLD) as hub:
        yield hub


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No token, not offline, fresh caches, no progress bars, and the endpoint a closed port until a test
    asks for the Hub."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf_home" / "hub"))
    monkeypatch.setenv("CRUCIBLE_TORCH_CACHE", str(tmp_path / "crucible_cache"))
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.fixture
def hub(served: SampleHub, monkeypatch: pytest.MonkeyPatch) -> SampleHub:
    """The running sample Hub, ``HF_ENDPOINT`` pointing at it, its request log and faults cleared."""
    monkeypatch.setenv("HF_ENDPOINT", served.url)
    served.server.reset()
    return served
