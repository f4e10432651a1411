"""Text reader: one row per line, paragraph or document in a ``text`` column, exactly as `datasets`.

The file is decoded with universal newlines (``\\r\\n`` and ``\\r`` read as ``\\n``) and read ``chunksize``
characters at a time, finished to the end of a line, so memory stays bounded except in ``"document"`` mode,
where the whole file is one row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any, Literal, TextIO

import pyarrow as pa

from .compression import open_decompressed
from .reader import Reader, ReadUnit, SourceLike
from .source import as_source

SampleBy = Literal["line", "paragraph", "document"]


class TextReader(Reader):
    """Reads ``.txt`` files like the `datasets` text builder.

    Args:
        encoding, encoding_errors: how to decode the file (``errors`` as in ``open()``).
        chunksize: characters read at a time.
        keep_linebreaks: keep the ``\\n`` at the end of each line (``sample_by="line"`` only).
        sample_by: ``"line"`` (a row per line, blank lines included), ``"paragraph"`` (rows separated by a
            blank line) or ``"document"`` (the whole file as one row).
        features: schema to cast to; its first column names the text column (default ``text``).
    """

    name = "text"

    def __init__(
        self,
        *,
        encoding: str = "utf-8",
        encoding_errors: str | None = None,
        chunksize: int = 10 << 20,
        keep_linebreaks: bool = False,
        sample_by: SampleBy = "line",
        features: Any = None,
    ) -> None:
        super().__init__(features=features)
        if sample_by not in ("line", "paragraph", "document"):
            raise ValueError(f"sample_by must be 'line', 'paragraph' or 'document', got {sample_by!r}")
        self.encoding = encoding
        self.encoding_errors = encoding_errors
        self.chunksize = chunksize
        self.keep_linebreaks = keep_linebreaks
        self.sample_by = sample_by
        self.column = self.target_schema.names[0] if self.target_schema is not None else "text"

    def read_schema(self, source: SourceLike) -> pa.Schema:
        """One string column, whatever the file holds (no read needed)."""
        return self.target_schema or pa.schema([(self.column, pa.string())])

    def read(
        self, source: SourceLike, *, columns: Sequence[str] | None = None, unit: ReadUnit | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Yield the file's lines, paragraphs or whole text as ``{column: string}`` batches."""
        source = as_source(source)
        self._check_unit(unit)
        raw = open_decompressed(source)
        with io.TextIOWrapper(raw, encoding=self.encoding, errors=self.encoding_errors, newline=None) as f:
            samples = {"line": self._lines, "paragraph": self._paragraphs, "document": self._document}
            for texts in samples[self.sample_by](f):
                if texts:
                    batch = pa.RecordBatch.from_arrays([pa.array(texts, pa.string())], names=[self.column])
                    yield self._finish(batch, columns, source.name)

    def _lines(self, f: TextIO) -> Iterator[list[str]]:
        while True:
            chunk = f.read(self.chunksize)
            if not chunk:
                return
            lines = io.StringIO(chunk + f.readline()).readlines()
            yield lines if self.keep_linebreaks else [line.rstrip("\n") for line in lines]

    def _paragraphs(self, f: TextIO) -> Iterator[list[str]]:
        carry = ""
        while True:
            chunk = f.read(self.chunksize)
            if not chunk:
                break
            pieces = (carry + chunk + f.readline()).split("\n\n")
            carry = pieces.pop()
            yield [piece for piece in pieces if piece]
        yield [carry] if carry else []

    def _document(self, f: TextIO) -> Iterator[list[str]]:
        yield [f.read()]
