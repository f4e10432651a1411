"""Test helpers for crucible_torch and its users' CI: a local Hub server and cookbook-shaped sample repos.

``hub_server(root)`` serves a directory of repos as the Hugging Face Hub; ``build_sample_hub(root)`` writes small,
deterministic copies of the layouts of the datasets tinker-cookbook loads, and ``sample_hub_server(root)`` does
both. Names are imported on first use, so ``crucible_torch.testing.hub`` stays free of pyarrow and PIL.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "SAMPLE_TOKEN",
    "HubServer",
    "SampleHub",
    "SampleRepo",
    "build_sample_hub",
    "hub_server",
    "register",
    "run_on_sample_hub",
    "sample_hub_server",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` (``hub`` or ``sample_hub``) when it is first asked for."""
    if name not in __all__:
        raise AttributeError(f"module 'crucible_torch.testing' has no attribute {name!r}")
    module = "hub" if name in ("HubServer", "hub_server") else "sample_hub"
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from .hub import HubServer, hub_server
    from .sample_hub import (
        SAMPLE_TOKEN,
        SampleHub,
        SampleRepo,
        build_sample_hub,
        register,
        run_on_sample_hub,
        sample_hub_server,
    )
