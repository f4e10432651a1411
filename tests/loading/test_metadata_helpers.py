"""``get_dataset_split_names`` and ``get_dataset_infos`` against `datasets` on local folders laid out like repos."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import crucible_torch as ct

CARD = """---
configs:
- config_name: first
  data_files:
  - split: train
    path: data/train.csv
  - split: test
    path: data/test.csv
- config_name: second
  data_files: data/train.csv
dataset_info:
- config_name: first
  features:
  - name: a
    dtype: int64
  - name: b
    dtype: string
  splits:
  - name: train
    num_bytes: 10
    num_examples: 2
  - name: test
    num_bytes: 5
    num_examples: 1
---
"""

TREES = {
    "card-with-two-configs": {"README.md": CARD, "data/train.csv": "a,b\n1,x\n2,y\n", "data/test.csv": "a,b\n3,z\n"},
    "split-keywords": {"train.csv": None, "dev.csv": None, "test.csv": None},
    "sharded": {
        "data/train-00000-of-00002.csv": None,
        "data/train-00001-of-00002.csv": None,
        "data/extra-00000-of-00001.csv": None,
    },
}


@pytest.mark.parametrize("tree", list(TREES))
def test_split_names_and_infos_match_datasets(make_tree: Callable[..., Path], hf_offline: Any, tree: str) -> None:
    root = str(make_tree(TREES[tree]))
    configs = hf_offline.get_dataset_config_names(root)
    assert ct.get_dataset_config_names(root) == configs
    for config in configs:
        name = config if len(configs) > 1 else None
        assert ct.get_dataset_split_names(root, name) == hf_offline.get_dataset_split_names(root, name)
    ours, theirs = ct.get_dataset_infos(root), hf_offline.get_dataset_infos(root)
    assert list(ours) == list(theirs)
    for config, info in theirs.items():
        mine = ours[config]
        assert (mine.config_name, mine.builder_name, mine.dataset_name) == (
            info.config_name,
            info.builder_name,
            info.dataset_name,
        )
        assert (mine.features.to_dict() if mine.features else None) == (
            info.features.to_dict() if info.features else None
        )
        stated = {s: i.num_examples for s, i in (info.splits or {}).items() if hasattr(i, "num_examples")}
        assert {s: mine.splits[s].num_examples for s in stated} == stated
