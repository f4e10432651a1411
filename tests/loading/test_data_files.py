"""Differential tests: configs, splits, files and builder resolved by us and by `datasets` on local layouts.

Each layout is a real directory in tmp_path; for each set of arguments we compare our ``resolve_config``
(on ``FileListing.from_directory``) with ``datasets.load_dataset_builder(dir, ...)``: the config name, the
builder, every split's files in order (``config.data_files`` with the directory prefix stripped), the builder
kwargs from YAML, the YAML features and split sizes, and ``get_dataset_config_names``. When `datasets` fails,
we must fail with the same builtin exception type.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crucible_torch.features import Features
from crucible_torch.resolve.data_files import config_names, resolve_config
from crucible_torch.resolve.file_listing import FileListing
from crucible_torch.resolve.repo_metadata import read_card_data

JSONL = '{"a": 1}\n'

README_CONFIGS = """---
configs:
- config_name: first
  data_files: "first/*.csv"
- config_name: second
  data_files:
  - split: train
    path: second/train-*.csv
  - split: test
    path: [second/test-a.csv, "second/test-b*"]
  sep: ";"
- config_name: third
  data_dir: third
  default: true
---
# A card
"""
CONFIG_FILES = {
    "README.md": README_CONFIGS,
    "first/a.csv": None,
    "first/b.csv": None,
    "second/train-1.csv": None,
    "second/train-0.csv": None,
    "second/test-a.csv": None,
    "second/test-b.csv": None,
    "third/train.csv": None,
    "third/validation.csv": None,
    "third/notes.md": "x",
}
README_INFO = """---
dataset_info:
- config_name: main
  features:
  - name: text
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': neg
          '1': pos
  - name: tokens
    list: int32
  splits:
  - name: train
    num_bytes: 10
    num_examples: 3
  - name: test
    num_bytes: 5
    num_examples: 1
configs:
- config_name: main
  data_files:
  - split: train
    path: main/train.csv
  - split: test
    path: main/test.csv
- config_name: other
  data_files: other/*.tsv
  sep: "|"
  features:
  - name: text
    dtype: large_string
---
"""

# (id, files, list of load_dataset_builder keyword sets)
LAYOUTS: list[tuple[str, dict[str, str | None], list[dict[str, Any]]]] = [
    (
        "sharded-parquet",
        {
            "README.md": "# no yaml",
            "data/train-00000-of-00002.parquet": "",
            "data/train-00001-of-00002.parquet": "",
            "data/test-00000-of-00001.parquet": "",
            "data/zz-00000-of-00001.parquet": "",
            "data/abc-00000-of-00001.parquet": "",
            "data/validation-00000-of-00001-3f2a.parquet": "",
        },
        [{}, {"name": "default"}, {"name": "nope"}],
    ),
    (
        "split-in-dirname",
        {
            "train/b.csv": None,
            "train/a.csv": None,
            "dev/a.csv": None,
            "test/x.csv": None,
            "test/sub/y.csv": None,
        },
        [{}, {"data_dir": "train"}, {"data_files": {"train": "train/*", "test": "test/**"}}],
    ),
    (
        "split-in-filename",
        {"my_train.csv": None, "test-0.csv": None, "valid.1.csv": None, "data/train_2.csv": None},
        [{}, {"data_dir": "data"}],
    ),
    (
        "keyword-variants",
        {
            "training/b.csv": None,
            "val/c.csv": None,
            "valid/d.csv": None,
            "dev-2/e.csv": None,
            "x_test/f.csv": None,
            "eval.csv": None,
            "trainer/z.csv": None,
            "train_1/train/dup.csv": None,
        },
        [{}],
    ),
    (
        "yaml-configs",
        CONFIG_FILES,
        [
            {},
            {"name": "first"},
            {"name": "second"},
            {"name": "third"},
            {"name": "nope"},
            {"data_files": "first/*.csv"},
            {"data_files": {"train": "first/a.csv", "test": ["first/b.csv"]}},
            {"name": "second", "data_files": ["first/*"]},
            {"data_files": "first"},
            {"data_files": "first/missing.csv"},
            {"data_files": "third/*"},
            {"data_dir": "."},
        ],
    ),
    (
        "yaml-configs-no-default",
        {**CONFIG_FILES, "README.md": README_CONFIGS.replace("  default: true\n", "")},
        [{}, {"name": "third"}, {"data_files": "first/*.csv"}],
    ),
    (
        "two-defaults",
        {
            **CONFIG_FILES,
            "README.md": README_CONFIGS.replace("- config_name: first\n", "- config_name: first\n  default: true\n"),
        },
        [{}, {"name": "first"}],
    ),
    (
        "yaml-info-and-kwargs",
        {"README.md": README_INFO, "main/train.csv": None, "main/test.csv": None, "other/x.tsv": None},
        [
            {},
            {"name": "main"},
            {"name": "other"},
            {"name": "main", "data_files": "main/train.csv"},
            {"name": "main", "data_dir": "main"},
        ],
    ),
    (
        "tsv-sep",
        {"a.tsv": None, "b.tsv": None, "c.csv": None},
        [{}, {"data_files": "c.csv"}],
    ),
    (
        "jsonl-gz-subdirs",
        {"x/a.jsonl.gz": "", "x/y/b.jsonl.gz": "", "x/y/z/train.jsonl.gz": "", "README.md": "---\n---\n"},
        [{}, {"data_dir": "x/y"}],
    ),
    (
        "hidden-and-special",
        {
            "a.csv": None,
            ".hidden.csv": None,
            "__pycache__/x.csv": None,
            ".git/y.csv": None,
            "sub/b.csv": None,
            "sub/.c.csv": None,
            "sub/__d/e.csv": None,
            "config.json": "{}",
            "dataset_info.json": "{}",
        },
        [
            {},
            {"data_files": "**"},
            {"data_files": [".*/*.csv", "__*/*", "sub/__d/*"]},
            {"data_files": ".hidden.csv"},
            {"data_files": "*.json"},
        ],
    ),
    (
        "yaml-naming-hidden",
        {
            "README.md": "---\nconfigs:\n- config_name: default\n  data_files: ['.*/*.csv', '__*/*', '*']\n---\n",
            "a.csv": None,
            ".hid/b.csv": None,
            ".hid/.c.csv": None,
            "__x/c.csv": None,
            "d/e.csv": None,
        },
        [{}],
    ),
    (
        "dotted-split",
        {"data/train-00000-of-00001.csv": None, "data/train.500-00000-of-00001.csv": None},
        [{}, {"data_files": {"train.500": "data/train.500-*"}}],
    ),
    (
        "bad-shard-split-name",
        {"data/my-split-00000-of-00001.parquet": ""},
        [{}],
    ),
    (
        "everything-is-train",
        {"a.csv": None, "sub/b.csv": None, "LICENSE": "x", "notes.txt": "x", "README.md": "# card"},
        [{}, {"data_files": "*"}, {"data_files": "LICENSE"}, {"data_files": "nothing*.csv"}],
    ),
    (
        "format-votes",
        {"a.jsonl": JSONL, "b.csv": None, "c.md": "x", "d.md": "x", "e.txt": "x"},
        [{}, {"data_files": ["a.jsonl", "b.csv"]}, {"data_files": {"train": "a.jsonl", "test": "b.csv"}}],
    ),
    (
        "yaml-config-data-dir-patterns",
        {
            "README.md": "---\nconfigs:\n- config_name: a\n  data_dir: sub\n- config_name: b\n"
            "  data_dir: sub\n  data_files: '*.csv'\n---\n",
            "sub/train.csv": None,
            "sub/test/x.csv": None,
            "train.csv": None,
        },
        [{"name": "a"}, {"name": "b"}],
    ),
    (
        "standalone-yaml",
        {
            "README.md": "---\nconfigs:\n- config_name: a\n  data_files: a.csv\n---\n",
            ".huggingface.yaml": "configs:\n- config_name: z\n  data_files: b.csv\n",
            "a.csv": None,
            "b.csv": None,
        },
        [{}, {"name": "a"}],
    ),
    (
        "info-picks-default",
        {
            "README.md": "---\ndataset_info:\n  config_name: b\nconfigs:\n"
            "- config_name: a\n  data_files: a.csv\n- config_name: b\n  data_files: b.csv\n---\n",
            "a.csv": None,
            "b.csv": None,
        },
        [{}, {"name": "a"}],
    ),
    (
        "duplicate-config-names",
        {
            "README.md": "---\nconfigs:\n- config_name: a\n  data_files: a.csv\n"
            "- config_name: a\n  data_files: b.csv\n---\n",
            "a.csv": None,
            "b.csv": None,
        },
        [{}],
    ),
    (
        "bad-yaml-data-files",
        {
            "README.md": "---\nconfigs:\n- config_name: a\n  data_files:\n  - split: tr-ain\n    path: a.csv\n---\n",
            "a.csv": None,
        },
        [{}],
    ),
    ("dataset-script", {"ds.py": "print(1)", "a.csv": None}, [{}]),
    ("no-data", {"README.md": "# only a card", ".gitattributes": "x"}, [{}]),
]


def _builtin(err: BaseException) -> type[BaseException]:
    for kind in (FileNotFoundError, ValueError, RuntimeError, TypeError):
        if isinstance(err, kind):
            return kind
    return type(err)


def _ours(root: Path, kwargs: dict[str, Any]) -> Any:
    try:
        listing = FileListing.from_directory(root)
        return resolve_config(listing, read_card_data(root), dataset_name=root.name, where=str(root), **kwargs)
    except Exception as err:
        return err


def _compare(root: Path, theirs: Any, ours: Any, kwargs: dict[str, Any], hf: Any) -> None:
    if isinstance(theirs, BaseException):
        assert isinstance(ours, BaseException), f"datasets failed with {theirs!r}, we resolved {ours}"
        assert isinstance(ours, _builtin(theirs)), f"datasets: {theirs!r}; ours: {ours!r}"
        return
    assert not isinstance(ours, BaseException), f"datasets resolved, we failed: {ours!r}"
    expected = {
        str(split): [os.path.relpath(f, root).replace(os.sep, "/") for f in files]
        for split, files in theirs.config.data_files.items()
    }
    assert ours.splits == expected
    assert list(ours.splits) == list(expected), "split order"
    assert ours.config_name == theirs.config.name
    assert ours.builder == theirs.name
    for key, value in ours.builder_kwargs.items():
        assert getattr(theirs.config, key) == value, key
    if ours.features_yaml is not None:  # YAML features: the config's own, else its dataset_info's
        assert hf.Features.from_dict(Features.from_yaml_list(ours.features_yaml).to_dict()) == (
            theirs.config.features or theirs.info.features
        )
    if ours.split_sizes is not None:
        assert ours.split_sizes == {name: s.num_examples for name, s in theirs.info.splits.items()}


@pytest.mark.parametrize(("files", "kwargs_list"), [(f, k) for _, f, k in LAYOUTS], ids=[i for i, _, _ in LAYOUTS])
def test_resolution_matches_datasets(
    make_tree: Callable[..., Path],
    hf_builder: Callable[..., Any],
    hf_offline: Any,
    files: dict,
    kwargs_list: list,
) -> None:
    root = make_tree(files)
    for kwargs in kwargs_list:
        theirs = hf_builder(str(root), **kwargs)
        ours = _ours(root, kwargs)
        try:
            _compare(root, theirs, ours, kwargs, hf_offline)
        except AssertionError as err:
            raise AssertionError(f"{kwargs}: {err}") from err


@pytest.mark.parametrize("files", [f for _, f, _ in LAYOUTS], ids=[i for i, _, _ in LAYOUTS])
def test_config_names_match_datasets(make_tree: Callable[..., Path], hf_offline: Any, files: dict) -> None:
    root = make_tree(files)
    try:
        theirs: Any = hf_offline.get_dataset_config_names(str(root))
    except Exception as err:
        theirs = err
    try:
        ours: Any = config_names(FileListing.from_directory(root), read_card_data(root), root.name)
    except Exception as err:
        ours = err
    if isinstance(theirs, BaseException):
        # datasets also fails when the implicit config's files mix formats; we only list names.
        if isinstance(ours, BaseException):
            assert isinstance(ours, _builtin(theirs))
        return
    assert ours == theirs
