"""Schemas across files, the builder registry and extension inference."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crucible_torch.errors import DataFileError, SchemaMismatchError
from crucible_torch.formats import (
    align_batch,
    get_reader,
    read_files,
    strip_compression_extension,
    unify_schemas,
)


def test_unify_fills_missing_promotes_ints_and_nulls():
    schemas = [
        ("a.jsonl", pa.schema([("id", pa.int64()), ("score", pa.int64()), ("note", pa.null())])),
        ("b.jsonl", pa.schema([("score", pa.float64()), ("note", pa.string()), ("extra", pa.bool_())])),
        ("c.jsonl", pa.schema([("id", pa.int32()), ("tags", pa.list_(pa.int64()))])),
        ("d.jsonl", pa.schema([("tags", pa.list_(pa.float64()))])),
    ]
    unified = unify_schemas(schemas)
    assert list(zip(unified.names, unified.types, strict=True)) == [
        ("id", pa.int64()),
        ("score", pa.float64()),
        ("note", pa.string()),
        ("extra", pa.bool_()),
        ("tags", pa.list_(pa.float64())),
    ]


def test_unify_keeps_the_first_metadata():
    first = pa.schema([("x", pa.int64())], metadata={b"huggingface": b"{}"})
    assert unify_schemas([("a", pa.schema([("x", pa.int64())])), ("b", first)]).metadata == {b"huggingface": b"{}"}


def test_unify_refuses_string_against_int():
    with pytest.raises(SchemaMismatchError) as info:
        unify_schemas(
            [
                ("one.parquet", pa.schema([("y", pa.string())])),
                ("two.parquet", pa.schema([("y", pa.int64())])),
            ]
        )
    assert "one.parquet" in str(info.value) and "two.parquet" in str(info.value)
    assert (info.value.column, info.value.file) == ("y", "two.parquet")


def test_align_batch_adds_casts_and_reorders():
    batch = pa.record_batch({"b": pa.array([1, None]), "a": pa.array(["x", "y"])})
    schema = pa.schema([("a", pa.string()), ("b", pa.float64()), ("c", pa.list_(pa.int64()))])
    aligned = align_batch(batch, schema)
    assert aligned.schema == schema
    assert aligned.to_pylist() == [{"a": "x", "b": 1.0, "c": None}, {"a": "y", "b": None, "c": None}]


def test_align_batch_errors_name_file_and_column():
    batch = pa.record_batch({"a": pa.array(["1", "two"])})
    with pytest.raises(DataFileError) as info:
        align_batch(batch, pa.schema([("a", pa.int64())]), file="f.csv")
    assert (info.value.file, info.value.column) == ("f.csv", "a")
    with pytest.raises(DataFileError, match="not in the expected schema"):
        align_batch(batch, pa.schema([("b", pa.int64())]), file="f.csv")


def test_read_files_unifies_across_formats_of_one_builder(tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text('{"id": 1, "text": "x"}\n{"id": 2, "text": null}\n')
    second.write_text(json.dumps({"id": 3.5, "label": True}) + "\n")
    pairs = list(read_files("json", [first, second]))
    assert [source.name for source, _ in pairs] == [str(first), str(second)]
    table = pa.Table.from_batches([batch for _, batch in pairs])
    assert table.schema.names == ["id", "text", "label"]
    assert table.to_pylist() == [
        {"id": 1.0, "text": "x", "label": None},
        {"id": 2.0, "text": None, "label": None},
        {"id": 3.5, "text": None, "label": True},
    ]
    projected = pa.Table.from_batches([b for _, b in read_files("json", [first, second], columns=["label", "id"])])
    assert projected.to_pylist() == [
        {"label": None, "id": 1.0},
        {"label": None, "id": 2.0},
        {"label": True, "id": 3.5},
    ]
    with pytest.raises(DataFileError, match="no file has a column 'nope'"):
        list(read_files("json", [first, second], columns=["nope"]))


def test_read_files_parquet_schema_comes_from_footers(tmp_path):
    paths = []
    for i, dtype in enumerate([pa.int32(), pa.float64()]):
        paths.append(tmp_path / f"p{i}.parquet")
        pq.write_table(pa.table({"v": pa.array([i], dtype), f"only{i}": [i]}), paths[-1])
    table = pa.Table.from_batches([b for _, b in read_files("parquet", paths)])
    assert table.schema == pa.schema([("v", pa.float64()), ("only0", pa.int64()), ("only1", pa.int64())])
    assert table.to_pylist() == [{"v": 0.0, "only0": 0, "only1": None}, {"v": 1.0, "only0": None, "only1": 1}]


def test_features_fix_the_types(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n3,\n")
    features = pa.schema([("a", pa.string()), ("b", pa.int32())])
    table = pa.Table.from_batches(list(get_reader("csv", features=features).read(path)))
    assert table.schema == features
    assert table.to_pylist() == [{"a": "1", "b": 2}, {"a": "3", "b": None}]
    jsonl = tmp_path / "data.jsonl"
    jsonl.write_text('{"a": 1}\n')
    table = pa.Table.from_batches(list(get_reader("json", features=features).read(jsonl)))
    assert table.to_pylist() == [{"a": "1", "b": None}]


def test_compression_names():
    assert strip_compression_extension("a.jsonl.ZST") == "a.jsonl"
    assert strip_compression_extension("a.csv") == "a.csv"
