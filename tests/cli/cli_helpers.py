"""Running the command as users do: ``python -m crucible_torch ...`` in a new process, and reading its output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TORCH_MODULE = re.compile(r"\|\s+(torch|torchvision)(\.|$)", re.MULTILINE)


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    python_flags: tuple[str, ...] = (),
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """``python -m crucible_torch ARGS`` in a new process with this process's environment (plus ``env``)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "crucible_torch", *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def imported_torch(importtime_stderr: str) -> list[str]:
    """The torch/torchvision modules a ``python -X importtime`` run imported (its stderr lists every import)."""
    return [line.rsplit("|", 1)[1].strip() for line in importtime_stderr.splitlines() if TORCH_MODULE.search(line)]


def load_and_prepare(*loads: tuple, **env: str) -> None:
    """``load_dataset(*args)`` for each tuple of arguments, here, waiting until every split is fully prepared;
    ``env`` is set for the loads only."""
    from crucible_torch import load_dataset
    from crucible_torch.datasets.preparing import wait_for_all

    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        for args in loads:
            load_dataset(*args)
        wait_for_all()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
