"""Settings read from the environment: the Hub's (the same variables as ``huggingface_hub``) and the few
``CRUCIBLE_TORCH_*`` ones. The one place the package reads its environment; ``crucible_torch.config`` builds on it.

Every value is read at call time, not at import time, so tests and long-lived processes that change the
environment see the change. Explicit function arguments always take precedence over these defaults. A variable
set to an empty or all-whitespace value counts as unset (``HF_HOME=""`` does not mean the current directory).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_REVISION = "main"
REPO_TYPES = ("model", "dataset", "space")
TRUTHY = frozenset({"1", "on", "yes", "true"})


def env(name: str) -> str | None:
    """The variable's value without surrounding whitespace; ``None`` when unset, empty or all whitespace."""
    return os.environ.get(name, "").strip() or None


def env_flag(name: str) -> bool:
    """True when the variable holds one of huggingface_hub's truthy spellings (1, ON, YES, TRUE, any case)."""
    return (env(name) or "").lower() in TRUTHY


def env_path(name: str) -> Path | None:
    """The variable as a path (``~`` expanded), ``None`` when unset or blank."""
    value = env(name)
    return Path(value).expanduser() if value else None


def env_float(name: str, default: float) -> float:
    """The variable as a number, ``default`` when unset or blank; a clear error when it is not a number."""
    value = env(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError as e:
        raise ValueError(f"Environment variable {name}={value!r} is not a number") from e


def endpoint() -> str:
    """The Hub base URL: ``HF_ENDPOINT`` without a trailing slash, else huggingface.co."""
    return (env("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def hf_home() -> Path:
    """``HF_HOME``, else ``$XDG_CACHE_HOME/huggingface``, else ``~/.cache/huggingface``."""
    home = env_path("HF_HOME")
    if home is not None:
        return home
    return (env_path("XDG_CACHE_HOME") or Path("~", ".cache").expanduser()) / "huggingface"


def hub_cache() -> Path:
    """The Hub file cache: ``HF_HUB_CACHE``, legacy ``HUGGINGFACE_HUB_CACHE``, else ``$HF_HOME/hub``."""
    return env_path("HF_HUB_CACHE") or env_path("HUGGINGFACE_HUB_CACHE") or hf_home() / "hub"


def token_path() -> Path:
    """Where a saved token lives: ``HF_TOKEN_PATH``, else ``$HF_HOME/token``."""
    return env_path("HF_TOKEN_PATH") or hf_home() / "token"


def get_token(token: str | bool | None = None) -> str | None:
    """The token to send: an explicit string wins, ``False`` means none, else env then the token file.

    Lookup order as huggingface_hub: ``HF_TOKEN``, ``HUGGING_FACE_HUB_TOKEN``, the file ``$HF_TOKEN_PATH``.
    ``HF_HUB_DISABLE_IMPLICIT_TOKEN`` turns off the implicit lookup (``token=True`` still looks it up).
    """
    if isinstance(token, str):
        return token.strip() or None
    if token is False:
        return None
    if token is None and env_flag("HF_HUB_DISABLE_IMPLICIT_TOKEN"):
        return None
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        value = env(name)
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

    Truthy values are huggingface_hub's: 1, ON, YES, TRUE (any case). ``TRANSFORMERS_OFFLINE`` also counts. A
    blank ``HF_DATASETS_OFFLINE`` counts as unset (``datasets`` would read it as "online").
    """
    if env("HF_DATASETS_OFFLINE") is not None:
        return env_flag("HF_DATASETS_OFFLINE")
    return env_flag("HF_HUB_OFFLINE") or env_flag("TRANSFORMERS_OFFLINE")


def etag_timeout() -> float:
    """Seconds to wait for metadata requests (``HF_HUB_ETAG_TIMEOUT``, default 10)."""
    return env_float("HF_HUB_ETAG_TIMEOUT", 10.0)


def download_timeout() -> float:
    """Seconds to wait for a byte of a download (``HF_HUB_DOWNLOAD_TIMEOUT``, default 10)."""
    return env_float("HF_HUB_DOWNLOAD_TIMEOUT", 10.0)


def backoff_base() -> float:
    """First retry delay in seconds (``CRUCIBLE_TORCH_HUB_BACKOFF_BASE``, default 1); it doubles up to 8x."""
    return max(0.0, env_float("CRUCIBLE_TORCH_HUB_BACKOFF_BASE", 1.0))


def max_retry_wait() -> float:
    """The longest single wait before a retry, in seconds (``CRUCIBLE_TORCH_MAX_RETRY_WAIT``, default 60).

    A server asking for longer (``Retry-After``, ``ratelimit``) gets an error instead of a hung job.
    """
    return max(0.0, env_float("CRUCIBLE_TORCH_MAX_RETRY_WAIT", 60.0))


def max_retry_total() -> float:
    """Seconds one request may spend in retries, waits included (``CRUCIBLE_TORCH_MAX_RETRY_TOTAL``, default
    300); for a download the count restarts whenever bytes arrive."""
    return max(0.0, env_float("CRUCIBLE_TORCH_MAX_RETRY_TOTAL", 300.0))


def locks_disabled() -> bool:
    """``CRUCIBLE_TORCH_HUB_NO_LOCKS=1`` skips the cache's file locks (as where flock is a no-op).

    Correctness never depends on the locks (downloads go to process-unique temp files renamed atomically);
    the switch exists so tests can prove that.
    """
    return env_flag("CRUCIBLE_TORCH_HUB_NO_LOCKS")


def symlinks_disabled() -> bool:
    """``HF_HUB_DISABLE_SYMLINKS=1``: snapshot entries are copies of the blobs instead of symlinks."""
    return env_flag("HF_HUB_DISABLE_SYMLINKS")


def progress_bars_disabled() -> bool:
    """True when any of the progress-bar switches of huggingface_hub, datasets or crucible_torch is set."""
    return any(
        env_flag(name)
        for name in (
            "HF_HUB_DISABLE_PROGRESS_BARS",
            "HF_DATASETS_DISABLE_PROGRESS_BARS",
            "CRUCIBLE_TORCH_DISABLE_PROGRESS_BARS",
        )
    )
