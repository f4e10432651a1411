"""Walks over a nested feature (dicts of features, Lists of features): Arrow type, inference, encode, decode.

A "feature" here is any of `Value`, `ClassLabel`, `List`, `LargeList`, `Image`, `Audio`, `Json`, or a plain ``dict``
of features (a struct), as in `datasets`. The old ``[feature]`` list syntax is accepted and means ``List``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from .dtypes import arrow_to_dtype
from .json import Json
from .sequence import LargeList, List
from .value import Value

FeatureType = Any  # dict | list | Value | ClassLabel | List | LargeList | Image | Audio | Json

_NOT_TENSORS = (np.ndarray, np.generic, str, bytes, list, tuple, dict)


def get_nested_type(feature: FeatureType) -> pa.DataType:
    """The Arrow type of a (possibly nested) feature: dicts are structs, in key order."""
    if isinstance(feature, dict):
        return pa.struct({name: get_nested_type(sub) for name, sub in feature.items()})
    if isinstance(feature, (list, tuple)):
        if len(feature) != 1:
            raise ValueError("When defining list feature, you should just provide one example of the inner type")
        return pa.list_(get_nested_type(feature[0]))
    if isinstance(feature, LargeList):
        return pa.large_list(get_nested_type(feature.feature))
    if isinstance(feature, List):
        return pa.list_(get_nested_type(feature.feature), feature.length)
    pa_type = getattr(feature, "pa_type", None)
    if not isinstance(pa_type, pa.DataType):
        raise TypeError(f"{feature!r} is not a feature type (expected Value, ClassLabel, List, Image, ... or dict)")
    return pa_type


def generate_from_arrow_type(pa_type: pa.DataType) -> FeatureType:
    """Infer a feature from a bare Arrow type (no metadata): struct -> dict, list -> List, ... -> Value.

    A ``struct<bytes, path>`` stays a dict: only metadata can say that it is an Image or Audio.
    """
    if isinstance(pa_type, pa.JsonType):
        return Json()
    if isinstance(pa_type, pa.ExtensionType):
        return generate_from_arrow_type(pa_type.storage_type)
    if pa.types.is_struct(pa_type):
        return {f.name: generate_from_arrow_type(f.type) for f in pa_type}
    if pa.types.is_fixed_size_list(pa_type):
        return List(generate_from_arrow_type(pa_type.value_type), length=pa_type.list_size)
    if pa.types.is_list(pa_type) or pa.types.is_list_view(pa_type):
        return List(generate_from_arrow_type(pa_type.value_type))
    if pa.types.is_large_list(pa_type) or pa.types.is_large_list_view(pa_type):
        return LargeList(generate_from_arrow_type(pa_type.value_type))
    return Value(arrow_to_dtype(pa_type))


def visit(feature: FeatureType, func: Callable[[FeatureType], FeatureType]) -> FeatureType:
    """Rebuild a nested feature bottom-up, replacing each node by ``func(node)``."""
    if isinstance(feature, dict):
        return func(type(feature)({name: visit(sub, func) for name, sub in feature.items()}))
    if isinstance(feature, (list, tuple)) and len(feature) == 1:
        return func([visit(feature[0], func)])
    if isinstance(feature, LargeList):
        return func(LargeList(visit(feature.feature, func), id=feature.id))
    if isinstance(feature, List):
        return func(List(visit(feature.feature, func), length=feature.length, id=feature.id))
    return func(feature)


def upgrade_old_lists(feature: FeatureType) -> FeatureType:
    """Replace the old ``[feature]`` syntax by ``List(feature)`` everywhere in a nested feature."""
    return visit(feature, lambda node: List(node[0]) if isinstance(node, list) else node)


def require_decoding(feature: FeatureType, ignore_decode_attribute: bool = False) -> bool:
    """True when the feature (or a sub-feature) has a ``decode_example`` step that is enabled."""
    if isinstance(feature, dict):
        return any(require_decoding(sub, ignore_decode_attribute) for sub in feature.values())
    if isinstance(feature, (list, tuple)):
        return require_decoding(feature[0], ignore_decode_attribute)
    if isinstance(feature, (List, LargeList)):
        return require_decoding(feature.feature, ignore_decode_attribute)
    return hasattr(feature, "decode_example") and (ignore_decode_attribute or getattr(feature, "decode", True))


def _is_value_tree(feature: FeatureType) -> bool:
    """True for Value or Lists of Values: encoding only coerces scalars, so checking one element suffices."""
    if isinstance(feature, (List, LargeList)):
        return _is_value_tree(feature.feature)
    return isinstance(feature, Value)


def _first_non_empty(values: Any) -> Any:
    """The first element that is neither None nor an empty sequence (descending into sequences); else None."""
    for item in values:
        probe = item
        while isinstance(probe, (list, tuple)) and len(probe) > 0:
            probe = probe[0]
        if probe is not None and not (isinstance(probe, (list, tuple)) and len(probe) == 0):
            return item
    return None


def to_numpy_if_tensor(value: Any) -> Any:
    """Turn array-likes that are not numpy (torch tensors, ...) into numpy arrays; others unchanged.

    Duck-typed so that this package never imports torch: ``detach``/``cpu`` are called when present and
    bfloat16 is widened to float32 first.
    """
    if isinstance(value, _NOT_TENSORS) or not hasattr(value, "__array__"):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu()
        if str(getattr(value, "dtype", "")) == "torch.bfloat16":
            value = value.float()
    array = np.asarray(value)
    return array[()] if array.ndim == 0 else array


def encode_nested_example(feature: FeatureType, value: Any, *, top_level: bool = True) -> Any:
    """Encode a Python value for Arrow according to its feature (ClassLabel names -> ids, PIL -> bytes, ...).

    Lists of plain Values are only checked through their first non-empty element (as `datasets` does, so
    long token lists are not walked); lists of any other feature encode every element.
    """
    value = to_numpy_if_tensor(value)
    if isinstance(feature, dict):
        if value is None:
            if top_level:
                raise ValueError("Got None but expected a dictionary instead")
            return None
        return {name: encode_nested_example(sub, value.get(name), top_level=False) for name, sub in feature.items()}
    if isinstance(feature, (list, tuple)):
        feature = List(feature[0])
    if isinstance(feature, (List, LargeList)):
        if value is None:
            return None
        sub = feature.feature
        if isinstance(value, np.ndarray) and value.ndim > 1:
            value = list(value)  # Arrow converts 1-D arrays only
        if _is_value_tree(sub):
            first = _first_non_empty(value)
            encoded = encode_nested_example(sub, first, top_level=False) if first is not None else None
            try:
                changed = first is not None and bool(encoded != first)
            except ValueError:  # comparing arrays
                changed = False
            if not changed:
                return value if isinstance(value, np.ndarray) else list(value)
        return [encode_nested_example(sub, item, top_level=False) for item in value]
    if hasattr(feature, "encode_example"):
        return None if value is None else feature.encode_example(value)
    return value


def decode_nested_example(feature: FeatureType, value: Any) -> Any:
    """Decode a value read from Arrow (Image -> PIL, Audio -> array dict); the rest is kept as is."""
    if value is None or not require_decoding(feature):
        return value
    if isinstance(feature, dict):
        return {
            name: decode_nested_example(feature[name], item) if name in feature else item
            for name, item in value.items()
        }
    if isinstance(feature, (list, tuple)):
        feature = List(feature[0])
    if isinstance(feature, (List, LargeList)):
        return [decode_nested_example(feature.feature, item) for item in value]
    return feature.decode_example(value)
