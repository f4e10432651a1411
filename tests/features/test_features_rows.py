"""Rows: encode -> Arrow table -> decode gives the rows back; decoding leaves plain columns untouched."""

from __future__ import annotations

import datetime

import datasets
import numpy as np
import pyarrow as pa
import pytest
import torch

from crucible_torch.features import (
    Audio,
    CastError,
    ClassLabel,
    Features,
    Image,
    LargeList,
    List,
    Sequence,
    Value,
    decode_nested_example,
    encode_nested_example,
    table_from_pydict,
)


def _rows_features() -> Features:
    return Features(
        {
            "id": Value("int64"),
            "score": Value("float32"),
            "flag": Value("bool"),
            "text": Value("string"),
            "blob": Value("binary"),
            "day": Value("date32"),
            "when": Value("timestamp[us]"),
            "label": ClassLabel(names=["neg", "pos"]),
            "tokens": List(Value("int32")),
            "xy": List(Value("float64"), length=2),
            "big": LargeList(Value("string")),
            "answers": Sequence({"text": Value("string"), "start": Value("int32")}),
            "meta": {"source": Value("string"), "tags": List(ClassLabel(names=["a", "b", "c"]))},
            "maybe": Value("int8"),
        }
    )


def _rows() -> list[dict]:
    return [
        {
            "id": 1,
            "score": 0.5,
            "flag": True,
            "text": "héllo",
            "blob": b"\x00\x01",
            "day": datetime.date(2024, 1, 2),
            "when": datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
            "label": "pos",
            "tokens": [1, 2, 3],
            "xy": [0.25, -1.0],
            "big": ["a", "b"],
            "answers": {"text": ["x", "y"], "start": [0, 5]},
            "meta": {"source": "web", "tags": ["c", "a"]},
            "maybe": None,
        },
        {
            "id": 2,
            "score": 1.25,
            "flag": False,
            "text": "",
            "blob": b"",
            "day": datetime.date(1970, 1, 1),
            "when": datetime.datetime(1999, 12, 31),
            "label": 0,
            "tokens": [],
            "xy": [1.0, 2.0],
            "big": [],
            "answers": {"text": [], "start": []},
            "meta": {"source": None, "tags": []},
            "maybe": 7,
        },
    ]


def _expected(row: dict) -> dict:
    label_names = ["neg", "pos"]
    tags = ["a", "b", "c"]
    out = dict(row)
    out["label"] = label_names.index(row["label"]) if isinstance(row["label"], str) else row["label"]
    out["meta"] = {"source": row["meta"]["source"], "tags": [tags.index(t) for t in row["meta"]["tags"]]}
    return out


def test_rows_round_trip_through_arrow() -> None:
    features = _rows_features()
    rows = _rows()
    batch = {name: [row[name] for row in rows] for name in features}
    table = table_from_pydict(batch, features)
    assert table.schema == features.arrow_schema
    decoded = [features.decode_example(row) for row in table.to_pylist()]
    assert decoded == [_expected(row) for row in rows]
    encoded_rows = [features.encode_example(row) for row in rows]
    assert pa.Table.from_pylist(encoded_rows, schema=features.arrow_schema).equals(table)


def test_encoding_matches_datasets() -> None:
    features = _rows_features()
    theirs = datasets.Features.from_dict(features.to_dict())
    for row in _rows():
        assert features.encode_example(row) == theirs.encode_example(row)
    batch = {name: [row[name] for row in _rows()] for name in features}
    assert features.encode_batch(batch) == theirs.encode_batch(batch)


def test_encode_batch_checks_columns() -> None:
    features = Features({"a": Value("int8"), "b": Value("int8")})
    with pytest.raises(ValueError, match="Column mismatch"):
        features.encode_batch({"a": [1]})


def test_encode_example_missing_column_is_none_and_none_row_is_an_error() -> None:
    features = Features({"a": Value("int8"), "s": {"x": Value("int8")}})
    assert features.encode_example({"a": 1}) == {"a": 1, "s": None}
    with pytest.raises(ValueError, match="Got None"):
        encode_nested_example(features, None)


def test_lists_of_classlabels_encode_every_element() -> None:
    feature = List(ClassLabel(names=["a", "b"]))
    assert encode_nested_example(feature, ["a", "b", 1]) == [0, 1, 1]
    with pytest.raises(ValueError, match="greater than configured num_classes 2"):
        encode_nested_example(feature, [0, 5])


def test_numpy_and_torch_inputs() -> None:
    features = Features({"ids": List(Value("int64")), "grid": List(List(Value("float32"))), "n": Value("int32")})
    batch = {
        "ids": [np.array([1, 2, 3]), torch.tensor([4, 5])],
        "grid": [np.ones((2, 3), dtype=np.float32), torch.zeros(1, 2, dtype=torch.bfloat16)],
        "n": torch.tensor([7, 8]),
    }
    table = table_from_pydict(batch, features)
    assert table.to_pydict() == {
        "ids": [[1, 2, 3], [4, 5]],
        "grid": [[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [[0.0, 0.0]]],
        "n": [7, 8],
    }


def test_fractional_floats_into_int_lists_raise_instead_of_being_truncated() -> None:
    """Deliberate difference (README): `datasets` truncates ``[1.5, 2.5]`` to ``[1, 2]``; whole floats still encode."""
    feature = List(Value("int64"))
    theirs = datasets.features.features.encode_nested_example(datasets.List(datasets.Value("int64")), [1.5, 2.5])
    assert theirs == [1, 2]
    with pytest.raises(ValueError, match="would truncate"):
        encode_nested_example(feature, [1.5, 2.5])
    with pytest.raises(ValueError, match="would truncate"):
        encode_nested_example(feature, np.array([1.5, 2.5]))
    assert encode_nested_example(feature, [1.0, 2.0]) == [1, 2]


def test_table_from_pydict_error_names_column() -> None:
    features = Features({"ok": Value("int8"), "bad": Value("int8")})
    with pytest.raises(CastError, match="'bad'"):
        table_from_pydict({"ok": [1], "bad": [1000]}, features)


def test_decode_batch_leaves_plain_columns_untouched(image_bytes, rgb_array) -> None:
    features = Features({"text": Value("string"), "raw": Image(decode=False), "img": Image(), "n": List(Image())})
    png = image_bytes(rgb_array)
    batch = {
        "text": ["a", "b"],
        "raw": [{"bytes": png, "path": None}, None],
        "img": [{"bytes": png, "path": None}, None],
        "n": [[{"bytes": png, "path": None}], None],
        "extra": [1, 2],
    }
    decoded = features.decode_batch(batch)
    assert decoded["text"] is batch["text"]
    assert decoded["raw"] is batch["raw"]
    assert decoded["extra"] is batch["extra"]
    assert np.array_equal(np.asarray(decoded["img"][0]), rgb_array)
    assert decoded["img"][1] is None and decoded["n"][1] is None
    assert np.array_equal(np.asarray(decoded["n"][0][0]), rgb_array)
    assert features.decode_column("text", batch["text"]) is batch["text"]
    assert features.decode_column(batch["img"], "img")[1] is None  # datasets' argument order


def test_decode_errors_name_the_column(image_bytes) -> None:
    features = Features({"img": Image()})
    with pytest.raises(ValueError, match=r"Column 'img', value 1 of the batch"):
        features.decode_batch({"img": [None, {"bytes": b"not an image", "path": None}]})
    with pytest.raises(ValueError, match=r"Column 'img': Cannot decode image from bytes \(12 bytes\)"):
        features.decode_example({"img": {"bytes": b"not an image", "path": None}})


def test_decode_nested_example_struct_with_image(image_bytes, rgb_array) -> None:
    feature = {"caption": Value("string"), "pics": List(Image(mode="L"))}
    value = {"caption": "x", "pics": [{"bytes": image_bytes(rgb_array), "path": None}]}
    decoded = decode_nested_example(feature, value)
    assert decoded["caption"] == "x"
    assert decoded["pics"][0].mode == "L"
    assert decode_nested_example(feature, None) is None
    plain = {"a": 1}
    assert decode_nested_example({"a": Value("int8")}, plain) is plain


def test_audio_row_round_trip(wav_bytes) -> None:
    samples = (np.arange(-100, 100, dtype=np.int64) * 100)[:, None]
    features = Features({"audio": Audio(), "raw": Audio(decode=False)})
    data = wav_bytes(samples, 8000, 2)
    table = table_from_pydict({"audio": [data], "raw": [{"bytes": data, "path": "x.wav"}]}, features)
    row = features.decode_example(table.to_pylist()[0])
    assert row["raw"] == {"bytes": data, "path": "x.wav"}
    assert row["audio"]["sampling_rate"] == 8000
    np.testing.assert_array_equal(row["audio"]["array"], samples[:, 0] / 32768.0)
