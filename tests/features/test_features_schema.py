"""Features <-> Arrow schema <-> JSON dict, byte-compared with what `datasets` writes."""

from __future__ import annotations

import json
import pickle

import datasets
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crucible_torch.features import (
    Audio,
    ClassLabel,
    Features,
    Image,
    LargeList,
    List,
    Sequence,
    Value,
    features_from_schema_metadata,
    generate_from_arrow_type,
    get_nested_type,
    infer_features_from_table,
)

EVERY_TYPE = {
    "int": Value("int32"),
    "text": Value("large_string"),
    "when": Value("timestamp[ms, tz=UTC]"),
    "label": ClassLabel(names=["a", "b", "c"]),
    "tokens": List(Value("int64")),
    "pair": List(Value("float32"), length=2),
    "big": LargeList(Value("uint8")),
    "legacy": Sequence(Value("string")),
    "tfds": Sequence({"start": Value("int32"), "text": Value("string")}),
    "struct": {"x": {"y": Value("bool")}, "z": List(ClassLabel(num_classes=2))},
    "image": Image(),
    "gray": Image(mode="L"),
    "raw_image": Image(decode=False),
    "images": List(Image()),
    "audio": Audio(),
    "audio16k": Audio(sampling_rate=16000, decode=False),
}


def test_sequence_is_legacy_list() -> None:
    assert Sequence(Value("int8")) == List(Value("int8"))
    assert isinstance(Sequence(Value("int8"), length=3), Sequence)
    assert Sequence(Value("int8"), length=3) == List(Value("int8"), length=3)
    assert Sequence({"a": Value("int8")}) == {"a": List(Value("int8"))}
    assert Sequence({"a": List(Value("int8"))}) == List({"a": List(Value("int8"))})


def test_every_type_round_trips() -> None:
    features = Features(EVERY_TYPE)
    assert Features.from_arrow_schema(features.arrow_schema) == features
    assert Features.from_dict(features.to_dict()) == features
    assert Features.from_dict(json.loads(json.dumps(features.to_dict()))) == features
    assert pickle.loads(pickle.dumps(features)) == features
    copied = features.copy()
    assert copied == features and copied["struct"] is not features["struct"]


def test_json_and_schema_identical_to_datasets() -> None:
    ours = Features(EVERY_TYPE)
    theirs = datasets.Features.from_dict(ours.to_dict())
    assert json.dumps(ours.to_dict()) == json.dumps(theirs.to_dict())
    assert ours.arrow_schema == theirs.arrow_schema
    assert ours.arrow_schema.metadata == theirs.arrow_schema.metadata
    assert ours.type == theirs.type
    assert repr(ours) == repr(theirs)


def test_defaults_are_omitted_in_json() -> None:
    assert Features({"i": Image()}).to_dict() == {"i": {"_type": "Image"}}
    assert Features({"l": List(Value("int8"))}).to_dict() == {
        "l": {"feature": {"dtype": "int8", "_type": "Value"}, "_type": "List"}
    }
    assert Features({"a": Audio(sampling_rate=8000)}).to_dict() == {"a": {"sampling_rate": 8000, "_type": "Audio"}}


def test_old_json_forms_are_parsed() -> None:
    old = {
        "tokens": {
            "feature": {"dtype": "int64", "id": None, "_type": "Value"},
            "length": -1,
            "id": None,
            "_type": "Sequence",
        },
        "answers": {
            "feature": {
                "text": {"dtype": "string", "_type": "Value"},
                "start": {"dtype": "int32", "_type": "Value"},
            },
            "_type": "Sequence",
        },
        "label": {
            "num_classes": 2,
            "names": ["n", "p"],
            "names_file": None,
            "id": None,
            "_type": "ClassLabel",
        },
        "listed": [{"dtype": "int8", "_type": "Value"}],
        "_type": {"dtype": "string", "_type": "Value"},
    }
    ours = Features.from_dict(old)
    assert ours == Features.from_dict(datasets.Features.from_dict(old).to_dict())
    assert ours["answers"] == {"text": List(Value("string")), "start": List(Value("int32"))}
    assert ours["listed"] == List(Value("int8"))
    assert ours["_type"] == Value("string")


def test_from_arrow_schema_without_metadata_infers() -> None:
    schema = pa.schema(
        [
            ("s", pa.struct({"bytes": pa.binary(), "path": pa.string()})),
            ("f", pa.list_(pa.float32(), 3)),
            ("l", pa.large_list(pa.list_(pa.int8()))),
            ("d", pa.dictionary(pa.int32(), pa.string())),
        ]
    )
    ours = Features.from_arrow_schema(schema)
    assert ours == {
        "s": {"bytes": Value("binary"), "path": Value("string")},
        "f": List(Value("float32"), length=3),
        "l": LargeList(List(Value("int8"))),
        "d": Value("string"),
    }
    assert json.dumps(ours.to_dict()) == json.dumps(datasets.Features.from_arrow_schema(schema).to_dict())


def test_stored_feature_used_only_when_arrow_type_matches() -> None:
    stored = Features({"a": ClassLabel(names=["x", "y"]), "b": Image(), "c": Value("int8")})
    schema = pa.schema([("a", pa.int64()), ("b", pa.string()), ("c", pa.int8(), False), ("new", pa.bool_())])
    schema = schema.with_metadata(stored.arrow_schema.metadata)
    ours = Features.from_arrow_schema(schema)
    theirs = datasets.Features.from_arrow_schema(schema)
    assert ours == {
        "a": ClassLabel(names=["x", "y"]),
        "b": Value("string"),
        "c": Value("int8"),
        "new": Value("bool"),
    }
    assert json.dumps(ours.to_dict()) == json.dumps(theirs.to_dict())


def test_metadata_with_unknown_feature_type_falls_back_to_inference() -> None:
    metadata = {
        "info": {
            "features": {
                "m": {"shape": [2, 2], "dtype": "int32", "_type": "Array2D"},
                "v": {"dtype": "int32", "_type": "Value"},
            }
        }
    }
    schema = pa.schema([("m", pa.list_(pa.list_(pa.int32()))), ("v", pa.int32())])
    schema = schema.with_metadata({"huggingface": json.dumps(metadata)})
    assert list(features_from_schema_metadata(schema)) == ["v"]
    assert Features.from_arrow_schema(schema) == {"m": List(List(Value("int32"))), "v": Value("int32")}
    assert features_from_schema_metadata(pa.schema([("v", pa.int8())])) is None


def test_infer_features_from_table_and_unsupported_type_names_column() -> None:
    table = pa.table({"x": [[1, 2]], "y": ["a"]})
    assert infer_features_from_table(table) == {"x": List(Value("int64")), "y": Value("string")}
    with pytest.raises(ValueError, match="'m'"):
        Features.from_arrow_schema(pa.schema([("m", pa.map_(pa.string(), pa.int32()))]))


def test_flatten_matches_datasets() -> None:
    # datasets raises "Cannot flatten a decoded Audio feature" for Audio(decode=True); we keep such a column
    ours = Features({name: feature for name, feature in EVERY_TYPE.items() if name != "audio"})
    assert Features(EVERY_TYPE).flatten()["audio"] == Audio()
    theirs = datasets.Features.from_dict(ours.to_dict())
    for depth in (1, 2, 16):
        assert list(ours.flatten(max_depth=depth)) == list(theirs.flatten(max_depth=depth))
        assert ours.flatten(max_depth=depth).to_dict() == theirs.flatten(max_depth=depth).to_dict()


def test_reorder_fields_as() -> None:
    source = Features({"root": List({"a": Value("string"), "b": {"c": Value("int8"), "d": Value("int8")}})})
    target = Features({"root": List({"b": {"d": Value("int8"), "c": Value("int8")}, "a": Value("string")})})
    assert source.type != target.type
    assert source.reorder_fields_as(target).type == target.type
    with pytest.raises(ValueError, match="Keys mismatch"):
        source.reorder_fields_as(Features({"root": List({"a": Value("string")})}))
    with pytest.raises(ValueError, match="Type mismatch"):
        source.reorder_fields_as(Features({"root": {"a": Value("string")}}))


def test_requires_decoding_and_mutation() -> None:
    features = Features({"i": Image(), "raw": Image(decode=False), "n": {"a": List(Audio())}, "v": Value("int8")})
    assert features.requires_decoding == {"i": True, "raw": False, "n": True, "v": False}
    features["v"] = [Image()]
    assert features["v"] == List(Image())
    assert features.requires_decoding["v"]
    del features["i"]
    assert "i" not in features.requires_decoding


# --- property test: random nested features agree with `datasets` on JSON and Arrow type -------------------

_scalars = st.one_of(
    st.sampled_from(
        [
            "bool",
            "int8",
            "uint64",
            "float16",
            "float",
            "double",
            "string",
            "large_binary",
            "date32",
            "timestamp[ns]",
            "duration[ms]",
        ]
    ).map(Value),
    st.lists(st.text("abcxyz", min_size=1, max_size=4), min_size=1, max_size=4, unique=True).map(
        lambda names: ClassLabel(names=names)
    ),
    st.builds(Image, mode=st.sampled_from([None, "RGB", "L"]), decode=st.booleans()),
    st.builds(Audio, sampling_rate=st.sampled_from([None, 8000, 16000]), decode=st.booleans()),
)


def _containers(children):
    return st.one_of(
        st.builds(List, children, length=st.sampled_from([-1, -1, 1, 3])),
        st.builds(LargeList, children),
        st.dictionaries(st.text("abcdef_", min_size=1, max_size=5), children, min_size=1, max_size=3),
    )


_features = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=6),
    st.recursive(_scalars, _containers, max_leaves=6),
    min_size=1,
    max_size=4,
).map(Features)


@settings(max_examples=150, deadline=None)
@given(_features)
def test_random_features_match_datasets(features: Features) -> None:
    theirs = datasets.Features.from_dict(features.to_dict())
    assert json.dumps(theirs.to_dict()) == json.dumps(features.to_dict())
    assert theirs.arrow_schema == features.arrow_schema
    assert Features.from_arrow_schema(theirs.arrow_schema) == features
    assert Features.from_arrow_schema(features.arrow_schema) == features
    for name, feature in features.items():
        stripped = generate_from_arrow_type(get_nested_type(feature))
        assert get_nested_type(stripped) == get_nested_type(feature)
        assert json.dumps(Features({name: stripped}).to_dict()) == json.dumps(
            datasets.Features.from_arrow_schema(pa.schema([(name, get_nested_type(feature))])).to_dict()
        )
