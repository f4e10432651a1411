"""`Json`: values of any JSON shape in one column, stored as JSON text in Arrow's canonical ``arrow.json`` type.

`datasets` 5.2 gives this type to a column whose values do not fit one Arrow type (``1`` in one row, ``"a"``
in the next; structs whose keys differ between rows; ``{}``), so each row reads back exactly as it was
written instead of being forced into a merged struct. The text is standard compact JSON with floats at full
precision (`datasets` writes it with ujson, which keeps 10 significant digits).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

JSON_TYPE = pa.json_()
_PROBED_STRINGS = 5


def _plain(value: Any) -> Any:
    """What ``json.dumps`` cannot encode itself: numpy scalars and arrays, dates (as ISO text)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} is not JSON serializable: {value!r}")


def json_dumps(value: Any) -> str:
    """``value`` as compact JSON text (no spaces, non-ASCII kept, floats at full precision)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain)


def is_json_text(text: str) -> bool:
    """Whether ``text`` parses as JSON."""
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def json_array(values: list[Any]) -> pa.Array:
    """A ``arrow.json`` array of ``values`` encoded as JSON text (None stays null)."""
    return pa.array([None if v is None else json_dumps(v) for v in values], JSON_TYPE)


@dataclass
class Json:
    """A column of arbitrary JSON values (objects, arrays, numbers, strings, booleans), decoded with ``json``.

    ``decode=False`` keeps the stored JSON text.
    """

    decode: bool = True
    id: str | None = field(default=None, repr=False)
    pa_type: ClassVar[pa.DataType] = JSON_TYPE
    _type: ClassVar[str] = "Json"

    def encode_example(self, value: Any) -> str | None:
        """JSON text for ``value``; a string that already parses as JSON is kept as that text (as `datasets`)."""
        if value is None:
            return None
        if isinstance(value, str) and is_json_text(value):
            return value
        return json_dumps(value)

    def decode_example(self, value: str | None, token_per_repo_id: Any = None) -> Any:
        """The Python value of stored JSON text."""
        if not self.decode:
            raise RuntimeError("Decoding is disabled for this feature. Please use Json(decode=True) instead.")
        return None if value is None else json.loads(value)

    def cast_storage(self, storage: pa.Array) -> pa.Array:
        """Any Arrow array as JSON text: strings that (in their first rows) parse as JSON are kept as they are,
        as `datasets` does; every other value is encoded."""
        if isinstance(storage.type, pa.JsonType):
            return storage
        types = pa.types
        if types.is_string(storage.type) or types.is_large_string(storage.type) or types.is_string_view(storage.type):
            probe = [v for v in storage[:_PROBED_STRINGS].to_pylist() if v is not None]
            if all(is_json_text(v) for v in probe):
                return pa.ExtensionArray.from_storage(JSON_TYPE, storage.cast(pa.string()))
        return json_array(storage.to_pylist())
