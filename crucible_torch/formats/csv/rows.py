"""Rows of a CSV file as raw strings, and Arrow's parser producing them.

Arrow's CSV parser reads the data rows once the Python scanner has read the file's head; where it would read the
rest differently from ``pandas.read_csv`` it stops with `Fallback`, and the scanner takes over from that row.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .header import Columns
from .options import CsvOptions


@dataclass
class Strings:
    """Rows ``[first, first + rows)`` of a file as raw strings: a column per loaded field, ``""`` past the end
    of a short row (as pandas pads it).

    ``lines`` holds the line each row starts on, when the Python scanner read them.
    """

    names: list[str]
    positions: list[int]
    columns: list[pa.Array]
    rows: int
    first: int
    lines: list[int] | None


class Fallback(Exception):
    """Arrow cannot read the rest of the file as pandas would; ``rows`` data rows were read already."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


class Utf8Text(io.RawIOBase):
    """Text chunks as a UTF-8 byte stream for Arrow, counting the quote characters that go by."""

    def __init__(self, chunks: Iterable[str], quote: str | None) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")
        self._quote = quote
        self.quotes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        # Fill the whole buffer (Arrow takes one read as one block: short reads would make 1 MiB batches).
        filled = 0
        while filled < len(buffer):
            if not self._pending:
                text = next(self._chunks, None)
                if text is None:
                    break
                if self._quote:
                    self.quotes += text.count(self._quote)
                self._pending = memoryview(text.encode("utf-8"))
            n = min(len(buffer) - filled, len(self._pending))
            buffer[filled : filled + n] = self._pending[:n]
            self._pending = self._pending[n:]
            filled += n
        return filled


def strings_of(columns: Columns, rows: list[list[str]], first: int, lines: list[int] | None) -> Strings:
    """Python rows of fields as `Strings` (a short row's missing fields are ``""``, as pandas pads them)."""
    arrays = []
    if rows and all(len(row) == columns.width for row in rows):
        transposed = list(zip(*rows, strict=True))
        arrays = [pa.array(transposed[p], pa.string()) for p in columns.positions]
    else:
        for p in columns.positions:
            arrays.append(pa.array([row[p] if p < len(row) else "" for row in rows], pa.string()))
    return Strings(columns.names, columns.positions, arrays, len(rows), first, lines)


def arrow_strings(chunks: Iterable[str], options: CsvOptions, columns: Columns, block_size: int) -> Iterator[Strings]:
    """The data rows in ``chunks`` (the text after the head) parsed by Arrow as strings, a block at a time.

    Raises `Fallback` (with the rows already yielded) where Arrow would read the rest differently from pandas:
    a row it refuses, a one-column line of only spaces, an odd number of quote characters.
    """
    o = options
    stream = Utf8Text(chunks, o.quotechar)
    names = [f"f{i}" for i in range(columns.width)]
    try:
        reader = pacsv.open_csv(
            stream,
            pacsv.ReadOptions(use_threads=False, block_size=block_size, column_names=names),
            pacsv.ParseOptions(
                delimiter=o.sep,
                quote_char=o.quotechar or False,
                double_quote=o.doublequote,
                newlines_in_values=True,
                ignore_empty_lines=o.skip_blank_lines,
            ),
            pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                include_columns=[names[p] for p in columns.positions],
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        raise Fallback(0) from None
    rows = 0
    held: Strings | None = None
    single = columns.width == 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid:
            raise Fallback(rows - (held.rows if held else 0)) from None
        arrays = [batch.column(names[p]) for p in columns.positions]
        count = batch.num_rows
        whitespace = pc.match_substring_regex(batch.column(0), r"^[ \t]+$") if single else None
        if whitespace is not None and pc.any(whitespace).as_py():
            raise Fallback(rows - (held.rows if held else 0))  # pandas skips a line of only spaces
        if held is not None:
            yield held
        held = Strings(columns.names, columns.positions, arrays, count, rows, None)
        rows += count
    if o.quotechar and stream.quotes % 2:
        raise Fallback(rows - (held.rows if held else 0))  # a quote never closed: the scanner names its line
    if held is not None:
        yield held
    elif rows == 0:
        yield strings_of(columns, [], 0, [])
