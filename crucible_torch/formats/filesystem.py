"""A data file on a pyarrow filesystem (S3, GCS, HDFS, a mounted subtree): the readers' `DataSource` for it.

Opening gives Arrow's random-access file, so parquet reads only the footer and the row groups a unit needs.
The filesystem object pickles (its options, not a connection), so DataLoader workers and Ray tasks reopen it.
"""

from __future__ import annotations

from typing import BinaryIO

import pyarrow.fs as pafs

from .source import DataSource


class FilesystemSource(DataSource):
    """``path`` on ``filesystem``; ``size`` is looked up once when not given."""

    def __init__(self, filesystem: pafs.FileSystem, path: str, size: int | None = None) -> None:
        self.filesystem = filesystem
        self.path = path
        self._size = size

    @property
    def name(self) -> str:
        return f"{self.filesystem.type_name}://{self.path}"

    @property
    def size(self) -> int | None:
        if self._size is None:
            self._size = self.filesystem.get_file_info(self.path).size
        return self._size

    @property
    def local_path(self) -> str | None:
        return self.path if isinstance(self.filesystem, pafs.LocalFileSystem) else None

    def open(self) -> BinaryIO:
        return self.filesystem.open_input_file(self.path)  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FilesystemSource) and (other.filesystem, other.path) == (self.filesystem, self.path)

    def __hash__(self) -> int:
        return hash((self.filesystem.type_name, self.path))
