"""`Dataset`: a map-style ``torch.utils.data.Dataset`` over a memory-mapped Arrow table.

Rows live in an Arrow table (usually memory-mapped from the cache, so workers share pages and a 10 GB split
costs no RAM). Reordering operations compose an indices mapping instead of copying rows. Access goes through
one Arrow gather per key and a formatter; ``__getitems__`` returns a :class:`RowBatch` that the Feature-driven
collate turns into tensors column by column. The operations live in mixins, one idea per module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import torch.utils.data

from ..arrow.fingerprint import random_fingerprint, update_fingerprint
from ..arrow.info import DatasetInfo
from ..arrow.table import ArrowTable
from ..batching.row_batch import RowBatch
from ..errors import MissingValueError
from ..features import Features
from ..formatting.formatters import Formatter, canonical_format_type, make_formatter, unnest
from .column import Column
from .columns import ColumnsMixin
from .construct import ConstructMixin
from .export import ExportMixin
from .grouping import GroupingMixin
from .processing import ProcessingMixin
from .reorder import ReorderMixin

_ITER_BATCH = 1000


class Dataset(
    ReorderMixin, ProcessingMixin, GroupingMixin, ColumnsMixin, ConstructMixin, ExportMixin, torch.utils.data.Dataset
):
    """A table of rows with Features, random access by index, and `datasets`' transformation API."""

    def __init__(
        self,
        arrow_table: pa.Table | ArrowTable,
        info: DatasetInfo | None = None,
        split: str | None = None,
        indices: np.ndarray | None = None,
        fingerprint: str | None = None,
    ):
        table = arrow_table if isinstance(arrow_table, ArrowTable) else ArrowTable(arrow_table)
        info = info.copy() if info is not None else DatasetInfo()
        schema_features = Features.from_arrow_schema(table.schema)
        if info.features is None:
            info.features = schema_features
        elif list(info.features) != table.schema.names:
            raise ValueError(f"Features {list(info.features)} do not match the table's columns {table.schema.names}")
        self._table = table
        self._info = info
        self._split = split
        self._indices = None if indices is None else np.asarray(indices, dtype=np.int64)
        self._fingerprint = fingerprint or random_fingerprint()
        self._format_type: str | None = None
        self._format_kwargs: dict[str, Any] = {}
        self._format_columns: list[str] | None = None
        self._output_all_columns = False
        self._transform: Callable | Mapping[str, Callable] | None = None

    # ----------------------------------------------------------------- copies
    def _replace(
        self,
        *,
        table: ArrowTable | None = None,
        indices: np.ndarray | None | bool = False,
        info: DatasetInfo | None = None,
        fingerprint: str | None = None,
        keep_format: bool = True,
    ) -> Dataset:
        """A new dataset sharing this one's storage, with the given parts replaced (``indices=None`` drops them)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        if table is not None:
            new._table = table
        if indices is not False:
            new._indices = None if indices is None else np.asarray(indices, dtype=np.int64)
        if info is not None:
            new._info = info
        new._fingerprint = fingerprint or random_fingerprint()
        if keep_format and new._format_columns is not None:
            # as `datasets`' transmit_format: columns that were not formatted stay so; new columns are formatted
            unformatted = set(self.column_names) - set(self._format_columns)
            new._format_columns = [c for c in new.column_names if c not in unformatted]
        if not keep_format:
            new._format_type, new._format_kwargs = None, {}
            new._format_columns, new._output_all_columns, new._transform = None, False, None
        return new

    def _new_fingerprint(self, transform: str, **args: Any) -> str:
        return update_fingerprint(self._fingerprint, transform, args)

    # ------------------------------------------------------------- properties
    @property
    def data(self) -> pa.Table:
        """The underlying Arrow table (before the indices mapping)."""
        return self._table.table

    @property
    def features(self) -> Features:
        """A copy of the features (changing it does not change the dataset; use ``cast`` for that)."""
        return self._info.features.copy()

    @property
    def info(self) -> DatasetInfo:
        return self._info

    @property
    def split(self) -> str | None:
        return self._split

    @property
    def builder_name(self) -> str | None:
        return self._info.builder_name

    @property
    def config_name(self) -> str | None:
        return self._info.config_name

    @property
    def column_names(self) -> list[str]:
        return list(self._info.features)

    @property
    def num_columns(self) -> int:
        return len(self._info.features)

    @property
    def num_rows(self) -> int:
        return len(self._indices) if self._indices is not None else self._table.num_rows

    @property
    def shape(self) -> tuple[int, int]:
        return (self.num_rows, self.num_columns)

    @property
    def cache_files(self) -> list[dict[str, str]]:
        """The Arrow files backing this dataset (empty when it lives in memory)."""
        return [{"filename": f} for f in self._table.cache_files]

    @property
    def format(self) -> dict[str, Any]:
        return {
            "type": self._format_type,
            "format_kwargs": dict(self._format_kwargs),
            "columns": self.column_names if self._format_columns is None else list(self._format_columns),
            "output_all_columns": self._output_all_columns,
        }

    @property
    def collate_fn(self) -> Callable[[Any], Any]:
        """``Collator(self.features)``: pass it to DataLoader for one Arrow gather + column-wise tensors per batch."""
        from ..batching.collator import Collator

        return Collator(self._info.features)

    def __len__(self) -> int:
        return self.num_rows

    def __repr__(self) -> str:
        return f"Dataset({{\n    features: {self.column_names},\n    num_rows: {self.num_rows}\n}})"

    # ----------------------------------------------------------------- access
    def _positions(self, key: Any) -> np.ndarray | slice:
        """Absolute row positions in the table for ``key`` (a slice when it is contiguous and unmapped)."""
        n = self.num_rows
        if isinstance(key, (bool, np.bool_)):
            raise TypeError("dataset index must be int, str, slice or collection of int, not bool")
        if isinstance(key, (int, np.integer)):
            k = int(key)
            if not -n <= k < n:
                raise IndexError(f"Index {k} out of range for dataset of length {n}.")
            if self._indices is None:
                return slice(k % n, k % n + 1)
            key = np.array([k % n])
        elif isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step == 1 and self._indices is None:
                return slice(start, max(start, stop))
            key = np.arange(start, stop, step)
        elif isinstance(key, range):
            key = np.arange(key.start, key.stop, key.step)
        else:
            key = np.asarray(key)
            if key.dtype == bool:
                if len(key) != n:
                    raise IndexError(f"Boolean mask of length {len(key)} for dataset of length {n}.")
                key = np.flatnonzero(key)
            elif key.size and not np.issubdtype(key.dtype, np.integer):
                raise TypeError(f"dataset index must be int, str, slice or collection of int, not {key.dtype}")
            key = key.astype(np.int64, copy=False).reshape(-1)
        if key.size:
            lowest, highest = int(key.min()), int(key.max())
            if highest >= n or lowest < -n:
                raise IndexError(f"Index {highest if highest >= n else lowest} out of range for dataset of length {n}.")
            if lowest < 0:
                key = np.where(key < 0, key + n, key)
        return self._indices[key] if self._indices is not None else key

    def _rows_table(self, key: Any) -> pa.Table:
        positions = self._positions(key)
        if isinstance(positions, slice):
            return self._table.slice_rows(positions.start, positions.stop)
        return self._table.gather(positions)

    def _formatter(
        self, format_type: str | None = None, transform: Any = None, defer_finish: bool = False
    ) -> Formatter:
        return make_formatter(format_type, self._info.features, transform, defer_finish, **self._format_kwargs)

    def _format(self, table: pa.Table, kind: str, defer_finish: bool = False) -> Any:
        """Format ``table`` as a row, a batch or a column, honouring the format columns (in table order);
        ``defer_finish`` leaves the batch-level steps of value transforms to a collate (``RowBatch``)."""
        columns = self._format_columns
        if columns is not None:
            columns = [c for c in table.column_names if c in columns]
        formatted_table = table.select(columns) if columns is not None else table
        formatter = self._formatter(self._format_type, self._transform, defer_finish)
        features = self._info.features
        if columns is not None and self._format_type not in (None, "custom") and features is not None:
            formatter.features = Features({c: features[c] for c in columns})
        if kind == "row":
            out = formatter.format_row(formatted_table)
        elif kind == "column":
            return formatter.format_column(formatted_table)
        else:
            out = formatter.format_batch(formatted_table)
        if columns is not None and self._output_all_columns and isinstance(out, dict):
            rest = [c for c in table.column_names if c not in columns]
            if rest:
                plain = Formatter(Features({c: features[c] for c in rest}))
                extra = plain.format_batch(table.select(rest))
                out.update(unnest(extra) if kind == "row" else extra)
        return out

    def __getitem__(self, key: Any) -> Any:
        """Row (int), batch (slice, range, list/array of ints or bools) or column (str) in the current format."""
        if isinstance(key, str):
            if key not in self.column_names:
                raise KeyError(f"Column {key!r} not in the dataset. Current columns: {self.column_names}")
            if self._format_type in ("arrow", "pandas"):
                return self._format(self._rows_table(slice(None)).select([key]), "column")
            return Column(self, key)
        if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
            return self._format_rows(self._rows_table(key), "row", [int(key) % max(self.num_rows, 1)])
        return self._format_rows(self._rows_table(key), "batch", key)

    def _format_rows(self, table: pa.Table, kind: str, key: Any, defer_finish: bool = False) -> Any:
        """``_format``, a missing-value error naming the dataset's row (``key`` selected the rows) instead of the
        batch's."""
        try:
            return self._format(table, kind, defer_finish)
        except MissingValueError as err:
            if isinstance(key, slice):
                rows = range(*key.indices(self.num_rows))
            else:
                rows = np.arange(self.num_rows)[np.asarray(key)] if np.asarray(key).dtype == bool else key
            row = int(rows[err.row]) % max(self.num_rows, 1)
            raise err.at(row, "of the dataset") from None

    def __getitems__(self, keys: list[int]) -> RowBatch:
        """A batch for ``DataLoader``: one Arrow gather; rows materialise only if a row-wise collate asks."""
        return RowBatch(
            self._rows_table(keys),
            self._info.features,
            self._format_type,
            self._format_columns,
            lambda table: self._format_rows(table, "batch", keys),
            lambda table: self._format_rows(table, "batch", keys, defer_finish=True),
        )

    def _single_column(self, name: str) -> Dataset:
        """This dataset reduced to column ``name`` in the same format (what :class:`Column` reads); a custom
        transform may need every column, so it keeps them."""
        if self._format_type == "custom":
            return self
        info = self._info.copy()
        info.features = Features({name: self._info.features[name]})
        view = self._replace(table=self._table.then("select", (name,)), info=info, fingerprint=self._fingerprint)
        view._format_columns, view._output_all_columns = None, False
        return view

    def __iter__(self) -> Iterator[Any]:
        """Rows in the current format; each is what ``self[i]`` returns (python and torch rows are cut from
        formatted batches, which gives the same values faster)."""
        for start in range(0, self.num_rows, _ITER_BATCH):
            rows = slice(start, start + _ITER_BATCH)
            batch_table = self._rows_table(rows)
            if self._format_type not in (None, "torch"):
                for i in range(batch_table.num_rows):
                    yield self._format_rows(batch_table.slice(i, 1), "row", [start + i])
                continue
            batch = self._format_rows(batch_table, "batch", rows)
            for i in range(batch_table.num_rows):
                yield {name: values[i] for name, values in batch.items()}

    def iter(self, batch_size: int, drop_last_batch: bool = False) -> Iterator[Any]:
        """Batches of ``batch_size`` rows in the current format."""
        stop = self.num_rows - self.num_rows % batch_size if drop_last_batch else self.num_rows
        for start in range(0, stop, batch_size):
            rows = slice(start, min(start + batch_size, stop))
            yield self._format_rows(self._rows_table(rows), "batch", rows)

    # ----------------------------------------------------------------- format
    def set_format(
        self,
        type: str | None = None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
        **format_kwargs: Any,
    ) -> None:
        """Set what ``__getitem__`` returns: python (None), numpy, torch, arrow or pandas, for ``columns``."""
        format_type = canonical_format_type(type)
        if isinstance(columns, str):
            columns = [columns]
        if columns is not None:
            missing = [c for c in columns if c not in self.column_names]
            if missing:
                raise ValueError(f"Columns {missing} not in the dataset. Current columns: {self.column_names}")
            columns = list(columns)
        transform = format_kwargs.pop("transform", None)
        if format_type == "custom" and transform is None:
            raise ValueError("The 'custom' format needs a transform: use set_transform(fn)")
        self._format_type = format_type
        self._format_kwargs = dict(format_kwargs)
        self._format_columns = columns
        self._output_all_columns = output_all_columns
        self._transform = transform if format_type == "custom" else None

    def with_format(
        self,
        type: str | None = None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
        **format_kwargs: Any,
    ) -> Dataset:
        """A copy of this dataset with :meth:`set_format` applied."""
        new = self._replace(fingerprint=self._fingerprint)
        new.set_format(type, columns, output_all_columns, **format_kwargs)
        return new

    def reset_format(self) -> None:
        self.set_format()

    @contextlib.contextmanager
    def formatted_as(
        self,
        type: str | None = None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
        **format_kwargs: Any,
    ) -> Iterator[None]:
        """Temporarily set the format inside a ``with`` block."""
        names = ("_format_type", "_format_kwargs", "_format_columns", "_output_all_columns", "_transform")
        saved = {name: getattr(self, name) for name in names}
        self.set_format(type, columns, output_all_columns, **format_kwargs)
        try:
            yield
        finally:
            self.__dict__.update(saved)

    def set_transform(
        self,
        transform: Callable[[dict], dict] | Mapping[str, Callable[[Any], Any]] | None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
    ) -> None:
        """Run ``transform`` on each accessed batch (``datasets`` semantics), or per value for a ``{column: fn}``.

        A mapping applies each function to every value of its column (e.g. a torchvision transform to each
        decoded image) and keeps the other columns. Both run inside DataLoader workers.
        """
        if transform is None:
            self.reset_format()
            return
        if isinstance(transform, Mapping):
            unknown = [c for c in transform if c not in self.column_names]
            if unknown:
                raise ValueError(f"Columns {unknown} not in the dataset. Current columns: {self.column_names}")
        self.set_format("custom", columns=columns, output_all_columns=output_all_columns, transform=transform)

    def with_transform(
        self,
        transform: Callable[[dict], dict] | Mapping[str, Callable[[Any], Any]] | None,
        columns: Sequence[str] | None = None,
        output_all_columns: bool = False,
    ) -> Dataset:
        """A copy of this dataset with :meth:`set_transform` applied."""
        new = self._replace(fingerprint=self._fingerprint)
        new.set_transform(transform, columns, output_all_columns)
        return new

    # ---------------------------------------------------------------- batches
    def batches(
        self, batch_size: int, seed: int | None = None, epoch: int = 0, drop_last: bool = True
    ) -> Sequence[Any]:
        """Batch ``k`` of epoch ``epoch`` by index: the cookbook's ``get_batch(k)`` in one call.

        ``seed=None`` keeps the dataset order; otherwise batch ``k`` is a pure function of (seed, epoch, k).
        ``drop_last=True`` gives ``len(self) // batch_size`` batches (floor), False keeps the short last one.
        """
        from ..batching.sampler import batches

        return batches(self, batch_size, seed=seed, epoch=epoch, drop_last=drop_last, fetch=self.__getitem__)

    # --------------------------------------------------------------- streaming
    def to_iterable_dataset(self, num_shards: int = 1) -> Any:
        """This dataset as an ``IterableDataset`` of ``num_shards`` contiguous row ranges (read in place)."""
        from ..iterable.from_table import dataset_to_iterable

        return dataset_to_iterable(self, num_shards)
