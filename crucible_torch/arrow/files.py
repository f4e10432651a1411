"""Arrow IPC files on disk: written streaming and atomically, read back memory-mapped.

The files use the Arrow IPC *stream* format, as `datasets` does for its cache and ``save_to_disk`` files, so
either library reads what the other wrote. A writer streams record batches to a unique temp file and publishes
it on success (fsync, then rename: :mod:`crucible_torch.hub.atomic`); a crash leaves only a temp file that no
reader ever opens. :func:`write_tables` is the one way to write a stream of tables whose schema may only be
known from the first one.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa

from ..hub.atomic import discard, publish, temp_path

DEFAULT_WRITER_BATCH_BYTES = 64 << 20
INCOMPLETE_SUFFIX = "incomplete"
"""Suffix of a writer's temp file (``.{name}.{hex}.incomplete`` beside the destination)."""


class ArrowWriter:
    """Streams record batches into an Arrow IPC file that appears at ``path`` only once complete.

    Small batches are coalesced into chunks of about ``batch_bytes``; batches of at least a quarter of that are
    written as they come, without a copy. Few large chunks make random gathers over the memory-mapped file cheap
    (a 256-row gather from a 1M-row text table costs 4.7 ms with 1000-row chunks and 0.45 ms with 100k-row chunks
    on the reference machine) while the writer holds at most one chunk in memory. ``on_chunk(rows_so_far,
    byte_start, byte_end)`` is called after each chunk reaches the temp file (:attr:`temp_path`), so a reader can
    serve those rows before the file is complete. Use as a context manager: leaving it with an exception deletes
    the temp file. ``expected_rows``, when given, is checked before the file is published: a mismatch deletes
    the temp file and raises, so a wrong file never reaches ``path``.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        schema: pa.Schema,
        batch_bytes: int = DEFAULT_WRITER_BATCH_BYTES,
        on_chunk: Callable[[int, int, int], None] | None = None,
        expected_rows: int | None = None,
    ):
        self.path = Path(path)
        self.on_chunk = on_chunk
        self.expected_rows = expected_rows
        self.schema = schema
        self.batch_bytes = batch_bytes
        self.num_rows = 0
        self.num_bytes = 0
        self._pending: list[pa.RecordBatch] = []
        self._pending_bytes = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.temp_path = temp_path(self.path, INCOMPLETE_SUFFIX)
        self._sink = pa.OSFile(str(self._tmp), "wb")
        self._writer = pa.ipc.new_stream(self._sink, schema)

    def write_batch(self, batch: pa.RecordBatch | pa.Table) -> None:
        """Write rows: large batches at once, small ones once enough have been queued."""
        batches = batch.to_batches() if isinstance(batch, pa.Table) else [batch]
        for b in batches:
            if b.schema != self.schema:
                b = pa.RecordBatch.from_arrays(
                    [b.column(i).cast(f.type) for i, f in enumerate(self.schema)], schema=self.schema
                )
            if b.nbytes >= self.batch_bytes // 4:
                self._flush()
                self._write(b)
                continue
            self._pending.append(b)
            self._pending_bytes += b.nbytes
            if self._pending_bytes >= self.batch_bytes:
                self._flush()

    def write_table(self, table: pa.Table) -> None:
        self.write_batch(table)

    def _write(self, batch: pa.RecordBatch) -> None:
        start = self._sink.tell()
        self._writer.write_batch(batch)
        self.num_rows += batch.num_rows
        self.num_bytes += batch.nbytes
        if self.on_chunk is not None:
            self.on_chunk(self.num_rows, start, self._sink.tell())

    def _flush(self) -> None:
        if not self._pending:
            return
        if len(self._pending) == 1:
            self._write(self._pending[0])
        else:
            for out in pa.Table.from_batches(self._pending, schema=self.schema).combine_chunks().to_batches():
                self._write(out)
        self._pending, self._pending_bytes = [], 0

    def close(self) -> Path:
        """Write what is left, check the row count and publish the file; returns the final path."""
        try:
            self._flush()
            self._writer.close()
            self._sink.close()
            if self.expected_rows is not None and self.num_rows != self.expected_rows:
                raise RowCountError(
                    f"{self.path}: wrote {self.num_rows} rows but the source metadata said {self.expected_rows}; the "
                    "source changed while it was read. Nothing was cached; load again."
                )
        except BaseException:
            self.abort()
            raise
        return publish(self._tmp, self.path)

    def detach(self) -> Path:
        """Finish the temp file but leave it unnamed: the caller reads it, then deletes it (the final path is
        untouched)."""
        self._flush()
        self._writer.close()
        self._sink.close()
        return self._tmp

    def abort(self) -> None:
        """Drop the temp file; the final path is untouched."""
        if not self._sink.closed:
            try:
                self._writer.close()
            except pa.ArrowException:  # already failing: the error that got us here is the one to report
                pass
            self._sink.close()
        discard(self._tmp)

    def __enter__(self) -> ArrowWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class RowCountError(RuntimeError):
    """An Arrow file did not get the number of rows its source promised; nothing was published."""


def write_tables(
    path: str | os.PathLike,
    tables: Iterable[pa.RecordBatch | pa.Table],
    schema: pa.Schema | None = None,
    *,
    schema_of_first: Callable[[pa.Schema], pa.Schema] | None = None,
    expected_rows: int | None = None,
) -> tuple[Path, int]:
    """Write ``tables`` atomically to ``path``; returns (path, number of rows).

    The file's schema is ``schema``, else the first table's (passed through ``schema_of_first``), else empty.
    Nothing is created before the first table arrives, and a failure anywhere leaves ``path`` as it was.
    """
    stream = iter(tables)
    first = next(stream, None)
    if schema is None:
        schema = pa.schema([]) if first is None else first.schema
        if first is not None and schema_of_first is not None:
            schema = schema_of_first(schema)
    with ArrowWriter(path, schema, expected_rows=expected_rows) as writer:
        for table in itertools.chain([] if first is None else [first], stream):
            writer.write_batch(table)
    return writer.path, writer.num_rows


def memory_map_table(path: str | os.PathLike) -> pa.Table:
    """The table stored in an Arrow IPC file (stream or file format), memory-mapped: no rows are copied to RAM."""
    source = pa.memory_map(str(path))
    try:
        return pa.ipc.open_stream(source).read_all()
    except pa.ArrowInvalid:
        source = pa.memory_map(str(path))
        return pa.ipc.open_file(source).read_all()


def read_table_in_memory(path: str | os.PathLike) -> pa.Table:
    """The same table read into RAM (``keep_in_memory=True``)."""
    with pa.OSFile(str(path), "rb") as f:
        data = f.read()
    buf = pa.py_buffer(data)
    try:
        return pa.ipc.open_stream(buf).read_all()
    except pa.ArrowInvalid:
        return pa.ipc.open_file(buf).read_all()
