"""Builder choice by extension and data-file filtering, against `datasets.load` and `packaged_modules`."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_torch.errors import DataFilesNotFoundError
from crucible_torch.resolve.data_file_types import (
    ALLOWED_EXTENSIONS,
    EXTENSION_TO_BUILDER,
    filter_builder_files,
    has_allowed_extension,
    infer_builder,
)


def test_extension_table_matches_datasets(hf_offline: Any) -> None:
    from datasets.packaged_modules import _ALL_ALLOWED_EXTENSIONS, _EXTENSION_TO_MODULE

    assert {ext: module for ext, (module, _) in _EXTENSION_TO_MODULE.items()} == EXTENSION_TO_BUILDER
    assert set(_ALL_ALLOWED_EXTENSIONS) == ALLOWED_EXTENSIONS


# No .zip: datasets opens archives to look inside; we refuse them (test_zip_archives_are_refused).
_EXTS = "csv tsv jsonl json parquet arrow txt md gz zst png JPG xyz 500".split()
_NAMES = st.one_of(
    st.lists(st.sampled_from(_EXTS), min_size=0, max_size=3).map(lambda exts: ".".join(["f", *exts])),
    st.sampled_from(["metadata.csv", "metadata.jsonl", "task.toml", "instruction.md", "LICENSE", "d.csv.gz"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_NAMES, min_size=1, max_size=6))
def test_infer_builder_matches_datasets(hf_offline: Any, names: list[str]) -> None:
    from datasets.data_files import DataFilesList
    from datasets.load import infer_module_for_data_files_list
    from datasets.packaged_modules import (
        _MODULE_TO_EXTENSIONS,
        _MODULE_TO_METADATA_EXTENSIONS,
        _MODULE_TO_METADATA_FILE_NAMES,
    )

    files = [f"dir{i}/{name}" for i, name in enumerate(names)]
    theirs = infer_module_for_data_files_list(files)
    if theirs[0] is None:
        with pytest.raises(DataFilesNotFoundError):
            infer_builder({"train": files})
        return
    assert infer_builder({"train": files}) == theirs
    module = theirs[0]
    expected = DataFilesList(files, [()] * len(files)).filter(
        extensions=_MODULE_TO_EXTENSIONS[module] + _MODULE_TO_METADATA_EXTENSIONS[module],
        file_names=_MODULE_TO_METADATA_FILE_NAMES[module],
    )
    assert filter_builder_files(files, module) == list(expected)


def test_splits_must_agree() -> None:
    assert infer_builder({"train": ["a.tsv"], "test": ["b.tsv"]}) == ("csv", {"sep": "\t"})
    with pytest.raises(ValueError, match="same data file format"):
        infer_builder({"train": ["a.csv"], "test": ["b.tsv"]})
    with pytest.raises(DataFilesNotFoundError, match="in my/repo"):
        infer_builder({"train": ["LICENSE"]}, where="my/repo")


def test_allowed_extension_is_case_sensitive_like_datasets() -> None:
    assert has_allowed_extension("x/a.jsonl.gz") and has_allowed_extension("a.PNG")
    assert not has_allowed_extension("A.CSV") and not has_allowed_extension("LICENSE")
    assert not has_allowed_extension("data.gz")


def test_zip_archives_are_refused() -> None:
    with pytest.raises(ValueError, match="zip archives"):
        infer_builder({"train": ["a.zip", "b.zip", "c.csv"]})
    assert infer_builder({"train": ["a.zip", "c.csv", "d.csv"]}) == ("csv", {})
    assert filter_builder_files(["a.zip", "c.csv", "d.json"], "csv") == ["a.zip", "c.csv"]
