"""Arrow data with `Json` where values mix types: JSON Lines parsed by Arrow, and columns of Python values.

Both follow `datasets` 5.2's ``on_mixed_types="use_json"``: the values at the paths `mixed_type_paths`
finds are encoded as JSON text before Arrow sees them, and when Arrow still finds a column changing type
(``1`` then ``"a"``), that column's path is added and the data parsed again. The paths end up as `Json`
columns (or `Json` elements of lists, `Json` fields of structs); everything else keeps Arrow's own types.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.json as paj

from .cast import cast_table_to_features
from .features import Features
from .json import json_dumps
from .json_paths import JsonPath, add_path, encode_at, mixed_type_paths, path_of_arrow_error, with_json_at


def _encoded_lines(rows: Sequence[Any], paths: Sequence[JsonPath]) -> bytes:
    encoded = []
    for row in rows:
        for path in paths:
            row = encode_at(row, path)
        encoded.append(json_dumps(row))
    return "\n".join(encoded).encode()


def _parse(payload: bytes) -> pa.Table:
    return paj.read_json(io.BytesIO(payload), read_options=paj.ReadOptions(block_size=len(payload) + 1))


def with_json_types(table: pa.Table, paths: Sequence[JsonPath]) -> pa.Table:
    """``table`` with the values at ``paths`` (``(column, key or 0, ...)``, already JSON text) typed `Json`."""
    if not paths:
        return table
    features = Features.from_arrow_schema(table.schema)
    for name in features:
        below = [path[1:] for path in paths if path[0] == name]
        if below:
            features[name] = with_json_at(features[name], below)
    return cast_table_to_features(table, features)


def read_json_lines(
    data: bytes, paths: list[JsonPath], *, rows: Sequence[Any] | None = None, resolve_mixed: bool = True
) -> pa.Table:
    """Parse JSON Lines ``data`` with Arrow, the values at ``paths`` as `Json`.

    With ``resolve_mixed``, a column Arrow finds changing type is added to ``paths`` (which is updated in
    place, so the next chunk of a file can start from it) and ``data`` is parsed again. ``rows`` are the
    decoded lines when the caller has them already.

    Raises:
        pyarrow.ArrowInvalid: the data is not JSON Lines, or a column mixes types and ``resolve_mixed`` is
            off; ValueError: a line is not JSON (as ``json.loads`` says), or a mixed column lies inside a
            value already encoded.
    """
    payload = data
    if paths:
        rows = rows if rows is not None else decode_lines(data)
        payload = _encoded_lines(rows, paths)
    while True:
        try:
            table = _parse(payload)
            break
        except pa.ArrowInvalid as exc:
            if not resolve_mixed:
                raise
            rows = rows if rows is not None else decode_lines(data)
            path = path_of_arrow_error(str(exc), rows)
            if not path:
                raise
            add_path(paths, path)
            payload = _encoded_lines(rows, paths)
    return with_json_types(table, paths)


def decode_lines(data: bytes) -> list[Any]:
    """The values of the non-blank lines of JSON Lines ``data``."""
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def array_from_values(values: Sequence[Any]) -> pa.Array:
    """An Arrow array of Python ``values``, with `Json` wherever they mix types (``on_mixed_types="use_json"``).

    Values that fit one Arrow type convert as ``pyarrow.array`` converts them; a column of ``1`` and ``"a"``
    becomes a `Json` array, lists of differently keyed structs become lists of `Json`, and so on.
    """
    paths = mixed_type_paths(values, include_root=True)
    encoded = list(values)
    for path in paths:
        encoded = [encode_at(value, path) for value in encoded]
    try:
        array = pa.array(encoded)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        rows = [{"obj": value} for value in values]
        table = read_json_lines(_encoded_lines(rows, []), [("obj", *p) for p in paths], rows=rows)
        return table.column("obj").combine_chunks()
    if not paths:
        return array
    return with_json_types(pa.table({"obj": array}), [("obj", *p) for p in paths]).column("obj").combine_chunks()
