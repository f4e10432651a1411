"""`Features`: the ordered column name -> feature mapping of a dataset, and its Arrow schema.

The schema carries the features as JSON under the ``b"huggingface"`` metadata key exactly as `datasets`
writes it, so files move between the two libraries without losing ClassLabel names, Image columns, ...
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import partial
from typing import Any

import pyarrow as pa

from ..errors import ImageDecodeError
from .audio import AudioDecodeError
from .nested import (
    FeatureType,
    decode_nested_example,
    encode_nested_example,
    generate_from_arrow_type,
    get_nested_type,
    require_decoding,
    to_numpy_if_tensor,
    upgrade_old_lists,
)
from .sequence import LargeList, List
from .serialization import feature_to_dict, generate_from_dict
from .yaml_format import features_dict_to_yaml_list, yaml_list_to_features_dict

METADATA_KEY = b"huggingface"


class Features(dict):
    """Ordered mapping column name -> feature; equality is plain dict equality, as in `datasets`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, feature in self.items():
            super().__setitem__(name, upgrade_old_lists(feature))

    def __setitem__(self, name: str, feature: FeatureType) -> None:
        super().__setitem__(name, upgrade_old_lists(feature))

    def update(self, *args: Any, **kwargs: Any) -> None:
        """dict.update, upgrading old ``[feature]`` lists like ``__setitem__``."""
        for name, feature in dict(*args, **kwargs).items():
            self[name] = feature

    def __reduce__(self) -> tuple[Any, ...]:
        return Features, (dict(self),)

    @property
    def type(self) -> pa.StructType:
        """The Arrow struct type of a row."""
        return get_nested_type(self)

    @property
    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema, with ``{"info": {"features": ...}}`` JSON under the ``huggingface`` key."""
        metadata = {"info": {"features": self.to_dict()}}
        return pa.schema(list(self.type)).with_metadata({"huggingface": json.dumps(metadata)})

    @classmethod
    def from_arrow_schema(cls, schema: pa.Schema) -> Features:
        """Features of a schema: a field's stored feature is used only when its Arrow type matches the field.

        Fields without usable metadata (or whose metadata disagrees with the data) are inferred from Arrow.
        """
        stored = features_from_schema_metadata(schema) or {}
        features: dict[str, FeatureType] = {}
        for pa_field in schema:
            feature = stored.get(pa_field.name)
            if feature is not None and pa.field(pa_field.name, get_nested_type(feature)) == pa_field:
                features[pa_field.name] = feature
                continue
            try:
                features[pa_field.name] = generate_from_arrow_type(pa_field.type)
            except ValueError as err:
                raise ValueError(f"Column {pa_field.name!r} of type {pa_field.type}: {err}") from err
        return cls(features)

    @classmethod
    def from_dict(cls, dic: Mapping[str, Any]) -> Features:
        """Features from their JSON dict (``to_dict`` output, or ``info.features`` of a `datasets` file)."""
        return cls(generate_from_dict(dict(dic)))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict that `datasets` writes for these features (defaults omitted)."""
        return feature_to_dict(dict(self))

    def to_yaml_list(self) -> list[dict[str, Any]]:
        """The README form (``dataset_info.features`` in a dataset card), as `datasets` writes it."""
        return features_dict_to_yaml_list(self.to_dict())

    @classmethod
    def from_yaml_list(cls, yaml_list: list[dict[str, Any]]) -> Features:
        """Features from the README form (``dataset_info.features`` of a dataset card's YAML header)."""
        return cls.from_dict(yaml_list_to_features_dict(yaml_list))

    def copy(self) -> Features:
        """A deep copy."""
        return copy.deepcopy(self)

    @property
    def requires_decoding(self) -> dict[str, bool]:
        """Column name -> whether its values need ``decode_example`` (an Image or Audio with decode=True)."""
        return {name: require_decoding(feature) for name, feature in self.items()}

    def encode_example(self, example: Mapping[str, Any]) -> dict[str, Any]:
        """Encode one row for Arrow; columns missing from the row become None, extra keys are dropped."""
        return encode_nested_example(self, example)

    def encode_batch(self, batch: Mapping[str, Any]) -> dict[str, list[Any]]:
        """Encode a ``{column: values}`` batch; its columns must be exactly the features' columns."""
        if set(batch) != set(self):
            raise ValueError(f"Column mismatch between batch {set(batch)} and features {set(self)}")
        out = {}
        for name, column in batch.items():
            column = to_numpy_if_tensor(column)
            feature = self[name]
            out[name] = [encode_nested_example(feature, value, top_level=False) for value in column]
        return out

    def decode_example(self, example: Mapping[str, Any]) -> dict[str, Any]:
        """Decode one row read from Arrow; columns without decoding are passed through untouched."""
        return {name: self._decode_value(name, value) for name, value in example.items()}

    def _decode_value(self, name: str, value: Any) -> Any:
        feature = self.get(name)
        if feature is None:
            return value
        try:
            return decode_nested_example(feature, value)
        except (ImageDecodeError, AudioDecodeError) as err:
            raise type(err)(f"Column {name!r}: {err}") from err

    def decode_column(self, name: str, values: list[Any]) -> list[Any]:
        """Decode one column's values; returned as is (same object) when the column needs no decoding.

        The `datasets` argument order ``decode_column(values, name)`` is accepted too.
        """
        if isinstance(values, str) and not isinstance(name, str):
            name, values = values, name
        feature = self.get(name)
        if feature is None or not require_decoding(feature):
            return values
        decode = getattr(feature, "decode_example", None)
        if decode is None:  # nested column (List of Images, struct with an Audio, ...)
            decode = partial(decode_nested_example, feature)
        out = []
        for index, value in enumerate(values):  # a plain loop: the decoder is the cost, not the loop
            try:
                out.append(None if value is None else decode(value))
            except (ImageDecodeError, AudioDecodeError) as err:
                raise type(err)(f"Column {name!r}, value {index} of the batch: {err}") from err
        return out

    def decode_batch(self, batch: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
        """Decode a ``{column: values}`` batch; columns that need no decoding are passed through untouched."""
        return {name: self.decode_column(name, values) for name, values in batch.items()}

    def flatten(self, max_depth: int = 16) -> Features:
        """Replace dict columns by ``parent.child`` columns, repeatedly, up to ``max_depth`` levels.

        Features with a ``flatten`` method (an Image/Audio with decode=False) expand to their storage fields.
        Sub-columns are appended after the remaining columns, in `datasets`' order.
        """
        current = self.copy()
        for _ in range(1, max_depth):
            flattened = current.copy()
            changed = False
            for name, feature in current.items():
                expanded = feature if isinstance(feature, dict) else None
                if expanded is None and hasattr(feature, "flatten"):
                    candidate = feature.flatten()
                    expanded = candidate if candidate != feature else None
                if expanded is not None:  # sub-columns go last, as in `datasets`
                    changed = True
                    flattened.update({f"{name}.{sub_name}": sub for sub_name, sub in expanded.items()})
                    del flattened[name]
            current = flattened
            if not changed:
                break
        return current

    def reorder_fields_as(self, other: Features) -> Features:
        """These features with every struct's keys in ``other``'s order (so the Arrow types become equal)."""
        return Features(_reorder(self, other, ""))


def _reorder(source: FeatureType, target: FeatureType, where: str) -> FeatureType:
    at = f" at {where[1:]}" if where else ""
    if isinstance(source, dict):
        if not isinstance(target, dict):
            raise ValueError(f"Type mismatch: between {source} and {target}{at}")
        if set(source) != set(target):
            raise ValueError(
                f"Keys mismatch: between {source} (source) and {target} (target).\n"
                f"{source.keys() - target.keys()} are missing from target "
                f"and {target.keys() - source.keys()} are missing from source{at}"
            )
        return {key: _reorder(source[key], target[key], f"{where}.{key}") for key in target}
    if isinstance(source, List):
        if not isinstance(target, List):
            raise ValueError(f"Type mismatch: between {source} and {target}{at}")
        return List(_reorder(source.feature, target.feature, f"{where}.<list>"), length=source.length)
    if isinstance(source, LargeList):
        if not isinstance(target, LargeList):
            raise ValueError(f"Type mismatch: between {source} and {target}{at}")
        return LargeList(_reorder(source.feature, target.feature, f"{where}.<list>"))
    return source


def features_from_schema_metadata(schema: pa.Schema) -> Features | None:
    """The features stored under ``b"huggingface"`` in a schema's metadata, or None when there are none.

    A column whose stored feature cannot be parsed (a `datasets` type this library lacks, e.g. ``Array2D``)
    is left out, so that `Features.from_arrow_schema` infers it from Arrow.
    """
    metadata = schema.metadata or {}
    if METADATA_KEY not in metadata:
        return None
    try:
        info = json.loads(metadata[METADATA_KEY].decode("utf-8")).get("info") or {}
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    stored = info.get("features") if isinstance(info, dict) else None
    if not isinstance(stored, dict):
        return None
    features = Features()
    for name, obj in stored.items():
        try:
            features[name] = generate_from_dict(obj)
        except (ValueError, TypeError, KeyError):
            continue
    return features


def infer_features_from_table(table: pa.Table) -> Features:
    """The features of a table: its schema metadata where it matches the data, else inferred from Arrow."""
    return Features.from_arrow_schema(table.schema)
