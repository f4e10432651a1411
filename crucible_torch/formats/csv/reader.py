"""CSV/TSV reader with the rows and column types `datasets` gets from ``pandas.read_csv``, without pandas.

A file is read in two stages: text -> rows of raw strings, then strings -> typed columns (:mod:`.infer`).

Rows come from one of two tokenizers that agree on every file they both accept. Arrow's CSV parser (C++, :mod:`.rows`)
reads the data rows as strings once the Python scanner (:mod:`.scanner`) has read the head of the file
(skipped lines, the header and the first data row, which fixes the number of fields). Arrow is used only for
options it shares with pandas; a row it refuses (a short or long row, a blank line of spaces), a one-column
value of only spaces (a line pandas skips) or an odd number of quote characters (a quote never closed, which
Arrow would run to the end of the file) hands the rest of the file to the Python scanner, which follows
pandas for those too. (A quote left open while a stray quote elsewhere evens the count is not caught on
Arrow's path: the open field runs to the end of the file instead of raising.) Options Arrow lacks
(``comment``, ``lineterminator``, ``skipinitialspace``, ``escapechar``, ``sep=r"\\s+"``, regex seps, a
``skiprows`` list, ``skipfooter``, ``nrows``) read with the scanner throughout, at Python speed.

Column types are decided over the whole file (pandas, through `datasets`, decides them per 10,000-row
chunk and casts later chunks to the first one's types), so a type pass reads the file once before the rows
are converted; the strings of small files (128 MiB in all) are kept from that pass instead of being read
again, and what the pass saw (no missing values, bare numbers) lets the conversion skip work.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import itertools
import warnings
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ...errors import DataFileError
from ...features import Features, cast_array_to_feature, get_nested_type
from ..reader import Reader, ReadUnit, SourceLike
from ..source import DataSource, as_source
from .decode import UndecodableError, text_chunks
from .header import Columns, resolve_columns
from .infer import BadValue, ColumnTypes, Syntax, convert
from .options import CsvOptions
from .rows import Fallback, Strings, arrow_strings, strings_of
from .scanner import Scanner, Unit, python_units

ROWS_PER_BATCH = 65_536
HELD_BYTES = 128 << 20  # strings kept from type passes (over all files) so small files are not read twice
_TEXT_TYPES = (pa.string(), pa.large_string())


@dataclass
class _Head:
    """What is known of a file's head while it is read, to name the column of a decoding error."""

    header: list[str] | None = None
    columns: Columns | None = None


class CsvReader(Reader):
    """Reads ``.csv``/``.tsv`` files as the `datasets` csv builder (pandas ``read_csv``) does.

    Every `datasets` ``CsvConfig`` option is accepted under its name; see :mod:`.options` for the few that
    raise (Python ``converters``, named ``dialect``s, multi-row headers) and the ones that have no effect.
    ``block_size`` is the bytes Arrow parses at a time. ``features`` fixes the column types (no type pass):
    columns it does not name are not loaded, as in `datasets`.
    """

    name = "csv"

    def __init__(
        self,
        *,
        sep: str | None = ",",
        delimiter: str | None = None,
        header: int | str | None = "infer",
        names: Sequence[str] | None = None,
        column_names: Sequence[str] | None = None,
        index_col: int | str | Sequence[int | str] | bool | None = None,
        usecols: Sequence[int] | Sequence[str] | None = None,
        prefix: str | None = None,
        mangle_dupe_cols: bool = True,
        engine: str | None = None,
        converters: dict[Any, Any] | None = None,
        true_values: Sequence[str] | None = None,
        false_values: Sequence[str] | None = None,
        skipinitialspace: bool = False,
        skiprows: int | Sequence[int] | None = None,
        nrows: int | None = None,
        na_values: str | Sequence[str] | dict[Any, Any] | None = None,
        keep_default_na: bool = True,
        na_filter: bool = True,
        verbose: bool = False,
        skip_blank_lines: bool = True,
        thousands: str | None = None,
        decimal: str = ".",
        lineterminator: str | None = None,
        quotechar: str = '"',
        quoting: int = 0,
        escapechar: str | None = None,
        comment: str | None = None,
        encoding: str | None = None,
        dialect: str | None = None,
        error_bad_lines: bool = True,
        warn_bad_lines: bool = True,
        skipfooter: int = 0,
        doublequote: bool = True,
        memory_map: bool = False,
        float_precision: str | None = None,
        chunksize: int = 10_000,
        encoding_errors: str | None = "strict",
        on_bad_lines: str = "error",
        date_format: str | None = None,
        block_size: int = 8 << 20,
        features: Any = None,
    ) -> None:
        super().__init__(features=features)
        given = {k: v for k, v in locals().items() if k not in ("self", "features", "block_size", "__class__")}
        self.kwargs = {k: v for k, v in given.items() if v != _DEFAULTS[k]}  # what was asked, for cache keys
        self._options = CsvOptions.from_kwargs(**given)
        self.block_size = block_size
        self._syntax = Syntax(self._options)
        self._types: dict[tuple[str, int | None], tuple[list[str], dict[str, pa.DataType]]] = {}
        self._seen: dict[tuple[str, int | None], dict[str, ColumnTypes]] = {}
        self._python_only: set[tuple[str, int | None]] = set()
        self._held: dict[tuple[str, int | None], list[Strings]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_held"] = {}  # strings kept between passes stay in the process that read them
        return state

    # -- the Reader API ------------------------------------------------------------------------------------

    def read_schema(self, source: SourceLike) -> pa.Schema:
        """The target schema, or the column types of the whole file (a type pass; remembered for `read`)."""
        if self.target_schema is not None:
            return self.target_schema
        names, types = self._file_types(as_source(source))
        return pa.schema([(name, types[name]) for name in names])

    def read(
        self, source: SourceLike, *, columns: Sequence[str] | None = None, unit: ReadUnit | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Yield the rows of the file (CSV files are one unit) with pandas' column types."""
        source = as_source(source)
        self._check_unit(unit)
        if self.target_schema is None:
            names, types = self._file_types(source)
            target = pa.schema([(name, types[name]) for name in names])
        else:
            target = self.target_schema
        held = self._held.pop(self._key(source), None)
        seen = self._seen.get(self._key(source), {})
        for strings in held if held is not None else self._strings(source):
            batch = self._typed(source, strings, target, seen)
            yield self._finish(batch, columns, source.name)

    # -- strings -> types ----------------------------------------------------------------------------------

    def _key(self, source: DataSource) -> tuple[str, int | None]:
        return source.name, source.size

    def _file_types(self, source: DataSource) -> tuple[list[str], dict[str, pa.DataType]]:
        key = self._key(source)
        if key not in self._types:
            stats: dict[str, ColumnTypes] = {}
            names: list[str] = []
            held: list[Strings] | None = []
            size = 0
            for strings in self._strings(source):
                names = strings.names
                for name, position, column in zip(names, strings.positions, strings.columns, strict=True):
                    rule = self._options.na_rule(name, position)
                    stats.setdefault(name, ColumnTypes()).update(column, rule, self._options, self._syntax)
                if held is not None:
                    size += sum(column.nbytes for column in strings.columns)
                    held = held + [strings] if size <= HELD_BYTES else None
            types = {n: stats[n].dtype(self._options) if stats[n].rows else pa.null() for n in names}
            self._types[key] = (names, types)
            self._seen[key] = stats
            held_now = sum(column.nbytes for kept in self._held.values() for s in kept for column in s.columns)
            if held is not None and held_now + size <= HELD_BYTES:
                self._held[key] = held
        return self._types[key]

    def _target_features(self, target: pa.Schema) -> dict[str, Any]:
        features = Features.from_arrow_schema(target)
        return {f.name: features[f.name] for f in target if get_nested_type(features[f.name]) == f.type}

    def _typed(
        self, source: DataSource, strings: Strings, target: pa.Schema, seen: dict[str, ColumnTypes]
    ) -> pa.RecordBatch:
        """A batch of raw strings as typed columns of ``target`` (the file's columns it names); ``seen`` is
        what the type pass saw in each column."""
        features: dict[str, Any] | None = None
        arrays, fields = [], []
        for name, position, column in zip(strings.names, strings.positions, strings.columns, strict=True):
            index = target.get_field_index(name)
            if index < 0:
                continue
            field = target.field(index)
            rule = self._options.na_rule(name, position)
            try:
                if pa.types.is_null(field.type):
                    array = pa.nulls(len(column))
                elif field.type in _TEXT_TYPES or pa.types.is_floating(field.type) or pa.types.is_boolean(field.type):
                    array = convert(column, field.type, rule, self._options, self._syntax, seen.get(name))
                else:
                    features = self._target_features(target) if features is None else features
                    feature = features.get(name)
                    if feature is None or (pa.types.is_integer(field.type) and not hasattr(feature, "cast_storage")):
                        array = convert(column, field.type, rule, self._options, self._syntax, seen.get(name))
                    else:  # ClassLabel names, Json text, dates...: from the strings, as `datasets` casts them
                        text = convert(column, pa.string(), rule, self._options, self._syntax)
                        array = cast_array_to_feature(text, feature)
            except BadValue as exc:
                raise DataFileError(
                    f"{exc.value!r} is not a valid {exc.dtype}",
                    file=source.name,
                    line=self._line_of(source, strings, exc.row),
                    column=name,
                    hint="pass features= with a type that fits the column",
                ) from exc
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError) as exc:
                raise DataFileError(
                    f"cannot read the column as {field.type}: {exc}",
                    file=source.name,
                    column=name,
                    hint="pass features= with a type that fits the column",
                ) from exc
            arrays.append(array)
            fields.append(field)
        return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))

    def _line_of(self, source: DataSource, strings: Strings, row: int) -> int | None:
        """The line where data row ``row`` of the batch starts (read again with the scanner if unknown)."""
        if strings.lines is not None:
            return strings.lines[row]
        target = strings.first + row
        for batch in self._python_strings(source, _Head(), skip=target):
            return batch.lines[0] if batch.lines else None
        return None

    # -- text -> strings ----------------------------------------------------------------------------------

    def _strings(self, source: DataSource) -> Iterator[Strings]:
        """The file's data rows as raw strings, by Arrow where it reads them as pandas would."""
        key = self._key(source)
        head = _Head()
        try:
            if key not in self._python_only and self._arrow_can_read():
                try:
                    yield from self._arrow_strings(source, head)
                    return
                except Fallback as fallback:
                    self._python_only.add(key)
                    yield from self._python_strings(source, head, skip=fallback.rows)
                    return
            yield from self._python_strings(source, head)
        except UndecodableError as exc:
            raise self._named(exc, head, source) from exc

    def _arrow_can_read(self) -> bool:
        o = self._options
        return (
            o.sep is not None
            and o.comment is None
            and o.lineterminator is None
            and not o.skipinitialspace
            and o.escapechar is None
            and not o.skip_lines
            and not o.skipfooter
            and o.nrows is None  # a few rows: the scanner reads only them, and sees a quote left open among them
        )

    def _unclosed(self, unit: Unit, file: str) -> DataFileError:
        return DataFileError(
            f"the quoted field starting here is never closed by {self._options.quotechar}",
            file=file,
            line=unit.line,
            hint="close the quote; a quote inside a quoted value is written twice",
        )

    def _records(self, units: Iterable[Unit], file: str) -> Iterator[Unit]:
        """The records: units left after ``skiprows`` lines, comment lines and (``skip_blank_lines``) blanks."""
        o = self._options
        for unit in units:
            if unit.kind in ("skipped", "comment"):
                continue
            if unit.kind == "unclosed":
                raise self._unclosed(unit, file)
            if unit.kind == "blank":
                if o.skip_blank_lines:
                    continue
                unit = Unit("record", unit.line, unit.fields)
            yield unit

    def _units(self, source: DataSource, chunks: Iterable[str], final: bool = True) -> Iterator[tuple[Unit, int]]:
        o = self._options
        if o.regex_sep is not None or o.sniff:
            return ((unit, 0) for unit in python_units(o, chunks))
        return Scanner(o).scan(chunks, final=final)

    def _head(self, source: DataSource, records: Iterator[Unit]) -> tuple[list[str] | None, Unit | None]:
        """The header row's fields (None without a header) and the first data record, read from ``records``."""
        header = None
        if self._options.header is not None:
            for _ in range(self._options.header):
                next(records, None)
            unit = next(records, None)
            if unit is None:
                raise DataFileError(
                    "the file has no header row (it is empty)", file=source.name, hint="check the file, or header="
                )
            header = unit.fields
        first = next(records, None)
        if not header and not (first and first.fields) and not self._options.names:
            raise DataFileError(
                "there are no columns to read: the file is empty, or its header and first rows are blank",
                file=source.name,
                hint="check the file, header= and skip_blank_lines=",
            )
        return header, first

    def _python_strings(self, source: DataSource, head: _Head, skip: int = 0) -> Iterator[Strings]:
        """Data rows by the Python scanner, the first ``skip`` of them left out."""
        o = self._options
        records = self._records((unit for unit, _ in self._units(source, text_chunks(source, o))), source.name)
        head.header, first = self._head(source, records)
        if o.nrows == 0 and (head.header is not None or o.names is not None):
            first = None  # pandas looks at no data row, unless it needs one to count the columns
        columns = head.columns = resolve_columns(o, head.header, first.fields if first else None, source.name)
        data: Iterator[Unit] = itertools.chain([first] if first else [], records)
        if o.skipfooter:
            data = _all_but_last(data, o.skipfooter)
        if o.nrows is not None:
            data = itertools.islice(data, o.nrows)
        data = itertools.islice((unit for unit in data if self._fits(source, unit, columns)), skip, None)
        start = skip
        while True:
            units = list(itertools.islice(data, ROWS_PER_BATCH))
            if not units and start > skip:
                return
            yield strings_of(columns, [u.fields for u in units], start, [u.line for u in units])
            if not units:
                return
            start += len(units)

    def _fits(self, source: DataSource, unit: Unit, columns: Columns) -> bool:
        """False for a row with more fields than the file's columns that ``on_bad_lines`` drops; else raises."""
        if len(unit.fields) <= columns.width:
            return True
        message = f"expected {columns.width} fields, saw {len(unit.fields)}"
        if self._options.on_bad_lines == "error":
            raise DataFileError(
                message,
                file=source.name,
                line=unit.line,
                hint="fix the line, or pass on_bad_lines='skip' (or 'warn') to leave such lines out",
            )
        if self._options.on_bad_lines == "warn":
            warnings.warn(f"{source.name}, line {unit.line}: {message}; skipped", stacklevel=2)
        return False

    def _named(self, exc: UndecodableError, head: _Head, source: DataSource) -> DataFileError:
        """The decoding error with the name of the column the bad byte is in (the head is read again, with
        bad bytes replaced, when the error came before the header was parsed)."""
        if head.columns is None and exc.field is not None:
            lenient = copy.copy(self)
            lenient._options = dataclasses.replace(self._options, encoding_errors="replace")
            head = _Head()
            try:
                next(lenient._python_strings(source, head), None)
            except DataFileError:
                pass
        field, columns, name = exc.field, head.columns, None
        if field is not None and columns is not None and field in columns.positions:
            name = columns.names[columns.positions.index(field)]
        elif field is not None and head.header is not None and field < len(head.header):
            name = head.header[field]
        return DataFileError(exc.reason, file=exc.file, line=exc.line, column=name, hint=exc.hint)

    def _arrow_strings(self, source: DataSource, head: _Head) -> Iterator[Strings]:
        """Data rows by Arrow, after the scanner read the head; raises `Fallback` where Arrow would differ."""
        o = self._options
        chunks = iter(text_chunks(source, o))
        text, eof = "", False
        while True:
            found = self._arrow_head(source, text, eof)
            if found is not None or eof:
                break
            more = next(chunks, None)
            if more is None:
                eof = True
            else:
                text += more
        if found is None:
            raise Fallback(0)
        head.header, first, start = found
        columns = head.columns = resolve_columns(o, head.header, first, source.name)
        if first is None:
            yield strings_of(columns, [], 0, [])
            return
        if len(first) != columns.width or max(columns.positions, default=0) >= columns.width:
            raise Fallback(0)
        yield from arrow_strings(itertools.chain([text[start:]], chunks), o, columns, self.block_size)

    def _arrow_head(
        self, source: DataSource, text: str, eof: bool
    ) -> tuple[list[str] | None, list[str] | None, int] | None:
        """(header fields, first data row, offset where the data rows start) once ``text`` holds them."""
        o = self._options
        header: list[str] | None = None
        wanted = o.header
        previous_end = 0
        for unit, end in self._units(source, [text], final=eof):
            if unit.kind in ("skipped", "comment") or (unit.kind == "blank" and o.skip_blank_lines):
                previous_end = end
                continue
            if unit.kind == "blank":
                raise Fallback(0)  # a kept blank line: Arrow has no such rows
            if unit.kind == "unclosed":
                raise self._unclosed(unit, source.name)
            if wanted is not None:
                if wanted == 0:
                    header = unit.fields
                wanted -= 1
                previous_end = end
                if wanted < 0:
                    wanted = None
                continue
            return header, unit.fields, previous_end
        if not eof:
            return None
        if o.header is not None and header is None:
            raise DataFileError("the file has no header row (it is empty)", file=source.name)
        if header is None:
            raise DataFileError("the file is empty: there are no columns to read", file=source.name)
        return header, None, len(text)


_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(CsvReader.__init__).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}


def _all_but_last(units: Iterator[Unit], count: int) -> Iterator[Unit]:
    """``units`` without the last ``count`` (``skipfooter``)."""
    window: deque[Unit] = deque()
    for unit in units:
        window.append(unit)
        if len(window) > count:
            yield window.popleft()
