"""Transparent decompression of ``.gz``, ``.bz2``, ``.xz`` and ``.zst``/``.zstd`` data files.

`datasets` extracts such files on the fly, recognising them by extension or by their magic bytes; we do the
same with a forward-only stream, so a compressed JSONL or CSV file is read in bounded memory. zstd goes
through ``pyarrow.CompressedInputStream``, which avoids an extra dependency. A corrupt or truncated stream
raises `DataFileError` naming the file.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from typing import BinaryIO

import pyarrow as pa

from ..errors import DataFileError
from .source import DataSource, peekable

COMPRESSION_EXTENSIONS: dict[str, str] = {
    ".gz": "gzip",
    ".bz2": "bz2",
    ".xz": "xz",
    ".zst": "zstd",
    ".zstd": "zstd",
}


def compression_of(name: str) -> str | None:
    """The compression named by the file's last extension (``"gzip"``, ``"zstd"``, ...), or None."""
    lowered = name.lower()
    for ext, compression in COMPRESSION_EXTENSIONS.items():
        if lowered.endswith(ext):
            return compression
    return None


def strip_compression_extension(name: str) -> str:
    """``"train.jsonl.gz"`` -> ``"train.jsonl"``; names without a compression extension are unchanged."""
    lowered = name.lower()
    for ext in COMPRESSION_EXTENSIONS:
        if lowered.endswith(ext):
            return name[: -len(ext)]
    return name


class _DecompressedFile(io.RawIOBase):
    """Raw stream over a decompressor that closes the underlying file too and names it in errors."""

    def __init__(self, raw: BinaryIO, stream: BinaryIO, name: str, compression: str) -> None:
        super().__init__()
        self._raw = raw
        self._stream = stream
        self._name = name
        self._compression = compression
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._stream.read(len(buffer))
        except (EOFError, OSError, zlib.error, lzma.LZMAError, pa.ArrowInvalid) as exc:
            raise DataFileError(
                f"cannot decompress {self._compression} data after {self._offset} decompressed bytes: {exc}",
                file=self._name,
                hint="the file is truncated or corrupt; delete it and download it again",
            ) from exc
        n = len(data)
        buffer[:n] = data
        self._offset += n
        return n

    def close(self) -> None:
        if not self.closed:
            try:
                self._stream.close()
            finally:
                self._raw.close()
        super().close()


def _decompressor(raw: BinaryIO, compression: str) -> BinaryIO:
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bz2":
        return bz2.BZ2File(raw, mode="rb")
    if compression == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    return pa.CompressedInputStream(pa.PythonFile(raw, mode="r"), "zstd")  # type: ignore[return-value]


def decompress_bytes(data: bytes, compression: str, name: str) -> bytes:
    """The decompressed content of an in-memory ``compression`` stream (``name`` is what errors call it)."""
    raw = io.BytesIO(data)
    with io.BufferedReader(_DecompressedFile(raw, _decompressor(raw, compression), name, compression)) as f:
        return f.read()


_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd"}


def sniff_compression(head: bytes) -> str | None:
    """The compression whose magic bytes start ``head`` (as `datasets` detects it), or None."""
    return next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)


def open_decompressed(source: DataSource) -> BinaryIO:
    """Open ``source`` for reading its decompressed bytes.

    Uncompressed files come back as ``source.open()`` (seekable where the source is); compressed ones, named
    so or recognised by their magic bytes, as a buffered forward-only stream.
    """
    compression = compression_of(source.name)
    raw = source.open()
    if compression is None:
        if raw.seekable():
            compression = sniff_compression(raw.read(6))
            raw.seek(0)
        else:
            raw = peekable(raw)
            compression = sniff_compression(raw.peek(6)[:6])
    if compression is None:
        return raw
    return io.BufferedReader(_DecompressedFile(raw, _decompressor(raw, compression), source.name, compression))
