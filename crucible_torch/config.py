"""Where crucible_torch keeps prepared data, read from the environment at call time.

Prepared splits and `map` results live under ``$CRUCIBLE_TORCH_CACHE`` (default ``$HF_HOME/crucible_torch``);
downloaded Hub files live in the huggingface_hub cache, which :mod:`crucible_torch.hub` owns. Every environment
variable is read through :mod:`crucible_torch.hub.config` (the one source: ``HF_HOME``, offline switches,
truthy spellings, blank values counting as unset), so the data cache and the Hub cache always agree.
"""

from __future__ import annotations

import os
from pathlib import Path

from .hub.config import env_path, hf_home

__all__ = ["data_cache_dir"]


def data_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Root of prepared Arrow data: the explicit argument, else ``$CRUCIBLE_TORCH_CACHE``, else under HF_HOME."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    return env_path("CRUCIBLE_TORCH_CACHE") or hf_home() / "crucible_torch"
