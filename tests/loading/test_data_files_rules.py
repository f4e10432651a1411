"""Resolution rules beyond the layout differential: packaged builders, Hub listings, and where we differ.

Each place where we deliberately differ from `datasets` has a test with an independently written expectation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crucible_torch.errors import ConfigNotFoundError, DataFilesNotFoundError, DatasetScriptError
from crucible_torch.features import Features
from crucible_torch.resolve.data_files import (
    ConfigSpec,
    get_data_patterns,
    resolve_config,
    resolve_dataset_configs,
    resolve_local_data_files,
    resolve_patterns,
    sanitize_patterns,
)
from crucible_torch.resolve.file_listing import FileListing
from crucible_torch.resolve.repo_metadata import load_card_data, read_card_data

PACKAGED_TREE = {
    "d/train.jsonl": "{}",
    "d/test.jsonl": "{}",
    "d/sub/x.jsonl": "{}",
    "d/.h/y.jsonl": "{}",
    "d/README.md": "",
    "d/LICENSE": "",
    "e/a.jsonl": "{}",
}


def _with_root(value: Any, root: str) -> Any:
    """Substitute ``{root}`` in every string of a nested data_files value."""
    if isinstance(value, str):
        return value.format(root=root)
    if isinstance(value, list):
        return [_with_root(v, root) for v in value]
    if isinstance(value, dict):
        return {k: _with_root(v, root) for k, v in value.items()}
    return value


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data_files": "d/*.jsonl"},
        {"data_files": "d/**"},
        {"data_files": ["d/**/*.jsonl", "{root}/e/*.jsonl"]},
        {"data_files": {"train": "d/train.jsonl", "test": "{root}/d/test.jsonl"}},
        {"data_files": [{"split": "a", "path": "d/t*.jsonl"}, {"split": "b", "path": ["e/*"]}]},
        {"data_dir": "d"},
        {"data_dir": "{root}/d"},
        {"data_dir": "d", "data_files": "*.jsonl"},
        {"data_files": "d/LICENSE"},
        {"data_files": "d/missing.jsonl"},
    ],
)
def test_packaged_builder_files_match_datasets(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    write_files: Callable[..., Path],
    hf_builder: Any,
    kwargs: dict,
) -> None:
    root = Path(os.path.realpath(tmp_path)) / "w"
    write_files(root, PACKAGED_TREE)
    monkeypatch.chdir(root)
    kwargs = _with_root(kwargs, str(root))
    theirs = hf_builder("json", **kwargs)
    try:
        ours: Any = resolve_local_data_files(**kwargs)
    except Exception as err:
        ours = err
    if isinstance(theirs, BaseException):
        assert isinstance(ours, FileNotFoundError), (theirs, ours)
    else:
        assert ours == {str(split): list(files) for split, files in theirs.config.data_files.items()}


def test_packaged_builder_needs_files_and_refuses_empty(tmp_path: Path, write_files: Callable[..., Path]) -> None:
    write_files(tmp_path, PACKAGED_TREE)
    with pytest.raises(ValueError, match="data files or data directory"):
        resolve_local_data_files()
    # datasets returns an empty split here and fails later; we name the pattern at once.
    with pytest.raises(DataFilesNotFoundError, match=r"nothing\*"):
        resolve_local_data_files({"train": "d/*.jsonl", "test": "d/nothing*"}, base_dir=str(tmp_path))


def test_hub_listing_resolves_like_the_directory(make_tree: Callable[..., Path]) -> None:
    readme = "---\nconfigs:\n- config_name: a\n  data_files: [{split: train, path: 'a/*.parquet'}]\n---\n"
    files = {
        "README.md": readme,
        "a/0.parquet": "",
        "a/1.parquet": "",
        "b/train/x.csv": None,
        "b/test.csv": None,
    }
    root = make_tree(files)
    card = load_card_data(readme)
    hub = FileListing.from_paths(["README.md", "a/1.parquet", "a/0.parquet", "b/train/x.csv", "b/test.csv"])
    local = FileListing.from_directory(root)
    for kwargs in ({}, {"data_dir": "b"}, {"data_files": "b/**"}):
        assert resolve_config(hub, card, **kwargs) == resolve_config(local, read_card_data(root), **kwargs)
    assert resolve_config(hub, card).splits == {"train": ["a/0.parquet", "a/1.parquet"]}
    assert resolve_config(hub, card, data_dir="b").splits == {"train": ["b/train/x.csv"]}


def test_user_data_dir_with_yaml_config_dirs() -> None:
    """datasets re-applies each config's data_dir under the user's data_dir and fails; we use the user's."""
    card = load_card_data("---\nconfigs:\n- config_name: a\n  data_dir: x\n  sep: ';'\n---\n")
    listing = FileListing.from_paths(["x/train.csv", "y/train.csv", "y/test.csv"])
    resolved = resolve_config(listing, card, data_dir="y/")
    assert resolved.splits == {"train": ["y/train.csv"], "test": ["y/test.csv"]}
    assert resolved.config_name == "a" and resolved.builder_kwargs == {"sep": ";"} and resolved.data_dir == "y"


def test_builder_is_inferred_per_config() -> None:
    """datasets infers one builder from the first config for all of them; each config gets its own here."""
    card = load_card_data(
        "---\nconfigs:\n- config_name: c\n  data_files: c/*\n- config_name: j\n  data_files: j/*\n---\n"
    )
    listing = FileListing.from_paths(["c/a.csv", "j/a.jsonl"])
    assert resolve_config(listing, card, "c").builder == "csv"
    assert resolve_config(listing, card, "j").builder == "json"


def test_single_dataset_info_without_configs_gives_sizes() -> None:
    """datasets takes the lone dataset_info's config name as the default and then cannot find it."""
    card = load_card_data(
        "---\ndataset_info:\n  config_name: plain\n  features:\n  - name: t\n    dtype: string\n"
        "  splits:\n  - name: train\n    num_examples: 4\n---\n"
    )
    resolved = resolve_config(FileListing.from_paths(["train.csv"]), card)
    assert resolved.config_name == "default" and resolved.split_sizes == {"train": 4}
    assert Features.from_yaml_list(resolved.features_yaml).to_dict() == {"t": {"dtype": "string", "_type": "Value"}}
    # like datasets, any data_dir (even ".") means the YAML dataset_info no longer describes the data
    assert resolve_config(FileListing.from_paths(["train.csv"]), card, data_dir=".").split_sizes is None
    assert resolve_config(FileListing.from_paths(["train.csv"]), card, data_files="*.csv").split_sizes is None


def test_empty_split_is_an_error_naming_it() -> None:
    listing = FileListing.from_paths(["a.csv", "notes.xyz"])
    with pytest.raises(DataFilesNotFoundError, match=r"\['test'\].*nothing\*"):
        resolve_config(listing, data_files={"train": "a.csv", "test": "nothing*"})
    with pytest.raises(DataFilesNotFoundError, match="supported data extension"):
        resolve_config(listing, data_files="notes.xyz")


def test_errors_name_what_and_where() -> None:
    card = load_card_data("---\nconfigs:\n- config_name: a\n  data_files: a.csv\n---\n")
    listing = FileListing.from_paths(["a.csv", "ds.py", "d/x.csv"])
    with pytest.raises(ConfigNotFoundError, match=r"'b' not found in me/ds\. Available: \['a'\]"):
        resolve_config(listing, card, "b", where="me/ds")
    with pytest.raises(ConfigNotFoundError, match=r"Available: \['default'\]"):
        resolve_config(listing, None, "b")
    with pytest.raises(DatasetScriptError, match="no longer supported.*ds.py"):
        resolve_config(listing, card, dataset_name="ds")
    with pytest.raises(DataFilesNotFoundError, match=r"'d': it is a directory; use 'd/\*\*'"):
        resolve_config(listing, data_files="d")
    with pytest.raises(DataFilesNotFoundError, match="scripts are no longer supported"):
        resolve_config(FileListing.from_paths(["README.md", "loader.py"]))
    for bad in ("/abs", "../up", "https://x/y"):
        with pytest.raises(ValueError, match="data_dir"):
            resolve_config(listing, None, data_dir=bad)


def test_dataset_configs_and_patterns() -> None:
    card = load_card_data(
        "---\nconfigs:\n- config_name: a\n  data_files: a/*\n  default: true\n- config_name: b\n  data_dir: b\n---\n"
    )
    listing = FileListing.from_paths(["a/x.csv", "b/train.csv", "b/test.csv"])
    a, b = resolve_dataset_configs(listing, card)
    assert a == ConfigSpec("a", {"train": ["a/*"]}, None, True, {}, None)
    assert b.name == "b" and not b.is_default and b.data_dir == "b"
    assert resolve_patterns(listing, b.patterns, "b") == {"train": ["b/train.csv"], "test": ["b/test.csv"]}
    (only,) = resolve_dataset_configs(listing)
    assert only.name == "default" and only.is_default and only.patterns == get_data_patterns(listing)


def test_sanitize_patterns() -> None:
    assert sanitize_patterns("a.csv") == {"train": ["a.csv"]}
    assert sanitize_patterns(("a", "b")) == {"train": ["a", "b"]}
    assert sanitize_patterns({"x": "a", "y": ("b", "c")}) == {"x": ["a"], "y": ["b", "c"]}
    assert sanitize_patterns([{"split": "t", "path": "a"}]) == {"t": ["a"]}
    with pytest.raises(ValueError, match="duplicated"):
        sanitize_patterns([{"split": "t", "path": "a"}, {"split": "t", "path": "b"}])
    with pytest.raises(ValueError, match="Invalid data_files entry"):
        sanitize_patterns([{"split": "t", "path": "a"}, "b"])


def test_urls_and_absolute_paths_pass_through(tmp_path: Path, write_files: Callable[..., Path]) -> None:
    write_files(tmp_path, {"ext/z.csv": None})
    listing = FileListing.from_paths(["a.csv"])
    data_files = ["a.csv", "hf://datasets/o/n@main/x.csv", str(tmp_path / "ext" / "*.csv")]
    resolved = resolve_config(listing, data_files=data_files)
    assert resolved.splits == {"train": ["a.csv", "hf://datasets/o/n@main/x.csv", str(tmp_path / "ext" / "z.csv")]}
