"""Helpers for the safety tests: what exists on disk, and a real writer process killed mid-write.

``killed_mid_write`` forks a child that lowers ``RLIMIT_FSIZE`` and restores ``SIGXFSZ`` to its default action
before it writes, so the kernel kills it at the exact write that crosses the limit: no ``except`` or ``finally``
of the writer runs (as with a power cut or ``kill -9``), but at a chosen byte instead of a chosen time. Forking
(rather than starting an interpreter) keeps what the parent prepared and costs milliseconds.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

needs_fsize_limit = pytest.mark.skipif(
    not hasattr(signal, "SIGXFSZ") or sys.platform == "win32", reason="needs RLIMIT_FSIZE and SIGXFSZ (POSIX)"
)


def paths_under(root: Path, *, outside_of: tuple[Path, ...] = ()) -> set[Path]:
    """Every file, folder and link under ``root`` (links not followed), except what lies in ``outside_of``."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if not any(path == skip or skip in path.parents for skip in outside_of):
                found.add(path)
    return found


def _write_under_limit(write: Callable[[], object], limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    write()


def killed_mid_write(write: Callable[[], object], limit: int) -> None:
    """Run ``write()`` in a forked child whose files may not grow past ``limit`` bytes; assert that the kernel
    killed it (SIGXFSZ) in the middle of a write, i.e. that the write really was interrupted."""
    child = multiprocessing.get_context("fork").Process(target=_write_under_limit, args=(write, limit))
    child.start()
    child.join(timeout=120)
    if child.exitcode is None:
        child.kill()
        child.join()
    assert child.exitcode == -signal.SIGXFSZ, (
        f"expected the writer to be killed mid-write (exit code {-signal.SIGXFSZ}), got {child.exitcode}"
    )
