"""Session-wide isolation: every cache under a temp dir, and no way to reach huggingface.co.

``HF_ENDPOINT`` points at a closed local port unless a test starts the project's Hub server and sets its
own, so an accidental Hub request fails at once instead of touching the network. Subprocesses inherit this.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_SESSION_DIR = tempfile.mkdtemp(prefix="crucible-tests-")


def pytest_configure(config) -> None:
    home = os.path.join(_SESSION_DIR, "hf_home")
    os.environ["HF_HOME"] = home
    os.environ["HF_HUB_CACHE"] = os.path.join(home, "hub")
    os.environ["HF_DATASETS_CACHE"] = os.path.join(home, "datasets")
    os.environ["CRUCIBLE_TORCH_CACHE"] = os.path.join(_SESSION_DIR, "crucible_cache")
    os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
    os.environ["HF_HUB_DISABLE_XET"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["HF_DATASETS_DISABLE_PROGRESS_BARS"] = "1"
    os.environ["CRUCIBLE_TORCH_HUB_BACKOFF_BASE"] = "0.01"
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.pop(name, None)


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
