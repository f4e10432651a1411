"""A CSV file's text, decoded in chunks, with an error that says where the bytes stop being text.

pandas reads a file whose bytes are not valid in its ``encoding`` with a bare ``UnicodeDecodeError``; we
name the file, the line and the field the bad byte sits in, and say which options fix it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

from ...errors import DataFileError
from ..compression import open_decompressed
from ..source import DataSource
from .options import CsvOptions

CHUNK_BYTES = 1 << 20
_TAIL = 1 << 16  # bytes of the current line kept to say which field a bad byte is in


def text_chunks(source: DataSource, options: CsvOptions, chunk_bytes: int = CHUNK_BYTES) -> Iterator[str]:
    """The file's text (a leading byte-order mark dropped, as pandas does), ``chunk_bytes`` at a time.

    Raises:
        DataFileError: bytes that are not valid in ``options.encoding`` (with ``encoding_errors="strict"``),
            naming the line and the field.
    """
    decoder = codecs.getincrementaldecoder(options.encoding)(options.encoding_errors)
    lines_before, tail, first = 0, b"", True
    with open_decompressed(source) as f:
        while True:
            data = f.read(chunk_bytes)
            pending = decoder.getstate()[0]
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                raise _undecodable(source, options, exc, lines_before, tail) from exc
            if first and text:
                text, first = text.removeprefix("\ufeff"), False
            if text:
                yield text
            if not data:
                return
            block = pending + data
            newline = block.rfind(b"\n")
            lines_before += block.count(b"\n")
            tail = (tail + block if newline < 0 else block[newline + 1 :])[-_TAIL:]


class UndecodableError(DataFileError):
    """Bytes that are not text in the file's encoding; ``field`` is the 0-based field they sit in."""

    field: int | None = None


def _undecodable(
    source: DataSource, options: CsvOptions, exc: UnicodeDecodeError, lines_before: int, tail: bytes
) -> UndecodableError:
    before = exc.object[: exc.start]
    newline = before.rfind(b"\n")
    line_prefix = (tail + before if newline < 0 else before[newline + 1 :]).decode(options.encoding, "replace")
    error = UndecodableError(
        f"byte {exc.object[exc.start : exc.end]!r} is not valid {options.encoding} ({exc.reason})",
        file=source.name,
        line=lines_before + before.count(b"\n") + 1,
        hint=ENCODING_HINT,
    )
    error.field = line_prefix.count(options.sep) if options.sep else None
    return error


ENCODING_HINT = (
    "pass encoding= with the file's encoding (e.g. 'latin-1', 'cp1252'), "
    "or encoding_errors='replace' to load it with U+FFFD in place of such bytes"
)
