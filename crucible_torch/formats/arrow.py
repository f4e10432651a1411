"""Arrow IPC reader: the file format (``ARROW1`` magic) and the stream format `datasets` writes.

Local uncompressed files are memory-mapped, so reading them costs page cache rather than heap; batches come
out as stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from ..errors import DataFileError
from .compression import compression_of, open_decompressed
from .reader import WHOLE_FILE, Reader, ReadUnit, SourceLike
from .source import DataSource, as_source, peekable

_FILE_MAGIC = b"ARROW1"
_CORRUPT_HINT = "the file is truncated or corrupt; delete it and write or download it again"


@contextmanager
def _open_ipc(source: DataSource) -> Iterator[Any]:
    """An IPC file or stream reader over ``source``; Arrow errors become `DataFileError`s."""
    local = source.local_path if not compression_of(source.name) else None
    f = pa.memory_map(local) if local else peekable(open_decompressed(source))
    try:
        head = f.read_at(len(_FILE_MAGIC), 0) if local else f.peek(len(_FILE_MAGIC))
        try:
            is_file_format = head[: len(_FILE_MAGIC)] == _FILE_MAGIC
            reader = pa.ipc.open_file(f) if is_file_format else pa.ipc.open_stream(f)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataFileError(f"not a readable Arrow IPC file: {exc}", file=source.name, hint=_CORRUPT_HINT) from exc
        yield reader
    finally:
        f.close()


def _iter_batches(reader: Any) -> Iterator[pa.RecordBatch]:
    if isinstance(reader, pa.ipc.RecordBatchFileReader):
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
    else:
        yield from reader


class ArrowReader(Reader):
    """Reads Arrow IPC files (file or stream format), as the `datasets` arrow builder.

    Args:
        features: schema to cast every batch to.
    """

    name = "arrow"

    def __init__(self, *, features: Any = None) -> None:
        super().__init__(features=features)

    def units(self, source: SourceLike) -> list[ReadUnit]:
        """One unit per file; its row count is exact for local files (read from the memory map)."""
        source = as_source(source)
        if not source.local_path or compression_of(source.name):
            return [WHOLE_FILE]
        with _open_ipc(source) as reader:
            rows = sum(batch.num_rows for batch in _iter_batches(reader))
        return [ReadUnit("file", num_rows=rows, exact=True)]

    def read_schema(self, source: SourceLike) -> pa.Schema:
        """The schema stored at the head of the file (or the target schema)."""
        if self.target_schema is not None:
            return self.target_schema
        with _open_ipc(as_source(source)) as reader:
            return reader.schema

    def read(
        self, source: SourceLike, *, columns: Sequence[str] | None = None, unit: ReadUnit | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Yield the record batches of the file as stored."""
        source = as_source(source)
        self._check_unit(unit)
        with _open_ipc(source) as reader:
            index = 0
            try:
                for batch in _iter_batches(reader):
                    batch.validate()
                    yield self._finish(batch, columns, source.name)
                    index += 1
            except (pa.ArrowInvalid, OSError) as exc:
                raise DataFileError(
                    f"cannot read record batch {index}: {exc}", file=source.name, hint=_CORRUPT_HINT
                ) from exc
