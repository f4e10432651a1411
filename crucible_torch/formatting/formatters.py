"""Output formats of a map-style Dataset: python, numpy, torch, arrow, pandas, and custom transforms.

A formatter turns an Arrow slice (already taken by row indices) into what ``__getitem__`` returns: a row, a
batch (dict of columns) or a single column. Features drive decoding (Image -> PIL in python format, uint8
arrays in numpy/torch) and the tensor dtypes (int -> int64, float -> float32, as `datasets`' formatters do).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from ..features import Features, is_pil_image

FORMAT_ALIASES = {
    None: None,
    "python": None,
    "numpy": "numpy",
    "np": "numpy",
    "torch": "torch",
    "pt": "torch",
    "pytorch": "torch",
    "arrow": "arrow",
    "pa": "arrow",
    "pyarrow": "arrow",
    "pandas": "pandas",
    "pd": "pandas",
    "custom": "custom",
}


def canonical_format_type(type: str | None) -> str | None:
    """The canonical name of a format type, or a ValueError listing the valid ones."""
    try:
        return FORMAT_ALIASES[type]
    except (KeyError, TypeError):
        valid = sorted(k for k in FORMAT_ALIASES if k)
        raise ValueError(f"Unknown format type {type!r}. Valid format types are: None, {valid}") from None


def unnest(batch: Mapping[str, Any]) -> dict[str, Any]:
    """Row 0 of a one-row batch."""
    return {key: value[0] for key, value in batch.items()}


def _consolidate_numpy(values: list) -> Any:
    if (
        values
        and all(isinstance(v, (np.ndarray, np.number, np.bool_)) and np.shape(v) == np.shape(values[0]) for v in values)
        and len({np.asarray(v).dtype for v in values}) == 1
    ):
        return np.stack(values)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _tensorize_numpy(value: Any) -> Any:
    if isinstance(value, (str, bytes, type(None), np.number, np.bool_)):
        return value
    if isinstance(value, dict):
        return {k: _tensorize_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return _consolidate_numpy([_tensorize_numpy(v) for v in value])
    if is_pil_image(value):
        return np.asarray(value)
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float32(value)
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.integer) and value.dtype != np.int64:
            return value.astype(np.int64)
        if np.issubdtype(value.dtype, np.floating) and value.dtype != np.float32:
            return value.astype(np.float32)
    return value


class Formatter:
    """Python format: rows and batches of plain Python objects with features decoded."""

    def __init__(self, features: Features | None):
        self.features = features

    def _decode_batch(self, batch: dict[str, list]) -> dict[str, list]:
        if self.features is None:
            return batch
        return self.features.decode_batch(batch)

    def _python_batch(self, table: pa.Table) -> dict[str, list]:
        return self._decode_batch(table.to_pydict())

    def convert_batch(self, batch: dict[str, list]) -> dict[str, Any]:
        """Turn a decoded python batch into this format's batch."""
        return batch

    def format_batch(self, table: pa.Table) -> dict[str, Any]:
        return self.convert_batch(self._python_batch(table))

    def format_row(self, table: pa.Table) -> dict[str, Any]:
        return unnest(self.format_batch(table))

    def format_column(self, table: pa.Table) -> Any:
        return self.format_batch(table)[table.column_names[0]]


class NumpyFormatter(Formatter):
    """NumPy format: numeric columns as arrays (int64/float32 by default), images as HWC uint8 arrays."""

    def convert_batch(self, batch: dict[str, list]) -> dict[str, Any]:
        return {name: _tensorize_numpy(list(values)) for name, values in batch.items()}

    def format_row(self, table: pa.Table) -> dict[str, Any]:
        row = unnest(self._python_batch(table))
        return {name: _tensorize_numpy(value) for name, value in row.items()}


class TorchFormatter(Formatter):
    """Torch format: the same Feature-driven rules as :class:`crucible_torch.Collator`, per row or per batch."""

    def __init__(self, features: Features | None, **collate_options: Any):
        super().__init__(features)
        from ..batching.collator import Collator

        self.collator = Collator(features, **collate_options)

    def format_batch(self, table: pa.Table) -> dict[str, Any]:
        return self.collator.collate_table(table)

    def format_row(self, table: pa.Table) -> dict[str, Any]:
        return self.collator.convert_row(unnest(self._python_batch(table)))

    def convert_batch(self, batch: dict[str, list]) -> dict[str, Any]:
        return self.collator.collate_columns(batch)


class ArrowFormatter(Formatter):
    """Arrow format: ``pa.Table`` for rows and batches, ``pa.ChunkedArray`` for a column."""

    def format_batch(self, table: pa.Table) -> pa.Table:
        return table

    def format_row(self, table: pa.Table) -> pa.Table:
        return table

    def format_column(self, table: pa.Table) -> pa.ChunkedArray:
        return table.column(0)


class PandasFormatter(Formatter):
    """Pandas format (pandas is optional): DataFrame for rows and batches, Series for a column."""

    def format_batch(self, table: pa.Table) -> Any:
        return table.to_pandas(types_mapper=None)

    def format_row(self, table: pa.Table) -> Any:
        return table.to_pandas()

    def format_column(self, table: pa.Table) -> Any:
        return table.to_pandas()[table.column_names[0]]


class CustomFormatter(Formatter):
    """``set_transform``: a callable on the python batch dict, run at access time (also inside workers)."""

    def __init__(self, features: Features | None, transform: Callable[[dict], dict]):
        super().__init__(features)
        self.transform = transform

    def convert_batch(self, batch: dict[str, list]) -> dict[str, Any]:
        return self.transform(batch)

    def format_row(self, table: pa.Table) -> dict[str, Any]:
        return unnest(self.format_batch(table))


class ValueTransformFormatter(Formatter):
    """``with_transform({"image": tf, ...})``: applies a per-value transform to each value of the named columns.

    Image columns are decoded straight from their bytes through torchvision (uint8 CHW) before the transform,
    at reduced JPEG scale when the transform tells its output size; other columns stay as in python format.
    """

    def __init__(self, features: Features | None, transforms: Mapping[str, Callable[[Any], Any]]):
        super().__init__(features)
        self.transforms = dict(transforms)

    def _python_batch(self, table: pa.Table) -> dict[str, list]:
        from ..transforms.apply import apply_value_transforms

        return apply_value_transforms(table, self.features, self.transforms)


def make_formatter(
    format_type: str | None,
    features: Features | None,
    transform: Callable | Mapping[str, Callable] | None = None,
    **format_kwargs: Any,
) -> Formatter:
    """The formatter for a dataset's current format state."""
    if format_type == "custom":
        if isinstance(transform, Mapping):
            return ValueTransformFormatter(features, transform)
        return CustomFormatter(features, transform)
    if format_type is None:
        return Formatter(features)
    if format_type == "numpy":
        return NumpyFormatter(features)
    if format_type == "torch":
        return TorchFormatter(features, **format_kwargs)
    if format_type == "arrow":
        return ArrowFormatter(features)
    if format_type == "pandas":
        return PandasFormatter(features)
    raise ValueError(f"Unknown format type {format_type!r}")
