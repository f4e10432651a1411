"""Format readers: data files -> Arrow record batches in bounded memory, one reader per `datasets` builder.

- `get_reader` builds the reader for a builder name and its `datasets` kwargs (``sep``, ``field``, ...).
- `infer_builder` picks the builder from file names as `datasets` does (most common extension).
- `read_files` reads several files of one split as batches of one unified schema.

Readers know Arrow, not torch; sources (:mod:`.source`) hide whether bytes are local or remote.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa

from ..errors import DataFileError, DataFilesNotFoundError
from .arrow import ArrowReader
from .compression import open_decompressed, strip_compression_extension
from .csv import CsvReader
from .json import JsonReader
from .parquet import ParquetReader
from .reader import WHOLE_FILE, Reader, ReadUnit, SourceLike
from .schema import align_batch, unify_schemas
from .source import DataSource, LocalSource, as_source
from .text import TextReader

READERS: dict[str, type[Reader]] = {
    reader.name: reader for reader in (ParquetReader, ArrowReader, JsonReader, CsvReader, TextReader)
}

EXTENSION_TO_BUILDER: dict[str, tuple[str, dict[str, Any]]] = {
    ".parquet": ("parquet", {}),
    ".geoparquet": ("parquet", {}),
    ".gpq": ("parquet", {}),
    ".arrow": ("arrow", {}),
    ".jsonl": ("json", {}),
    ".json": ("json", {}),
    ".ndjson": ("json", {}),
    ".csv": ("csv", {}),
    ".tsv": ("csv", {"sep": "\t"}),
    ".txt": ("text", {}),
}

# Extensions of `datasets` builders we do not implement: they still win the vote, so that an image folder
# with one stray .csv is reported as an unsupported imagefolder rather than read as that one CSV.
_UNSUPPORTED_EXTENSIONS: dict[str, str] = {
    **dict.fromkeys([".tar"], "webdataset"),
    **dict.fromkeys([".h5", ".hdf5"], "hdf5"),
    **dict.fromkeys([".lance"], "lance"),
    **dict.fromkeys([".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"], "imagefolder"),
    **dict.fromkeys([".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a"], "audiofolder"),
    **dict.fromkeys([".mp4", ".avi", ".mkv", ".mov", ".webm"], "videofolder"),
}

_PREFERRED = (".parquet", ".lance", ".arrow", ".jsonl", ".json", ".csv")


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


def infer_builder(file_names: Iterable[str]) -> tuple[str, dict[str, Any]]:
    """``(builder_name, builder_kwargs)`` for a list of data files, by their most common extension.

    As `datasets`' ``infer_module_for_data_files_list``: every suffix of a base name counts (compression
    suffixes are stripped first), ties go to parquet > lance > arrow > jsonl > json > csv, then to the
    alphabetically last; ``.tsv`` gives ``("csv", {"sep": "\\t"})``.

    Raises:
        DataFilesNotFoundError: no file has an extension of a known builder.
    """
    counts: Counter[str] = Counter()
    for file_name in file_names:
        base = strip_compression_extension(str(file_name).replace("\\", "/").rsplit("/", 1)[-1])
        counts.update("." + suffix.lower() for suffix in base.split(".")[1:])

    def rank(item: tuple[str, int]) -> tuple[Any, ...]:
        ext, count = item
        return (count, *(ext == preferred for preferred in _PREFERRED), ext)

    for ext, _ in sorted(counts.items(), key=rank, reverse=True):
        if ext in EXTENSION_TO_BUILDER:
            name, kwargs = EXTENSION_TO_BUILDER[ext]
            return name, dict(kwargs)
        if ext in _UNSUPPORTED_EXTENSIONS:
            return _UNSUPPORTED_EXTENSIONS[ext], {}
    raise DataFilesNotFoundError(
        f"no supported data files among the given files; extensions read: {sorted(EXTENSION_TO_BUILDER)}"
    )


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
    "EXTENSION_TO_BUILDER",
    "READERS",
    "WHOLE_FILE",
    "ArrowReader",
    "CsvReader",
    "DataSource",
    "JsonReader",
    "LocalSource",
    "ParquetReader",
    "ReadUnit",
    "Reader",
    "TextReader",
    "align_batch",
    "as_source",
    "get_reader",
    "infer_builder",
    "open_decompressed",
    "read_files",
    "strip_compression_extension",
    "unify_schemas",
]
