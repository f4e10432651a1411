"""Best-effort inter-process locks (``flock`` on a lock file) so that work done for a cache happens once.

Concurrent downloads of one blob usually fetch it once (:func:`best_effort_lock`), and concurrent loads of
one split convert it once (:class:`FileLock`, held by the converting thread while the others block in the
kernel until it is released). Correctness never depends on them: every writer writes its own temp file and
renames atomically, so a lock that silently does nothing (flock on some NFS/Lustre/GPFS mounts) only costs
time. The kernel releases a flock when its holder's process dies, so a crash never leaves a stale lock.
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


class FileLock:
    """An exclusive ``flock`` on ``path`` that can be tried, waited for (blocking in the kernel: no polling)
    and released from any thread of the process that holds it.

    Where locking is unavailable (Windows, ``CRUCIBLE_TORCH_HUB_NO_LOCKS=1``, a filesystem answering ENOLCK)
    every acquisition succeeds at once: callers then do the work themselves, as they would without a lock.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def _open(self) -> int | None:
        if fcntl is None or config.locks_disabled():
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            logger.debug("cannot open lock file %s (%s); going on without it", self.path, e)
            return None

    def _lock(self, blocking: bool) -> bool:
        if self._fd is not None:
            raise RuntimeError(f"{self.path}: lock already held by this object")
        fd = self._open()
        if fd is None:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as e:  # ENOLCK and friends: locking unsupported here
            logger.debug("flock unsupported on %s (%s); going on without it", self.path, e)
            os.close(fd)
            return True
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it; False if one does."""
        return self._lock(blocking=False)

    def acquire(self) -> None:
        """Wait until the lock is free and take it (the kernel wakes this thread when the holder releases it
        or dies)."""
        self._lock(blocking=True)

    @property
    def exclusive(self) -> bool:
        """True while this object holds a real flock (not the no-op stand-in), so no other process that takes
        the same lock is inside its critical section."""
        return self._fd is not None

    def forget(self) -> None:
        """In a forked child: close the inherited descriptor without unlocking. The child's copy shares the
        parent's lock, which ``release`` would drop for both; a copy left open would keep the lock alive after
        the parent ends."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def release(self) -> None:
        """Release the lock if this object holds it."""
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)


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
