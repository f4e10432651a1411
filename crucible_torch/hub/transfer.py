"""Moving bytes: a body stream that resumes with ``Range`` after drops, and a checked, atomic file download.

``RangedBody`` re-requests ``Range: bytes={received}-[{end}]`` when a body breaks (up to 5 times in a
row; the count resets whenever bytes arrive). If the server answers such a request with 200 instead of
206, the body starts over and the bytes already delivered are skipped, so the consumer still sees one
continuous stream. The redirect target (the CDN's signed URL) is remembered for later requests and
forgotten when it stops working. ``download_to_file`` writes a stream to ``{dest}.{8hex}.incomplete``,
checks size, sha256 (LFS) or git blob sha1, then fsyncs and renames it into place
(:mod:`~crucible_torch.hub.atomic`): a partial or wrong file is never left under the final name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3

from . import config, http
from .atomic import atomic_open
from .errors import DownloadIntegrityError, HfHubHTTPError, Target, raise_for_status

CHUNK_SIZE = 1 << 20
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-")
_EXPIRED = frozenset({401, 403, 404, 410})  # what a stale signed CDN URL answers


class RangedBody:
    """Byte ranges of one remote file, fetched with retries, ``Range`` resume and redirect reuse.

    ``headers`` (e.g. ``RepoSnapshot.auth_headers()``) go to ``url``'s origin only, never to the CDN.
    """

    def __init__(self, url: str, headers: Mapping[str, str] | None = None, target: Target | None = None) -> None:
        self.url = url
        self.headers = dict(headers or {})
        self.target = target
        self.location: str | None = None

    def iter(self, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Yield bytes ``[start, end)`` (``end=None``: to the end of the file) as they arrive."""
        position = start
        backoff = http.Backoff()
        while end is None or position < end:
            url = self.location or self.url
            headers = http.headers_for(url, self.headers, self.url)
            headers["Accept-Encoding"] = "identity"
            if position > 0 or end is not None:
                headers["Range"] = f"bytes={position}-{'' if end is None else end - 1}"
            response = http.send("GET", url, headers=headers, stream=True, timeout=config.download_timeout())
            try:
                if self.location is not None and response.status_code in _EXPIRED:
                    self.location = None  # signed URL expired: go through the Hub again
                    continue
                raise_for_status(response, self.target)
                if response.url != url:
                    self.location = response.url
                skip = _bytes_to_skip(response, position)
                for chunk in body_chunks(response, chunk_size):
                    if skip:
                        dropped = min(skip, len(chunk))
                        chunk, skip = chunk[dropped:], skip - dropped
                    if end is not None:
                        chunk = chunk[: end - position]
                    if chunk:
                        position += len(chunk)
                        backoff.progressed()
                        yield chunk
                    if end is not None and position >= end:
                        return
                return
            except http.RETRY_EXCEPTIONS as e:
                http.reset_session()
                if backoff.exhausted() or backoff.over_limit() is not None:
                    raise
                backoff.sleep(reason=f"{type(e).__name__} after byte {position} of {self.url}; resuming with Range")
            finally:
                response.close()


def iter_url_bytes(
    url: str,
    headers: Mapping[str, str] | None = None,
    chunk_size: int = CHUNK_SIZE,
    *,
    start: int = 0,
    target: Target | None = None,
) -> Iterator[bytes]:
    """Yield the body of ``url`` from byte ``start``, resuming with ``Range`` when the connection drops.

    ``headers`` are sent to ``url``'s host and dropped on a redirect to another host. HTTP errors raise
    the huggingface_hub-named exceptions; 408/429/5xx and connection errors are retried.
    """
    return RangedBody(url, headers, target).iter(start, None, chunk_size)


def body_chunks(response: requests.Response, chunk_size: int) -> Iterator[bytes]:
    """The body as it arrives (``read1``), so that bytes received before a drop are never lost.

    ``iter_content`` buffers up to ``chunk_size`` and discards that buffer when the connection breaks;
    reading what is available keeps the resume offset exact. urllib3 errors are raised as requests'.
    """
    raw = response.raw
    while True:
        try:
            chunk = raw.read1(chunk_size, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError as e:
            raise requests.ConnectionError(e, response=response) from e
        except urllib3.exceptions.SSLError as e:
            raise requests.exceptions.SSLError(e, response=response) from e
        except (urllib3.exceptions.ProtocolError, OSError) as e:
            raise requests.exceptions.ChunkedEncodingError(e, response=response) from e
        if not chunk:
            return
        yield chunk


def _bytes_to_skip(response: requests.Response, position: int) -> int:
    """How many leading body bytes were already delivered (a Range request answered 200 restarts)."""
    if position == 0:
        return 0
    if response.status_code == 200:
        return position
    content_range = response.headers.get("Content-Range", "")
    match = _CONTENT_RANGE.match(content_range)
    if not match or int(match.group(1)) != position:
        raise HfHubHTTPError(
            f"asked for bytes {position}- of {response.url} but got Content-Range {content_range!r}", response
        )
    return 0


@dataclass(frozen=True)
class Expected:
    """What a downloaded file must be: its size, and its sha256 (LFS) or git blob sha1 when known."""

    size: int | None = None
    sha256: str | None = None
    git_sha1: str | None = None


def download_to_file(
    url: str,
    dest: Path,
    *,
    headers: Mapping[str, str] | None = None,
    expected: Expected = Expected(),
    target: Target | None = None,
    on_bytes: Callable[[int], None] | None = None,
    temp_dir: Path | None = None,
) -> Path:
    """Download ``url`` to ``dest`` via a unique ``{name}.{8hex}.incomplete`` temp file; verify; rename atomically.

    The temp file sits beside ``dest`` unless ``temp_dir`` (same filesystem) is given.
    """
    sha256 = hashlib.sha256() if expected.sha256 else None
    git = None
    if expected.git_sha1 and expected.size is not None:
        git = hashlib.sha1(f"blob {expected.size}\0".encode())
    what = target.describe() if target else url
    with atomic_open(dest, "wb", suffix="incomplete", directory=temp_dir, hidden=False) as f:
        size = 0
        for chunk in iter_url_bytes(url, headers, target=target):
            f.write(chunk)
            size += len(chunk)
            for digest in (sha256, git):
                if digest is not None:
                    digest.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
        if expected.size is not None and size != expected.size:
            raise DownloadIntegrityError(
                f"Consistency check failed for {what}: got {size} bytes, expected {expected.size}. "
                "Nothing was cached; retry the download (force_download=True if it persists)."
            )
        for digest, want, name in ((sha256, expected.sha256, "sha256"), (git, expected.git_sha1, "git sha1")):
            if digest is not None and digest.hexdigest() != want:
                raise DownloadIntegrityError(
                    f"Consistency check failed for {what}: {name} is {digest.hexdigest()}, expected {want}. "
                    "Nothing was cached; retry the download."
                )
    return dest
