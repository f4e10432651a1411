"""Format readers: data files -> Arrow record batches in bounded memory, one reader per `datasets` builder.

- `get_reader` builds the reader for a builder name and its `datasets` kwargs (``sep``, ``field``, ...).
- `read_files` reads several files of one split as batches of one unified schema.

Readers know Arrow, not torch; sources (:mod:`.source`) hide whether bytes are local or remote.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from ..errors import DataFileError
from .arrow import ArrowReader
from .compression import open_decompressed, strip_compression_extension
from .csv import CsvReader
from .filesystem import FilesystemSource
from .json import JsonReader
from .parquet import ParquetReader
from .reader import WHOLE_FILE, Reader, ReadUnit, SourceLike
from .schema import align_batch, unify_schemas
from .source import DataSource, LocalSource, as_source
from .text import TextReader
from .webdataset import WebDatasetReader

READERS: dict[str, type[Reader]] = {
    reader.name: reader for reader in (ParquetReader, ArrowReader, JsonReader, CsvReader, TextReader, WebDatasetReader)
}


def get_reader(builder_name: str, **builder_kwargs: Any) -> Reader:
    """The reader for a `datasets` builder name, configured with that builder's kwargs.

    Raises:
        ValueError: the builder is not one we read (the message lists those we do), or a kwarg is unknown to
            it (the message lists the accepted ones).
    """
    reader_class = READERS.get(builder_name)
    if reader_class is None:
        raise ValueError(
            f"crucible_torch cannot read {builder_name!r} data files; supported builders: {sorted(READERS)}"
        )
    accepted = [name for name in inspect.signature(reader_class.__init__).parameters if name != "self"]
    unknown = sorted(set(builder_kwargs) - set(accepted))
    if unknown:
        raise ValueError(f"the {builder_name} builder does not take {unknown}; it takes {accepted}")
    return reader_class(**builder_kwargs)


def read_files(
    builder: str | Reader,
    sources: Sequence[SourceLike],
    columns: Sequence[str] | None = None,
    **builder_kwargs: Any,
) -> Iterator[tuple[DataSource, pa.RecordBatch]]:
    """Read the files of one split as ``(source, batch)`` pairs that all share one schema.

    The schema is the reader's target schema (``features=``) or the `unify_schemas` of every file's schema
    (from metadata, or from its first chunk), so a column missing from a file comes back as nulls and ints
    meet floats as floats. ``columns`` keeps those columns, in that order.

    Raises:
        SchemaMismatchError: two files disagree on a column's type (both files and the column are named).
    """
    if isinstance(builder, Reader) and builder_kwargs:
        raise TypeError(f"builder kwargs {sorted(builder_kwargs)} cannot reconfigure an existing reader")
    reader = builder if isinstance(builder, Reader) else get_reader(builder, **builder_kwargs)
    resolved = [as_source(source) for source in sources]
    file_schemas = [(source, reader.read_schema(source)) for source in resolved]
    if reader.target_schema is not None:
        schema = reader.target_schema
    else:
        schema = unify_schemas([(source.name, file_schema) for source, file_schema in file_schemas])
        reader = reader.with_schema(schema)
    if columns is not None:
        missing = [c for c in columns if schema.get_field_index(c) < 0]
        if missing:
            raise DataFileError(
                f"no file has a column {missing[0]!r}; the columns are {schema.names}", column=missing[0]
            )
        schema = pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)
    for source, file_schema in file_schemas:
        present = [c for c in columns if file_schema.get_field_index(c) >= 0] if columns is not None else None
        for batch in reader.read(source, columns=present):
            yield source, align_batch(batch, schema, file=source.name)


__all__ = [
    "READERS",
    "WHOLE_FILE",
    "ArrowReader",
    "CsvReader",
    "DataSource",
    "FilesystemSource",
    "JsonReader",
    "LocalSource",
    "ParquetReader",
    "ReadUnit",
    "Reader",
    "TextReader",
    "WebDatasetReader",
    "align_batch",
    "as_source",
    "get_reader",
    "open_decompressed",
    "read_files",
    "strip_compression_extension",
    "unify_schemas",
]
