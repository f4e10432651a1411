"""The NumPy format, as `datasets`' ``NumpyFormatter`` gives it, and the Arrow -> NumPy extraction it shares
with the torch format.

Extraction: each column becomes a NumPy array (what ``pyarrow`` ``to_numpy`` gives); list columns become one
array per row, stacked when every row has the same shape, else an object array of rows. Tensorizing then
follows `datasets`: in a batch, integer arrays become int64 and float arrays float32 (``dtype=`` overrides);
in a row, scalars keep their dtype (a float64 value stays float64); strings are ``<U`` arrays (``np.str_``
in a row); images are HWC uint8 arrays.

Two deliberate differences, both so that no value changes: an integer column with missing values gives an
object array of its integers and None (`datasets` turns it into float32 with NaN, which changes integers
above 2**24), and binary values stay whole ``bytes`` (`datasets` makes an ``S`` array, which drops trailing
zero bytes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ..features import Features, is_pil_image
from .formatters import TensorFormatter, unnest


def _binary(pa_type: pa.DataType) -> bool:
    types = pa.types
    return types.is_binary(pa_type) or types.is_large_binary(pa_type) or types.is_fixed_size_binary(pa_type)


def _list_type(pa_type: pa.DataType) -> bool:
    types = pa.types
    return types.is_list(pa_type) or types.is_large_list(pa_type) or types.is_fixed_size_list(pa_type)


def _needs_exact(array: pa.Array) -> bool:
    """Whether pyarrow's conversion would change values: ints with nulls, bytes (anywhere inside lists)."""
    pa_type = array.type
    if pa.types.is_integer(pa_type):
        return array.null_count > 0
    if _binary(pa_type):
        return True
    if _list_type(pa_type):
        return _needs_exact(array.flatten())
    return False


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _exact_elements(array: pa.Array) -> np.ndarray:
    """The elements of ``array`` without pyarrow's lossy conversions (see the module docstring)."""
    pa_type = array.type
    if pa.types.is_integer(pa_type):
        numpy_type = np.dtype(pa_type.to_pandas_dtype()).type
        return _objects([None if v is None else numpy_type(v) for v in array.to_pylist()])
    if _binary(pa_type):
        return _objects(array.to_pylist())
    if pa.types.is_fixed_size_list(pa_type):
        size = pa_type.list_size
        values = _exact_elements(array.values)
        base = array.offset * size
        return _objects([None if not valid else values[base + i * size : base + (i + 1) * size]
                         for i, valid in enumerate(array.is_valid().to_pylist())])  # fmt: skip
    offsets = array.offsets.to_numpy()
    values = _exact_elements(array.values)
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    return _objects([values[offsets[i] : offsets[i + 1]] if valid[i] else None for i in range(len(array))])


def chunk_elements(array: pa.Array) -> list:
    """One chunk's values, one NumPy value per row (`datasets`' extraction, values kept exact)."""
    if _needs_exact(array):
        return list(_exact_elements(array))
    return list(array.to_numpy(zero_copy_only=False))


def is_plain_number(pa_type: pa.DataType) -> bool:
    """Numbers, bools and dates/times: one NumPy scalar per row, converted by pyarrow in one call."""
    types = pa.types
    return (
        types.is_integer(pa_type)
        or types.is_floating(pa_type)
        or types.is_boolean(pa_type)
        or (types.is_temporal(pa_type))
    )


def is_text(pa_type: pa.DataType) -> bool:
    types = pa.types
    return types.is_string(pa_type) or types.is_large_string(pa_type) or types.is_string_view(pa_type)


def column_to_numpy(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """One column as NumPy: stacked when its rows agree in shape, else an object array of rows."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    pa_type = column.type
    if is_plain_number(pa_type) and not (pa.types.is_integer(pa_type) and column.null_count):
        return np.asarray(column.to_numpy()) if len(column) else np.zeros(0, pa_type.to_pandas_dtype())
    if is_text(pa_type):
        values = column.to_pylist()
        return _objects(values) if column.null_count else np.asarray(values)
    if _binary(pa_type):
        return _objects(column.to_pylist())  # whole bytes (an ``S`` array would cut trailing zero bytes)
    rows = [row for chunk in chunks for row in chunk_elements(chunk)]
    arrays = [x for x in rows if isinstance(x, np.ndarray)]
    if arrays:
        first = arrays[0]
        ragged = any(
            (isinstance(x, np.ndarray) and (x.dtype == object or x.shape != first.shape))
            or (x is None and first.ndim > 0)
            or (isinstance(x, float) and np.isnan(x))
            for x in rows
        )
        if ragged:
            return _objects(rows)
    if rows and all(isinstance(x, np.integer) or x is None for x in rows) and any(x is None for x in rows):
        return _objects(rows)
    return np.asarray(rows) if rows else column.to_numpy()


def extract_batch(table: pa.Table) -> dict[str, np.ndarray]:
    return {name: column_to_numpy(table.column(name)) for name in table.column_names}


def _exact_object_array(value: Any) -> bool:
    """An object array of integers and None (an integer column with missing values): kept as is."""
    return (
        isinstance(value, np.ndarray)
        and value.dtype == object
        and all(v is None or isinstance(v, np.integer) for v in value)
        and any(v is None for v in value)
    )


class NumpyFormatter(TensorFormatter):
    """NumPy format (see the module docstring); ``np_array_kwargs`` (e.g. ``dtype=``) go to ``numpy.asarray``."""

    def __init__(self, features: Features | None, **np_array_kwargs: Any):
        super().__init__(features)
        self.np_array_kwargs = np_array_kwargs

    # ------------------------------------------------------------- tensorize
    def _tensorize(self, value: Any) -> Any:
        if isinstance(value, (str, bytes, type(None))):
            return value
        if isinstance(value, (np.character, np.ndarray)) and np.issubdtype(value.dtype, np.character):
            return value
        if isinstance(value, np.number):
            return value
        default: dict[str, Any] = {}
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer):
            default = {"dtype": np.int64}
        elif isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
            default = {"dtype": np.float32}
        if is_pil_image(value):
            return np.asarray(value, **self.np_array_kwargs)
        return np.asarray(value, **{**default, **self.np_array_kwargs})

    def _tensorize_tree(self, value: Any) -> Any:
        if hasattr(value, "detach") and hasattr(value, "cpu"):
            return self._tensorize(value.detach().cpu().numpy()[()])
        if _exact_object_array(value):
            return value
        if isinstance(value, np.ndarray) and value.dtype == object:
            return self.consolidate([self.tensorize(item) for item in value])
        if isinstance(value, (list, tuple)):
            return self.consolidate([self.tensorize(item) for item in value])
        return self._tensorize(value)

    @staticmethod
    def consolidate(column: Any) -> Any:
        """A list of arrays of one shape and dtype stacked; any other list as an object array."""
        if not isinstance(column, list):
            return column
        first = column[0] if column else None
        if column and all(
            isinstance(x, (np.ndarray, np.number, np.bool_)) and x.shape == first.shape and x.dtype == first.dtype
            for x in column
        ):
            return np.stack(column)
        return _objects(column)

    # ----------------------------------------------------------------- formats
    def format_batch(self, table: pa.Table) -> dict[str, Any]:
        batch = self._decode_batch(extract_batch(table))
        return {name: self.consolidate(self.tensorize(values)) for name, values in batch.items()}

    def convert_batch(self, batch: dict[str, list]) -> dict[str, Any]:
        """A batch of Python values (a stream's rows, a transform's output) in this format."""
        return {name: self.consolidate(self.tensorize(list(values))) for name, values in batch.items()}

    def format_row(self, table: pa.Table) -> dict[str, Any]:
        row = unnest(extract_batch(table))
        if self.features is not None:
            row = self.features.decode_example(row)
        return self.tensorize(row)

    def format_column(self, table: pa.Table) -> Any:
        name = table.column_names[0]
        column = column_to_numpy(table.column(0))
        if self.features is not None:
            column = self.features.decode_column(name, column)
        return self.consolidate(self.tensorize(column))
