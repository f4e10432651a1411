"""Hub client settings read from the same environment variables as ``huggingface_hub``.

Every value is read at call time, not at import time, so tests and long-lived processes that change the
environment see the change. Explicit function arguments always take precedence over these defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_REVISION = "main"
REPO_TYPES = ("model", "dataset", "space")
TRUTHY = frozenset({"1", "on", "yes", "true"})


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in TRUTHY


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError as e:
        raise ValueError(f"Environment variable {name}={value!r} is not a number") from e


def endpoint() -> str:
    """The Hub base URL: ``HF_ENDPOINT`` without a trailing slash, else huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def hf_home() -> Path:
    """``HF_HOME``, else ``$XDG_CACHE_HOME/huggingface``, else ``~/.cache/huggingface``."""
    home = os.environ.get("HF_HOME")
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(xdg).expanduser() / "huggingface"


def hub_cache() -> Path:
    """The Hub file cache: ``HF_HUB_CACHE``, legacy ``HUGGINGFACE_HUB_CACHE``, else ``$HF_HOME/hub``."""
    value = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    return Path(value).expanduser() if value else hf_home() / "hub"


def token_path() -> Path:
    """Where a saved token lives: ``HF_TOKEN_PATH``, else ``$HF_HOME/token``."""
    value = os.environ.get("HF_TOKEN_PATH")
    return Path(value).expanduser() if value else hf_home() / "token"


def get_token(token: str | bool | None = None) -> str | None:
    """The token to send: an explicit string wins, ``False`` means none, else env then the token file.

    Lookup order as huggingface_hub: ``HF_TOKEN``, ``HUGGING_FACE_HUB_TOKEN``, the file ``$HF_TOKEN_PATH``.
    ``HF_HUB_DISABLE_IMPLICIT_TOKEN`` turns off the implicit lookup (``token=True`` still looks it up).
    """
    if isinstance(token, str):
        return token.strip() or None
    if token is False:
        return None
    if token is None and _truthy("HF_HUB_DISABLE_IMPLICIT_TOKEN"):
        return None
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    try:
        value = token_path().read_text().strip()
    except OSError:
        return None
    return value or None


def is_offline() -> bool:
    """Offline mode: ``HF_DATASETS_OFFLINE`` when set (it overrides, as in ``datasets``), else
    ``HF_HUB_OFFLINE``.

    Truthy values are huggingface_hub's: 1, ON, YES, TRUE (any case). ``TRANSFORMERS_OFFLINE`` also counts.
    """
    if os.environ.get("HF_DATASETS_OFFLINE", "").strip():
        return _truthy("HF_DATASETS_OFFLINE")
    return _truthy("HF_HUB_OFFLINE") or _truthy("TRANSFORMERS_OFFLINE")


def etag_timeout() -> float:
    """Seconds to wait for metadata requests (``HF_HUB_ETAG_TIMEOUT``, default 10)."""
    return _float("HF_HUB_ETAG_TIMEOUT", 10.0)


def download_timeout() -> float:
    """Seconds to wait for a byte of a download (``HF_HUB_DOWNLOAD_TIMEOUT``, default 10)."""
    return _float("HF_HUB_DOWNLOAD_TIMEOUT", 10.0)


def backoff_base() -> float:
    """First retry delay in seconds (``CRUCIBLE_TORCH_HUB_BACKOFF_BASE``, default 1); it doubles up to 8x."""
    return max(0.0, _float("CRUCIBLE_TORCH_HUB_BACKOFF_BASE", 1.0))


def locks_disabled() -> bool:
    """``CRUCIBLE_TORCH_HUB_NO_LOCKS=1`` skips the cache's file locks (as where flock is a no-op).

    Correctness never depends on the locks (downloads go to process-unique temp files renamed atomically);
    the switch exists so tests can prove that.
    """
    return _truthy("CRUCIBLE_TORCH_HUB_NO_LOCKS")


def symlinks_disabled() -> bool:
    """``HF_HUB_DISABLE_SYMLINKS=1``: snapshot entries are copies of the blobs instead of symlinks."""
    return _truthy("HF_HUB_DISABLE_SYMLINKS")


def progress_bars_disabled() -> bool:
    """True when any of the progress-bar switches of huggingface_hub, datasets or crucible_torch is set."""
    return any(
        _truthy(name)
        for name in (
            "HF_HUB_DISABLE_PROGRESS_BARS",
            "HF_DATASETS_DISABLE_PROGRESS_BARS",
            "CRUCIBLE_TORCH_DISABLE_PROGRESS_BARS",
        )
    )
