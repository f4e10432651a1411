"""The torch format, as `datasets`' ``TorchFormatter`` gives it: what ``ds.with_format("torch")[...]`` returns.

Values go Arrow -> NumPy (:mod:`.numpy_format`) -> tensors: ints become int64, floats float32 (``dtype=`` and
other ``torch.tensor`` keyword arguments override), bools bool; strings stay ``str``; a list cell is a 1-d
tensor (an empty list an empty one); a column's tensors are stacked when they agree in shape and dtype, else
returned as a list; a struct cell is a dict of tensors (a batch holds a list of them); a missing float is NaN.
Image columns are decoded by torchvision straight from their bytes to uint8 CHW (the Collator's path).

Deliberate difference: a missing value in an int or bool column (or inside a list of them) raises
`MissingValueError` naming the column and the row, unless ``fill_value=`` is given; `datasets` turns the
whole int column into float32 with NaN (changing ints above 2**24) and a bool column into a list.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import torch

from ..batching.missing import fill_missing, first_missing_row, holds_ints_or_bools
from ..errors import MissingValueError
from ..features import Features, Image, is_pil_image
from .formatters import TensorFormatter, unnest
from .numpy_format import column_to_numpy, is_plain_number, is_text


class TorchFormatter(TensorFormatter):
    """Torch format (see the module docstring)."""

    def __init__(self, features: Features | None, fill_value: Any = None, **torch_tensor_kwargs: Any):
        super().__init__(features)
        self.fill_value = fill_value
        self.torch_tensor_kwargs = torch_tensor_kwargs

    # ------------------------------------------------------------- tensorize
    def _tensorize(self, value: Any) -> Any:
        if isinstance(value, (str, bytes, type(None))):
            return value
        if isinstance(value, (np.character, np.ndarray)) and np.issubdtype(value.dtype, np.character):
            return value.tolist()
        default: dict[str, Any] = {}
        if isinstance(value, (np.number, np.ndarray)) and np.issubdtype(value.dtype, np.integer):
            default = {"dtype": torch.int64}
            if value.dtype in (np.uint16, np.uint32):
                value = value.astype(np.int64)
        elif isinstance(value, (np.number, np.ndarray)) and np.issubdtype(value.dtype, np.floating):
            default = {"dtype": torch.float32}
        if is_pil_image(value):
            value = np.asarray(value)
            if value.ndim == 2:
                value = value[:, :, np.newaxis]
            value = value.transpose((2, 0, 1))
        return torch.tensor(value, **{**default, **self.torch_tensor_kwargs})

    def _tensorize_tree(self, value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return value if not self.torch_tensor_kwargs else value.to(**self.torch_tensor_kwargs)
        if hasattr(value, "__array__"):
            value = value.__array__()
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                return self.consolidate([self.tensorize(item) for item in value])
        elif isinstance(value, (list, tuple)):
            return self.consolidate([self.tensorize(item) for item in value])
        return self._tensorize(value)

    @staticmethod
    def consolidate(column: Any) -> Any:
        """A list of tensors of one shape and dtype stacked; any other list as it is."""
        if isinstance(column, list) and column:
            first = column[0]
            if all(isinstance(x, torch.Tensor) and x.shape == first.shape and x.dtype == first.dtype for x in column):
                return torch.stack(column)
        return column

    # ----------------------------------------------------------------- columns
    def _checked(self, name: str, column: pa.ChunkedArray) -> pa.ChunkedArray:
        """The column with missing ints/bools filled, or `MissingValueError` when no ``fill_value`` is set."""
        if not holds_ints_or_bools(column.type):
            return column
        start = 0
        for chunk in column.chunks:
            row = first_missing_row(chunk)
            if row is not None:
                if self.fill_value is None:
                    raise MissingValueError(name, start + row)
                return pa.chunked_array([fill_missing(c, self.fill_value) for c in column.chunks], type=column.type)
            start += len(chunk)
        return column

    def _image_column(self, name: str, feature: Image, column: pa.ChunkedArray) -> Any:
        """uint8 CHW tensors decoded by torchvision (stacked when alike); a missing image stays None."""
        from ..transforms.decode import decode_image_value

        values = column.to_pylist()
        if not feature.decode:
            return values
        tensors = [
            None if value is None else decode_image_value(value, mode=feature.mode, where=f"row {row}, column {name!r}")
            for row, value in enumerate(values)
        ]
        if self.torch_tensor_kwargs:
            tensors = [None if t is None else t.to(**self.torch_tensor_kwargs) for t in tensors]
        return self.consolidate(tensors)

    def _column(self, name: str, column: pa.ChunkedArray) -> Any:
        feature = self.features.get(name) if self.features is not None else None
        if isinstance(feature, Image):
            return self._image_column(name, feature, column)
        pa_type = column.type
        if is_text(pa_type) or pa.types.is_binary(pa_type) or pa.types.is_large_binary(pa_type):
            return column.to_pylist()  # bytes stay whole (`datasets` drops trailing zero bytes)
        if is_plain_number(pa_type) and not pa.types.is_temporal(pa_type):
            array = self._checked(name, column).to_numpy()
            return self._tensorize(array) if array.dtype != object else self.consolidate(self.tensorize(array))
        values = column_to_numpy(self._checked(name, column))
        if feature is not None and self.features is not None:
            values = self.features.decode_column(name, values)
        return self.consolidate(self.tensorize(values))

    # ----------------------------------------------------------------- formats
    def format_batch(self, table: pa.Table) -> dict[str, Any]:
        return {name: self._column(name, table.column(name)) for name in table.column_names}

    def format_row(self, table: pa.Table) -> dict[str, Any]:
        return unnest(self.format_batch(table))

    def format_column(self, table: pa.Table) -> Any:
        return self._column(table.column_names[0], table.column(0))
