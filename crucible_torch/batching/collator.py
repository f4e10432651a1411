"""Feature-driven collate: a batch becomes tensors by what its Features say, not by guessing from values.

Rules: bool/int/float ``Value`` and ``ClassLabel`` -> tensors (int -> int64, float -> float32 unless
``keep_dtype``); strings/binary -> lists; equal-shape lists and images -> stacked tensors; ragged lists of
numbers -> a list of tensors, or with ``pad=True`` a padded tensor plus ``<column>_lengths``; ``Image`` ->
uint8 CHW (decoded straight from the stored bytes on the fast path); structs recurse.
The fast path takes the Arrow table a Dataset gathered for the batch and converts whole columns at once.

Value transforms with a batch-level last step (the classification preset's normalisation) run it once on the
stacked batch rather than once per image: in the DataLoader worker (the float batch written straight into
shared memory), or, with ``defer_finish=True`` (what :func:`~crucible_torch.batching.device.device_batches`
sets up), not at all: the uint8 batch travels as an :class:`~crucible_torch.batching.device.Unfinished` value
and the consumer finishes it on its device.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import torch

from ..errors import MissingValueError
from ..features import Audio, ClassLabel, Features, Image, LargeList, List, Value, is_pil_image
from ..features.json_paths import decode_json_columns, json_paths_of
from .missing import fill_missing, first_missing_row

_INT_TYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
_FLOAT_TYPES = {"float16", "float32", "float64", "float", "double"}
_TEXT_TYPES = {"string", "large_string", "binary", "large_binary"}
_KEEP = {
    "bool": torch.bool,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "uint16": torch.int32,
    "uint32": torch.int64,
    "uint64": torch.int64,
    "float16": torch.float16,
    "float32": torch.float32,
    "float": torch.float32,
    "float64": torch.float64,
    "double": torch.float64,
}


def _numeric_kind(feature: Any) -> str | None:
    """'bool', 'int' or 'float' for features stored as numbers; None otherwise."""
    if isinstance(feature, ClassLabel):
        return "int"
    if isinstance(feature, Value):
        if feature.dtype == "bool":
            return "bool"
        if feature.dtype in _INT_TYPES:
            return "int"
        if feature.dtype in _FLOAT_TYPES:
            return "float"
    return None


def _element(feature: Any) -> Any:
    return feature.feature if isinstance(feature, (List, LargeList)) else None


class Collator:
    """A picklable collate function for DataLoader, built from a dataset's Features.

    ``Collator(ds.features)`` (or ``ds.collate_fn``) turns a batch from ``Dataset.__getitems__`` into a dict of
    tensors and lists with one conversion per column. It also accepts plain lists of row dicts.
    ``defer_finish=True`` leaves batch-level transform steps to the consumer (see the module docstring).
    """

    def __init__(
        self,
        features: Features | Mapping[str, Any] | None = None,
        *,
        pad: bool = False,
        padding_value: float = 0,
        pad_to_multiple_of: int | None = None,
        padding_side: str = "right",
        keep_dtype: bool = False,
        fill_value: float | None = None,
        defer_finish: bool = False,
    ):
        if padding_side not in ("right", "left"):
            raise ValueError(f"padding_side must be 'right' or 'left', not {padding_side!r}")
        self.features = Features(features) if features is not None and not isinstance(features, Features) else features
        self.pad = pad
        self.padding_value = padding_value
        self.pad_to_multiple_of = pad_to_multiple_of
        self.padding_side = padding_side
        self.keep_dtype = keep_dtype
        self.fill_value = fill_value
        self.defer_finish = defer_finish

    def deferring(self) -> Collator:
        """A copy with ``defer_finish=True``."""
        copy = object.__new__(Collator)
        copy.__dict__.update(self.__dict__, defer_finish=True)
        return copy

    # ------------------------------------------------------------------ entry
    def __call__(self, batch: Any) -> Any:
        from .row_batch import RowBatch

        if isinstance(batch, RowBatch):
            if batch.is_plain:
                return self.collate_table(batch.table)
            columns = batch.collate_columns()
            return columns if isinstance(columns, pa.Table) else self.collate_columns(columns)
        if isinstance(batch, Sequence) and batch and isinstance(batch[0], Mapping):
            keys = list(batch[0])
            return self.collate_columns({k: [row[k] for row in batch] for k in keys})
        return torch.utils.data.default_collate(batch)

    def _dtype(self, feature: Any, kind: str) -> torch.dtype:
        if self.keep_dtype and isinstance(feature, Value):
            return _KEEP[feature.dtype]
        return {"bool": torch.bool, "int": torch.int64, "float": torch.float32}[kind]

    # ------------------------------------------------------- arrow fast path
    def collate_table(self, table: pa.Table) -> dict[str, Any]:
        """Collate the Arrow rows of one batch, column by column."""
        features = self.features or Features.from_arrow_schema(table.schema)
        out: dict[str, Any] = {}
        for name in table.column_names:
            chunked = table.column(name)
            column = chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks()
            self._put(out, name, self._collate_arrow(features.get(name), column, name))
        return out

    def _put(self, out: dict[str, Any], name: str, value: Any) -> None:
        if isinstance(value, _Padded):
            out[name], out[f"{name}_lengths"] = value.values, value.lengths
        else:
            out[name] = value

    def _numbers(self, array: pa.Array, feature: Any, kind: str, name: str) -> torch.Tensor:
        """A number column (or the values of a list column) as a tensor; a missing float is NaN."""
        if array.null_count:
            if self.fill_value is not None:
                array = fill_missing(array, self.fill_value)
            elif kind != "float":
                raise MissingValueError(name, first_missing_row(array))
        values = np.array(array.to_numpy(zero_copy_only=False))
        return torch.from_numpy(values).to(self._dtype(feature, kind))

    def _collate_arrow(self, feature: Any, array: pa.Array, name: str) -> Any:
        if isinstance(feature, Image):
            if not feature.decode:
                return array.to_pylist()
            return self._images(array.to_pylist(), feature.mode, name)
        if isinstance(feature, Audio):
            return self.collate_column(
                feature,
                [feature.decode_example(v) if v is not None else None for v in array.to_pylist()],
                name,
            )
        if isinstance(feature, dict):
            return {
                child: self._collate_arrow(sub, array.field(child), f"{name}.{child}") for child, sub in feature.items()
            }
        kind = _numeric_kind(feature)
        if kind is not None:
            return self._numbers(array, feature, kind, name)
        element = _element(feature)
        element_kind = _numeric_kind(element)
        if element_kind is not None and (
            pa.types.is_list(array.type)
            or pa.types.is_large_list(array.type)
            or pa.types.is_fixed_size_list(array.type)
        ):
            if element_kind != "float" and self.fill_value is None:
                row = first_missing_row(array)
                if row is not None:
                    raise MissingValueError(name, row)
            return self._lists(array, element, element_kind, name)
        values = array.to_pylist()
        if isinstance(feature, Value) and feature.dtype in _TEXT_TYPES:
            return values
        if json_paths_of(feature):  # Json collates as the Python values it holds, as in `datasets`
            values = decode_json_columns({name: values}, {name: feature})[name]
        return self.collate_column(feature, values, name)

    def _lists(self, array: pa.Array, element: Any, kind: str, name: str) -> Any:
        if array.null_count:
            return self.collate_column(List(element), array.to_pylist(), name)
        if pa.types.is_fixed_size_list(array.type):
            flat = self._numbers(array.flatten(), element, kind, name)
            return flat.reshape(len(array), array.type.list_size)
        offsets = array.offsets.to_numpy()
        lengths = np.diff(offsets)
        flat = self._numbers(array.flatten(), element, kind, name)
        if len(lengths) and (lengths == lengths[0]).all() and not self.pad:
            return flat.reshape(len(lengths), int(lengths[0]))
        rows = list(torch.split(flat, lengths.tolist()))
        return self._pad(rows) if self.pad else rows

    # ------------------------------------------------------ python values
    def collate_columns(self, batch: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
        """Collate a dict of decoded python columns (what a transform or a list of rows gives)."""
        out: dict[str, Any] = {}
        for name, values in batch.items():
            feature = self.features.get(name) if self.features is not None else None
            values = values if _unfinished(values) else list(values)
            self._put(out, name, self.collate_column(feature, values, name))
        return out

    def collate_column(self, feature: Any, values: list, name: str) -> Any:
        """One column of python values: by its feature when known, else by the values' own types."""
        if _unfinished(values):
            return self._finish(values)
        if not values:
            return values
        if isinstance(feature, dict) and all(isinstance(v, Mapping) for v in values):
            out: dict[str, Any] = {}
            for child, sub in feature.items():
                self._put(out, child, self.collate_column(sub, [v.get(child) for v in values], f"{name}.{child}"))
            return out
        kind = _numeric_kind(feature)
        if kind is not None and all(isinstance(v, (int, float, bool, np.generic)) for v in values):
            return torch.tensor(values, dtype=self._dtype(feature, kind))
        if kind is not None and any(v is None for v in values):
            missing = float("nan") if kind == "float" else self.fill_value
            if self.fill_value is not None:
                missing = self.fill_value
            if missing is None:
                raise MissingValueError(name, next(i for i, v in enumerate(values) if v is None))
            return torch.tensor([missing if v is None else v for v in values], dtype=self._dtype(feature, kind))
        if isinstance(feature, Image) and feature.decode:
            return self._images(values, feature.mode, name)
        element = _element(feature)
        element_kind = _numeric_kind(element)
        if element_kind is not None and all(isinstance(v, (list, tuple, np.ndarray, torch.Tensor)) for v in values):
            rows = [torch.as_tensor(np.asarray(v)).to(self._dtype(element, element_kind)) for v in values]
            if self.pad and all(r.dim() == 1 for r in rows):
                return self._pad(rows)
            return self._stack_or_list(rows)
        converted = [self.convert_value(feature, v) for v in values]
        if all(isinstance(v, torch.Tensor) for v in converted):
            return self._stack_or_list(converted)
        if all(isinstance(v, (bool, int, float)) and not isinstance(v, str) for v in converted):
            first = converted[0]
            kind = "bool" if isinstance(first, bool) else "int" if isinstance(first, int) else "float"
            return torch.tensor(converted, dtype=self._dtype(None, kind))
        return converted

    def convert_value(self, feature: Any, value: Any) -> Any:
        """One value (torch format of a row): numbers and arrays -> tensors, images -> uint8 CHW."""
        if value is None or isinstance(value, (str, bytes, torch.Tensor)):
            return value
        kind = _numeric_kind(feature)
        if kind is not None and isinstance(value, (int, float, bool, np.generic)):
            return torch.tensor(value, dtype=self._dtype(feature, kind))
        if is_pil_image(value) or (isinstance(feature, Image) and isinstance(value, Mapping)):
            from ..transforms.decode import decode_image_value

            return decode_image_value(value, mode=getattr(feature, "mode", None))
        if isinstance(value, np.ndarray):
            return self._from_numpy(value)
        if isinstance(value, np.generic):
            return self._from_numpy(np.asarray(value))
        if isinstance(value, Mapping):
            sub = feature if isinstance(feature, dict) else {}
            return {k: self.convert_value(sub.get(k), v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            element = _element(feature)
            converted = [self.convert_value(element, v) for v in value]
            if (
                converted
                and all(isinstance(v, torch.Tensor) for v in converted)
                and len({tuple(v.shape) for v in converted}) == 1
                and len({v.dtype for v in converted}) == 1
            ):
                return torch.stack(converted)
            if converted and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
                return torch.tensor(
                    value, dtype=torch.float32 if any(isinstance(v, float) for v in value) else torch.int64
                )
            return converted
        if isinstance(value, bool):
            return torch.tensor(value)
        if isinstance(value, int):
            return torch.tensor(value, dtype=torch.int64)
        if isinstance(value, float):
            return torch.tensor(value, dtype=torch.float32)
        return value

    def _from_numpy(self, array: np.ndarray) -> Any:
        if array.dtype == object:
            return [self.convert_value(None, v) for v in array]
        if np.issubdtype(array.dtype, np.integer) and not self.keep_dtype:
            array = array.astype(np.int64)
        elif np.issubdtype(array.dtype, np.floating) and not self.keep_dtype:
            array = array.astype(np.float32)
        if array.dtype.kind in "US":
            return array.tolist()
        return torch.from_numpy(np.array(array))

    def convert_row(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A decoded python row in torch format."""
        features = self.features or {}
        return {name: self.convert_value(features.get(name), value) for name, value in row.items()}

    # --------------------------------------------------------------- helpers
    def _images(self, values: list, mode: str | None, name: str) -> Any:
        from ..transforms.decode import decode_image_value

        tensors = []
        for row, value in enumerate(values):
            if value is None:
                raise ValueError(f"column {name!r}: row {row} of the batch has no image")
            if isinstance(value, torch.Tensor):
                tensors.append(value)
            else:
                tensors.append(decode_image_value(value, mode=mode, where=f"row {row} of the batch, column {name!r}"))
        return self._stack_or_list(tensors)

    def _finish(self, values: Any) -> Any:
        """Stack a column of transformed values and run their batch-level step once, here or (deferred) later."""
        stacked = self._stack_or_list(list(values))
        if not isinstance(stacked, torch.Tensor):  # shapes differ: finish each value alone
            return [values.finish(v) for v in stacked]
        if self.defer_finish:
            from .device import Unfinished

            return Unfinished(stacked, values.finish)
        dtype = getattr(values.finish, "dtype", None)
        if dtype is None or torch.utils.data.get_worker_info() is None:
            return values.finish(stacked)
        return values.finish(stacked, out=_shared_empty(stacked.shape, dtype))

    @staticmethod
    def _stack_or_list(tensors: list[torch.Tensor]) -> Any:
        """One stacked tensor when shapes and dtypes agree (in shared memory inside a DataLoader worker, as
        ``default_collate`` does, so the batch reaches the main process without another copy), else the list."""
        if not tensors or len({tuple(t.shape) for t in tensors}) != 1 or len({t.dtype for t in tensors}) != 1:
            return tensors
        if torch.utils.data.get_worker_info() is None:
            return torch.stack(tensors)
        first = tensors[0]
        return torch.stack(tensors, out=_shared_empty((len(tensors), *first.shape), first.dtype))

    def _pad(self, rows: list[torch.Tensor]) -> _Padded:
        lengths = torch.tensor([len(r) for r in rows], dtype=torch.int64)
        longest = int(lengths.max()) if len(rows) else 0
        if self.pad_to_multiple_of:
            m = self.pad_to_multiple_of
            longest = (longest + m - 1) // m * m
        dtype = rows[0].dtype if rows else torch.int64
        out = torch.full((len(rows), longest), self.padding_value, dtype=dtype)
        for i, r in enumerate(rows):
            if self.padding_side == "right":
                out[i, : len(r)] = r
            elif len(r):
                out[i, longest - len(r) :] = r
        return _Padded(out, lengths)


def _unfinished(values: Any) -> bool:
    """Whether ``values`` is a transforms ``UnfinishedColumn`` (only value transforms make one, so until their
    module is imported there is none, and importing it here would load torchvision for every collate)."""
    apply = sys.modules.get("crucible_torch.transforms.apply")
    return apply is not None and isinstance(values, apply.UnfinishedColumn)


def _shared_empty(shape: tuple[int, ...] | torch.Size, dtype: torch.dtype) -> torch.Tensor:
    """An uninitialised CPU tensor in shared memory, which a DataLoader worker hands to the main process without
    a copy (what ``default_collate`` does for the tensors it stacks)."""
    storage = torch.UntypedStorage._new_shared(math.prod(shape) * dtype.itemsize)
    return torch.empty(0, dtype=dtype).set_(storage, 0, tuple(shape))


class _Padded:
    """A padded column and its lengths, stored under ``name`` and ``name_lengths``."""

    def __init__(self, values: torch.Tensor, lengths: torch.Tensor):
        self.values, self.lengths = values, lengths


def collate(rows: Any, features: Features | Mapping[str, Any] | None = None, **options: Any) -> Any:
    """Functional form of :class:`Collator`: ``collate(batch, features, pad=True)``."""
    return Collator(features, **options)(rows)
