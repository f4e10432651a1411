"""A best-effort inter-process lock so that concurrent downloads of one blob usually fetch it once.

Correctness never depends on it: every writer downloads to its own temp file and renames atomically,
so a lock that silently does nothing (flock on some NFS/Lustre/GPFS mounts) only costs bandwidth. When
the lock cannot be taken in time, the caller proceeds without it rather than hanging.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import config

try:
    import fcntl
except ImportError:  # Windows: no flock; the atomic rename alone keeps the cache correct
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("crucible_torch.hub")


@contextmanager
def best_effort_lock(path: Path, timeout: float = 600.0) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``path`` while the block runs; yields whether it is held."""
    if fcntl is None or config.locks_disabled():
        yield False
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as e:
        logger.debug("cannot open lock file %s (%s); going on without it", path, e)
        yield False
        return
    held = False
    try:
        deadline = time.monotonic() + timeout
        pause = 0.01
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    logger.warning("lock %s still held after %.0fs; going on without it", path, timeout)
                    break
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
            except OSError as e:  # ENOLCK and friends: locking unsupported here
                logger.debug("flock unsupported on %s (%s); going on without it", path, e)
                break
        yield held
    finally:
        if held:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
