"""The `Json` feature against `datasets` 5.2: metadata both ways, encode/decode/cast, mixed-type inference."""

from __future__ import annotations

import json
import string

import datasets
import pyarrow as pa
import pytest
from datasets.utils.json import find_mixed_struct_types_field_paths
from hypothesis import given, settings
from hypothesis import strategies as st

from crucible_torch.features import Features, Json, List, Value, cast_array_to_feature
from crucible_torch.features.json_arrays import array_from_values
from crucible_torch.features.json_paths import (
    add_path,
    decode_at,
    decode_json_columns,
    encode_at,
    json_paths_of,
    mixed_type_paths,
    path_of_arrow_error,
    with_json_at,
)


def _ours() -> Features:
    return Features({"a": Json(), "b": List(Json(decode=False)), "n": Value("int64"), "s": {"x": Json()}})


def _theirs() -> datasets.Features:
    d = datasets
    return d.Features({"a": d.Json(), "b": d.List(d.Json(decode=False)), "n": d.Value("int64"), "s": {"x": d.Json()}})


def test_json_features_serialise_as_datasets_writes_them():
    ours, theirs = _ours(), _theirs()
    assert ours.to_dict() == theirs.to_dict()
    assert ours.arrow_schema == theirs.arrow_schema
    assert ours.arrow_schema.metadata == theirs.arrow_schema.metadata
    assert ours.to_yaml_list() == theirs._to_yaml_list()


def test_json_features_read_back_from_either_library():
    assert Features.from_arrow_schema(_theirs().arrow_schema) == _ours()
    assert repr(datasets.Features.from_arrow_schema(_ours().arrow_schema)) == repr(_theirs())
    assert Features.from_yaml_list(_theirs()._to_yaml_list()) == _ours()
    bare = pa.schema([("j", pa.json_()), ("l", pa.list_(pa.json_()))])  # no metadata: the Arrow type says it
    assert Features.from_arrow_schema(bare) == Features({"j": Json(), "l": List(Json())})


def test_json_dataset_files_move_between_the_libraries(tmp_path):
    import crucible_torch as ct

    rows = {"a": [1, "x", {"k": [1, 2]}, None], "b": [[1, "a"], [], None, [{"z": 1}]]}
    theirs = datasets.Dataset.from_dict(rows, on_mixed_types="use_json")
    theirs.save_to_disk(str(tmp_path / "hf"))
    ours = ct.load_from_disk(str(tmp_path / "hf"))
    assert ours.features == Features({"a": Json(), "b": List(Json())})
    assert ours[:] == theirs[:]
    ours.save_to_disk(str(tmp_path / "ct"))
    again = datasets.load_from_disk(str(tmp_path / "ct"))
    assert repr(again.features) == repr(theirs.features) and again[:] == theirs[:]


@pytest.mark.parametrize("value", [1, 1.5, "x", "1", '{"a": 1}', True, None, [1, "a"], {"k": {"j": [None]}}, {}])
def test_encode_decode_agree_with_datasets(value):
    ours, theirs = Json(), datasets.Json()
    encoded = ours.encode_example(value)
    assert (encoded is None) == (theirs.encode_example(value) is None)
    if encoded is not None:
        assert json.loads(encoded) == json.loads(theirs.encode_example(value))
        assert ours.decode_example(encoded) == theirs.decode_example(theirs.encode_example(value))
    with pytest.raises(RuntimeError, match="decode=True"):
        Json(decode=False).decode_example("1")


@pytest.mark.parametrize(
    "array",
    [
        pa.array(["1", None, '{"a": 2}']),  # JSON text: kept
        pa.array(["x", "1"]),  # not JSON text: every value encoded
        pa.array([1, None, 3]),
        pa.array([{"k": 1}, None]),
        pa.array([[1, 2], []]),
        pa.nulls(2),
    ],
    ids=["json-text", "plain-strings", "ints", "structs", "lists", "nulls"],
)
def test_cast_storage_matches_datasets(array):
    ours = cast_array_to_feature(array, Json())
    assert ours.type == pa.json_()
    theirs = datasets.table.cast_array_to_feature(array, datasets.Json())
    decode = [None if v is None else json.loads(v) for v in ours.to_pylist()]
    assert decode == [None if v is None else json.loads(v) for v in theirs.to_pylist()]


def test_json_text_keeps_full_float_precision_and_unicode():
    encoded = Json().encode_example({"x": 0.1234567890123, "s": "é/ü"})
    assert encoded == '{"x":0.1234567890123,"s":"é/ü"}'
    assert Json().decode_example(encoded) == {"x": 0.1234567890123, "s": "é/ü"}


MIXED_COLUMNS = [
    [1, "x", {"k": [1, 2]}],
    [[1, "a"], [], None],
    [{"b": 0}, {"c": 0}],
    [[{"b": 0}, {"c": 0}]],
    [1, 2.5],
    [True, 1],
    [{}],
    [{"a": 1}, {"a": "s"}],
    [[{"role": "u", "content": "x"}, {"role": "a", "content": "y", "tool_calls": [{"f": 1}, {"g": 2}]}]],
    [None, None],
    ["a", None],
    [{"a": {"b": 1}}, {"a": {"b": "x"}}],
    [{"a": [1, 2]}, {"a": 3}],
]


@pytest.mark.parametrize("values", MIXED_COLUMNS, ids=[json.dumps(v)[:40] for v in MIXED_COLUMNS])
def test_python_values_get_json_where_datasets_gives_it(values):
    """`array_from_values` is `Dataset.from_dict(..., on_mixed_types="use_json")`'s column conversion."""
    theirs = datasets.Dataset.from_dict({"obj": values}, on_mixed_types="use_json")
    array = array_from_values(values)
    features = Features.from_arrow_schema(pa.schema([("obj", array.type)]))
    assert repr(features["obj"]) == repr(theirs.features["obj"])
    assert features.decode_batch({"obj": array.to_pylist()})["obj"] == theirs["obj"]


_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(string.ascii_lowercase, max_size=2))
_json_value = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_json_value, max_size=5), st.booleans())
def test_mixed_type_paths_match_datasets(values, include_root):
    theirs = find_mixed_struct_types_field_paths(values, allow_root=include_root)
    ours = mixed_type_paths(values, include_root=include_root)
    if not include_root:
        theirs = [p for p in theirs if p]  # rows: datasets would encode a whole row, which we never do
    assert sorted(map(tuple, theirs), key=repr) == sorted(ours, key=repr)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b"]), _json_value, max_size=2), min_size=1, max_size=5))
def test_encoding_then_decoding_paths_gives_the_rows_back(rows):
    paths = mixed_type_paths(rows)
    encoded = rows
    for path in paths:
        encoded = [encode_at(row, path) for row in encoded]
    for path in paths:
        assert all(isinstance(v, str) for v in _values_at(encoded, path) if v is not None)
    decoded = encoded
    for path in reversed(paths):
        decoded = [decode_at(row, path) for row in decoded]
    assert decoded == rows


def _values_at(values: list, path: tuple) -> list:
    if not path:
        return values
    key, rest = path[0], path[1:]
    if key == 0:
        return _values_at([item for v in values if isinstance(v, list) for item in v], rest)
    return _values_at([v[key] for v in values if isinstance(v, dict) and key in v], rest)


def test_decoding_json_columns_decodes_only_json():
    features = {"j": List(Json()), "s": Value("string")}
    columns = {"j": [['{"a":1}', "2"], None], "s": ['{"a":1}', None]}
    assert decode_json_columns(columns, features) == {"j": [[{"a": 1}, 2], None], "s": ['{"a":1}', None]}
    assert json_paths_of(with_json_at({"m": List({"t": Value("null")})}, [("m", 0, "t")])) == [("m", 0, "t")]


def test_arrow_error_paths_resolve_against_the_rows():
    rows = [{"a/b": {"c": [1]}}, {"a/b": {"c": ["x"]}}]
    assert path_of_arrow_error("JSON parse error: Column(/a/b/c/[]) changed from number to string", rows) == (
        "a/b",
        "c",
        0,
    )
    assert path_of_arrow_error("some other error", rows) is None
    paths = [("a", "b")]
    add_path(paths, ("a",))
    assert paths == [("a",)]
    with pytest.raises(ValueError, match="already encoded"):
        add_path(paths, ("a", "c"))
