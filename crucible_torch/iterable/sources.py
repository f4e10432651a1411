"""Data sources for streaming: local files read in place, and Hub files read over HTTP without a download.

`HttpSource` opens a remote file in one of two ways, picked by the format:

- random access (parquet, Arrow IPC): ranged GETs through :class:`~crucible_torch.hub.RemoteFile`, so a
  parquet reader fetches the footer and the row groups it reads, never the whole file. The last bytes of the
  file (the footer) are kept after the first read, and travel with the source to DataLoader workers (forked
  or pickled), so opening the file again for the next row group costs no request, in any process.
- streaming (JSON Lines, CSV, text, compressed files): one GET of the body from the current position through
  :func:`~crucible_torch.hub.iter_url_bytes`, which resumes with ``Range`` when the connection drops; a seek
  restarts the body at the new position (JSONL byte-range units seek once, then read forward).

Both go through the hub client's retries (408/429/5xx with backoff) and send the auth headers only to the Hub.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import BinaryIO

from ..formats import DataSource, LocalSource
from ..hub import RemoteFile, iter_url_bytes
from ..hub.remote_file import SeekableRaw
from ..resolve.sources import StreamLocation

TAIL_BYTES = 4 << 20  # reads ending in the last 4 MiB of a random-access file are kept (the parquet footer)
# Parquet asks for each column chunk with one exact read, so a large read-ahead only fetches bytes of columns
# that were not asked for (a ``select_columns`` projection would download whole row groups anyway).
READ_AHEAD = 64 << 10


class HttpSource(DataSource):
    """A remote data file: ``HttpSource(name, url, size, headers, random_access=True)``.

    ``name`` is what errors show; ``size`` (from the Hub listing) saves a HEAD; ``headers`` authenticate to the
    Hub (dropped on the redirect to the CDN). Picklable: DataLoader workers receive it and open it themselves.
    """

    def __init__(
        self,
        name: str,
        url: str,
        size: int | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        random_access: bool = True,
    ) -> None:
        self._name = name
        self.url = url
        self._size = size
        self.headers = dict(headers or {})
        self.random_access = random_access
        self._tail = _Tail()

    @property
    def name(self) -> str:
        return self._name

    @property
    def size(self) -> int | None:
        return self._size

    def open(self) -> BinaryIO:
        if self.random_access:
            remote = RemoteFile(self.url, self._size, self.headers, block_size=READ_AHEAD)
            self._size = remote.size
            return io.BufferedReader(_TailCachedFile(remote, self._tail), buffer_size=1 << 16)  # type: ignore[arg-type]
        return io.BufferedReader(_StreamFile(self.url, self.headers, self._size), buffer_size=1 << 20)  # type: ignore[arg-type]


def data_source(location: StreamLocation, random_access: bool) -> DataSource:
    """The source that reads ``location``: the local file in place, else the URL (ranged or streamed)."""
    if location.path is not None:
        return LocalSource(location.path, location.name)
    if location.url is None:
        raise ValueError(f"{location.name} has neither a local path nor a URL")
    return HttpSource(location.name, location.url, location.size, location.headers, random_access=random_access)


class _Tail:
    """The bytes ``[start, end)`` at the end of a remote file, kept from earlier reads."""

    def __init__(self) -> None:
        self.start: int | None = None
        self.data = b""


class _TailCachedFile(SeekableRaw):
    """A `RemoteFile` whose reads near the end of the file are served from (and added to) a `_Tail`."""

    def __init__(self, remote: RemoteFile, tail: _Tail) -> None:
        super().__init__()
        self._remote = remote
        self._tail = tail

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = self._remote.seek(offset, whence)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        size = self._remote.size
        end = min(size, self._pos + len(buffer))
        if end <= self._pos:
            return 0
        tail = self._tail
        if tail.start is not None and self._pos >= tail.start:
            data = tail.data[self._pos - tail.start : end - tail.start]
        else:
            self._remote.seek(self._pos)
            data = self._remote.read(end - self._pos)
            boundary = size if tail.start is None else tail.start
            if self._pos >= size - TAIL_BYTES and len(data) == end - self._pos and end >= boundary:
                tail.data = data[: boundary - self._pos] + tail.data
                tail.start = self._pos
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._remote.close()
        super().close()


class _StreamFile(SeekableRaw):
    """A remote file read forward as one resumable body; seeking restarts the body at the new position."""

    def __init__(self, url: str, headers: Mapping[str, str], size: int | None) -> None:
        super().__init__()
        self._url = url
        self._headers = headers
        self._size = size
        self._body: Iterator[bytes] | None = None
        self._pending = b""

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence == io.SEEK_END:
            if self._size is None:
                raise OSError(f"cannot seek from the end of {self._url}: its size is unknown")
            offset += self._size
        if offset != self._pos:
            self._drop_body()
            self._pos = offset
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self._pending:
            if self._size is not None and self._pos >= self._size:
                return 0
            if self._body is None:
                self._body = iter_url_bytes(self._url, self._headers, start=self._pos)
            self._pending = next(self._body, b"")
            if not self._pending:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self._pos += n
        return n

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()  # type: ignore[attr-defined]
        self._body = None
        self._pending = b""

    def close(self) -> None:
        if not self.closed:
            self._drop_body()
        super().close()
