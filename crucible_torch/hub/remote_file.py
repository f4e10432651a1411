"""A seekable, read-only file over HTTP ranged GETs, for reading parts of remote files (parquet footers,
chosen row groups) without downloading them.

Each miss fetches a read-ahead block (``block_size``, default 2 MiB) with ``Range: bytes=a-b``, retried
and resumed like every hub request. The first redirect target (the CDN's signed URL) is remembered so
later reads skip the Hub hop; if it stops working (expired signature) the Hub URL is asked again. The
``Authorization`` header is sent only to the Hub's origin.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from . import config, http
from .errors import HfHubHTTPError, Target, raise_for_status
from .transfer import RangedBody, iter_url_bytes

__all__ = ["RemoteFile", "SeekableRaw", "iter_url_bytes"]


class SeekableRaw(io.RawIOBase):
    """A read-only raw file of a known size (``_size``) that keeps its own position, as ``open(p, "rb")``
    seeks and tells; subclasses say how bytes are read (``readinto``)."""

    _size = 0
    _pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self.closed:
            raise ValueError(f"seek on a closed {type(self).__name__}")
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}.get(whence)
        if base is None:
            raise ValueError(f"invalid whence {whence}")
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._pos = base + offset
        return self._pos


class RemoteFile(SeekableRaw):
    """``RemoteFile(url, size=None, headers=None)``: random access to a remote file, like ``open(p, "rb")``.

    Works with ``io.BufferedReader`` and ``pyarrow.parquet.ParquetFile``. ``size`` saves a HEAD when known
    (e.g. from ``RepoSnapshot.files[path].size``); ``headers`` usually ``RepoSnapshot.auth_headers()``.
    """

    def __init__(
        self,
        url: str,
        size: int | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        block_size: int = 2 << 20,
        target: Target | None = None,
    ) -> None:
        super().__init__()
        self.url = url
        self.name = url
        self.block_size = max(1, block_size)
        self._headers = dict(headers or {})
        self._target = target
        self._body = RangedBody(url, headers, target)
        self._pos = 0
        self._buffer = b""
        self._buffer_start = 0
        self._size = size if size is not None else self._probe_size()

    @property
    def size(self) -> int:
        return self._size

    def _probe_size(self) -> int:
        response = http.send(
            "HEAD",
            self.url,
            headers={**self._headers, "Accept-Encoding": "identity"},
            timeout=config.etag_timeout(),
        )
        raise_for_status(response, self._target)
        length = response.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise HfHubHTTPError(f"HEAD {self.url} gave no Content-Length; pass size= to RemoteFile", response)
        return int(length)

    # -- io.RawIOBase ------------------------------------------------------------------------------
    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if self.closed:
            raise ValueError("read from a closed RemoteFile")
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        if end <= self._pos:
            return b""
        offset = self._pos - self._buffer_start
        if not (0 <= offset and end <= self._buffer_start + len(self._buffer)):
            fetch_end = min(self._size, max(end, self._pos + self.block_size))
            self._buffer = self._fetch(self._pos, fetch_end)
            self._buffer_start = self._pos
            offset = 0
        data = self._buffer[offset : offset + end - self._pos]
        self._pos += len(data)
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    # -- ranged GETs -------------------------------------------------------------------------------
    def _fetch(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``, resuming after drops and re-resolving an expired redirect target."""
        return b"".join(self._body.iter(start, end, 1 << 16))
