"""HTTP transport of the Hub client: one ``requests.Session`` per process and thread, retries, redirects.

- Sessions are created lazily per (process, thread) and forgotten in a forked child
  (``os.register_at_fork``), because pooled connections must not be shared across processes.
- ``send`` retries 408/429/500/502/503/504 and connection errors 5 times, sleeping 1 s doubling to 8 s
  (base configurable by ``CRUCIBLE_TORCH_HUB_BACKOFF_BASE``), or what the server asks: ``ratelimit: r=0;t=N``
  means N+1 s, ``Retry-After: N`` means N s. Waits are bounded, since a server (or anything posing as one)
  must not be able to hang a training job: a server asking for more than ``CRUCIBLE_TORCH_MAX_RETRY_WAIT``
  (60 s) gets an error naming what it asked, and one request never spends more than
  ``CRUCIBLE_TORCH_MAX_RETRY_TOTAL`` (300 s) retrying. Time is read and slept through :data:`clock`, which
  tests replace (:func:`use_clock`) so that no test waits.
- Redirects are followed here, not by requests: a relative ``Location`` (repo rename) keeps the
  ``Authorization`` header, a hop to another origin (the CDN) drops it, so the token never leaves the Hub.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal, Protocol
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from . import config
from .errors import HfHubHTTPError, OfflineModeIsEnabled

logger = logging.getLogger("crucible_torch.hub")

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
RETRY_EXCEPTIONS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
MAX_RETRIES = 5
MAX_REDIRECTS = 10
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
_RATELIMIT = re.compile(r"r\s*=\s*(?P<r>\d+)\s*;\s*t\s*=\s*(?P<t>\d+)")
USER_AGENT = (
    f"crucible_torch/0.1.0; python/{sys.version_info.major}.{sys.version_info.minor}; requests/{requests.__version__}"
)

Redirects = Literal["all", "relative", "none"]

_local = threading.local()


class Clock(Protocol):
    """What the retry logic needs of time: a monotonic reading and a way to pass some."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock (``time.monotonic`` and ``time.sleep``)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


clock: Clock = SystemClock()


@contextmanager
def use_clock(replacement: Clock) -> Iterator[Clock]:
    """Route every retry wait of the Hub client through ``replacement`` while the block runs (all threads)."""
    global clock
    saved, clock = clock, replacement
    try:
        yield replacement
    finally:
        clock = saved


def _forget_sessions() -> None:
    global _local
    _local = threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_sessions)


def get_session() -> requests.Session:
    """The calling thread's session in this process (a fresh one after a fork)."""
    session = getattr(_local, "session", None)
    if session is None or getattr(_local, "pid", None) != os.getpid():
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=16, pool_maxsize=32, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = USER_AGENT
        _local.session = session
        _local.pid = os.getpid()
    return session


def reset_session() -> None:
    """Drop this thread's session (after a connection error, or to start clean)."""
    session = getattr(_local, "session", None)
    _local.session = None
    if session is not None:
        session.close()


def auth_headers(token: str | None) -> dict[str, str]:
    """``Authorization: Bearer <token>`` when there is a token, else nothing."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _without_auth(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}


def headers_for(url: str, headers: Mapping[str, str], trusted_url: str) -> dict[str, str]:
    """``headers`` for a request to ``url``, without credentials unless it has ``trusted_url``'s origin."""
    return dict(headers) if _origin(url) == _origin(trusted_url) else _without_auth(headers)


def _follow(method: str, url: str, headers: dict[str, str], redirects: Redirects, **kwargs: Any) -> requests.Response:
    session = get_session()
    for _ in range(MAX_REDIRECTS + 1):
        response = session.request(method, url, headers=headers, allow_redirects=False, **kwargs)
        location = response.headers.get("Location")
        if response.status_code not in REDIRECT_STATUS or not location or redirects == "none":
            return response
        relative = not urlsplit(location).netloc
        if redirects == "relative" and not relative:
            return response
        target = urljoin(response.url, location)
        if _origin(target) != _origin(url):
            headers = _without_auth(headers)
        if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
            method = "GET"
            kwargs.pop("data", None)
            kwargs.pop("json", None)
        kwargs.pop("params", None)  # the Location already carries its query
        response.close()
        url = target
    raise HfHubHTTPError(f"more than {MAX_REDIRECTS} redirects while fetching {url}", response)


def server_wait(response: requests.Response) -> float | None:
    """Seconds the server asks us to wait: ``ratelimit`` with r=0 gives t+1, else ``Retry-After``."""
    match = _RATELIMIT.search(response.headers.get("ratelimit", ""))
    if response.status_code == 429 and match and int(match["r"]) == 0:
        return float(match["t"]) + 1.0
    retry_after = response.headers.get("Retry-After", "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    return None


def _asked(response: requests.Response | None) -> str:
    """The server's wait request as it sent it, for error messages."""
    if response is None:
        return "no wait"
    asked = [f"{name}: {response.headers[name]}" for name in ("Retry-After", "ratelimit") if name in response.headers]
    return ", ".join(asked) or "no wait"


class Backoff:
    """Delays between retries of one request: base, 2*base, ... capped at 8*base, unless the server names a
    wait; bounded per wait (``max_retry_wait``) and in total (``max_retry_total``, counted since the request
    started or last made progress)."""

    def __init__(self, retries: int = MAX_RETRIES) -> None:
        self.retries = retries
        self.attempt = 0
        self.base = config.backoff_base()
        self.delay = self.base
        self.max_wait = config.max_retry_wait()
        self.budget = config.max_retry_total()
        self.started = clock.monotonic()

    def exhausted(self) -> bool:
        return self.attempt >= self.retries

    def over_limit(self, wait: float | None = None, response: requests.Response | None = None) -> str | None:
        """Why the next wait (``wait`` if the server named one, else the next delay) is not allowed, or None."""
        seconds = self.delay if wait is None else wait
        if wait is not None and wait > self.max_wait:
            return (
                f"the server asked to wait {wait:g} s before retrying ({_asked(response)}), more than "
                f"CRUCIBLE_TORCH_MAX_RETRY_WAIT={self.max_wait:g} s allows. Try again later, or raise "
                "CRUCIBLE_TORCH_MAX_RETRY_WAIT if waiting that long is what you want."
            )
        spent = clock.monotonic() - self.started
        if spent + seconds > self.budget:
            return (
                f"giving up after {spent:.3g} s of retries ({self.attempt} so far; the server asked for "
                f"{_asked(response)}): waiting {seconds:g} s more would pass CRUCIBLE_TORCH_MAX_RETRY_TOTAL="
                f"{self.budget:g} s. Try again later, or raise CRUCIBLE_TORCH_MAX_RETRY_TOTAL."
            )
        return None

    def sleep(self, wait: float | None = None, reason: str = "", response: requests.Response | None = None) -> None:
        """Wait before the next try: ``wait`` seconds if the server named them, else the next backoff delay.

        Raises :class:`HfHubHTTPError` (carrying ``response``) instead of a wait :meth:`over_limit` refuses.
        """
        refused = self.over_limit(wait, response)
        if refused is not None:
            raise HfHubHTTPError(f"{reason}: {refused}", response)
        seconds = self.delay if wait is None else wait
        self.attempt += 1
        logger.warning("Retrying in %.3gs [retry %d/%d]: %s", seconds, self.attempt, self.retries, reason)
        clock.sleep(seconds)
        self.delay = min(self.delay * 2, 8 * self.base)

    def progressed(self) -> None:
        """Bytes arrived: the next failure starts a fresh series of retries and a fresh time budget."""
        self.attempt = 0
        self.delay = self.base
        self.started = clock.monotonic()


def check_online(url: str) -> None:
    """Raise :class:`OfflineModeIsEnabled` when offline mode forbids requests."""
    if config.is_offline():
        raise OfflineModeIsEnabled(
            f"Cannot reach {url}: offline mode is enabled (HF_HUB_OFFLINE or HF_DATASETS_OFFLINE is set). "
            "Unset it to allow Hub requests, or use files already in the cache."
        )


def send(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    data: Any = None,
    timeout: float | None = None,
    stream: bool = False,
    retry: bool = True,
    redirects: Redirects = "all",
) -> requests.Response:
    """One Hub request with offline check, redirect policy and (when ``retry``) backoff.

    Returns the final response whatever its status (callers map errors with ``errors.raise_for_status``);
    raises the last connection error when retries or the retry time budget are exhausted, and
    :class:`HfHubHTTPError` when the server asks for a longer wait than allowed or the budget runs out.
    """
    check_online(url)
    backoff = Backoff(MAX_RETRIES if retry else 0)
    timeout = config.download_timeout() if timeout is None else timeout
    while True:
        try:
            response = _follow(
                method,
                url,
                dict(headers or {}),
                redirects,
                params=params,
                data=data,
                timeout=timeout,
                stream=stream,
            )
        except RETRY_EXCEPTIONS as e:
            reset_session()
            if backoff.exhausted() or backoff.over_limit() is not None:
                raise
            backoff.sleep(reason=f"{type(e).__name__} on {method} {url}")
            continue
        if response.status_code not in RETRY_STATUS or backoff.exhausted():
            return response
        response.close()
        backoff.sleep(server_wait(response), f"HTTP {response.status_code} on {method} {url}", response)
