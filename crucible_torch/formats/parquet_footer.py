"""A parquet file's footer (row counts, row groups, schema) read with two small ranged reads.

``pyarrow`` opens a file by reading its last 64 KiB, which for a small file is the whole file. Here the last
8 bytes give the footer's length and magic, a second read fetches exactly the footer, and pyarrow parses it
from a stand-in file that holds only those bytes. ``crucible-torch info`` uses it on remote files, so it
learns a split's row count without downloading any data page.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import DataFileError
from ..hub.remote_file import SeekableRaw

MAGIC = b"PAR1"
ReadRange = Callable[[int, int], bytes]


class _FooterOnly(SeekableRaw):
    """A read-only file of ``size`` bytes that knows only ``tail`` (its last bytes); the rest reads as zeros."""

    def __init__(self, size: int, tail: bytes) -> None:
        super().__init__()
        self._size = size
        self._tail = tail
        self._tail_start = size - len(tail)
        self._pos = 0

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        end = min(self._size, self._pos + len(buffer))
        n = max(0, end - self._pos)
        known = max(self._pos, self._tail_start)
        buffer[: max(0, known - self._pos)] = bytes(max(0, min(known, end) - self._pos))
        if end > known:
            buffer[known - self._pos : n] = self._tail[known - self._tail_start : end - self._tail_start]
        self._pos = end
        return n


def read_parquet_footer(read_range: ReadRange, size: int, name: str) -> pq.FileMetaData:
    """The metadata of the parquet file ``name`` of ``size`` bytes; ``read_range(start, end)`` gives bytes.

    Raises:
        DataFileError: the file is too short, lacks the ``PAR1`` magic, or its footer does not parse.
    """
    if size < 12:
        raise DataFileError(f"{size} bytes is too short for a parquet file", file=name)
    end = read_range(size - 8, size)
    if len(end) != 8 or end[4:] != MAGIC:
        raise DataFileError("not a parquet file (no PAR1 magic at its end)", file=name)
    length = int.from_bytes(end[:4], "little")
    start = size - 8 - length
    if start < len(MAGIC):
        raise DataFileError(f"footer length {length} does not fit in the file's {size} bytes", file=name)
    footer = read_range(start, size - 8)
    try:
        return pq.read_metadata(_FooterOnly(size, footer + end))
    except (pa.ArrowException, OSError) as exc:
        raise DataFileError(f"unreadable parquet footer: {exc}", file=name) from exc
