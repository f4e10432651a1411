"""One sample Hub (every repo at scale 1) served for the cookbook tests; ``HF_ENDPOINT`` points at it per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crucible_torch.testing import SampleHub, build_sample_hub, sample_hub_server


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleHub]:
    root = tmp_path_factory.mktemp("cookbook-hub")
    with sample_hub_server(root, repos=build_sample_hub(root)) as hub:
        yield hub


@pytest.fixture
def hub(served: SampleHub, monkeypatch: pytest.MonkeyPatch) -> SampleHub:
    monkeypatch.setenv("HF_ENDPOINT", served.url)
    return served
