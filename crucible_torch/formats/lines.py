"""Line-oriented files split into byte ranges that never cut a line.

The rule that makes byte-range units of a JSONL file exact: a range ``[start, end)`` owns every line that
*starts* inside it. A line starts at byte 0 and right after every ``\\n``. Consecutive ranges therefore
partition the lines of a file however the boundaries fall, and `units` needs no scan to place them: only
the file size, plus a sample of the head to estimate row counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from .reader import ReadUnit

DEFAULT_CHUNK_BYTES = 10 << 20
_SAMPLE_BYTES = 1 << 20


def _skip_to_line_start(f: BinaryIO, start: int, block: int) -> tuple[int, bytes] | None:
    """Seek to the first line start >= ``start``: return it and the bytes read past it, or None at EOF."""
    if start == 0:
        return 0, b""
    f.seek(start - 1)
    offset = start - 1
    while True:
        data = f.read(block)
        if not data:
            return None
        newline = data.find(b"\n")
        if newline >= 0:
            return offset + newline + 1, data[newline + 1 :]
        offset += len(data)


def iter_line_chunks(
    f: BinaryIO, start: int = 0, end: int | None = None, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, chunk)``: the lines that start in ``[start, end)``, ``chunk_bytes`` at a time.

    A chunk is ``chunk_bytes`` bytes finished to the end of the line they stop in (or the end of the file), as
    `datasets` reads JSON Lines (``f.read(chunksize) + f.readline()``), so the first chunk of a file, whose
    rows decide its `Json` columns, holds the same rows in both. ``offset`` is the byte where a chunk starts.
    ``f`` must be seekable when ``start > 0``; with ``start == 0`` it is read forward only, from its current
    position (byte 0).
    """
    located = _skip_to_line_start(f, start, chunk_bytes)
    if located is None:
        return
    offset, pending = located
    eof = False
    while True:
        if end is not None and offset >= end:
            return
        limit_in_view = end is not None and offset + len(pending) >= end
        if limit_in_view:
            newline = pending.find(b"\n", end - 1 - offset)
            if newline >= 0 or eof:
                cut = len(pending) if newline < 0 else newline + 1
                if cut:
                    yield offset, pending[:cut]
                return
        elif eof:
            if pending:
                yield offset, pending
            return
        elif len(pending) > chunk_bytes:
            newline = pending.find(b"\n", chunk_bytes)
            if newline >= 0:
                yield offset, pending[: newline + 1]
                offset += newline + 1
                pending = pending[newline + 1 :]
                continue
        data = f.read(chunk_bytes)
        if data:
            pending += data
        else:
            eof = True


def count_rows(data: bytes) -> int:
    """Number of non-blank lines in ``data`` (blank lines yield no JSONL row)."""
    return sum(1 for line in data.split(b"\n") if line.strip())


def count_newlines(f: BinaryIO, end: int, block: int = DEFAULT_CHUNK_BYTES) -> int:
    """Number of ``\\n`` bytes in ``f[0:end)``; turns a byte offset into a line number on error paths."""
    f.seek(0)
    total = 0
    remaining = end
    while remaining > 0:
        data = f.read(min(block, remaining))
        if not data:
            break
        total += data.count(b"\n")
        remaining -= len(data)
    return total


def split_line_units(f: BinaryIO, size: int, unit_bytes: int) -> list[ReadUnit]:
    """Byte-range units of about ``unit_bytes`` covering ``[0, size)``, with row counts.

    Counts are exact when the whole file fits in the head sample, else extrapolated from the head's density of
    non-blank lines (``exact=False``).
    """
    if size <= 0:
        return []
    bounds = list(range(0, size, max(unit_bytes, 1))) + [size]
    head = f.read(min(size, _SAMPLE_BYTES))
    whole = len(head) >= size
    density = count_rows(head) / len(head) if head else 0.0
    units = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        if whole:
            rows = count_rows(_owned_slice(head, start, end))
        else:
            rows = round(density * (end - start))
        units.append(ReadUnit("bytes", start, end, rows, exact=whole))
    return units


def _owned_slice(data: bytes, start: int, end: int) -> bytes:
    """The bytes of the lines of ``data`` that start in ``[start, end)``."""
    if start > 0:
        newline = data.find(b"\n", start - 1)
        start = len(data) if newline < 0 else newline + 1
    if start >= end:
        return b""
    newline = data.find(b"\n", end - 1)
    return data[start : len(data) if newline < 0 else newline + 1]
