"""Casting Arrow data to the storage of `Features` (ints -> floats, label names -> ids, paths -> Image).

The rules follow `datasets`' ``cast_array_to_feature``: features with a ``cast_storage`` step (ClassLabel,
Image, Audio) convert their column themselves; structs and lists are rebuilt around their cast children;
anything else is an Arrow cast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import CrucibleError
from .features import Features
from .nested import FeatureType, get_nested_type
from .sequence import LargeList, List


class CastError(CrucibleError, ValueError, TypeError):
    """Data could not be cast to the requested features; names the column and both types.

    A ``ValueError`` (as `datasets`' CastError for mismatched columns) and a ``TypeError`` (as its error for
    impossible type casts), so callers written for either keep working.
    """

    def __init__(self, message: str, *, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


def cast_array_to_feature(
    array: pa.Array | pa.ChunkedArray, feature: FeatureType, allow_primitive_to_str: bool = True
) -> pa.Array | pa.ChunkedArray:
    """Cast one Arrow array (or chunked array) to the storage type of ``feature``.

    Raises ``TypeError`` for impossible casts and ``pyarrow.ArrowInvalid`` for values that do not fit.
    ``allow_primitive_to_str=False`` refuses to turn numbers, bools or decimals into strings (`datasets` uses
    it when it only *tries* to keep a column's old type).
    """
    if isinstance(array, pa.ChunkedArray):
        chunks = [cast_array_to_feature(chunk, feature, allow_primitive_to_str) for chunk in array.chunks]
        return pa.chunked_array(chunks, type=get_nested_type(feature) if not chunks else None)
    if isinstance(array, pa.ExtensionArray):
        array = array.storage
    if hasattr(feature, "cast_storage"):
        return feature.cast_storage(array)
    types = pa.types
    if types.is_null(array.type):
        return pa.nulls(len(array), get_nested_type(feature))
    if types.is_struct(array.type):
        if isinstance(feature, dict) and {f.name for f in array.type} <= set(feature):
            children = dict(zip([f.name for f in array.type], array.flatten(), strict=True))
            arrays = [
                cast_array_to_feature(children.get(name, pa.nulls(len(array))), sub, allow_primitive_to_str)
                for name, sub in feature.items()
            ]
            mask = array.is_null() if array.null_count else None
            return pa.StructArray.from_arrays(arrays, names=list(feature), mask=mask)
    elif types.is_list(array.type) or types.is_large_list(array.type) or types.is_fixed_size_list(array.type):
        if isinstance(feature, (List, LargeList)):
            return _cast_list(array, feature, allow_primitive_to_str)
    elif not isinstance(feature, (dict, list, tuple, List, LargeList)):
        target = get_nested_type(feature)
        if types.is_null(target):
            raise TypeError(f"Couldn't cast array of type {array.type} to {target}")
        textual = types.is_string(target) or types.is_large_string(target) or types.is_string_view(target)
        if textual and not allow_primitive_to_str and (types.is_primitive(array.type) or types.is_decimal(array.type)):
            raise TypeError(f"Not casting {array.type} to {target}: numbers are only turned into text on request")
        return array if array.type == target else array.cast(target)
    raise TypeError(f"Couldn't cast array of type\n{array.type}\nto\n{feature}")


def _list_offsets_with_nulls(array: pa.Array) -> pa.Array:
    """List offsets where a null list has a null offset (what ``from_arrays`` reads as a null list)."""
    offsets = array.offsets
    if not array.null_count:
        return offsets
    starts = pc.if_else(array.is_null(), pa.scalar(None, offsets.type), offsets[:-1])
    return pa.concat_arrays([starts, offsets[-1:]])


def _cast_list(array: pa.Array, feature: List | LargeList, allow_primitive_to_str: bool = True) -> pa.Array:
    """Cast the values of a list array, then change the list layout (list/large/fixed-size) with Arrow."""
    if pa.types.is_fixed_size_list(array.type):
        size = array.type.list_size
        values = array.values[array.offset * size : (array.offset + len(array)) * size]
        cast_values = cast_array_to_feature(values, feature.feature, allow_primitive_to_str)
        mask = array.is_null() if array.null_count else None
        rebuilt = pa.FixedSizeListArray.from_arrays(cast_values, size, mask=mask)
    else:
        cast_values = cast_array_to_feature(array.values, feature.feature, allow_primitive_to_str)
        if cast_values.type == array.values.type:
            rebuilt = array
        else:
            factory = pa.LargeListArray if pa.types.is_large_list(array.type) else pa.ListArray
            rebuilt = factory.from_arrays(_list_offsets_with_nulls(array), cast_values)
    target = get_nested_type(feature)
    return rebuilt if rebuilt.type == target else rebuilt.cast(target)


def cast_table_to_features(table: pa.Table, features: Features) -> pa.Table:
    """Cast every column of ``table`` to ``features`` (same names, any order), with the features' schema.

    Raises `CastError` naming the column, its Arrow type and the requested feature when a cast is impossible
    or a value does not fit, and listing the differences when the column names do not match.
    """
    if sorted(table.column_names) != sorted(features):
        missing = [name for name in features if name not in table.column_names]
        extra = [name for name in table.column_names if name not in features]
        raise CastError(
            f"Couldn't cast table with columns {table.column_names} to features with columns "
            f"{list(features)}: "
            f"missing columns {missing}, unexpected columns {extra}. Select or rename the columns first."
        )
    arrays = []
    for name, feature in features.items():
        column = table.column(name)
        try:
            arrays.append(cast_array_to_feature(column, feature))
        except (TypeError, ValueError, NotImplementedError, pa.ArrowException) as err:
            raise CastError(
                f"Couldn't cast column {name!r} from {column.type} to {feature!r} "
                f"(Arrow type {get_nested_type(feature)}): {err}",
                column=name,
            ) from err
    return pa.Table.from_arrays(arrays, schema=features.arrow_schema)


def _holds_ints(pa_type: pa.DataType) -> bool:
    if pa.types.is_integer(pa_type):
        return True
    if pa.types.is_struct(pa_type):
        return any(_holds_ints(field.type) for field in pa_type)
    value_type = getattr(pa_type, "value_type", None)
    return value_type is not None and _holds_ints(value_type)


def array_of_type(values: Any, pa_type: pa.DataType) -> pa.Array:
    """``pyarrow.array(values, type=pa_type)``, except that a float never silently becomes an int: pyarrow
    truncates Python ``0.5`` to ``0`` for an int type, so values bound for ints are inferred, then cast safely
    (a fractional float raises ``ArrowInvalid``)."""
    if not _holds_ints(pa_type):
        return pa.array(values, type=pa_type)
    try:
        inferred = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(values, type=pa_type)
    if inferred.type == pa_type:
        return inferred
    try:
        return inferred.cast(pa_type)
    except pa.ArrowNotImplementedError:
        return pa.array(values, type=pa_type)


def table_from_pydict(batch: Mapping[str, Any], features: Features) -> pa.Table:
    """Encode a ``{column: values}`` batch with ``features`` and build the Arrow table with their schema."""
    encoded = features.encode_batch(batch)
    schema = features.arrow_schema
    arrays = []
    for pa_field in schema:
        try:
            arrays.append(array_of_type(encoded[pa_field.name], pa_field.type))
        except (pa.ArrowException, TypeError, ValueError) as err:
            raise CastError(
                f"Couldn't convert column {pa_field.name!r} to {features[pa_field.name]!r} "
                f"(Arrow type {pa_field.type}): {err}",
                column=pa_field.name,
            ) from err
    return pa.Table.from_arrays(arrays, schema=schema)
