"""The `datasets` dtype strings (``"int64"``, ``"timestamp[us, tz=UTC]"``, ...) and their Arrow types.

`Value(dtype)` stores the string in the schema metadata, so both directions must agree with `datasets`:
``dtype_to_arrow(arrow_to_dtype(t)) == t`` for every type a `Value` can hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa

_SIMPLE: dict[str, Callable[[], pa.DataType]] = {
    "null": pa.null,
    "bool": pa.bool_,
    "int8": pa.int8,
    "int16": pa.int16,
    "int32": pa.int32,
    "int64": pa.int64,
    "uint8": pa.uint8,
    "uint16": pa.uint16,
    "uint32": pa.uint32,
    "uint64": pa.uint64,
    "float16": pa.float16,
    "float32": pa.float32,
    "float64": pa.float64,
    "date32": pa.date32,
    "date64": pa.date64,
    "binary": pa.binary,
    "large_binary": pa.large_binary,
    "binary_view": pa.binary_view,
    "string": pa.string,
    "large_string": pa.large_string,
    "string_view": pa.string_view,
}

_TIMESTAMP = re.compile(r"^timestamp\[(s|ms|us|ns)(?:,\s*tz=([a-zA-Z0-9/_+\-:]*))?\]$")
_DURATION = re.compile(r"^duration\[(s|ms|us|ns)\]$")
_TIME = re.compile(r"^time(32|64)\[(s|ms|us|ns)\]$")
_DECIMAL = re.compile(r"^decimal(128|256)\((\d+),\s*(-?\d+)\)$")
_FIXED_BINARY = re.compile(r"^fixed_size_binary\[(\d+)\]$")

VALID_DTYPES_HINT = (
    "valid dtypes: " + ", ".join(_SIMPLE) + ", float (= float32), double (= float64), timestamp[us], "
    "timestamp[us, tz=UTC], duration[s], time32[s|ms], time64[us|ns], decimal128(10, 2), "
    "fixed_size_binary[16]"
)


def dtype_to_arrow(dtype: str) -> pa.DataType:
    """The Arrow type of a `datasets` dtype string; ``ValueError`` listing the valid ones if unknown."""
    if dtype == "json":
        raise ValueError("'json' is not a valid dtype, use the Json() feature instead")
    simple = _SIMPLE.get(dtype)
    if simple is not None:
        return simple()
    match = _TIMESTAMP.match(dtype)
    if match:
        return pa.timestamp(match.group(1), match.group(2))
    match = _DURATION.match(dtype)
    if match:
        return pa.duration(match.group(1))
    match = _TIME.match(dtype)
    if match:
        bits, unit = match.groups()
        if bits == "32" and unit in ("s", "ms"):
            return pa.time32(unit)
        if bits == "64" and unit in ("us", "ns"):
            return pa.time64(unit)
        raise ValueError(
            f"{unit} is not a valid unit for the pyarrow time{bits} type: time32 takes s or ms, time64 takes us or ns"
        )
    match = _DECIMAL.match(dtype)
    if match:
        bits, precision, scale = match.groups()
        factory = pa.decimal128 if bits == "128" else pa.decimal256
        return factory(int(precision), int(scale))
    match = _FIXED_BINARY.match(dtype)
    if match:
        return pa.binary(int(match.group(1)))
    try:  # other spellings pyarrow itself accepts, e.g. "utf8", "halffloat", "large_utf8"
        return pa.type_for_alias(dtype)
    except ValueError:
        pass
    raise ValueError(f"{dtype!r} is not a pyarrow data type that a Value can hold ({VALID_DTYPES_HINT})")


def arrow_to_dtype(pa_type: pa.DataType) -> str:
    """The `datasets` dtype string of a primitive Arrow type (a dictionary type gives its value type)."""
    types = pa.types
    if types.is_dictionary(pa_type):
        return arrow_to_dtype(pa_type.value_type)
    for name, factory in _SIMPLE.items():
        if pa_type == factory():
            return name
    if types.is_timestamp(pa_type):
        if pa_type.tz is None:
            return f"timestamp[{pa_type.unit}]"
        return f"timestamp[{pa_type.unit}, tz={pa_type.tz}]"
    if types.is_duration(pa_type):
        return f"duration[{pa_type.unit}]"
    if types.is_time32(pa_type):
        return f"time32[{pa_type.unit}]"
    if types.is_time64(pa_type):
        return f"time64[{pa_type.unit}]"
    if types.is_decimal128(pa_type):
        return f"decimal128({pa_type.precision}, {pa_type.scale})"
    if types.is_decimal256(pa_type):
        return f"decimal256({pa_type.precision}, {pa_type.scale})"
    if types.is_fixed_size_binary(pa_type):
        return f"fixed_size_binary[{pa_type.byte_width}]"
    raise ValueError(f"Arrow type {pa_type} does not have a datasets dtype equivalent.")
