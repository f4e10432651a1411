"""Every split of every cookbook-shaped sample repo streams from the local Hub as the map-style load reads it."""

from __future__ import annotations

import numpy as np
import pytest
from sample_hub_fixtures import sampled_configs

from crucible_torch import load_dataset
from crucible_torch.testing import SAMPLE_TOKEN, sample_hub_server


def _plain(value):
    if hasattr(value, "getdata") and hasattr(value, "mode"):  # a PIL image
        return ("image", value.mode, np.asarray(value).tolist())
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with sample_hub_server(tmp_path_factory.mktemp("samples"), fresh_cache=True, token=SAMPLE_TOKEN, scale=0.2) as hub:
        yield hub


def test_every_sample_split_streams_like_the_map_style_load(hub, monkeypatch, tmp_path):
    monkeypatch.setenv("CRUCIBLE_TORCH_CACHE", str(tmp_path / "cache"))
    checked = 0
    for repo_id, repo in hub.repos.items():
        for config in sampled_configs(list(repo.configs)):
            splits = repo.configs[config]
            name = None if repo.default_config else config
            for split, num_rows in splits.items():
                streamed = load_dataset(repo_id, name, split=split, streaming=True)
                assert streamed.column_names == repo.columns[config], (repo_id, config)
                rows = [_plain(row) for row in streamed]
                prepared = load_dataset(repo_id, name, split=split)
                assert len(rows) == num_rows, (repo_id, config, split)
                assert rows == [_plain(prepared[i]) for i in range(len(prepared))], (repo_id, config, split)
                checked += 1
    assert checked >= 40
