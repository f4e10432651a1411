"""Fixtures for the loading tests: dataset trees in tmp_path and the real `datasets` as the reference.

`datasets` is kept offline (``HF_DATASETS_OFFLINE``/``HF_HUB_OFFLINE``) with its caches under a temporary
``HF_HOME``, per test and restored afterwards, so a reference call never reaches the network or the user's
cache and other test packages (a local Hub server, say) see the environment unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CSV = "a,b\n1,2\n"


def write_tree(root: Path, files: dict[str, str | None]) -> Path:
    """Create ``files`` (relative path -> text, ``None`` = a tiny CSV) under ``root``; returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CSV if text is None else text, encoding="utf-8")
    return root


@pytest.fixture
def write_files() -> Callable[[Path, dict[str, str | None]], Path]:
    """The :func:`write_tree` helper, for tests that build trees outside tmp_path (hypothesis examples)."""
    return write_tree


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[[dict[str, str | None]], Path]:
    """Factory: build a dataset directory named ``ds`` (real path, no symlinks) in tmp_path."""

    def make(files: dict[str, str | None]) -> Path:
        return write_tree(Path(os.path.realpath(tmp_path)) / "ds", files)

    return make


@pytest.fixture
def hf_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The `datasets` module, offline and with its caches in tmp_path (even if it was imported earlier)."""
    home = tmp_path / "hf-home"
    for name, value in {"HF_HOME": str(home), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}.items():
        monkeypatch.setenv(name, value)  # read if `datasets` is first imported now
    datasets = pytest.importorskip("datasets")
    hub_constants = pytest.importorskip("huggingface_hub.constants")
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    for name, value in {
        "HF_HUB_OFFLINE": True,
        "HF_DATASETS_OFFLINE": True,
        "HF_UPDATE_DOWNLOAD_COUNTS": False,
        "HF_DATASETS_CACHE": home / "datasets",
        "HF_MODULES_CACHE": home / "modules",
        "DOWNLOADED_DATASETS_PATH": home / "datasets" / "downloads",
        "EXTRACTED_DATASETS_PATH": home / "datasets" / "downloads" / "extracted",
    }.items():
        monkeypatch.setattr(datasets.config, name, value, raising=False)
    return datasets


@pytest.fixture
def hf_builder(hf_offline: Any, tmp_path: Path) -> Callable[..., Any]:
    """Call ``datasets.load_dataset_builder`` with a private cache; returns the builder or the exception."""
    counter = iter(range(1_000_000))

    def build(path: str, **kwargs: Any) -> Any:
        cache = tmp_path / f"hf-cache-{next(counter)}"
        try:
            return hf_offline.load_dataset_builder(path, cache_dir=str(cache), **kwargs)
        except Exception as err:  # the reference's failure is part of what is compared
            return err

    return build
