"""Value dtypes and ClassLabel, compared with the installed `datasets` (differential)."""

from __future__ import annotations

import datasets
import numpy as np
import pyarrow as pa
import pytest

from crucible_torch.features import ClassLabel, Value, arrow_to_dtype, dtype_to_arrow

DTYPES = [
    "null",
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "string",
    "large_string",
    "binary",
    "large_binary",
    "date32",
    "date64",
    "time32[s]",
    "time32[ms]",
    "time64[us]",
    "time64[ns]",
    "timestamp[s]",
    "timestamp[ms]",
    "timestamp[us]",
    "timestamp[ns]",
    "timestamp[us, tz=UTC]",
    "timestamp[ns, tz=America/New_York]",
    "duration[s]",
    "duration[ms]",
    "duration[us]",
    "duration[ns]",
    "decimal128(10, 2)",
    "decimal256(40, -3)",
    "fixed_size_binary[16]",
    "string_view",
    "binary_view",
]


@pytest.mark.parametrize("dtype", DTYPES)
def test_value_dtype_matches_datasets(dtype: str) -> None:
    ours = Value(dtype)
    theirs = datasets.Value(dtype)
    assert ours.pa_type == theirs.pa_type
    assert ours.dtype == theirs.dtype
    assert arrow_to_dtype(ours.pa_type) == dtype
    assert dtype_to_arrow(arrow_to_dtype(ours.pa_type)) == ours.pa_type
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(("alias", "canonical"), [("float", "float32"), ("double", "float64")])
def test_value_aliases_are_normalised(alias: str, canonical: str) -> None:
    assert Value(alias).dtype == canonical == datasets.Value(alias).dtype
    assert Value(alias) == Value(canonical)


@pytest.mark.parametrize("dtype", ["int", "timestamp[m]", "time32[us]", "decimal(1, 2)", "json", "list"])
def test_value_rejects_unknown_dtypes(dtype: str) -> None:
    with pytest.raises((ValueError, TypeError)):  # datasets raises TypeError for "list"
        datasets.Value(dtype)
    with pytest.raises(ValueError, match="dtype|time32|json"):
        Value(dtype)


@pytest.mark.parametrize(
    ("dtype", "value"),
    [
        ("bool", 0),
        ("int32", np.int64(7)),
        ("int64", 3.0),
        ("float32", 2),
        ("string", 12),
        ("large_string", 1.5),
        ("binary", b"x"),
        ("timestamp[s]", "2020-01-01"),
    ],
)
def test_value_encode_example_matches_datasets(dtype: str, value: object) -> None:
    ours = Value(dtype).encode_example(value)
    theirs = datasets.Value(dtype).encode_example(value)
    assert ours == theirs and type(ours) is type(theirs)


def test_value_equality_and_id() -> None:
    assert Value("int8") == Value("int8")
    assert Value("int8") != Value("int16")
    assert Value("int8") != Value("int8", id="x")


def _both_raise(func_ours, func_theirs) -> str:
    with pytest.raises(ValueError) as theirs:
        func_theirs()
    with pytest.raises(ValueError) as ours:
        func_ours()
    assert str(ours.value) == str(theirs.value)
    return str(ours.value)


class TestClassLabel:
    names = ["neg", "neutral", "pos"]

    def test_constructors(self, tmp_path) -> None:
        names_file = tmp_path / "labels.txt"
        names_file.write_text("neg\n neutral \n\npos\n", encoding="utf-8")
        for kwargs in ({"names": self.names}, {"num_classes": 3}, {"names_file": str(names_file)}):
            ours, theirs = ClassLabel(**kwargs), datasets.ClassLabel(**kwargs)
            assert ours.names == theirs.names
            assert ours.num_classes == theirs.num_classes == 3
        assert ClassLabel(num_classes=2).names == ["0", "1"]
        assert ClassLabel(num_classes=3, names=self.names) == ClassLabel(names=self.names)

    def test_constructor_errors_match_datasets(self) -> None:
        _both_raise(lambda: ClassLabel(), lambda: datasets.ClassLabel())
        _both_raise(
            lambda: ClassLabel(num_classes=2, names=self.names),
            lambda: datasets.ClassLabel(num_classes=2, names=self.names),
        )
        _both_raise(lambda: ClassLabel(names=["a", "a"]), lambda: datasets.ClassLabel(names=["a", "a"]))

    @pytest.mark.parametrize("query", ["neg", "pos", " pos ", "1", "-1", ["neg", "pos"], ("neutral",)])
    def test_str2int_matches_datasets(self, query) -> None:
        ours, theirs = ClassLabel(names=self.names), datasets.ClassLabel(names=self.names)
        assert ours.str2int(query) == theirs.str2int(query)

    @pytest.mark.parametrize("query", ["3", "-2", "unknown", ["neg", "nope"]])
    def test_str2int_errors_match_datasets(self, query) -> None:
        ours, theirs = ClassLabel(names=self.names), datasets.ClassLabel(names=self.names)
        message = _both_raise(lambda: ours.str2int(query), lambda: theirs.str2int(query))
        assert "Invalid string class label" in message

    @pytest.mark.parametrize("query", [0, 2, [0, 1, 2], np.array([2, 0])])
    def test_int2str_matches_datasets(self, query) -> None:
        ours, theirs = ClassLabel(names=self.names), datasets.ClassLabel(names=self.names)
        assert ours.int2str(query) == theirs.int2str(query)

    @pytest.mark.parametrize("query", [3, -1, [0, 5]])
    def test_int2str_errors_match_datasets(self, query) -> None:
        ours, theirs = ClassLabel(names=self.names), datasets.ClassLabel(names=self.names)
        _both_raise(lambda: ours.int2str(query), lambda: theirs.int2str(query))

    @pytest.mark.parametrize("value", ["neg", "pos", 0, 2, -1, "2"])
    def test_encode_example_matches_datasets(self, value) -> None:
        ours, theirs = ClassLabel(names=self.names), datasets.ClassLabel(names=self.names)
        assert ours.encode_example(value) == theirs.encode_example(value)

    @pytest.mark.parametrize("value", [3, -2, "bad"])
    def test_encode_example_errors_match_datasets(self, value) -> None:
        ours, theirs = ClassLabel(names=self.names), datasets.ClassLabel(names=self.names)
        _both_raise(lambda: ours.encode_example(value), lambda: theirs.encode_example(value))

    def test_arrow_type_and_cast_storage(self) -> None:
        label = ClassLabel(names=self.names)
        assert label.pa_type == pa.int64()
        names = pa.array(["pos", None, "neg", "1"], pa.large_string())
        assert label.cast_storage(names).to_pylist() == [2, None, 0, 1]
        assert label.cast_storage(pa.array([0, 2], pa.int8())).type == pa.int64()
        with pytest.raises(ValueError, match="greater than configured num_classes 3"):
            label.cast_storage(pa.array([0, 3]))
