"""Parquet reader: one row group at a time, only the projected columns.

Reading whole files (``read_table``) or scanning with ``pyarrow.dataset`` buffers many row groups and has
OOM'd on files with large rows (datasets PR #6701, marin#4325: 8.8 GB vs 0.5 GB RSS for
``read_row_group``). We read row group by row group, so peak memory is one row group of the requested
columns, and a ``ReadUnit`` is a row-group range: on a seekable remote file only the footer and those row
groups are fetched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import DataFileError
from .compression import compression_of
from .reader import Reader, ReadUnit, SourceLike
from .source import DataSource, as_source

Filters = pc.Expression | list[tuple[Any, ...]] | list[list[tuple[Any, ...]]]

_CORRUPT_HINT = "the file is truncated or corrupt; delete it and download it again"


class _OpenParquet:
    """A `pq.ParquetFile` over a source, closing whatever it opened; errors name the file."""

    def __init__(self, source: DataSource) -> None:
        self.source = source
        if compression_of(source.name):
            raise DataFileError(
                "compressed parquet files are not supported",
                file=source.name,
                hint="parquet compresses its pages itself; store the .parquet file uncompressed",
            )
        self._file = None if source.local_path else source.open()
        try:
            self.parquet = pq.ParquetFile(self._file if self._file is not None else source.local_path)
        except (pa.ArrowInvalid, OSError) as exc:
            self.close()
            raise DataFileError(f"not a readable parquet file: {exc}", file=source.name, hint=_CORRUPT_HINT) from exc

    def close(self) -> None:
        if getattr(self, "parquet", None) is not None:
            self.parquet.close()
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> pq.ParquetFile:
        return self.parquet

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ParquetReader(Reader):
    """Reads parquet files by row group, as the `datasets` parquet builder.

    Args:
        columns: columns to load, kept in file order as `datasets` does (default all); ``read(columns=...)``
            overrides it and keeps its own order.
        batch_size: at most this many rows per batch; default one batch per row group.
        filters: rows to keep, as a ``pyarrow.compute.Expression`` or DNF tuples (``[("a", ">", 1)]``),
            applied to each row group after reading.
        features: schema to cast every batch to.
    """

    name = "parquet"

    def __init__(
        self,
        *,
        columns: Sequence[str] | None = None,
        batch_size: int | None = None,
        filters: Filters | None = None,
        features: Any = None,
    ) -> None:
        super().__init__(features=features)
        if batch_size is not None and batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.columns = list(columns) if columns is not None else None
        self.batch_size = batch_size
        self.filters = filters
        self._filter = pq.filters_to_expression(filters) if isinstance(filters, list) else filters

    def units(self, source: SourceLike) -> list[ReadUnit]:
        """One unit per row group, with its row count (an upper bound when filtering) and uncompressed size from
        the footer."""
        with _OpenParquet(as_source(source)) as parquet:
            metadata = parquet.metadata
            groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
            return [
                ReadUnit("row_groups", i, i + 1, g.num_rows, exact=self._filter is None, num_bytes=g.total_byte_size)
                for i, g in enumerate(groups)
            ]

    def read_schema(self, source: SourceLike) -> pa.Schema:
        """The file's Arrow schema from its footer (or the target schema), projected to ``columns``."""
        if self.target_schema is not None:
            schema = self.target_schema
        else:
            with _OpenParquet(as_source(source)) as parquet:
                schema = parquet.schema_arrow
        if self.columns is None:
            return schema
        return pa.schema([field for field in schema if field.name in self.columns], metadata=schema.metadata)

    def read(
        self, source: SourceLike, *, columns: Sequence[str] | None = None, unit: ReadUnit | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Yield the rows of the file (or of the unit's row groups), a row group (or batch_size) at a time."""
        source = as_source(source)
        unit = self._check_unit(unit, "row_groups")
        with _OpenParquet(source) as parquet:
            names = parquet.schema_arrow.names
            if columns is None and self.columns is not None:
                columns = [name for name in names if name in self.columns] + [
                    name for name in self.columns if name not in names
                ]
            for column in columns or ():
                if column not in names:
                    raise DataFileError(
                        f"no column {column!r}; the columns are {names}", file=source.name, column=column
                    )
            start, end = (0, parquet.num_row_groups) if unit.kind == "file" else (unit.start, unit.end)
            if not 0 <= start <= end <= parquet.num_row_groups:
                raise ValueError(f"{source.name}: row groups [{start}, {end}) outside [0, {parquet.num_row_groups})")
            to_read = self._columns_to_read(columns)
            for index in range(start, end):
                try:
                    table = parquet.read_row_group(index, columns=to_read)
                except (pa.ArrowInvalid, OSError) as exc:
                    raise DataFileError(
                        f"cannot read row group: {exc}", file=source.name, row_group=index, hint=_CORRUPT_HINT
                    ) from exc
                if self._filter is not None:
                    table = table.filter(self._filter)
                for batch in table.to_batches(max_chunksize=self.batch_size):
                    yield self._finish(batch, columns, source.name)

    def _columns_to_read(self, columns: list[str] | None) -> list[str] | None:
        """The projection plus the columns the filter needs (all columns for an opaque Expression)."""
        if columns is None or self._filter is None:
            return columns
        if not isinstance(self.filters, list):
            return None
        clauses = [c for group in self.filters for c in (group if isinstance(group, list) else [group])]
        return columns + [name for name, *_ in clauses if name not in columns]
