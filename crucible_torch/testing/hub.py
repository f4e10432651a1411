"""A local Hub for tests and users' own CI: ``with hub_server(root) as server:`` points ``HF_ENDPOINT`` at it.

def test_download(tmp_path):
    with hub_server(repos_dir, fresh_cache=True) as server:
        path = hf_hub_download("owner/name", "data.csv", repo_type="dataset")
        assert server.count("HEAD") == 1
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crucible_torch.hub.server import HubServer

__all__ = ["HubServer", "hub_server"]

_ENV = ("HF_ENDPOINT", "HF_HUB_CACHE", "HF_TOKEN", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")


@contextmanager
def hub_server(
    root: str | os.PathLike[str] | None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    fresh_cache: bool = False,
    token: str | None = None,
    **options: Any,
) -> Iterator[HubServer]:
    """Start a :class:`HubServer` on ``root`` and set ``HF_ENDPOINT`` to it for the block; restore env after.

    ``cache_dir`` sets ``HF_HUB_CACHE``; ``fresh_cache=True`` uses a new temporary cache removed afterwards;
    ``token`` sets ``HF_TOKEN``. Offline switches are cleared for the block. ``options`` go to HubServer.
    """
    saved = {name: os.environ.get(name) for name in _ENV}
    temp = tempfile.mkdtemp(prefix="crucible-hub-cache-") if fresh_cache and cache_dir is None else None
    server = HubServer(root, **options).start()
    try:
        os.environ["HF_ENDPOINT"] = server.url
        for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
            os.environ.pop(name, None)
        if cache_dir is not None or temp is not None:
            os.environ["HF_HUB_CACHE"] = str(cache_dir if cache_dir is not None else temp)
        if token is not None:
            os.environ["HF_TOKEN"] = token
        yield server
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
