"""`Value`: a scalar column of one Arrow primitive type, named by its `datasets` dtype string."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from .dtypes import dtype_to_arrow

_DTYPE_ALIASES = {"float": "float32", "double": "float64"}


@dataclass(repr=False)
class Value:
    """A scalar of ``dtype`` (``"int64"``, ``"string"``, ``"timestamp[us]"``, ...).

    ``"float"`` and ``"double"`` are normalised to ``"float32"`` and ``"float64"`` as `datasets` does, so the
    stored metadata always carries the canonical name.
    """

    dtype: str
    id: str | None = field(default=None, repr=False)
    _type: ClassVar[str] = "Value"

    def __post_init__(self) -> None:
        self.dtype = _DTYPE_ALIASES.get(self.dtype, self.dtype)
        self._pa_type = dtype_to_arrow(self.dtype)

    @property
    def pa_type(self) -> pa.DataType:
        """The Arrow type of this column."""
        return self._pa_type

    def encode_example(self, value: Any) -> Any:
        """Coerce a Python value to the dtype's Python type (bool, int, float, str); others pass through.

        Unlike `datasets`, a float with a fractional part is not truncated into an int dtype: it raises.
        """
        types = pa.types
        pa_type = self._pa_type
        if types.is_boolean(pa_type):
            return bool(value)
        if types.is_integer(pa_type):
            if isinstance(value, (float, np.floating)) and not float(value).is_integer():
                raise ValueError(
                    f"{value!r} is not a whole number: storing it as {self.dtype} would truncate it; use a float "
                    "dtype, or round the values first"
                )
            return int(value)
        if types.is_floating(pa_type):
            return float(value)
        if types.is_string(pa_type) or types.is_large_string(pa_type) or types.is_string_view(pa_type):
            return str(value)
        return value

    def __repr__(self) -> str:
        return f"Value('{self.dtype}')"
