"""The ``struct<bytes: binary, path: string>`` storage shared by file-backed features (`Image`, `Audio`).

A value holds the file's bytes, its path, or both (the path then only names the file, e.g. for its extension).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa

FILE_STORAGE_TYPE = pa.struct({"bytes": pa.binary(), "path": pa.string()})


def encode_file_reference(value: Any, kind: str) -> dict[str, Any] | None:
    """Encode a path (str or Path), raw bytes, or a ``{"bytes", "path"}`` dict; None for any other input.

    As in `datasets`, a dict whose path is an existing local file keeps only the path (the bytes are not
    duplicated), a `Path` is made absolute, and a dict with neither key set is an error naming ``kind``.
    """
    if isinstance(value, str):
        return {"path": value, "bytes": None}
    if isinstance(value, Path):
        return {"path": str(value.absolute()), "bytes": None}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"path": None, "bytes": bytes(value)}
    if isinstance(value, dict):
        path, data = value.get("path"), value.get("bytes")
        if path is not None and os.path.isfile(path):
            return {"bytes": None, "path": path}
        if data is not None or path is not None:
            return {"bytes": data, "path": path}
        raise ValueError(
            f"An {kind} sample should have one of 'path' or 'bytes' but they are missing or None in {value}."
        )
    return None


def cast_file_storage(storage: pa.Array, kind: str) -> pa.StructArray:
    """Cast paths (string), bytes (binary) or a struct with ``bytes`` and/or ``path`` to the file storage.

    Other struct fields are dropped, as in `datasets`. Raises ``TypeError`` naming ``kind`` for any
    other Arrow type.
    """
    types = pa.types
    mask = storage.is_null() if storage.null_count else None
    count = len(storage)
    if types.is_string(storage.type) or types.is_large_string(storage.type) or types.is_string_view(storage.type):
        data, path = pa.nulls(count, pa.binary()), storage.cast(pa.string())
    elif types.is_binary(storage.type) or types.is_large_binary(storage.type) or types.is_binary_view(storage.type):
        data, path = storage.cast(pa.binary()), pa.nulls(count, pa.string())
    elif types.is_struct(storage.type):
        children = dict(zip([f.name for f in storage.type], storage.flatten(), strict=True))
        data = children["bytes"].cast(pa.binary()) if "bytes" in children else pa.nulls(count, pa.binary())
        path = children["path"].cast(pa.string()) if "path" in children else pa.nulls(count, pa.string())
    elif types.is_null(storage.type):
        return pa.nulls(count, FILE_STORAGE_TYPE)
    else:
        raise TypeError(
            f"Couldn't cast {storage.type} to the {kind} storage {FILE_STORAGE_TYPE}: expected paths "
            "(string), file bytes (binary) or a struct with 'bytes' and/or 'path'"
        )
    return pa.StructArray.from_arrays([data, path], names=["bytes", "path"], mask=mask)
