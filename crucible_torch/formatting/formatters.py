"""Output formats: python, arrow, pandas and custom transforms here; numpy and torch in their own modules.

A formatter turns an Arrow slice (already taken by row indices) into what ``__getitem__`` returns: a row, a
batch (dict of columns) or a single column. Features drive decoding (Image -> PIL in python format, uint8
arrays in numpy/torch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from ..features import Features

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


class TensorFormatter(Formatter):
    """What the numpy and torch formats share: values become arrays, walking dicts as `datasets`' ``map_nested``
    does; a subclass says how one non-dict value (a scalar, a list, an array) becomes its array."""

    def tensorize(self, value: Any) -> Any:
        """Dicts are walked; every other value is tensorized."""
        if isinstance(value, Mapping):
            return {key: self.tensorize(item) for key, item in value.items()}
        return self._tensorize_tree(value)

    def _tensorize_tree(self, value: Any) -> Any:
        raise NotImplementedError


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

    Image columns are decoded straight from their bytes (uint8 CHW) before the transform, at reduced JPEG scale
    when the transform tells its output size; other columns stay as in python format. With ``defer_finish``
    (batches for the Collator), transforms with a batch-level step leave it to the collate.
    """

    def __init__(
        self,
        features: Features | None,
        transforms: Mapping[str, Callable[[Any], Any]],
        defer_finish: bool = False,
    ):
        super().__init__(features)
        self.transforms = dict(transforms)
        self.defer_finish = defer_finish

    def _python_batch(self, table: pa.Table) -> dict[str, list]:
        from ..transforms.apply import apply_value_transforms

        return apply_value_transforms(table, self.features, self.transforms, self.defer_finish)


def make_formatter(
    format_type: str | None,
    features: Features | None,
    transform: Callable | Mapping[str, Callable] | None = None,
    defer_finish: bool = False,
    **format_kwargs: Any,
) -> Formatter:
    """The formatter for a dataset's current format state (``defer_finish``: see :class:`ValueTransformFormatter`)."""
    if format_type == "custom":
        if isinstance(transform, Mapping):
            return ValueTransformFormatter(features, transform, defer_finish)
        return CustomFormatter(features, transform)
    if format_type is None:
        return Formatter(features)
    if format_type == "numpy":
        from .numpy_format import NumpyFormatter

        return NumpyFormatter(features, **format_kwargs)
    if format_type == "torch":
        from .torch_format import TorchFormatter

        return TorchFormatter(features, **format_kwargs)
    if format_type == "arrow":
        return ArrowFormatter(features)
    if format_type == "pandas":
        return PandasFormatter(features)
    raise ValueError(f"Unknown format type {format_type!r}")
