"""CSV/TSV reader on ``pyarrow.csv``, with the column types and null rules of the `datasets` csv builder.

`datasets` parses CSV with pandas; we stream it with Arrow's CSV reader (real quoting, newlines in quoted
values) and reproduce what pandas decides: dates stay strings, an int column with a missing value becomes
float64, an all-empty column float64, pandas' NA strings are null, duplicate headers become ``a.1``.
Arrow infers types from the first block only, so a file of more than one block gets a type pass first
(promoting a column and restarting when a later block does not fit), and is then read with fixed types.
Arrow silently runs an unterminated quote to the end of the file; an odd count of quote characters
triggers a strict Python ``csv`` scan that names the line where the quoted field starts.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import DataFileError
from .compression import open_decompressed
from .reader import Reader, ReadUnit, SourceLike
from .source import DataSource, as_source

PANDAS_NA_VALUES = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
    "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]  # fmt: skip
_TRUE_VALUES = ["True", "TRUE", "true"]
_FALSE_VALUES = ["False", "FALSE", "false"]
_CONVERSION = re.compile(
    r"In CSV column #(?P<index>\d+): (?:Row #(?P<row>\d+): )?CSV conversion error to (?P<type>\w+)"
)
_ROW = re.compile(r"Row #(\d+)")
_PROMOTION = {"null": pa.int64(), "int64": pa.float64(), "bool": pa.string(), "double": pa.string()}
_QUOTE_NONE = 3


class _QuoteCounter(io.RawIOBase):
    """Passes bytes through and counts the quote characters among them."""

    def __init__(self, f: BinaryIO, quote: bytes | None) -> None:
        super().__init__()
        self._f = f
        self._quote = quote
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._f.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if self._quote:
            self.count += data.count(self._quote)
        return n


class CsvReader(Reader):
    """Reads ``.csv``/``.tsv`` files with the `datasets` csv builder's (pandas') kwargs and types.

    Supported pandas kwargs: ``sep``/``delimiter`` (one character), ``header`` (``"infer"``, an int or None),
    ``names``/``column_names``, ``usecols`` (names or positions), ``quotechar``, ``quoting`` (0, or 3 for
    none), ``doublequote``, ``escapechar``, ``skiprows`` (an int), ``encoding``, ``na_values``,
    ``keep_default_na``, ``true_values``, ``false_values``, ``skip_blank_lines``. ``block_size`` is the bytes
    Arrow parses at a time; ``features`` fixes the column types (no type pass then).
    """

    name = "csv"

    def __init__(
        self,
        *,
        sep: str = ",",
        delimiter: str | None = None,
        header: int | str | None = "infer",
        names: Sequence[str] | None = None,
        column_names: Sequence[str] | None = None,
        usecols: Sequence[int] | Sequence[str] | None = None,
        quotechar: str = '"',
        quoting: int = 0,
        doublequote: bool = True,
        escapechar: str | None = None,
        skiprows: int | None = None,
        encoding: str | None = None,
        na_values: str | Sequence[str] | None = None,
        keep_default_na: bool = True,
        true_values: Sequence[str] | None = None,
        false_values: Sequence[str] | None = None,
        skip_blank_lines: bool = True,
        block_size: int = 8 << 20,
        features: Any = None,
    ) -> None:
        super().__init__(features=features)
        self.sep = delimiter if delimiter is not None else sep
        if len(self.sep) != 1:
            raise ValueError(
                f"sep must be one character, got {self.sep!r} (regular-expression separators are unsupported)"
            )
        self.names = list(column_names if column_names is not None else names or []) or None
        if header == "infer":
            header = None if self.names else 0
        if not (header is None or isinstance(header, int)) or isinstance(skiprows, (list, tuple)):
            raise ValueError("header must be 'infer', an int or None, and skiprows an int")
        self.header = header
        self.usecols = list(usecols) if usecols is not None else None
        self.quotechar = quotechar
        self.quoting = quoting
        self.doublequote = doublequote
        self.escapechar = escapechar
        self.skiprows = skiprows or 0
        self.encoding = encoding or "utf-8"
        extra_na = [na_values] if isinstance(na_values, str) else list(na_values or [])
        self.na_values = (PANDAS_NA_VALUES if keep_default_na else []) + extra_na
        self.true_values = _TRUE_VALUES + list(true_values or [])
        self.false_values = _FALSE_VALUES + list(false_values or [])
        self.skip_blank_lines = skip_blank_lines
        self.block_size = block_size
        quoted = quoting != _QUOTE_NONE and escapechar is None and codecs.lookup(self.encoding).name == "utf-8"
        self._counted_quote = quotechar.encode() if quoted else None
        self._scanned: dict[tuple[str, int | None], dict[str, pa.DataType]] = {}

    def read_schema(self, source: SourceLike) -> pa.Schema:
        """The target schema, or the column types of the whole file (a type pass; remembered for `read`)."""
        if self.target_schema is not None:
            return self.target_schema
        source = as_source(source)
        types, _ = self._scan_types(source)
        empty = pa.RecordBatch.from_pylist([], schema=pa.schema(list(types.items())))
        return self._shape(empty, types, source.name).schema

    def read(
        self, source: SourceLike, *, columns: Sequence[str] | None = None, unit: ReadUnit | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Yield the rows of the file (CSV files are one unit) with pandas-compatible column types."""
        source = as_source(source)
        self._check_unit(unit)
        if self.target_schema is None:
            types, batches = self._scan_types(source)
        else:
            types, batches = {f.name: f.type for f in self.target_schema}, None
        for batch in batches if batches is not None else self._read_pass(source, types):
            yield self._finish(self._shape(batch, types, source.name), columns, source.name)

    # -- Arrow options ------------------------------------------------------------------------------------

    def _autogenerated(self) -> bool:
        return self.header is None and not self.names

    def _internal(self, name: str) -> str:
        """Arrow's name for a public column name (``"0"`` is Arrow's ``"f0"`` without a header)."""
        return f"f{name}" if self._autogenerated() else name

    @contextmanager
    def _stream(self, source: DataSource, types: dict[str, pa.DataType]) -> Iterator[tuple[Any, _QuoteCounter]]:
        skip = self.skiprows + (self.header or 0) + (1 if self.header is not None and self.names else 0)
        read_options = pacsv.ReadOptions(
            use_threads=False,
            block_size=self.block_size,
            skip_rows=skip,
            column_names=self.names,
            autogenerate_column_names=self._autogenerated(),
            encoding=self.encoding,
        )
        parse_options = pacsv.ParseOptions(
            delimiter=self.sep,
            quote_char=self.quotechar if self.quoting != _QUOTE_NONE else False,
            double_quote=self.doublequote,
            escape_char=self.escapechar or False,
            newlines_in_values=True,
            ignore_empty_lines=self.skip_blank_lines,
        )
        convert_options = pacsv.ConvertOptions(
            column_types={self._internal(name): t for name, t in types.items()},
            null_values=self.na_values,
            true_values=self.true_values,
            false_values=self.false_values,
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        with open_decompressed(source) as raw:
            counter = _QuoteCounter(raw, self._counted_quote)
            yield pacsv.open_csv(counter, read_options, parse_options, convert_options), counter

    # -- passes -------------------------------------------------------------------------------------------

    def _scan_types(self, source: DataSource) -> tuple[dict[str, pa.DataType], list[pa.RecordBatch] | None]:
        """Column types that fit the whole file, as pandas would pick them.

        Returns the types, and the file's batches when it fitted in one block (so it need not be read twice).
        """
        key = (source.name, source.size)
        if key in self._scanned:
            return self._scanned[key], None
        overrides: dict[str, pa.DataType] = {}
        names: list[str] = []
        while True:
            batches: list[pa.RecordBatch] = []
            ints_with_nulls: set[str] = set()
            try:
                with self._stream(source, overrides) as (reader, counter):
                    schema = reader.schema
                    names = self._public_names(schema.names)
                    temporal = {
                        name: pa.string()
                        for name, field in zip(names, schema, strict=True)
                        if pa.types.is_temporal(field.type) and name not in overrides
                    }
                    if temporal:
                        overrides.update(temporal)
                        continue
                    count = 0
                    for batch in reader:
                        count += 1
                        batches = [batch] if count == 1 else []
                        ints_with_nulls.update(
                            name
                            for name, column in zip(names, batch.columns, strict=True)
                            if pa.types.is_integer(column.type) and column.null_count
                        )
                    self._check_quotes(source, counter)
            except pa.ArrowInvalid as exc:
                if "Empty CSV file" in str(exc):
                    return {}, []
                promoted = _promotion(exc, names)
                if promoted is None or promoted[0] in overrides and overrides[promoted[0]] == promoted[1]:
                    raise self._error(source, exc, names) from exc
                overrides[promoted[0]] = promoted[1]
                continue
            types = {name: field.type for name, field in zip(names, schema, strict=True)}
            types.update(overrides)
            for name, dtype in types.items():
                if pa.types.is_null(dtype) or name in ints_with_nulls:
                    types[name] = pa.float64()
            if count == 0 and len(schema):
                batches = [pa.RecordBatch.from_pylist([], schema=schema)]
            if count > 1:
                self._scanned[key] = types
                return types, None
            return types, batches

    def _read_pass(self, source: DataSource, types: dict[str, pa.DataType]) -> Iterator[pa.RecordBatch]:
        """Stream the file with fixed types, checking the quotes before the last batch goes out."""
        names: list[str] = []
        try:
            with self._stream(source, types) as (reader, counter):
                names = self._public_names(reader.schema.names)
                held = None
                for batch in reader:
                    if held is not None:
                        yield held
                    held = batch
                self._check_quotes(source, counter)
                if held is not None:
                    yield held
        except pa.ArrowInvalid as exc:
            if "Empty CSV file" in str(exc):
                return
            raise self._error(source, exc, names) from exc

    def _public_names(self, internal: list[str]) -> list[str]:
        """Column names as pandas gives them: ``"0", "1"...`` without a header, ``a, a.1`` for duplicates."""
        if self._autogenerated():
            return [str(i) for i in range(len(internal))]
        seen: dict[str, int] = {}
        public = []
        for name in internal:
            count = seen.get(name, 0)
            seen[name] = count + 1
            public.append(name if count == 0 else f"{name}.{count}")
        return public

    def _shape(self, batch: pa.RecordBatch, types: dict[str, pa.DataType], file: str) -> pa.RecordBatch:
        """Public names, final types, and ``usecols`` (kept in file order, as pandas)."""
        names = self._public_names(batch.schema.names)
        arrays = []
        for name, column in zip(names, batch.columns, strict=True):
            wanted = types.get(name)
            arrays.append(column.cast(wanted) if wanted is not None and wanted != column.type else column)
        batch = pa.RecordBatch.from_arrays(arrays, names=names)
        if self.usecols is None:
            return batch
        keep = set()
        for col in self.usecols:
            if isinstance(col, int) and 0 <= col < len(names):
                keep.add(names[col])
            elif isinstance(col, str) and col in names:
                keep.add(col)
            else:
                raise DataFileError(f"usecols names {col!r}, which is not a column; the columns are {names}", file=file)
        return batch.select([name for name in names if name in keep])

    # -- errors -------------------------------------------------------------------------------------------

    def _python_reader(self, text: io.TextIOBase, strict: bool) -> Any:
        return csv.reader(
            text,
            delimiter=self.sep,
            quotechar=self.quotechar,
            doublequote=self.doublequote,
            escapechar=self.escapechar,
            quoting=csv.QUOTE_NONE if self.quoting == _QUOTE_NONE else csv.QUOTE_MINIMAL,
            strict=strict,
        )

    def _rows_with_lines(self, source: DataSource, strict: bool) -> Iterator[tuple[int, list[str]]]:
        """``(first line, row)`` for each physical row, by Python's csv module (slow; error paths only)."""
        with open_decompressed(source) as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, errors="replace", newline="")
            reader = self._python_reader(text, strict)
            start = 1
            try:
                for row in reader:
                    yield start, row
                    start = reader.line_num + 1
            except csv.Error as exc:
                unclosed = "unexpected end of data" in str(exc)
                raise DataFileError(
                    f"the quoted field starting here is never closed by {self.quotechar}"
                    if unclosed
                    else f"malformed quoting: {exc}",
                    file=source.name,
                    line=start,
                    hint="close the quote; a quote inside a quoted value is written twice",
                ) from exc

    def _line_of_row(self, source: DataSource, row_number: int) -> int | None:
        """The 1-based line where Arrow's 1-based ``Row #n`` (blank lines not counted) starts."""
        seen = 0
        for line, row in self._rows_with_lines(source, strict=False):
            if row or not self.skip_blank_lines:
                seen += 1
                if seen == row_number:
                    return line
        return None

    def _header_names(self, source: DataSource) -> list[str]:
        """The public column names, read with Python's csv module (when Arrow failed before giving them)."""
        if self.names or self.header is None:
            return self.names or []
        rows = (row for _, row in self._rows_with_lines(source, strict=False) if row or not self.skip_blank_lines)
        for number, row in enumerate(rows):
            if number == self.skiprows + self.header:
                return self._public_names(row)
        return []

    def _check_quotes(self, source: DataSource, counter: _QuoteCounter) -> None:
        """Raise at the unterminated quoted field when the quote characters do not pair up."""
        if counter.count % 2 == 0:
            return
        for _ in self._rows_with_lines(source, strict=True):
            pass

    def _error(self, source: DataSource, exc: Exception, names: list[str]) -> DataFileError:
        message = str(exc).replace("CSV parse error: ", "")
        row = _ROW.search(message)
        line = self._line_of_row(source, int(row.group(1))) if row else None
        conversion = _CONVERSION.search(message)
        if conversion:
            index = int(conversion.group("index"))
            names = names or self._header_names(source)
            return DataFileError(
                message[conversion.end("type") :].lstrip(": ") + f" (as {conversion.group('type')})",
                file=source.name,
                line=line,
                column=names[index] if index < len(names) else str(index) if self._autogenerated() else None,
                hint="pass features= with a type that fits the column",
            )
        return DataFileError(_ROW.sub("", message).lstrip(": "), file=source.name, line=line)


def _promotion(exc: Exception, names: list[str]) -> tuple[str, pa.DataType] | None:
    """The wider type for the column Arrow could not convert in a later block, or None."""
    match = _CONVERSION.search(str(exc))
    if not match or int(match.group("index")) >= len(names):
        return None
    return names[int(match.group("index"))], _PROMOTION.get(match.group("type"), pa.string())
