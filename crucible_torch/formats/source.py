"""Where a reader gets its bytes: a named, sized thing that opens as a binary file object.

Readers never touch paths or URLs directly, so the same parquet/JSONL code reads a local file or (through a
source the streaming layer adds) a remote one with ranged reads. ``name`` is what error messages show.
"""

from __future__ import annotations

import io
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO


class DataSource(ABC):
    """A data file that can be opened for binary reading.

    ``open()`` returns a new file object each call; it is seekable for local files and ranged-read remote
    files, and may be a forward-only stream (readers that need seeking say so in their error).
    """

    @property
    @abstractmethod
    def name(self) -> str:
        """What errors call this file: a path, or ``hf://datasets/owner/name@rev/file``."""

    @property
    @abstractmethod
    def size(self) -> int | None:
        """Size in bytes (of the stored, possibly compressed, file), or None when unknown."""

    @abstractmethod
    def open(self) -> BinaryIO:
        """A new binary file object positioned at byte 0; the caller closes it."""

    @property
    def local_path(self) -> str | None:
        """A local filesystem path when there is one, so Arrow can read or memory-map it natively."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class LocalSource(DataSource):
    """A file on the local filesystem; ``name`` is what errors call it (e.g. ``hf://datasets/owner/name@sha/path``
    for a Hub file in the cache), the path by default."""

    def __init__(self, path: str | os.PathLike[str], name: str | None = None) -> None:
        self.path = Path(path)
        self._name = name

    @property
    def name(self) -> str:
        return self._name or str(self.path)

    @property
    def size(self) -> int | None:
        return self.path.stat().st_size

    @property
    def local_path(self) -> str | None:
        return str(self.path)

    def open(self) -> BinaryIO:
        return open(self.path, "rb")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalSource) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)


def peekable(f: BinaryIO) -> BinaryIO:
    """``f`` itself when it can ``peek`` at its head without consuming it, else ``f`` behind a buffer."""
    return f if hasattr(f, "peek") else io.BufferedReader(f)  # type: ignore[arg-type]


def as_source(source: DataSource | str | os.PathLike[str]) -> DataSource:
    """Wrap a plain path in a `LocalSource`; a `DataSource` is returned as is."""
    if isinstance(source, DataSource):
        return source
    return LocalSource(source)
