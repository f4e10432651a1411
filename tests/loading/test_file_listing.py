"""Glob matching over a file listing, against `datasets.data_files.resolve_pattern` (fsspec + filters)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_torch.errors import DataFilesNotFoundError
from crucible_torch.resolve.file_listing import FileListing, HfUrl, glob_to_regex, parse_hf_url, resolve_local_patterns

TREE = [
    "a.csv",
    "b.json",
    "README.md",
    "sub/README.md",
    "config.json",
    ".hidden.csv",
    ".hdir/x.csv",
    ".hdir/.y.csv",
    "__pycache__/m.pyc",
    "__pycache__/deep/n.csv",
    "sub/__inner/o.csv",
    "sub/c.csv",
    "sub/deeper/d.csv",
    "data/train-00000-of-00002.parquet",
    "data/train-00001-of-00002.parquet",
    "data/test-00000-of-00001.parquet",
    "data/1.csv",
    "data/22.csv",
    "data/x-1.csv",
    "my train.csv",
    "we[ird].csv",
    "a-b/c_d.e.csv",
]
PATTERNS = [
    "*",
    "**",
    "*.csv",
    "**/*.csv",
    "**/*",
    "*/*",
    "sub/**",
    "sub/*",
    "sub/**/*.csv",
    "**/deeper/**",
    "data/*-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*",
    "data/[0-9]*.csv",
    "data/[!0-9]*",
    "data/?.csv",
    "data/??.csv",
    ".*",
    ".*/*",
    ".*/.*",
    ".hdir/*",
    "__pycache__/*",
    "__*/**",
    "**/__*/*",
    "README.md",
    "*/README.md",
    "**/README.md",
    "config.json",
    "*.json",
    "a.csv",
    "missing.csv",
    "sub",
    "**/train[-._ 0-9]*",
    "**/*[-._ 0-9]train[-._ 0-9]*",
    "**/*[-._ 0-9]d/**",
    "we[[]ird].csv",
    "we[ird].csv",
    "[z-a]*",
    "[!]*",
    "[]]*",
    "a-b/*",
    "./sub/c.csv",
    "sub/../a.csv",
    "*/*/*",
    "**/*.parquet",
]


def _reference(resolve_pattern: Callable[..., list[str]], pattern: str, root: Path) -> Any:
    try:
        return [os.path.relpath(p, root).replace(os.sep, "/") for p in resolve_pattern(pattern, str(root))]
    except FileNotFoundError:
        return []
    except ValueError as err:
        return err


def _ours(listing: FileListing, pattern: str) -> Any:
    try:
        return listing.glob(pattern)
    except ValueError as err:
        return err


def _same(theirs: Any, ours: Any) -> bool:
    if isinstance(theirs, BaseException) or isinstance(ours, BaseException):
        return isinstance(theirs, ValueError) and isinstance(ours, ValueError)
    return theirs == ours


@pytest.mark.parametrize("pattern", PATTERNS)
def test_glob_matches_datasets(make_tree: Callable[..., Path], hf_offline: Any, pattern: str) -> None:
    from datasets.data_files import resolve_pattern

    root = make_tree(dict.fromkeys(TREE))
    listing = FileListing.from_directory(root)
    theirs, ours = _reference(resolve_pattern, pattern, root), _ours(listing, pattern)
    assert _same(theirs, ours), (theirs, ours)


def test_listing_from_paths_equals_directory_walk(make_tree: Callable[..., Path]) -> None:
    root = make_tree(dict.fromkeys(TREE))
    walked = FileListing.from_directory(root)
    listed = FileListing.from_paths(reversed(TREE))
    assert walked.paths == listed.paths == tuple(sorted(TREE))
    assert "sub/c.csv" in listed and "sub" not in listed and len(listed) == len(TREE)


def test_listing_refuses_paths_outside_the_root() -> None:
    for bad in ("/etc/passwd", "../x.csv", "a/../../x.csv"):
        with pytest.raises(ValueError, match="relative"):
            FileListing.from_paths([bad])


def test_double_star_inside_a_component_is_an_error() -> None:
    with pytest.raises(ValueError, match="entire path component"):
        glob_to_regex("**.csv")


_NAMES = st.sampled_from(
    [
        "a",
        "b.csv",
        "train",
        "train-1.csv",
        ".h",
        ".h.csv",
        "__p",
        "__p.csv",
        "x_test",
        "dev",
        "1",
        "22.csv",
        "c d",
    ]
)
_PIECES = st.sampled_from(
    [
        "*",
        "**",
        "?",
        "*.csv",
        "[0-9]*",
        "[!a]*",
        ".*",
        "__*",
        "train*",
        "*[-._ 0-9]test",
        "a",
        "b.csv",
        "dev",
        "??",
    ]
)


def _tree(paths: list[tuple[str, ...]]) -> list[str]:
    """Drop paths whose file would also have to be a directory of another path."""
    out: list[str] = []
    dirs = {"/".join(p[:i]) for p in paths for i in range(1, len(p))}
    for p in paths:
        joined = "/".join(p)
        if joined not in dirs and joined not in out:
            out.append(joined)
    return out


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    paths=st.lists(st.lists(_NAMES, min_size=1, max_size=3).map(tuple), min_size=1, max_size=8),
    patterns=st.lists(st.lists(_PIECES, min_size=1, max_size=3).map("/".join), min_size=1, max_size=4),
)
def test_glob_property_matches_datasets(
    hf_offline: Any, write_files: Callable[..., Path], paths: list[tuple[str, ...]], patterns: list[str]
) -> None:
    from datasets.data_files import resolve_pattern

    files = _tree(paths)
    with tempfile.TemporaryDirectory() as tmp:
        root = write_files(Path(os.path.realpath(tmp)) / "ds", dict.fromkeys(files))
        listing = FileListing.from_paths(files)
        for pattern in patterns:
            theirs, ours = _reference(resolve_pattern, pattern, root), _ours(listing, pattern)
            assert _same(theirs, ours), (pattern, files, theirs, ours)


def test_resolve_local_patterns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_files: Callable[..., Path]
) -> None:
    root = write_files(tmp_path / "d", {"x.jsonl": "", "sub/y.jsonl": "", ".h/z.jsonl": "", "README.md": ""})
    monkeypatch.chdir(tmp_path)
    assert resolve_local_patterns("d/**/*.jsonl") == [str(root / "sub" / "y.jsonl"), str(root / "x.jsonl")]
    assert resolve_local_patterns(["*.jsonl", "*.jsonl"], base_dir=root) == [str(root / "x.jsonl")] * 2
    assert resolve_local_patterns(str(root / ".h" / "*")) == [str(root / ".h" / "z.jsonl")]
    assert resolve_local_patterns(["https://x.org/a.jsonl"]) == ["https://x.org/a.jsonl"]
    with pytest.raises(DataFilesNotFoundError, match=r"d/missing\.jsonl"):
        resolve_local_patterns(["d/*.jsonl", "d/missing.jsonl"])
    with pytest.raises(DataFilesNotFoundError, match=r"nothing\*"):
        resolve_local_patterns("d/nothing*")
    with pytest.raises(DataFilesNotFoundError, match="directory"):
        resolve_local_patterns("d/sub")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("hf://datasets/owner/name@main/data/x.parquet", HfUrl("owner/name", "main", "data/x.parquet")),
        ("hf://datasets/owner/name/data/x.parquet", HfUrl("owner/name", None, "data/x.parquet")),
        ("hf://datasets/owner/name", HfUrl("owner/name", None, "")),
        ("hf://datasets/owner/name@abc123", HfUrl("owner/name", "abc123", "")),
        ("hf://datasets/squad@v1/plain/*.parquet", HfUrl("squad", "v1", "plain/*.parquet")),
        (
            "hf://datasets/o/n@refs%2Fconvert%2Fparquet/default/train/0.parquet",
            HfUrl("o/n", "refs/convert/parquet", "default/train/0.parquet"),
        ),
        (
            "hf://datasets/o/n@refs/convert/parquet/default/train/0.parquet",
            HfUrl("o/n", "refs/convert/parquet", "default/train/0.parquet"),
        ),
        ("hf://datasets/o/n@refs/pr/7/a.csv", HfUrl("o/n", "refs/pr/7", "a.csv")),
    ],
)
def test_parse_hf_url(url: str, expected: HfUrl) -> None:
    assert parse_hf_url(url) == expected


@pytest.mark.parametrize("url", ["https://x/y", "hf://models/a/b", "hf://datasets/onlyone", "hf://datasets/o/n@/x"])
def test_parse_hf_url_rejects(url: str) -> None:
    with pytest.raises(ValueError):
        parse_hf_url(url)
