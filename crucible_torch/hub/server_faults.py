"""Fault switches and the request log of the local Hub server, for tests of retries, resume and auth.

A rule matches requests by method, listener ("hub" or "cdn") and a substring of the unquoted path, and
fires for its first ``times`` matches (``None``: always). Status rules answer instead of the real
handler (429 storms, 503s); body rules act while a body is sent (cut the connection after N bytes,
stall until released, slow it down, or ignore ``Range``); rewrite rules play a malicious or broken Hub
(response headers such as ``X-Repo-Commit``/``ETag`` replaced, tree-listing ``oid``/``lfs.oid`` replaced).
Every request is logged with its headers and final status.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class Rule:
    """One fault: what it matches and how many more times it fires."""

    kind: str  # status | cut | stall | slow | ignore_range | headers | listing
    times: int | None
    path_contains: str | None = None
    method: str | None = None
    listener: str | None = None
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    after_bytes: int = 0
    delay: float = 0.0
    fields: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str, listener: str) -> bool:
        return (
            (self.times is None or self.times > 0)
            and (self.method is None or self.method == method)
            and (self.listener is None or self.listener == listener)
            and (self.path_contains is None or self.path_contains in path)
        )


@dataclass(frozen=True)
class RequestRecord:
    """A request as the server saw it: listener, method, unquoted path, query, headers (lower-case keys)."""

    listener: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    status: int
    time: float


class Faults:
    """The fault rules of a server; methods add rules, ``clear`` removes them and releases stalls."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self.release = threading.Event()

    def _add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def fail(
        self,
        status: int = 503,
        *,
        times: int | None = 1,
        path_contains: str | None = None,
        method: str | None = None,
        listener: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Rule:
        """Answer ``status`` (with ``headers``) to the first ``times`` matching requests."""
        return self._add(Rule("status", times, path_contains, method, listener, status, dict(headers or {})))

    def rate_limit(
        self,
        times: int = 1,
        *,
        retry_after: int | None = 0,
        ratelimit_reset: int | None = None,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> Rule:
        """429 for the first ``times`` matches, with ``Retry-After`` and/or ``ratelimit: "api";r=0;t=N``."""
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if ratelimit_reset is not None:
            headers["RateLimit"] = f'"api";r=0;t={ratelimit_reset}'
            headers["RateLimit-Policy"] = '"fixed window";"api";q=500;w=300'
        return self.fail(429, times=times, path_contains=path_contains, method=method, headers=headers)

    def cut_body(
        self,
        after_bytes: int,
        *,
        times: int | None = 1,
        path_contains: str | None = None,
        listener: str | None = None,
    ) -> Rule:
        """Close the connection after sending ``after_bytes`` of a body (first ``times`` matching GETs)."""
        return self._add(Rule("cut", times, path_contains, "GET", listener, after_bytes=after_bytes))

    def stall_body(
        self,
        after_bytes: int,
        *,
        times: int | None = 1,
        path_contains: str | None = None,
        listener: str | None = None,
    ) -> Rule:
        """Stop sending after ``after_bytes`` until ``clear()`` (or server stop) releases it."""
        self.release.clear()
        return self._add(Rule("stall", times, path_contains, "GET", listener, after_bytes=after_bytes))

    def slow_body(
        self,
        delay: float,
        *,
        times: int | None = None,
        path_contains: str | None = None,
        listener: str | None = None,
    ) -> Rule:
        """Sleep ``delay`` seconds between 64 KiB chunks of matching bodies."""
        return self._add(Rule("slow", times, path_contains, "GET", listener, delay=delay))

    def ignore_range(self, *, times: int | None = 1, path_contains: str | None = None) -> Rule:
        """Answer ranged GETs with the whole body and 200, as some CDNs do for compressed objects."""
        return self._add(Rule("ignore_range", times, path_contains, "GET"))

    def rewrite_headers(
        self,
        headers: dict[str, str],
        *,
        times: int | None = None,
        path_contains: str | None = None,
        method: str | None = None,
        listener: str | None = None,
    ) -> Rule:
        """Send ``headers`` (e.g. ``{"ETag": '"../../escaped"'}``) in place of the real values, added when the
        answer has none, in the first ``times`` matching answers."""
        return self._add(Rule("headers", times, path_contains, method, listener, headers=dict(headers)))

    def rewrite_listing(
        self,
        *,
        oid: str | None = None,
        lfs_oid: str | None = None,
        times: int | None = None,
        path_contains: str | None = None,
    ) -> Rule:
        """Give every file of tree and paths-info answers this ``oid`` (and LFS files this ``lfs.oid``)."""
        fields = {k: v for k, v in (("oid", oid), ("lfs_oid", lfs_oid)) if v is not None}
        return self._add(Rule("listing", times, path_contains, None, "hub", fields=fields))

    def take(self, kinds: tuple[str, ...], method: str, path: str, listener: str) -> Rule | None:
        """The first rule of one of ``kinds`` matching this request, consuming one of its ``times``."""
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and rule.matches(method, path, listener):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
        self.release.set()


class RequestLog:
    """Thread-safe list of :class:`RequestRecord` with filters for assertions."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def add(self, listener: str, method: str, path: str, query: str, headers: dict[str, str], status: int) -> None:
        record = RequestRecord(listener, method, path, query, headers, status, time.monotonic())
        with self._lock:
            self._records.append(record)

    def select(
        self,
        method: str | None = None,
        path_contains: str | None = None,
        listener: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        with self._lock:
            records = list(self._records)
        return [
            r
            for r in records
            if (method is None or r.method == method)
            and (path_contains is None or path_contains in r.path)
            and (listener is None or r.listener == listener)
            and (status is None or r.status == status)
        ]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
