"""cast_table_to_features: storage casts compared with `datasets.table.cast_table_to_features`, and errors."""

from __future__ import annotations

import datasets
import numpy as np
import pyarrow as pa
import pytest
from datasets.table import cast_table_to_features as hf_cast_table_to_features

from crucible_torch.features import (
    Audio,
    CastError,
    ClassLabel,
    Features,
    Image,
    LargeList,
    List,
    Value,
    cast_array_to_feature,
    cast_table_to_features,
)


def _table(png: bytes) -> pa.Table:
    return pa.table(
        {
            "n": pa.array([1, None, 3]),
            "label": pa.array(["dog", None, "1"]),
            "label_ids": pa.array([0, 1, None], pa.int32()),
            "path": pa.array(["a.png", None, "c.png"]),
            "blob": pa.array([png, None, png], pa.large_binary()),
            "partial": pa.array([{"path": "x.wav"}, None, {"path": None}]),
            "vec": pa.array([[1, 2], None, [3, 4]]),
            "fixed": pa.array([[1, 2], None, [5, 6]], pa.list_(pa.int64(), 2)),
            "ragged": pa.array([[1], [], None], pa.large_list(pa.int64())),
            "struct": pa.array([{"b": "x", "a": 1}, None, {"b": None, "a": 3}]),
            "missing_field": pa.array([{"a": 1}, {"a": 2}, None]),
            "nested": pa.array([[{"p": "a.png"}], [], None]),
            "empty": pa.nulls(3),
            "strings": pa.array(["1", "2", None]),
        }
    )


FEATURES = Features(
    {
        "n": Value("float32"),
        "label": ClassLabel(names=["cat", "dog"]),
        "label_ids": ClassLabel(names=["cat", "dog"]),
        "path": Image(),
        "blob": Image(),
        "partial": Audio(),
        "vec": List(Value("float64"), length=2),
        "fixed": List(Value("int8")),
        "ragged": List(Value("string")),
        "struct": {"a": Value("int16"), "b": Value("string")},
        "missing_field": {"a": Value("int8"), "c": List(Value("int8"))},
        "nested": LargeList({"p": Image()}),
        "empty": List(Value("int8")),
        "strings": Value("int32"),
    }
)


def test_cast_matches_datasets(image_bytes, rgb_array) -> None:
    table = _table(image_bytes(rgb_array))
    ours = cast_table_to_features(table, FEATURES)
    theirs = hf_cast_table_to_features(table, datasets.Features.from_dict(FEATURES.to_dict()))
    assert ours.schema == FEATURES.arrow_schema
    assert ours.schema.metadata == theirs.schema.metadata
    for name in FEATURES:
        assert ours.column(name).to_pylist() == theirs.column(name).to_pylist(), name
    assert ours.column("label").to_pylist() == [1, None, 1]
    assert ours.column("missing_field").to_pylist() == [{"a": 1, "c": None}, {"a": 2, "c": None}, None]


def test_column_order_follows_features_and_chunks_are_kept(image_bytes, rgb_array) -> None:
    table = _table(image_bytes(rgb_array))
    table = pa.concat_tables([table, table]).select(list(reversed(table.column_names)))
    out = cast_table_to_features(table, FEATURES)
    assert out.column_names == list(FEATURES)
    assert out.column("n").num_chunks == 2
    assert out.column("n").to_pylist() == [1.0, None, 3.0] * 2


def test_sliced_arrays_with_nulls_are_cast_correctly() -> None:
    lists = pa.array([[9, 9], None, [1, 2], [3, 4], None, [5, 6]]).slice(1, 4)
    assert cast_array_to_feature(lists, List(Value("float32"))).to_pylist() == [
        None,
        [1.0, 2.0],
        [3.0, 4.0],
        None,
    ]
    assert cast_array_to_feature(lists, List(Value("int64"), length=2)).to_pylist() == [
        None,
        [1, 2],
        [3, 4],
        None,
    ]
    fixed = pa.array([[9, 9], None, [1, 2]], pa.list_(pa.int64(), 2)).slice(1)
    assert cast_array_to_feature(fixed, LargeList(Value("int8"))).to_pylist() == [None, [1, 2]]
    structs = pa.array([{"a": 9}, None, {"a": 1}]).slice(1)
    assert cast_array_to_feature(structs, {"a": Value("string")}).to_pylist() == [None, {"a": "1"}]


def test_feature_is_already_the_type_returns_same_data() -> None:
    array = pa.array([[1, 2], [3]])
    assert cast_array_to_feature(array, List(Value("int64"))) is array


@pytest.mark.parametrize(
    ("column", "feature", "fragment"),
    [
        (pa.array(["abc"]), Value("int64"), "from string to Value('int64')"),
        (pa.array([{"a": 1}]), Value("int64"), "struct<a: int64>"),
        (pa.array([[1, 2, 3]]), List(Value("int8"), length=2), "list<item: int64>"),
        (pa.array([1000]), Value("int8"), "int8"),
        (pa.array(["zebra"]), ClassLabel(names=["cat"]), "Invalid string class label zebra"),
        (pa.array([5]), ClassLabel(names=["cat"]), "greater than configured num_classes 1"),
        (pa.array([1]), Image(), "Couldn't cast int64 to the image storage"),
        (pa.array([{"x": 1}]), {"y": Value("int8")}, "struct<x: int64>"),
        (pa.array([1]), Value("null"), "null"),
    ],
)
def test_impossible_casts_name_column_and_types(column, feature, fragment: str) -> None:
    with pytest.raises(CastError) as raised:
        cast_table_to_features(pa.table({"col": column}), Features({"col": feature}))
    message = str(raised.value)
    assert "column 'col'" in message and str(column.type) in message and repr(feature) in message
    assert fragment in message
    assert raised.value.column == "col"
    assert isinstance(raised.value, TypeError) and isinstance(raised.value, ValueError)


def test_column_name_mismatch_lists_both_sides() -> None:
    with pytest.raises(CastError, match=r"missing columns \['b'\], unexpected columns \['c'\]"):
        cast_table_to_features(pa.table({"a": [1], "c": [2]}), Features({"a": Value("int8"), "b": Value("int8")}))


@pytest.mark.filterwarnings("ignore:Downcasting array dtype")
def test_cast_numpy_pixels_to_image() -> None:
    pixels = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    table = pa.table({"img": pa.array([pixels.tolist(), None])})
    out = cast_table_to_features(table, Features({"img": Image()}))
    decoded = Features({"img": Image()}).decode_column("img", out.column("img").to_pylist())
    assert decoded[1] is None
    with pytest.warns(UserWarning, match="Downcasting"):
        expected = Image().encode_example(pixels.astype(np.int64))
    assert np.array_equal(np.asarray(decoded[0]), np.asarray(Image().decode_example(expected)))
