"""Helpers shared by the hub tests (not fixtures): file writers, content, subprocess runner."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

LFS_THRESHOLD = 64 * 1024
N_DATA_FILES = 20
README = textwrap.dedent(
    """\
    ---
    license: mit
    configs:
    - config_name: default
      data_files:
      - split: train
        path: data/train-*.csv
    ---
    # A test dataset
    """
)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def big_bytes(n: int, seed: int = 0) -> bytes:
    """Deterministic incompressible-looking bytes."""
    return random.Random(seed).randbytes(n)


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with the current environment (plus ``env``); fail loudly."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"subprocess failed:\nSTDOUT:\n{result.stdout}\nSTDERR:\n{result.stderr}"
    return result


class FakeClock:
    """A clock for ``http.use_clock``: ``sleep`` records the wait and moves ``monotonic`` on at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
