"""Atomic file writes: a unique temp file in the destination's directory, flushed, fsynced, then ``os.replace``.

Every writer of the package goes through here (the Hub cache and downloads, Arrow files, the streaming plan
cache, exports), so a reader, or the next run after a crash, sees the previous complete file or the new
complete file, never half of one. Temp names carry random hex, so two threads or processes writing the same
destination never share a temp file; a crash leaves only a temp file that no reader opens. The module lives in
``hub/`` because the Hub client stands alone and everything else may import from it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def temp_path(
    dest: str | os.PathLike[str],
    suffix: str = "tmp",
    *,
    directory: str | os.PathLike[str] | None = None,
    hidden: bool = True,
) -> Path:
    """A fresh temp name for ``dest``: ``.{name}.{16 hex}.{suffix}`` beside it (or in ``directory``, which
    must be on the same filesystem). ``hidden=False`` gives huggingface_hub's ``{name}.{8 hex}.{suffix}``."""
    dest = Path(dest)
    folder = Path(directory) if directory is not None else dest.parent
    name = f".{dest.name}.{secrets.token_hex(8)}" if hidden else f"{dest.name}.{secrets.token_hex(4)}"
    return folder / f"{name}.{suffix}"


def fsync_file(path: str | os.PathLike[str]) -> None:
    """Flush ``path``'s data to the disk (what ``os.replace`` alone does not promise after a power cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def discard(tmp: str | os.PathLike[str]) -> None:
    """Remove a temp file if it is there (cleanup must never hide the error that caused it)."""
    try:
        os.unlink(tmp)
    except OSError:
        pass


def discard_stale_temps(dest: str | os.PathLike[str], suffix: str = "tmp") -> None:
    """Remove the hidden temp files of ``dest`` (``.{name}.{hex}.{suffix}``) that writers killed mid-write left.

    Only safe while holding an exclusive lock that every writer of ``dest`` takes: otherwise a live writer's
    temp file could be removed under it.
    """
    dest = Path(dest)
    for tmp in dest.parent.glob(f".{dest.name}.*.{suffix}"):
        discard(tmp)


def publish(tmp: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Make the complete temp file ``tmp`` appear as ``dest`` in one step: fsync, then ``os.replace``.

    On failure ``tmp`` is removed and ``dest`` is untouched. A symlink is renamed without fsync.
    """
    try:
        if not os.path.islink(tmp):
            fsync_file(tmp)
        os.replace(tmp, dest)
    except BaseException:
        discard(tmp)
        raise
    return Path(dest)


@contextmanager
def atomic_path(
    dest: str | os.PathLike[str],
    suffix: str = "tmp",
    *,
    directory: str | os.PathLike[str] | None = None,
    hidden: bool = True,
) -> Iterator[Path]:
    """Yield a temp path to write ``dest``'s content to; it replaces ``dest`` when the block succeeds and is
    removed when it raises. For writers that open files themselves (pyarrow, numpy)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if directory is not None:
        Path(directory).mkdir(parents=True, exist_ok=True)
    tmp = temp_path(dest, suffix, directory=directory, hidden=hidden)
    try:
        yield tmp
    except BaseException:
        discard(tmp)
        raise
    publish(tmp, dest)


@contextmanager
def atomic_open(
    dest: str | os.PathLike[str],
    mode: str = "wb",
    *,
    encoding: str | None = None,
    newline: str | None = None,
    suffix: str = "tmp",
    directory: str | os.PathLike[str] | None = None,
    hidden: bool = True,
) -> Iterator[IO[Any]]:
    """``open(dest, mode)`` that writes a temp file (created exclusively) and replaces ``dest`` on success."""
    if "w" not in mode:
        raise ValueError(f"atomic_open writes a new file; mode must contain 'w', got {mode!r}")
    with atomic_path(dest, suffix, directory=directory, hidden=hidden) as tmp:
        with open(tmp, mode.replace("w", "x"), encoding=encoding, newline=newline) as f:
            yield f


def write_atomically(
    dest: str | os.PathLike[str],
    data: bytes | str,
    *,
    directory: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``data`` (text as UTF-8) to ``dest`` atomically; returns ``dest``."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_open(dest, "wb", directory=directory) as f:
        f.write(payload)
    return Path(dest)
