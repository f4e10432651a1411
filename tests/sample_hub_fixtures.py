"""Sample-Hub fixtures shared by the test packages that use them (imported by their conftest.py): one sample Hub
built and served per package, isolated caches per test.

The Hub serves LFS-sized files (>= 4 KiB here) through its CDN redirect, as huggingface.co serves parquet files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crucible_torch.testing import SampleHub, SampleRepo, build_sample_hub, sample_hub_server

LFS_THRESHOLD = 4096
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
    """Every sample repo, built once at scale 1 with seed 0."""
    root = tmp_path_factory.mktemp("sample-hub")
    return root, build_sample_hub(root)


@pytest.fixture(scope="package")
def served(sample_repos: tuple[Path, list[SampleRepo]]) -> Iterator[SampleHub]:
    root, repos = sample_repos
    with sample_hub_server(root, repos=repos, lfs_threshold=LFS_THRESHOLD) as hub:
        yield hub


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No token, not offline, and fresh Hub/prepared-data caches under ``tmp_path``."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf_home" / "hub"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf_home" / "datasets"))
    monkeypatch.setenv("CRUCIBLE_TORCH_CACHE", str(tmp_path / "crucible_cache"))
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    return tmp_path


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No token, not offline, and fresh Hub/prepared-data caches for every test."""
    return isolate(monkeypatch, tmp_path)


@pytest.fixture
def hub(served: SampleHub, monkeypatch: pytest.MonkeyPatch) -> SampleHub:
    """The running sample Hub, with ``HF_ENDPOINT`` pointing at it for this test."""
    monkeypatch.setenv("HF_ENDPOINT", served.url)
    served.server.reset()
    return served


def sampled_configs(configs: list[str]) -> list[str]:
    """The configs loaded in full: all of a repo with a few, the first three and the last of one with many
    (MMLU's 58 subjects, C-Eval's 52: their files all have one layout)."""
    return configs if len(configs) <= 6 else [*configs[:3], configs[-1]]
