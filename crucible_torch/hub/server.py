"""A local Hugging Face Hub: serves a directory of repos (or an HF cache) over HTTP on 127.0.0.1.

Used by the tests (with fault switches and a request log) and by ``crucible-torch mirror serve DIR``
(:mod:`crucible_torch.cli.mirror`).
Two listeners run in background threads: the Hub API/resolve endpoints and a "CDN" on another port to
which LFS files are redirected with signed absolute URLs, as huggingface.co does. See
:mod:`~crucible_torch.hub.server_repos` for the directory layouts and :mod:`~crucible_torch.hub.server_http`
for the endpoints.

    with HubServer(root) as server:
        os.environ["HF_ENDPOINT"] = server.url
        ...
        assert server.count("GET", path_contains="/resolve/") == 20
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from .server_faults import Faults, RequestLog, RequestRecord
from .server_http import CdnHandler, HubHandler
from .server_repos import Access, RepoStore

__all__ = ["HubServer"]


class _Listener(ThreadingHTTPServer):
    """A threaded listener that can also cut its open keep-alive connections when stopped."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.open_connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.open_connections.discard(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in self.open_connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class HubServer:
    """``HubServer(root, host="127.0.0.1", port=0, ...)``: a Hub for the repos under ``root``.

    Options: ``page_size`` (tree listing page, Hub default 1000), ``lfs_threshold`` (files at least this big
    are "LFS": sha256 etag, redirected to the CDN), ``cdn`` (False serves LFS files directly),
    ``reject_unknown_tokens`` (answer 401 "Invalid credentials" to tokens never granted), ``required_tokens``
    (when given, every request to the Hub listener must carry ``Authorization: Bearer <one of them>``, else
    401 naming no repo; the CDN listener serves only URLs the Hub listener signed for such a request).
    Start/stop with ``start()``/``stop()`` or ``with``; ``url`` is the ``HF_ENDPOINT`` to use.
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 1000,
        lfs_threshold: int = 1 << 20,
        cdn: bool = True,
        cdn_port: int = 0,
        signed_url_ttl: float = 3600.0,
        reject_unknown_tokens: bool = False,
        required_tokens: Iterable[str] = (),
    ) -> None:
        self.store = RepoStore(root, lfs_threshold)
        self.faults = Faults()
        self.log = RequestLog()
        self.host = host
        self.page_size = max(1, page_size)
        self.cdn_enabled = cdn
        self.signed_url_ttl = signed_url_ttl
        self.reject_unknown_tokens = reject_unknown_tokens
        self._required = [t.encode() for t in required_tokens if t]
        self._ports = (port, cdn_port)
        self._secret = secrets.token_bytes(16)
        self._extra_tokens: set[str] = set()
        self._listeners: list[_Listener] = []
        self._threads: list[threading.Thread] = []

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> HubServer:
        if self._listeners:
            return self
        for handler, port in ((HubHandler, self._ports[0]), (CdnHandler, self._ports[1])):
            listener = _Listener((self.host, port), handler)
            listener.hub = self  # type: ignore[attr-defined]
            thread = threading.Thread(
                target=listener.serve_forever,
                args=(0.05,),
                name=f"hub-server-{handler.listener}",
                daemon=True,
            )
            thread.start()
            self._listeners.append(listener)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self.faults.release.set()
        for listener in self._listeners:
            listener.shutdown()
            listener.server_close()
            listener.close_connections()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listeners.clear()
        self._threads.clear()

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _base(self, index: int) -> str:
        if not self._listeners:
            raise RuntimeError("HubServer is not started; call start() or use it as a context manager")
        return f"http://{self.host}:{self._listeners[index].server_address[1]}"

    @property
    def url(self) -> str:
        """The Hub endpoint (``HF_ENDPOINT``)."""
        return self._base(0)

    @property
    def cdn_url(self) -> str:
        """The CDN listener's base URL (another origin: the client must not send its token there)."""
        return self._base(1)

    def sign(self, sha256: str, expires: str) -> str:
        return hmac.new(self._secret, f"{sha256}:{expires}".encode(), hashlib.sha256).hexdigest()

    def expire_signed_urls(self) -> None:
        """Make every CDN URL signed so far invalid (403), as if its lifetime had passed; new ones work."""
        self._secret = secrets.token_bytes(16)

    def signed_cdn_url(self, sha256: str, filename: str) -> str:
        expires = f"{time.time() + self.signed_url_ttl:.3f}"
        query = urlencode({"expires": expires, "sig": self.sign(sha256, expires), "filename": filename})
        return f"{self.cdn_url}/lfs/{sha256}?{query}"

    # -- repos ---------------------------------------------------------------------------------------
    def add_revision(
        self,
        repo_id: str,
        name: str,
        directory: str | os.PathLike[str],
        *,
        repo_type: str = "dataset",
        kind: str | None = None,
    ) -> None:
        """Serve ``directory`` as revision ``name`` of ``repo_id`` (e.g. ``refs/convert/parquet``,
        ``refs/pr/1``, a branch, or a tag with ``kind="tag"``)."""
        self.store.add_revision(repo_type, repo_id, name, Path(directory), kind)

    def add_repo(self, repo_id: str, directory: str | os.PathLike[str], *, repo_type: str = "dataset") -> None:
        """Serve ``directory`` (anywhere on disk) as ``main`` of ``repo_id``."""
        self.add_revision(repo_id, "main", directory, repo_type=repo_type)

    def set_access(
        self,
        repo_id: str,
        *,
        repo_type: str = "dataset",
        private: bool = False,
        gated: str | bool = False,
        disabled: bool = False,
        tokens: Iterable[str] = (),
    ) -> None:
        """Make a repo private and/or gated (``"auto"``/``"manual"``) or disabled; ``tokens`` have access."""
        self.store.access[(repo_type, repo_id)] = Access(private, gated, disabled, set(tokens))

    def add_token(self, token: str) -> None:
        """A valid token with no special access (for "token without access" cases)."""
        self._extra_tokens.add(token)

    @property
    def requires_token(self) -> bool:
        return bool(self._required)

    def admits(self, token: str | None) -> bool:
        """Whether a request with this bearer token may use the server (always, unless tokens are required)."""
        if not self._required:
            return True
        given = (token or "").encode()
        # Compare with every token, in constant time, so timing tells nothing about which one nearly matched.
        return any([hmac.compare_digest(given, t) for t in self._required]) and bool(given)

    def known_tokens(self) -> set[str]:
        return self._extra_tokens.union(*(a.tokens for a in self.store.access.values()))

    def rename(self, old_repo_id: str, new_repo_id: str, *, repo_type: str = "dataset") -> None:
        """Answer requests for ``old_repo_id`` with a relative 307 redirect to ``new_repo_id``."""
        self.store.renames[(repo_type, old_repo_id)] = new_repo_id

    def inject_listing_entry(self, repo_id: str, path: str, *, repo_type: str = "dataset") -> None:
        """List a file that does not exist (any name, e.g. ``../evil``) in tree, paths-info and siblings."""
        self.store.fake_entries.setdefault((repo_type, repo_id), []).append(path)

    def commit(self, repo_id: str, revision: str = "main", *, repo_type: str = "dataset") -> str:
        """The commit sha the server currently gives ``revision`` of ``repo_id``."""
        revisions = self.store.revisions(repo_type, repo_id)
        found = self.store.find_revision(revisions or {}, revision)
        if found is None:
            raise KeyError(f"{repo_type} repo {repo_id!r} has no revision {revision!r}")
        return found[1].commit

    def file_url(self, repo_id: str, path: str, revision: str = "main", *, repo_type: str = "dataset") -> str:
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        return f"{self.url}/{prefix}{repo_id}/resolve/{quote(revision, safe='')}/{quote(path)}"

    # -- observation ---------------------------------------------------------------------------------
    def requests(
        self,
        method: str | None = None,
        path_contains: str | None = None,
        listener: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        """Logged requests matching all given filters (``listener``: "hub" or "cdn")."""
        return self.log.select(method, path_contains, listener, status)

    def count(
        self,
        method: str | None = None,
        path_contains: str | None = None,
        listener: str | None = None,
        status: int | None = None,
    ) -> int:
        return len(self.requests(method, path_contains, listener, status))

    def reset(self) -> None:
        """Forget logged requests and fault rules (and release stalled bodies)."""
        self.faults.clear()
        self.log.clear()
