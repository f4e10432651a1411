"""Fixtures for the command-line tests: the shared sample Hub (:mod:`sample_hub_fixtures`), and an environment
where an accidental Hub request fails at once, progress bars are off and tables are wide."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_hub_fixtures import LFS_THRESHOLD, hub, isolate, sample_repos, served

__all__ = ["LFS_THRESHOLD", "hub", "isolated_env", "sample_repos", "served"]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path
