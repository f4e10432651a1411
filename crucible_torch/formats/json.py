"""JSON reader: JSON Lines in chunks through ``pyarrow.json``, and whole JSON documents.

JSON Lines are parsed a chunk of whole lines at a time (``chunksize`` bytes, as `datasets`), so memory is
bounded and a file splits into byte-range units (see :mod:`.lines`). When Arrow rejects a chunk, the chunk is
re-parsed line by line in Python only to name the failing line. A document (a top-level array, or an object
whose ``field`` holds the rows) is loaded whole, as the `datasets` json builder does.

Mixed types follow `datasets`' ``on_mixed_types="use_json"``: the first chunk of a file is scanned for structs
whose keys differ between rows (`~crucible_torch.features.json_paths.mixed_type_paths`), and a column Arrow
finds changing type is added while parsing; those values become `Json` columns. Once a split's schema is
known (`Reader.with_schema`), its `Json` paths are encoded in every chunk, so a byte-range unit read alone
in a DataLoader worker types its rows exactly as the first chunk did.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO, Literal

import pyarrow as pa

from ..errors import DataFileError
from ..features import Features
from ..features.json import json_dumps
from ..features.json_arrays import decode_lines, read_json_lines
from ..features.json_paths import JsonPath, json_paths_of, mixed_type_paths
from .compression import compression_of, open_decompressed, sniff_compression
from .lines import DEFAULT_CHUNK_BYTES, count_newlines, iter_line_chunks, split_line_units
from .reader import WHOLE_FILE, Reader, ReadUnit, SourceLike
from .source import DataSource, as_source, peekable

DEFAULT_UNIT_BYTES = 64 << 20
_HEAD = 4096
_TYPE_CHANGE = re.compile(r"Column\((?P<path>[^)]*)\) changed from (?P<old>\w+) to (?P<new>\w+)")


class JsonReader(Reader):
    """Reads ``.json``/``.jsonl``/``.ndjson`` files, as the `datasets` json builder.

    Args:
        field: the key of a top-level object that holds the rows (a list of objects or of scalars, or a dict
            of columns); the file is then read as one JSON document.
        encoding, encoding_errors: how to decode the file (non-UTF-8 files are recoded, and not split).
        chunksize: bytes of JSON Lines parsed at a time (``block_size`` is its deprecated `datasets` alias).
        unit_bytes: target size of the byte-range units of a JSON Lines file.
        on_mixed_types: ``"use_json"`` (default, as `datasets`) stores values of mixed types as `Json`;
            None raises on them, naming the line and column.
        features: schema to cast every batch to; a struct column cast to ``Value("string")`` becomes its JSON
            text, and a feature column missing from the file is all nulls.
    """

    name = "json"

    def __init__(
        self,
        *,
        field: str | None = None,
        encoding: str = "utf-8",
        encoding_errors: str | None = None,
        chunksize: int = DEFAULT_CHUNK_BYTES,
        block_size: int | None = None,
        unit_bytes: int = DEFAULT_UNIT_BYTES,
        on_mixed_types: Literal["use_json"] | None = "use_json",
        features: Any = None,
    ) -> None:
        super().__init__(features=features)
        if on_mixed_types not in ("use_json", None):
            raise ValueError(f"on_mixed_types must be 'use_json' or None, got {on_mixed_types!r}")
        self.on_mixed_types = on_mixed_types
        self.field = field
        self.encoding = encoding
        self.encoding_errors = encoding_errors
        self.chunksize = block_size or chunksize
        self.unit_bytes = unit_bytes
        self._utf8 = codecs.lookup(encoding).name == "utf-8" and encoding_errors in (None, "strict")

    def units(self, source: SourceLike) -> list[ReadUnit]:
        """Byte ranges for a plain UTF-8 JSON Lines file; one whole-file unit for anything else (a compressed
        file too, named so or not)."""
        source = as_source(source)
        if self.field is not None or not self._utf8 or compression_of(source.name) or source.size is None:
            return [WHOLE_FILE]
        with peekable(source.open()) as f:
            head = f.peek(_HEAD)[:_HEAD]
            if sniff_compression(head) or self._is_document(head):
                return [WHOLE_FILE]
            return split_line_units(f, source.size, self.unit_bytes)

    def read(
        self, source: SourceLike, *, columns: Sequence[str] | None = None, unit: ReadUnit | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Yield the rows of the file, or of one byte-range unit of a JSON Lines file."""
        source = as_source(source)
        unit = self._check_unit(unit, "bytes")
        with peekable(open_decompressed(source)) as f:
            if unit.kind == "file" and (self.field is not None or self._is_document(f.peek(_HEAD)[:_HEAD])):
                batches = self._read_document(source, f)
            elif self._utf8:
                batches = self._read_lines(source, f, unit)
            else:
                batches = self._read_lines(source, _Utf8Recoder(f, self.encoding, self.encoding_errors), unit)
            for batch in batches:
                try:
                    yield self._finish(self._structs_as_text(batch), columns, source.name)
                except DataFileError as exc:
                    if self.target_schema is None or exc.column is None:
                        raise
                    raise DataFileError(
                        exc.reason,
                        file=source.name,
                        column=exc.column,
                        hint="types are decided by the first rows of each file (the first chunksize bytes); pass "
                        "features= with the type this column should have, e.g. Json() for values of any shape",
                    ) from exc

    def _json_paths(self) -> list[JsonPath]:
        """The `Json` paths of the target schema (``(column, key or 0, ...)``), encoded in every chunk."""
        if self.target_schema is None:
            return []
        features = Features.from_arrow_schema(self.target_schema)
        return [(name, *path) for name, feature in features.items() for path in json_paths_of(feature)]

    def _structs_as_text(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Struct columns that the target schema wants as strings, as their JSON text (as `datasets`)."""
        target = self.target_schema
        if target is None:
            return batch
        for index, name in enumerate(batch.schema.names):
            wanted = target.get_field_index(name)
            column = batch.column(index)
            if wanted >= 0 and pa.types.is_struct(column.type) and _is_text(target.field(wanted).type):
                text = pa.array([None if v is None else json_dumps(v) for v in column.to_pylist()], pa.string())
                batch = batch.set_column(index, name, text)
        return batch

    def _parse(
        self, source: DataSource, chunk: bytes, first_line: Callable[[], int], paths: list[JsonPath], scan: bool
    ) -> pa.Table:
        """One chunk of JSON Lines as a table; ``paths`` (the file's `Json` paths) grows as mixed types turn up.

        ``scan`` looks for structs with differing keys first (the first chunk of a file, no target schema).
        ``first_line`` gives the chunk's first line number, asked for only to report an error.
        """
        use_json = self.on_mixed_types == "use_json"
        try:
            rows = None
            if use_json and scan:
                rows = decode_lines(chunk)
                found = mixed_type_paths(row for row in rows if isinstance(row, dict))
                paths.extend(path for path in found if path not in paths)
            return read_json_lines(chunk, paths, rows=rows, resolve_mixed=use_json)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
            raise _locate_error(chunk, first_line(), exc, source.name) from exc

    def _is_document(self, head: bytes) -> bool:
        """Whether a file starting with ``head`` is one JSON array rather than JSON Lines."""
        return head.decode(self.encoding, "ignore").lstrip("\ufeff \t\r\n").startswith("[")

    def _read_lines(self, source: DataSource, f: BinaryIO, unit: ReadUnit) -> Iterator[pa.RecordBatch]:
        start, end = (0, None) if unit.kind == "file" else (unit.start, unit.end)
        lines_before = 0
        paths = self._json_paths()
        for offset, chunk in iter_line_chunks(f, start, end, self.chunksize):
            if offset == 0 and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8) :]
            if chunk.strip():

                def first_line(before: int = lines_before, offset: int = offset) -> int:
                    return 1 + (before if start == 0 else _lines_before(source, offset))

                scan = offset == 0 and self.target_schema is None
                yield from self._parse(source, chunk, first_line, paths, scan).to_batches()
            lines_before += chunk.count(b"\n")

    def _read_document(self, source: DataSource, f: BinaryIO) -> Iterator[pa.RecordBatch]:
        text = f.read().decode(self.encoding, self.encoding_errors or "strict")
        try:
            data = json.loads(text.lstrip("\ufeff"))
        except json.JSONDecodeError as exc:
            raise DataFileError(
                f"invalid JSON: {exc.msg} (column {exc.colno})", file=source.name, line=exc.lineno
            ) from exc
        if self.field is not None:
            if not isinstance(data, dict) or self.field not in data:
                keys = sorted(data) if isinstance(data, dict) else f"a {type(data).__name__}, not an object"
                raise DataFileError(f"no field {self.field!r} at the top level (found {keys})", file=source.name)
            data = data[self.field]
        rows = _document_rows(data, source.name)
        if not rows:
            return
        payload = "\n".join(json_dumps(row) for row in rows).encode()
        try:
            table = self._parse(source, payload, lambda: 1, self._json_paths(), scan=self.target_schema is None)
        except DataFileError as exc:  # its "line" counts the document's rows
            raise DataFileError(
                f"row {exc.line} of the document: {exc.reason}", file=source.name, column=exc.column, hint=exc.hint
            ) from exc
        yield from table.to_batches()


def _document_rows(data: Any, file: str) -> list[dict[str, Any]]:
    """Rows of a JSON document as `datasets` makes them: objects, scalars as ``{"text": x}``, or columns."""
    if isinstance(data, list):
        if data and isinstance(data[0], dict):
            return data
        return [{"text": x} for x in data]
    if isinstance(data, dict) and all(isinstance(v, list) for v in data.values()):
        lengths = {len(v) for v in data.values()}
        if len(lengths) > 1:
            raise DataFileError(f"the columns of the object have different lengths {sorted(lengths)}", file=file)
        return [dict(zip(data, values, strict=True)) for values in zip(*data.values(), strict=True)]
    raise DataFileError(
        f"expected a list of rows or an object of columns, got a {type(data).__name__}",
        file=file,
        hint="use field= to name the key that holds the rows",
    )


class _Utf8Recoder(io.RawIOBase):
    """A forward-only UTF-8 view of a binary file in another encoding (or decoded with lenient errors)."""

    def __init__(self, f: BinaryIO, encoding: str, errors: str | None) -> None:
        super().__init__()
        self._text = io.TextIOWrapper(f, encoding=encoding, errors=errors or "strict", newline="")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            text = self._text.read(1 << 16)
            if not text:
                return 0
            self._pending = text.encode("utf-8")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _lines_before(source: DataSource, offset: int) -> int:
    with source.open() as f:
        return count_newlines(f, offset)


def _is_text(dtype: pa.DataType) -> bool:
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _locate_error(chunk: bytes, first_line: int, exc: Exception, file: str) -> DataFileError:
    """The `DataFileError` for the line of ``chunk`` Arrow could not parse (``first_line`` is 1-based)."""
    match = _TYPE_CHANGE.search(str(exc))
    path = [p for p in match.group("path").split("/") if p] if match else None
    first_kind = None
    for index, line in enumerate(chunk.split(b"\n")):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as err:
            reason = getattr(err, "msg", str(err))
            column = f" (column {err.colno})" if isinstance(err, json.JSONDecodeError) else ""
            return DataFileError(f"invalid JSON: {reason}{column}", file=file, line=first_line + index)
        if not isinstance(row, dict):
            return DataFileError(f"expected a JSON object, got a {_json_kind(row)}", file=file, line=first_line + index)
        if path is None:
            continue
        value: Any = row
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            continue
        kind = _json_kind(value)
        first_kind = first_kind or kind
        if kind != first_kind:
            return DataFileError(
                f"value is a {kind} but earlier rows have a {first_kind}",
                file=file,
                line=first_line + index,
                column="/".join(path),
                hint="make the column's values one JSON type, or keep on_mixed_types='use_json' to store them as Json",
            )
    return DataFileError(f"cannot parse JSON Lines: {exc}", file=file, line=first_line)
