"""Python values -> Arrow: the one conversion behind from_dict/from_list, add_item/add_column and map outputs.

It follows `datasets`' ``TypedSequence``: values are made plain first (torch tensors and NumPy arrays keep their
dtype, an N-d array becomes nested lists of 1-d arrays, a 0-d array or tensor becomes a scalar, a PIL image
becomes its ``{bytes, path}`` storage), then Arrow converts the column in one call and infers its type. With a
``feature`` the result is cast to it (an impossible cast or a value that does not fit raises: a float is never
truncated into an int column). With a ``try_feature`` (a column's old feature in ``map``) the cast is tried
and dropped when the values do not fit, so the column takes the values' own type: a list written into a
string column makes a list column, a float written into an int column makes a float column. A value a
feature rejects (a class id out of range, an unknown class name) raises either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from ..features import (
    CastError,
    Features,
    FeatureType,
    Image,
    List,
    array_of_type,
    cast_array_to_feature,
    encode_nested_example,
    generate_from_arrow_type,
    get_nested_type,
    is_pil_image,
)
from ..features.nested import to_numpy_if_tensor

_CAST_FAILURES = (TypeError, pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


class MixedTypesError(CastError):
    """A column's values have types Arrow cannot hold in one column (``1`` and ``"a"``, a dict and a str)."""


def _is_filled(value: Any) -> bool:
    """Neither None nor an empty sequence, recursively (what decides whether a list needs walking)."""
    if value is None:
        return False
    if isinstance(value, (list, tuple)):
        return len(value) > 0 and _is_filled(value[0])
    return True


def _first_filled(values: Any) -> Any:
    for value in values:
        if _is_filled(value):
            return value
    return values[0] if len(values) else None


def _plain(value: Any, walk_all: bool) -> tuple[Any, bool]:
    """(value Arrow can convert, whether it changed). Lists are walked only when their first filled element
    changes, unless ``walk_all`` (the `datasets` trick that keeps long token lists cheap)."""
    converted = to_numpy_if_tensor(value)
    if converted is not value:  # a tensor
        return _plain(converted, walk_all)[0], True
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value[()], True
        if value.ndim == 1 and value.dtype != object:
            return value, False
        return [_plain(item, walk_all)[0] for item in value], True
    if isinstance(value, np.generic):
        return value, False
    if is_pil_image(value):
        return Image().encode_example(value), True
    if isinstance(value, Mapping):
        changed = not isinstance(value, dict)
        out = {}
        for key, item in value.items():
            out[key], item_changed = _plain(item, walk_all)
            changed |= item_changed
        return (out if changed else value), changed
    if isinstance(value, (list, tuple)):
        if not value:
            return value, False
        _, first_changed = _plain(_first_filled(value), walk_all)
        if first_changed or walk_all:
            return [_plain(item, walk_all)[0] for item in value], True
        return value, False
    kind = type(value).__name__  # pandas scalars, without importing pandas
    if kind == "Timestamp" and hasattr(value, "to_pydatetime"):
        return value.to_pydatetime(), True
    if kind == "Timedelta" and hasattr(value, "to_pytimedelta"):
        return value.to_pytimedelta(), True
    return value, False


def _ndarray_to_arrow(array: np.ndarray) -> pa.Array:
    """An N-d NumPy array as nested Arrow lists of its own dtype (Arrow itself converts 1-d arrays only)."""
    values = pa.array(np.ascontiguousarray(array).reshape(-1))
    for axis in range(array.ndim - 1, 0, -1):
        count = int(np.prod(array.shape[:axis]))
        offsets = pa.array(np.arange(count + 1, dtype=np.int32) * array.shape[axis], pa.int32())
        values = pa.ListArray.from_arrays(offsets, values)
    return values


def _column_values(values: Any) -> Any:
    """A column container (tensor, array, Series, tuple) as a list or an ndarray."""
    values = to_numpy_if_tensor(values)
    if type(values).__name__ == "Series" and hasattr(values, "tolist"):
        return values.tolist()
    if isinstance(values, np.ndarray) and values.dtype == object:
        return list(values)
    if isinstance(values, tuple):
        return list(values)
    return values


def values_to_arrow(values: Any, column: str | None = None) -> pa.Array | pa.ChunkedArray:
    """One column of values as an Arrow array of the type Arrow infers (see the module docstring)."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    values = _column_values(values)
    if isinstance(values, np.ndarray):
        return _ndarray_to_arrow(values) if values.ndim > 1 else pa.array(values)
    if not isinstance(values, list):
        raise TypeError(
            f"column {column!r}: expected a list, NumPy array or tensor of values, got {type(values).__name__}"
        )
    plain, _ = _plain(values, walk_all=False)
    try:
        return pa.array(plain)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    plain, _ = _plain(values, walk_all=True)
    try:
        return pa.array(plain)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise MixedTypesError(
            f"column {column!r}: the values have mixed types that one Arrow column cannot hold ({err}). "
            "Return one type per column, or pass features= with the type to store.",
            column=column,
        ) from err


def _inferred_feature(array: pa.Array | pa.ChunkedArray, values: Any) -> FeatureType:
    feature = generate_from_arrow_type(array.type)
    if isinstance(values, list) and not isinstance(values, np.ndarray):
        first = _first_filled(values)
        if is_pil_image(first):
            return Image()
        if isinstance(first, (list, tuple)) and first and is_pil_image(first[0]):
            return List(Image())
    return feature


def typed_column(
    values: Any,
    feature: FeatureType | None = None,
    try_feature: FeatureType | None = None,
    column: str | None = None,
) -> tuple[pa.Array | pa.ChunkedArray, FeatureType]:
    """(Arrow array, feature) of one column: cast to ``feature``, else to ``try_feature`` if the values fit it,
    else of the inferred type (see the module docstring)."""
    array = values_to_arrow(values, column)
    if feature is not None:
        try:
            return cast_array_to_feature(array, feature), feature
        except _CAST_FAILURES as err:
            raise CastError(
                f"column {column!r}: couldn't store values of type {array.type} as {feature!r}: {err}", column=column
            ) from err
    if try_feature is not None:
        try:
            return cast_array_to_feature(array, try_feature, allow_primitive_to_str=False), try_feature
        except _CAST_FAILURES:
            pass
    return array, _inferred_feature(array, values)


def _plain_value_tree(feature: FeatureType) -> bool:
    """Whether a feature holds only Values and Lists of them (no ClassLabel, Image or Audio to encode)."""
    from ..features import LargeList, Value

    if isinstance(feature, Value):
        return True
    if isinstance(feature, (List, LargeList)):
        return _plain_value_tree(feature.feature)
    if isinstance(feature, dict):
        return all(_plain_value_tree(sub) for sub in feature.values())
    return False


def encoded_column(values: Any, feature: FeatureType, column: str | None = None) -> pa.Array:
    """A column given with its feature by the user (from_dict/from_list/add_item): values are encoded by the
    feature first (class names -> ids, Python numbers coerced to the dtype), as `datasets` encodes them."""
    if _plain_value_tree(feature) and not isinstance(values, (pa.Array, pa.ChunkedArray)):
        try:
            return array_of_type(_column_values(values), get_nested_type(feature))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            pass
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = _column_values(values)
        values = [encode_nested_example(feature, _plain(v, False)[0]) for v in values]
    return typed_column(values, feature, column=column)[0]


def table_from_batch(batch: Mapping[str, Any], features: Features | None = None) -> tuple[pa.Table, Features]:
    """(table, features) for a dict of equal-length columns; ``features`` may name a subset of columns."""
    lengths = {name: len(values) for name, values in batch.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"Column lengths mismatch: {lengths}")
    arrays, out_features = [], {}
    for name, values in batch.items():
        feature = features.get(name) if features is not None else None
        if feature is not None:
            arrays.append(encoded_column(values, feature, name))
        else:
            array, feature = typed_column(values, column=name)
            arrays.append(array)
        out_features[name] = feature
    feats = Features(out_features)
    table = pa.Table.from_arrays(arrays, schema=feats.arrow_schema) if arrays else pa.table({})
    return table, feats


def table_from_rows(rows: list[Mapping[str, Any]], features: Features | None = None) -> tuple[pa.Table, Features]:
    """Like `datasets`' ``from_list``: the columns are the first row's keys; a key missing from a row is None.

    Nested dicts are unified by Arrow, so a key absent from some messages of a chat reads back as None.
    """
    names = list(rows[0]) if rows else []
    batch = {name: [row.get(name) for row in rows] for name in names}
    return table_from_batch(batch, features)
