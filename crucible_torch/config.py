"""Where crucible_torch keeps prepared data, read from the environment at call time.

Prepared splits and `map` results live under ``$CRUCIBLE_TORCH_CACHE`` (default ``$HF_HOME/crucible_torch``);
downloaded Hub files live in the huggingface_hub cache, which :mod:`crucible_torch.hub` owns.
"""

from __future__ import annotations

import os
from pathlib import Path

_TRUTHY = {"1", "on", "yes", "true"}


def env_flag(name: str) -> bool:
    """True when the environment variable holds one of huggingface_hub's truthy spellings."""
    return os.environ.get(name, "").strip().lower() in _TRUTHY


def hf_home() -> Path:
    """``$HF_HOME``, else ``$XDG_CACHE_HOME/huggingface``, else ``~/.cache/huggingface``."""
    if "HF_HOME" in os.environ:
        return Path(os.environ["HF_HOME"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache"))
    return Path(xdg) / "huggingface"


def data_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Root of prepared Arrow data: the explicit argument, else ``$CRUCIBLE_TORCH_CACHE``, else under HF_HOME."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get("CRUCIBLE_TORCH_CACHE"):
        return Path(os.environ["CRUCIBLE_TORCH_CACHE"]).expanduser()
    return hf_home() / "crucible_torch"


def is_offline() -> bool:
    """Offline as `datasets` decides it: ``HF_DATASETS_OFFLINE`` when set, else ``HF_HUB_OFFLINE``."""
    if os.environ.get("HF_DATASETS_OFFLINE", "") != "":
        return env_flag("HF_DATASETS_OFFLINE")
    return env_flag("HF_HUB_OFFLINE") or env_flag("TRANSFORMERS_OFFLINE")
