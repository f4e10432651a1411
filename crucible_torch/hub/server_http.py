"""Request handlers of the local Hub server: the Hub API and resolve endpoints, and the CDN listener.

Speaks the protocol in the project's hub_protocol notes: repo info, paginated tree (``Link: rel="next"``),
paths-info, refs, resolve with ``ETag``/``X-Repo-Commit``/``Range``, LFS files redirected (302, absolute
URL, ``X-Linked-Etag``/``X-Linked-Size``) to a second listener acting as the CDN, and Hub error codes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from .server_repos import Access, Revision, ServedFile, Snapshot, card_data

if TYPE_CHECKING:
    from .server import HubServer

_PUBLIC_FILES = ("README.md", ".gitattributes")
_EPOCH = "2024-01-01T00:00:00.000Z"


class _Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    listener = "hub"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle stall per response

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    @property
    def hub(self) -> HubServer:
        return self.server.hub  # type: ignore[attr-defined]

    def send_response(self, code: int, message: str | None = None) -> None:
        self._record(code)  # before any byte goes out, so a client that saw the answer sees the record
        super().send_response(code, message)

    def _record(self, status: int) -> None:
        if not self._logged:
            self._logged = True
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.hub.log.add(self.listener, self.command, self.logged_path, self.raw_query, headers, status)

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        self.query = parse_qs(parts.query)
        self.raw_path = parts.path
        self.segments = [unquote(s) for s in parts.path.split("/")[1:]]
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if self.command == "POST" else b""
        self.logged_path = unquote(parts.path)
        self.raw_query = parts.query
        self._logged = False
        try:
            rule = self.hub.faults.take(("status",), self.command, self.logged_path, self.listener)
            if rule is not None:
                self.respond(rule.status, b"", rule.headers)
            else:
                self.route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self._record(0)

    do_GET = do_HEAD = do_POST = _dispatch

    def route(self) -> None:
        raise NotImplementedError

    # -- responses -----------------------------------------------------------------------------------
    def rewritten(self, headers: dict[str, str]) -> dict[str, str]:
        """``headers`` with a ``rewrite_headers`` fault applied (values replaced, case-insensitively)."""
        rule = self.hub.faults.take(("headers",), self.command, self.logged_path, self.listener)
        if rule is None:
            return headers
        out = {k: v for k, v in headers.items() if k.lower() not in {n.lower() for n in rule.headers}}
        return {**out, **rule.headers}

    def respond(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.send_response(status)
        for key, value in self.rewritten(dict(headers or {})).items():
            self.send_header(key, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def respond_json(self, data: Any, headers: dict[str, str] | None = None) -> None:
        self.respond(200, json.dumps(data).encode(), headers)

    def respond_error(self, status: int, code: str | None, message: str, headers: dict[str, str] | None = None) -> None:
        extra = dict(headers or {})
        if code:
            extra["X-Error-Code"] = code
        extra["X-Error-Message"] = message
        self.respond(status, json.dumps({"error": message}).encode(), extra)

    def send_file(self, source: Path, size: int, headers: dict[str, str]) -> None:
        """Send a file (or the asked ``Range`` of it: 206 + ``Content-Range``), applying body faults."""
        start, end = 0, size
        asked = self.headers.get("Range")
        if asked and self.hub.faults.take(("ignore_range",), self.command, self.logged_path, self.listener):
            asked = None
        if asked:
            span = _parse_range(asked, size)
            if span is None:
                self.respond_error(416, None, f"Range {asked} not satisfiable", {"Content-Range": f"bytes */{size}"})
                return
            start, end = span
            headers = {**headers, "Content-Range": f"bytes {start}-{end - 1}/{size}"}
        self.send_response(206 if asked else 200)
        headers = self.rewritten({**headers, "Accept-Ranges": "bytes", "Content-Length": str(end - start)})
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if self.command == "HEAD":
            return
        stop = self.hub.faults.take(("cut", "stall"), "GET", self.logged_path, self.listener)
        slow = self.hub.faults.take(("slow",), "GET", self.logged_path, self.listener)
        sent = 0
        with open(source, "rb") as f:
            f.seek(start)
            while sent < end - start:
                want = min(1 << 16, end - start - sent)
                if stop is not None:
                    want = min(want, stop.after_bytes - sent)
                if want > 0:
                    chunk = f.read(want)
                    self.wfile.write(chunk)
                    sent += len(chunk)
                if stop is not None and sent >= stop.after_bytes:
                    self.wfile.flush()
                    if stop.kind == "stall":
                        self.hub.faults.release.wait(timeout=120)
                    self._drop_connection()
                    return
                if slow is not None:
                    time.sleep(slow.delay)

    def _drop_connection(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _parse_range(value: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` -> [start, end) within ``size``; None if unsatisfiable."""
    unit, _, spec = value.partition("=")
    first, _, last = spec.strip().partition("-")
    if unit.strip() != "bytes" or "," in spec:
        return None
    try:
        if first == "":
            start, end = max(0, size - int(last)), size
        else:
            start = int(first)
            end = min(size, int(last) + 1) if last else size
    except ValueError:
        return None
    return (start, end) if start < end else None


def _split_revision(segments: list[str]) -> tuple[str, list[str]]:
    """The revision and the rest; an unquoted ``refs/convert/x`` or ``refs/pr/N`` spans three segments."""
    if len(segments) >= 3 and segments[0] == "refs" and segments[1] in ("convert", "pr", "heads", "tags"):
        return "/".join(segments[:3]), segments[3:]
    return segments[0], segments[1:]


class HubHandler(_Base):
    """The Hub listener: ``/api/{type}s/{repo}/...`` and ``/[datasets/]{repo}/resolve/{rev}/{path}``."""

    listener = "hub"

    def route(self) -> None:
        if not self.hub.admits(self.token()):
            # The same answer for every path, so an unauthorised client learns no repo names.
            self.respond_error(
                401, None, "Invalid credentials in Authorization header", {"WWW-Authenticate": 'Bearer realm="hub"'}
            )
            return
        seg = self.segments
        if seg[:2] == ["api", "whoami-v2"]:
            token = self.token()
            if token is None:
                self.respond_error(401, None, "Invalid credentials in Authorization header")
            else:
                self.respond_json({"type": "user", "name": "crucible-test", "auth": {"accessToken": {"role": "read"}}})
            return
        if len(seg) >= 4 and seg[0] == "api" and seg[1] in ("datasets", "models", "spaces"):
            repo_type, repo_id, rest = seg[1][:-1], f"{seg[2]}/{seg[3]}", seg[4:]
            if not self.renamed(repo_type, repo_id):
                self.api(repo_type, repo_id, rest)
            return
        repo_type = {"datasets": "dataset", "spaces": "space"}.get(seg[0] if seg else "", "model")
        if repo_type != "model":
            seg = seg[1:]
        if len(seg) >= 5 and seg[2] == "resolve" and self.command in ("GET", "HEAD"):
            repo_id = f"{seg[0]}/{seg[1]}"
            if not self.renamed(repo_type, repo_id):
                revision, path = _split_revision(seg[3:])
                self.resolve(repo_type, repo_id, revision, "/".join(path))
            return
        self.respond_error(404, None, f"no route for {self.command} {self.raw_path}")

    # -- access --------------------------------------------------------------------------------------
    def token(self) -> str | None:
        value = self.headers.get("Authorization", "")
        return value[7:].strip() or None if value.lower().startswith("bearer ") else None

    def renamed(self, repo_type: str, repo_id: str) -> bool:
        new = self.hub.store.renames.get((repo_type, repo_id))
        if new is None:
            return False
        location = self.path.replace(f"/{quote(repo_id)}/", f"/{quote(new)}/", 1)
        self.respond(307, b"", {"Location": location})
        return True

    def check_repo(self, repo_type: str, repo_id: str, path: str | None = None) -> dict[str, Revision] | None:
        """The repo's revisions if this request may see it (and ``path`` in it), else None after answering."""
        token = self.token()
        if self.hub.reject_unknown_tokens and token is not None and token not in self.hub.known_tokens():
            self.respond_error(401, None, "Invalid credentials in Authorization header")
            return None
        revisions = self.hub.store.revisions(repo_type, repo_id)
        access = self.hub.store.access.get((repo_type, repo_id), Access())
        granted = token is not None and token in access.tokens
        if revisions is None or (access.private and not granted):
            self.respond_error(404 if token else 401, "RepoNotFound", "Repository not found")
            return None
        if access.disabled:
            self.respond_error(403, None, "Access to this resource is disabled.")
            return None
        if access.gated and path is not None and path not in _PUBLIC_FILES and not granted:
            kind = f"{repo_type} {repo_id}"
            if token:
                page = f"{self.hub.url}/{'' if repo_type == 'model' else repo_type + 's/'}{repo_id}"
                message = (
                    f"Access to {kind} is restricted and you are not in the authorized list. "
                    f"Visit {page} to ask for access."
                )
                self.respond_error(403, "GatedRepo", message)
            else:
                message = (
                    f"Access to {kind} is restricted. You must have access to it and be authenticated "
                    "to access it. Please log in."
                )
                self.respond_error(401, "GatedRepo", message)
            return None
        return revisions

    def lookup(
        self, repo_type: str, repo_id: str, revision: str | None, path: str | None = None
    ) -> tuple[Revision, Snapshot] | None:
        """The revision and its snapshot, or None after answering the Hub's error for this request."""
        revisions = self.check_repo(repo_type, repo_id, path)
        if revisions is None:
            return None
        found = self.hub.store.find_revision(revisions, revision or "main")
        if found is None:
            self.respond_error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        return found

    # -- api -----------------------------------------------------------------------------------------
    def api(self, repo_type: str, repo_id: str, rest: list[str]) -> None:
        if not rest or rest[0] == "revision":
            revision = _split_revision(rest[1:])[0] if len(rest) > 1 else None
            found = self.lookup(repo_type, repo_id, revision)
            if found:
                self.respond_json(self.info(repo_type, repo_id, found[1]))
        elif rest[0] == "tree" and len(rest) > 1:
            revision, path = _split_revision(rest[1:])
            found = self.lookup(repo_type, repo_id, revision)
            if found:
                self.tree(repo_type, repo_id, found[1], "/".join(path).strip("/"))
        elif rest[0] == "paths-info" and len(rest) > 1 and self.command == "POST":
            found = self.lookup(repo_type, repo_id, _split_revision(rest[1:])[0])
            if found:
                self.paths_info(repo_type, repo_id, found[1])
        elif rest == ["refs"]:
            revisions = self.check_repo(repo_type, repo_id)
            if revisions is not None:
                self.respond_json(self.refs(revisions))
        else:
            self.respond_error(404, None, f"no route for {self.command} {self.raw_path}")

    def _fake(self, repo_type: str, repo_id: str) -> list[str]:
        return self.hub.store.fake_entries.get((repo_type, repo_id), [])

    def info(self, repo_type: str, repo_id: str, snap: Snapshot) -> dict[str, Any]:
        access = self.hub.store.access.get((repo_type, repo_id), Access())
        blobs = self.query.get("blobs", ["false"])[0].lower() in ("1", "true")
        siblings = []
        for path, f in sorted(snap.files.items()):
            sibling: dict[str, Any] = {"rfilename": path}
            if blobs:
                sibling.update(size=f.size, blobId=f.pointer_oid() if f.lfs else f.git_oid)
                if f.lfs:
                    sibling["lfs"] = {"sha256": f.sha256, "size": f.size, "pointerSize": len(f.pointer())}
            siblings.append(sibling)
        siblings += [{"rfilename": p} for p in self._fake(repo_type, repo_id)]
        data: dict[str, Any] = {
            "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24],
            "id": repo_id,
            "author": repo_id.split("/")[0],
            "sha": snap.commit,
            "lastModified": _EPOCH,
            "createdAt": _EPOCH,
            "private": access.private,
            "gated": access.gated,
            "disabled": access.disabled,
            "tags": [],
            "downloads": 0,
            "likes": 0,
            "siblings": siblings,
            "usedStorage": sum(f.size for f in snap.files.values()),
        }
        card = card_data(snap)
        if card is not None:
            data["cardData"] = card
        return data

    def _item(self, f: ServedFile) -> dict[str, Any]:
        item: dict[str, Any] = {"type": "file", "oid": f.git_oid, "size": f.size, "path": f.path}
        if f.lfs:
            item["oid"] = f.pointer_oid()
            item["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": len(f.pointer())}
        return item

    def _items(self, repo_type: str, repo_id: str, snap: Snapshot) -> dict[str, dict[str, Any]]:
        items = {p: self._item(f) for p, f in snap.files.items()}
        rule = self.hub.faults.take(("listing",), self.command, self.logged_path, self.listener)
        if rule is not None:
            for item in items.values():
                item["oid"] = rule.fields.get("oid", item["oid"])
                if "lfs" in item:
                    item["lfs"]["oid"] = rule.fields.get("lfs_oid", item["lfs"]["oid"])
        for d in snap.directories():
            items[d] = {
                "type": "directory",
                "oid": hashlib.sha1(f"{snap.commit}:{d}".encode()).hexdigest(),
                "size": 0,
                "path": d,
            }
        for p in self._fake(repo_type, repo_id):
            items[p] = {"type": "file", "oid": "0" * 40, "size": 1, "path": p}
        return items

    def tree(self, repo_type: str, repo_id: str, snap: Snapshot, base: str) -> None:
        items = self._items(repo_type, repo_id, snap)
        if base and items.get(base, {}).get("type") != "directory":
            self.respond_error(
                404,
                "EntryNotFound",
                f"{base} does not exist or is not a directory",
                {"X-Repo-Commit": snap.commit},
            )
            return
        prefix = f"{base}/" if base else ""
        recursive = self.query.get("recursive", ["false"])[0].lower() in ("1", "true")
        chosen = [
            items[p] for p in sorted(items) if p.startswith(prefix) and (recursive or "/" not in p[len(prefix) :])
        ]
        cursor = int(self.query.get("cursor", ["0"])[0])
        page_size = self.hub.page_size
        headers = {}
        if cursor + page_size < len(chosen):
            query = {k: v[0] for k, v in self.query.items()}
            query["cursor"] = str(cursor + page_size)
            headers["Link"] = f'<{self.hub.url}{self.raw_path}?{urlencode(query)}>; rel="next"'
        self.respond_json(chosen[cursor : cursor + page_size], headers)

    def paths_info(self, repo_type: str, repo_id: str, snap: Snapshot) -> None:
        if "json" in self.headers.get("Content-Type", ""):
            paths = json.loads(self.body or b"{}").get("paths", [])
        else:
            paths = parse_qs(self.body.decode()).get("paths", [])
        items = self._items(repo_type, repo_id, snap)
        self.respond_json([items[p] for p in paths if p in items])

    def refs(self, revisions: dict[str, Revision]) -> dict[str, Any]:
        groups: dict[str, list[dict[str, str]]] = {
            "branches": [],
            "converts": [],
            "tags": [],
            "pullRequests": [],
        }
        key = {"branch": "branches", "convert": "converts", "tag": "tags", "pr": "pullRequests"}
        for r in revisions.values():
            if r.kind in key:
                name = r.name.rsplit("/", 1)[-1] if r.kind == "convert" else r.name
                commit = self.hub.store.snapshot(r).commit
                groups[key[r.kind]].append({"name": name, "ref": r.ref, "targetCommit": commit})
        if self.query.get("include_prs", ["0"])[0] not in ("1", "true", "True"):
            del groups["pullRequests"]
        return groups

    # -- resolve -------------------------------------------------------------------------------------
    def resolve(self, repo_type: str, repo_id: str, revision: str, path: str) -> None:
        found = self.lookup(repo_type, repo_id, revision, path)
        if found is None:
            return
        snap = found[1]
        f = snap.files.get(path)
        if f is None:
            self.respond_error(
                404,
                "EntryNotFound",
                f"{path} does not exist in {repo_id}@{revision}",
                {"X-Repo-Commit": snap.commit},
            )
            return
        headers = {"X-Repo-Commit": snap.commit}
        if f.lfs and self.hub.cdn_enabled:
            headers.update(
                {
                    "Location": self.hub.signed_cdn_url(f.sha256, path.rsplit("/", 1)[-1]),
                    "X-Linked-Etag": f'"{f.sha256}"',
                    "X-Linked-Size": str(f.size),
                    "ETag": f'"{f.pointer_oid()}"',
                }
            )
            self.respond(302, b"", headers, content_type="text/plain")
        else:
            self.send_file(f.source, f.size, {**headers, "ETag": f'"{f.etag}"'})


class CdnHandler(_Base):
    """The CDN listener: ``/lfs/{sha256}?expires=..&sig=..`` (signed by the Hub listener), ranges honoured."""

    listener = "cdn"

    def route(self) -> None:
        seg = self.segments
        if len(seg) != 2 or seg[0] != "lfs" or self.command not in ("GET", "HEAD"):
            self.respond_error(404, None, "not found")
            return
        sha256 = seg[1]
        expires = self.query.get("expires", ["0"])[0]
        signature = self.query.get("sig", [""])[0]
        expected = self.hub.sign(sha256, expires)
        if not hmac.compare_digest(signature, expected) or float(expires) < time.time():
            self.respond(403, b"<Error>AccessDenied: bad or expired signature</Error>", content_type="text/xml")
            return
        source = self.hub.store.blobs_by_sha256.get(sha256)
        if source is None or not source.exists():
            self.respond(404, b"<Error>NoSuchKey</Error>", content_type="text/xml")
            return
        self.send_file(source, source.stat().st_size, {"ETag": f'"{sha256}"'})
