"""load_dataset against `datasets` 5.2 on what issue 11 found (items 6, 7, 8, 10, 11, 12).

Each test loads the same files with both libraries; where crucible_torch keeps a deliberate difference
(README, "Where it deliberately differs from datasets"), the test shows both sides of it.
"""

from __future__ import annotations

import gzip
import json

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import crucible_torch as ct
from crucible_torch.errors import EmptySplitError, SchemaMismatchError


@pytest.fixture(autouse=True)
def _quiet():
    datasets.disable_progress_bars()


def _hf(tmp_path, *args, **kwargs):
    return datasets.load_dataset(*args, cache_dir=str(tmp_path / "hf"), **kwargs)


def _ct(tmp_path, *args, **kwargs):
    return ct.load_dataset(*args, cache_dir=str(tmp_path / "ct"), **kwargs)


def _same(ours, theirs) -> None:
    assert repr(ours.features).replace("large_string", "string") == repr(theirs.features).replace(
        "large_string", "string"
    )
    assert ours[:] == theirs[:]


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


# -- 6: features= -------------------------------------------------------------------------------------------

FEATURES = {
    "json-extra-column": ("json", "d.jsonl", '{"a": 1}\n{"a": 2}\n', {"a": "int64", "b": "string"}),
    "json-struct-as-string": ("json", "d.jsonl", '{"a": {"k": 1}}\n{"a": {"k": 2}}\n', {"a": "string"}),
    "csv-subset": ("csv", "d.csv", "a,b,c\n1,x,2\n3,y,4\n", {"a": "int64", "c": "string"}),
    "csv-keeps-leading-zeros": ("csv", "d.csv", "a,b\n007,1\n010,2\n", {"a": "string", "b": "int32"}),
    "text-names-its-column": ("text", "d.txt", "hello\nworld\n", {"line": "string"}),
}


@pytest.mark.parametrize("streaming", [False, True], ids=["map-style", "streaming"])
@pytest.mark.parametrize("name", list(FEATURES))
def test_features_reach_the_reader(tmp_path, name, streaming):
    builder, file, content, dtypes = FEATURES[name]
    (tmp_path / file).write_text(content)
    theirs = datasets.Features({k: datasets.Value(v) for k, v in dtypes.items()})
    ours = ct.Features({k: ct.Value(v) for k, v in dtypes.items()})
    hf = _hf(tmp_path, builder, data_files=str(tmp_path / file), split="train", features=theirs, streaming=streaming)
    mine = _ct(tmp_path, builder, data_files=str(tmp_path / file), split="train", features=ours, streaming=streaming)
    assert mine.features == ours
    assert [dict(r) for r in mine] == [dict(r) for r in hf]


def test_csv_features_with_class_labels(tmp_path):
    (tmp_path / "d.csv").write_text("a,b\ncat,1\ndog,2\n")
    theirs = _hf(
        tmp_path, "csv", data_files=str(tmp_path / "d.csv"), split="train",
        features=datasets.Features({"a": datasets.ClassLabel(names=["cat", "dog"]), "b": datasets.Value("int64")}),
    )  # fmt: skip
    ours = _ct(
        tmp_path, "csv", data_files=str(tmp_path / "d.csv"), split="train",
        features=ct.Features({"a": ct.ClassLabel(names=["cat", "dog"]), "b": ct.Value("int64")}),
    )  # fmt: skip
    _same(ours, theirs)


# -- 7: split=[...] -----------------------------------------------------------------------------------------


def _two_splits(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    (root / "train.csv").write_text("a\n1\n2\n3\n")
    (root / "test.csv").write_text("a\n4\n5\n6\n")
    return str(root)


@pytest.mark.parametrize("split", [["train", "test[:2]"], ("test", "train[1:]+test[:1]")])
def test_a_list_of_splits_gives_a_list_of_datasets(tmp_path, split):
    root = _two_splits(tmp_path)
    theirs = _hf(tmp_path, root, split=split)
    ours = _ct(tmp_path, root, split=split)
    assert type(ours) is type(theirs) and len(ours) == len(theirs)
    for mine, hf in zip(ours, theirs, strict=True):
        _same(mine, hf)
        assert str(mine.split) == str(hf.split)


def test_a_list_of_splits_streams_too(tmp_path):
    """Deliberate difference: `datasets` raises "Bad split" for a list when streaming."""
    root = _two_splits(tmp_path)
    with pytest.raises(ValueError, match="Bad split"):
        _hf(tmp_path, root, split=["train", "test"], streaming=True)
    train, test = ct.load_dataset(root, split=["train", "test"], streaming=True)
    assert [r["a"] for r in train] == [1, 2, 3] and [r["a"] for r in test] == [4, 5, 6]


# -- 8: streaming remove_columns of a missing column -----------------------------------------------------------


def test_streaming_remove_columns_of_a_missing_column_raises(tmp_path):
    """Deliberate difference: `datasets` ignores the unknown name when streaming (its map-style raises)."""
    path = _jsonl(tmp_path / "d.jsonl", [{"a": 1, "b": 2}])
    theirs = _hf(tmp_path, "json", data_files=path, split="train", streaming=True).remove_columns("missing")
    assert list(theirs) == [{"a": 1, "b": 2}]
    with pytest.raises(ValueError, match=r"\['missing'\] not in the dataset.*\['a', 'b'\]"):
        _ct(tmp_path, "json", data_files=path, split="train", streaming=True).remove_columns("missing")
    with pytest.raises(ValueError, match="not in the dataset"):
        _hf(tmp_path, "json", data_files=path, split="train").remove_columns("missing")


# -- 10: files with different schemas ------------------------------------------------------------------------

WIDENING = {
    # (first file rows, second file rows, features crucible_torch gives, rows)
    "int-then-float": ([{"x": 1}], [{"x": 2.5}], {"x": "float64"}, [1.0, 2.5]),
    "struct-fields-merge": ([{"x": {"a": 1}}], [{"x": {"b": 2}}], None, [{"a": 1, "b": None}, {"a": None, "b": 2}]),
    "column-only-in-second": ([{"x": 1}], [{"x": 2, "y": 3}], {"x": "int64", "y": "int64"}, [1, 2]),
}


@pytest.mark.parametrize("name", list(WIDENING))
def test_files_with_different_schemas_widen_where_datasets_raises(tmp_path, name):
    first, second, dtypes, xs = WIDENING[name]
    files = [_jsonl(tmp_path / "a.jsonl", first), _jsonl(tmp_path / "b.jsonl", second)]
    with pytest.raises(datasets.exceptions.DatasetGenerationError):
        _hf(tmp_path, "json", data_files=files, split="train")
    ours = _ct(tmp_path, "json", data_files=files, split="train")
    assert ours["x"] == xs
    if dtypes is not None:
        assert ours.features == ct.Features({k: ct.Value(v) for k, v in dtypes.items()})


def test_files_that_datasets_can_cast_load_the_same(tmp_path):
    files = [_jsonl(tmp_path / "a.jsonl", [{"x": 1, "y": "s"}]), _jsonl(tmp_path / "b.jsonl", [{"x": 2}])]
    _same(
        _ct(tmp_path, "json", data_files=files, split="train"), _hf(tmp_path, "json", data_files=files, split="train")
    )


def test_files_whose_types_do_not_widen_name_both_files(tmp_path):
    files = [_jsonl(tmp_path / "a.jsonl", [{"x": 1}]), _jsonl(tmp_path / "b.jsonl", [{"x": "one"}])]
    with pytest.raises(datasets.exceptions.DatasetGenerationError):
        _hf(tmp_path, "json", data_files=files, split="train")
    with pytest.raises(SchemaMismatchError) as info:
        _ct(tmp_path, "json", data_files=files, split="train")
    assert files[0] in str(info.value) and files[1] in str(info.value) and info.value.column == "x"


# -- 11: empty inputs ----------------------------------------------------------------------------------------


def _empty_parquet(path):
    pq.write_table(pa.table({"a": pa.array([], pa.int64())}), path)
    return str(path)


EMPTY = {
    "empty-jsonl": lambda p: (p / "d.jsonl").write_text("") and None or str(p / "d.jsonl"),
    "empty-array": lambda p: (p / "d.json").write_text("[]") and None or str(p / "d.json"),
    "header-only-csv": lambda p: (p / "d.csv").write_text("a,b\n") and None or str(p / "d.csv"),
    "empty-parquet": lambda p: _empty_parquet(p / "d.parquet"),
}


@pytest.mark.parametrize("name", list(EMPTY))
def test_an_empty_split_is_an_error_as_in_datasets(tmp_path, name):
    """Map-style, as `datasets`; streaming gives no rows (`datasets` streams an empty csv/json array so, and
    crashes on the others)."""
    path = EMPTY[name](tmp_path)
    builder = {"jsonl": "json", "json": "json", "csv": "csv", "parquet": "parquet"}[path.rsplit(".", 1)[1]]
    with pytest.raises(Exception):  # noqa: B017 - datasets raises several types here (StopIteration, ValueError)
        _hf(tmp_path, builder, data_files=path, split="train")
    with pytest.raises(EmptySplitError, match="holds no rows") as info:
        _ct(tmp_path, builder, data_files=path, split="train")
    assert info.value.split == "train" and path in info.value.files[0]
    assert list(_ct(tmp_path, builder, data_files=path, split="train", streaming=True)) == []  # as datasets' csv


def test_an_empty_file_among_others_is_fine(tmp_path):
    files = [_jsonl(tmp_path / "a.jsonl", [{"a": 1}]), str(tmp_path / "b.jsonl")]
    (tmp_path / "b.jsonl").write_text("")
    _same(
        _ct(tmp_path, "json", data_files=files, split="train"), _hf(tmp_path, "json", data_files=files, split="train")
    )


# -- 12: compressed content, dataset name, splits in the info --------------------------------------------------


def test_gzip_content_in_a_plain_name_is_decompressed(tmp_path):
    """`datasets` recognises compressed content by its magic bytes when it prepares a split, not when it
    streams one (a deliberate difference: ours streams it too)."""
    path = tmp_path / "d.jsonl"
    path.write_bytes(gzip.compress(b'{"a": 1}\n{"a": 2}\n'))
    _same(
        _ct(tmp_path, "json", data_files=str(path), split="train"),
        _hf(tmp_path, "json", data_files=str(path), split="train"),
    )
    with pytest.raises((UnicodeDecodeError, pa.ArrowInvalid)):
        list(_hf(tmp_path, "json", data_files=str(path), split="train", streaming=True))
    assert list(_ct(tmp_path, "json", data_files=str(path), split="train", streaming=True)) == [{"a": 1}, {"a": 2}]


def test_info_names_the_dataset_and_every_prepared_split(tmp_path):
    root = _two_splits(tmp_path)
    theirs = _hf(tmp_path, root)
    ours = _ct(tmp_path, root)
    for split in ("train", "test"):
        assert ours[split].info.dataset_name == theirs[split].info.dataset_name == "d"
        assert {s: i.num_examples for s, i in ours[split].info.splits.items()} == {
            s: i.num_examples for s, i in theirs[split].info.splits.items()
        }
    assert _ct(tmp_path, "csv", data_files=str(tmp_path / "d" / "train.csv"), split="train").info.dataset_name == (
        _hf(tmp_path, "csv", data_files=str(tmp_path / "d" / "train.csv"), split="train").info.dataset_name
    )
