"""FileLock across real processes: one holder at a time, released by death, and a forked child's copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crucible_torch.hub.lock import FileLock

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="flock and fork are POSIX")


def _held_elsewhere(path: Path) -> bool:
    """Whether another process finds the lock taken (a fresh interpreter tries it without waiting)."""
    code = (
        "import sys\nfrom crucible_torch.hub.lock import FileLock\n"
        f"sys.exit(0 if FileLock({str(path)!r}).try_acquire() else 3)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, timeout=60)
    return proc.returncode == 3


def test_a_second_process_waits_while_the_lock_is_held_and_not_after(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / ".x.lock")
    assert lock.try_acquire() and lock.exclusive
    assert _held_elsewhere(lock.path)
    lock.release()
    assert not lock.exclusive and not _held_elsewhere(lock.path)


def test_a_forked_child_forgetting_its_copy_leaves_the_parents_lock_held(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / ".x.lock")
    assert lock.try_acquire()
    pid = os.fork()
    if pid == 0:  # the child: drop the inherited descriptor, then see whether the lock is still taken
        lock.forget()
        os._exit(0 if not FileLock(lock.path).try_acquire() else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child's forget() released the parent's lock"
    assert lock.exclusive and _held_elsewhere(lock.path)
    lock.release()
    assert not _held_elsewhere(lock.path)
