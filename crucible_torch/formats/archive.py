"""Archive data files (``.zip``, ``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``, ``.tar.xz``) extracted into the cache.

`datasets` extracts an archive given as a data file and reads the files inside it. We do the same, once per
archive (the directory is keyed by the archive's path, size and mtime) and atomically: members are written
into a process-unique temporary directory that is renamed into place, so a crash leaves nothing that looks
extracted. Archives are untrusted input, so extraction refuses, naming the archive and the member:

- a member name that is absolute or climbs out with ``..`` (path traversal);
- a link whose target lies outside the archive (a link inside it is written as a copy of its target);
- more than ``CRUCIBLE_TORCH_ARCHIVE_MAX_MEMBERS`` members, or more bytes than the bomb bound: at most
  ``CRUCIBLE_TORCH_ARCHIVE_MAX_RATIO`` (250) times the archive's size plus 64 MiB, and never more than
  ``CRUCIBLE_TORCH_ARCHIVE_MAX_BYTES`` (1 TiB). Bytes are counted as they are written, so a member that
  lies about its size is caught too. Deflate cannot exceed ~1032x, so a bound of 250x only refuses data
  that is almost entirely repetition.

Device files and fifos carry no data and are skipped. The files of an extracted archive are listed as
`datasets` lists them (`archive_files`: sorted, hidden files and ``__x`` directories skipped).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import tarfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..config import data_cache_dir
from ..errors import DataFileError

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz")
_FLOOR_BYTES = 64 << 20
_COPY_CHUNK = 1 << 20


def archive_kind(name: str) -> str | None:
    """``"zip"`` or ``"tar"`` for a file name with an archive extension, else None."""
    lowered = name.lower()
    if lowered.endswith(".zip"):
        return "zip"
    if lowered.endswith(ARCHIVE_SUFFIXES):
        return "tar"
    return None


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what one extraction may write (see the module docstring); read from the environment."""

    max_members: int
    max_bytes: int
    max_ratio: float

    @classmethod
    def from_env(cls) -> ArchiveLimits:
        return cls(
            max_members=int(os.environ.get("CRUCIBLE_TORCH_ARCHIVE_MAX_MEMBERS", 10_000_000)),
            max_bytes=int(os.environ.get("CRUCIBLE_TORCH_ARCHIVE_MAX_BYTES", 1 << 40)),
            max_ratio=float(os.environ.get("CRUCIBLE_TORCH_ARCHIVE_MAX_RATIO", 250)),
        )

    def allowed_bytes(self, archive_size: int) -> int:
        return min(self.max_bytes, int(_FLOOR_BYTES + self.max_ratio * archive_size))


def safe_member_path(name: str, archive: str) -> str | None:
    """The member's path relative to the extraction root, or None for the root itself.

    Raises `DataFileError` for an absolute name or one that climbs out of the root.
    """
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise DataFileError(
            f"archive member {name!r} has an absolute path",
            file=archive,
            hint="refused: extracting it would write outside the extraction directory",
        )
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise DataFileError(
            f"archive member {name!r} climbs out of the archive with '..'",
            file=archive,
            hint="refused: extracting it would write outside the extraction directory",
        )
    return "/".join(parts) or None


def _link_target(member: str, target: str, archive: str, symbolic: bool) -> str:
    """The archive path a link points to; a `DataFileError` when it points outside the archive."""
    unified = target.replace("\\", "/")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(member), unified) if symbolic else unified)
    if unified.startswith("/") or joined == ".." or joined.startswith("../"):
        raise DataFileError(
            f"archive member {member!r} is a link to {target!r}, outside the archive",
            file=archive,
            hint="refused: links out of the extraction directory are never created",
        )
    return joined


class _Budget:
    """Counts members and written bytes against the limits of one extraction."""

    def __init__(self, archive: str, archive_size: int, limits: ArchiveLimits) -> None:
        self.archive = archive
        self.limits = limits
        self.allowed = limits.allowed_bytes(archive_size)
        self.archive_size = archive_size
        self.members = 0
        self.written = 0

    def member(self, name: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise DataFileError(
                f"the archive holds more than {self.limits.max_members} members (at {name!r})",
                file=self.archive,
                hint="refused as a possible archive bomb; raise CRUCIBLE_TORCH_ARCHIVE_MAX_MEMBERS if it is trusted",
            )

    def add(self, name: str, n: int) -> None:
        self.written += n
        if self.written > self.allowed:
            raise DataFileError(
                f"extracting member {name!r} goes past {self.allowed} bytes, "
                f"{self.written / max(1, self.archive_size):.0f}x the archive's {self.archive_size} bytes",
                file=self.archive,
                hint="refused as a possible archive bomb; raise CRUCIBLE_TORCH_ARCHIVE_MAX_RATIO or "
                "CRUCIBLE_TORCH_ARCHIVE_MAX_BYTES if it is trusted",
            )


def _copy(src: BinaryIO, dest: Path, name: str, budget: _Budget) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as out:
        while True:
            chunk = src.read(_COPY_CHUNK)
            if not chunk:
                return
            budget.add(name, len(chunk))
            out.write(chunk)


def _extract_zip(path: str, archive: str, root: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        by_name = {info.filename: info for info in infos}
        for info in infos:
            budget.member(info.filename)
            relative = safe_member_path(info.filename, archive)
            if relative is None:
                continue
            if info.is_dir():
                (root / relative).mkdir(parents=True, exist_ok=True)
                continue
            mode = (info.external_attr >> 16) & 0o170000
            if mode == 0o120000:  # a symlink: its data is the target
                target = _link_target(info.filename, zf.read(info).decode("utf-8", "replace"), archive, True)
                info = by_name.get(target)
                if info is None or info.is_dir():
                    raise DataFileError(f"archive member {relative!r} links to {target!r}, not a file", file=archive)
            with zf.open(info) as src:
                _copy(src, root / relative, relative, budget)


def _extract_tar(path: str, archive: str, root: Path, budget: _Budget) -> None:
    with tarfile.open(path, "r:*") as tf:
        for member in tf:
            budget.member(member.name)
            relative = safe_member_path(member.name, archive)
            if relative is None:
                continue
            if member.isdir():
                (root / relative).mkdir(parents=True, exist_ok=True)
            elif member.issym() or member.islnk():
                _link_target(member.name, member.linkname, archive, member.issym())
                src = tf.extractfile(member)  # tarfile resolves a link to its target member's data
                if src is None:
                    raise DataFileError(f"archive member {relative!r} links to a non-file", file=archive)
                with src:
                    _copy(src, root / relative, relative, budget)
            elif member.isfile():
                src = tf.extractfile(member)
                assert src is not None
                with src:
                    _copy(src, root / relative, relative, budget)


def extraction_dir(path: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the archive at ``path`` is (or will be) extracted: keyed by its absolute path, size and mtime."""
    stat = os.stat(path)
    key = hashlib.sha256(repr((os.path.abspath(path), stat.st_size, stat.st_mtime_ns)).encode()).hexdigest()[:16]
    return data_cache_dir(cache_dir) / "extracted" / f"{os.path.basename(path)}-{key}"


def extract_archive(
    path: str,
    name: str | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    limits: ArchiveLimits | None = None,
) -> Path:
    """Extract the archive at ``path`` into the cache once, safely and atomically; return the directory.

    ``name`` is what errors call the archive (default ``path``). Raises `DataFileError` for an unsafe or
    unreadable archive (nothing is left behind).
    """
    archive = name or path
    dest = extraction_dir(path, cache_dir)
    if dest.is_dir():
        return dest
    kind = archive_kind(path) or archive_kind(archive)
    if kind is None:
        raise ValueError(f"{archive} is not an archive ({', '.join(ARCHIVE_SUFFIXES)})")
    budget = _Budget(archive, os.path.getsize(path), limits or ArchiveLimits.from_env())
    temp = dest.parent / f".{dest.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    temp.mkdir(parents=True)
    try:
        try:
            (_extract_zip if kind == "zip" else _extract_tar)(path, archive, temp, budget)
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError, KeyError) as exc:
            if isinstance(exc, DataFileError):
                raise
            raise DataFileError(
                f"cannot extract the {kind} archive: {exc}",
                file=archive,
                hint="the archive is truncated or corrupt; download it again",
            ) from exc
        try:
            os.replace(temp, dest)
        except OSError:  # another process extracted it first: keep theirs
            if not dest.is_dir():
                raise
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    return dest


def archive_files(root: Path) -> Iterator[Path]:
    """The files under an extracted archive, as `datasets` iterates them: sorted, skipping ``.x``/``__x``."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        for filename in sorted(filenames):
            if not filename.startswith((".", "__")):
                yield Path(dirpath) / filename


def archive_member_names(path: str, name: str | None = None) -> list[str]:
    """The member names of an archive, without extracting it (used to infer the builder from a ``.zip``)."""
    kind = archive_kind(path) or archive_kind(name or path)
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as zf:
                return zf.namelist()
        with tarfile.open(path, "r:*") as tf:
            return tf.getnames()
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise DataFileError(f"cannot list the archive: {exc}", file=name or path) from exc
