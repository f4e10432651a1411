"""The tqdm factory every progress bar of the library goes through.

Bars are shown only on an interactive stderr and are off when any of ``HF_HUB_DISABLE_PROGRESS_BARS``,
``HF_DATASETS_DISABLE_PROGRESS_BARS`` or ``CRUCIBLE_TORCH_DISABLE_PROGRESS_BARS`` is truthy, so logs of
batch jobs and DataLoader workers stay clean.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm

from . import config


def progress_enabled() -> bool:
    """Whether bars should be drawn now: stderr is a TTY and no disabling variable is set."""
    if config.progress_bars_disabled():
        return False
    stream = sys.stderr
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def progress_bar(
    *,
    total: float | None = None,
    desc: str | None = None,
    unit: str = "it",
    enabled: bool = True,
    **kwargs: Any,
) -> tqdm:
    """A tqdm bar, disabled unless ``enabled`` and :func:`progress_enabled`; byte bars scale units."""
    if unit == "B":
        kwargs.setdefault("unit_scale", True)
        kwargs.setdefault("unit_divisor", 1024)
    return tqdm(total=total, desc=desc, unit=unit, disable=not (enabled and progress_enabled()), **kwargs)
