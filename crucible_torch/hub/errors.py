"""Hub client exceptions, named and nested as in ``huggingface_hub``, all under :class:`HubError`.

Messages name the repo, the revision and the path that failed and say what to do. ``raise_for_status``
maps a Hub response (``X-Error-Code`` / ``X-Error-Message`` and the status) to the right class.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

__all__ = [
    "BadRequestError",
    "CacheNotFound",
    "DisabledRepoError",
    "DownloadIntegrityError",
    "EntryNotFoundError",
    "FileMetadataError",
    "GatedRepoError",
    "HfHubHTTPError",
    "HubError",
    "LocalEntryNotFoundError",
    "OfflineModeIsEnabled",
    "RemoteEntryNotFoundError",
    "RepositoryNotFoundError",
    "RevisionNotFoundError",
    "Target",
    "UnsafePathError",
    "raise_for_status",
]


class HubError(Exception):
    """Base class of every error raised by :mod:`crucible_torch.hub`."""


class HfHubHTTPError(HubError, requests.HTTPError):
    """The Hub answered with an HTTP error; ``response``, ``status_code``, ``server_message`` tell which."""

    def __init__(self, message: str, response: requests.Response | None = None) -> None:
        super().__init__(message, response=response)
        self.status_code = response.status_code if response is not None else None
        headers = response.headers if response is not None else {}
        self.server_message = headers.get("X-Error-Message")
        self.request_id = headers.get("X-Request-Id")


class RepositoryNotFoundError(HfHubHTTPError):
    """The repo does not exist, or it is private and the token (if any) has no access."""


class GatedRepoError(RepositoryNotFoundError):
    """The repo is gated: the user must be authenticated and granted access on its Hub page."""


class DisabledRepoError(HfHubHTTPError):
    """The repo was disabled by its owner or the Hub."""


class RevisionNotFoundError(HfHubHTTPError):
    """The repo exists but the branch, tag or commit does not."""


class BadRequestError(HfHubHTTPError, ValueError):
    """The Hub refused the request as malformed (HTTP 400)."""


class EntryNotFoundError(HubError):
    """A file is absent, remotely (``RemoteEntryNotFoundError``) or locally (``LocalEntryNotFoundError``)."""


class RemoteEntryNotFoundError(HfHubHTTPError, EntryNotFoundError):
    """The repo and revision exist on the Hub but the file does not."""


class LocalEntryNotFoundError(EntryNotFoundError, FileNotFoundError):
    """The file is not in the cache and the Hub cannot be (or must not be) asked."""


class OfflineModeIsEnabled(HubError, ConnectionError):
    """A request was attempted while ``HF_HUB_OFFLINE`` / ``HF_DATASETS_OFFLINE`` is set."""


class FileMetadataError(HubError, OSError):
    """A resolve answer lacked the commit, etag or size the download needs (often a proxy in the way)."""


class DownloadIntegrityError(HubError, OSError):
    """Downloaded bytes do not match the expected size or sha256; nothing was placed in the cache."""


class UnsafePathError(HubError, ValueError):
    """A remote file name or local target would escape its directory (``..``, absolute, backslash, NUL)."""


class CacheNotFound(HubError, FileNotFoundError):
    """The cache directory to scan does not exist."""


@dataclass(frozen=True)
class Target:
    """What a request was about, so that error messages can name it."""

    repo_id: str | None = None
    repo_type: str = "dataset"
    revision: str | None = None
    path: str | None = None
    endpoint: str | None = None

    def describe(self) -> str:
        parts = []
        if self.repo_id is not None:
            parts.append(f"{self.repo_type} repo '{self.repo_id}'")
        if self.revision is not None:
            parts.append(f"revision '{self.revision}'")
        if self.path is not None:
            parts.append(f"file '{self.path}'")
        return ", ".join(parts) if parts else "the Hub"

    def page_url(self) -> str | None:
        if self.repo_id is None or self.endpoint is None:
            return None
        prefix = "" if self.repo_type == "model" else f"{self.repo_type}s/"
        return f"{self.endpoint}/{prefix}{self.repo_id}"


_INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
_DISABLED = "Access to this resource is disabled."


def raise_for_status(response: requests.Response, target: Target | None = None) -> None:
    """Raise the huggingface_hub-named exception for an error response; return for 1xx-3xx."""
    if response.status_code < 400:
        return
    target = target or Target()
    code = response.headers.get("X-Error-Code")
    server_message = response.headers.get("X-Error-Message")
    status = response.status_code
    what = target.describe()
    url = response.url
    detail = f" (server said: {server_message})" if server_message else ""
    page = target.page_url()
    if code == "RevisionNotFound":
        raise RevisionNotFoundError(
            f"{status}: revision not found for {what}{detail}. Check the branch, tag or commit name "
            f"(list them with list_repo_refs). URL: {url}",
            response,
        )
    if code == "EntryNotFound":
        raise RemoteEntryNotFoundError(
            f"{status}: file not found in {what}{detail}. Check the path (list files with list_repo_files). URL: {url}",
            response,
        )
    if code == "GatedRepo":
        where = f"request access at {page}" if page else "request access on the repo page"
        if status == 401:
            hint = f"authentication is required: log in or set HF_TOKEN, and {where}"
        else:
            hint = f"your token is not on the authorized list: {where}"
        subject = f"gated {what}" if target.repo_id else "a gated repo"
        raise GatedRepoError(f"{status}: cannot access {subject}; {hint}.{detail} URL: {url}", response)
    if server_message == _DISABLED:
        raise DisabledRepoError(f"{status}: {what} is disabled: {server_message} URL: {url}", response)
    if code == "RepoNotFound" or (status == 401 and server_message != _INVALID_CREDENTIALS):
        raise RepositoryNotFoundError(
            f"{status}: repository not found: {what}. Check the repo id and repo_type; if the repo is "
            f"private or gated, authenticate (HF_TOKEN or token=) with a token that has access.{detail} "
            f"URL: {url}",
            response,
        )
    if status == 401:
        raise HfHubHTTPError(
            f"401: the token was rejected for {what}: {server_message}. Check HF_TOKEN / the token file. URL: {url}",
            response,
        )
    if status == 400:
        raise BadRequestError(f"400: bad request for {what}{detail}. URL: {url}", response)
    if status == 403:
        raise HfHubHTTPError(
            f"403 Forbidden for {what}{detail}. Make sure your token has the correct permissions. URL: {url}",
            response,
        )
    if status == 416:
        asked = response.request.headers.get("Range") if response.request is not None else None
        raise HfHubHTTPError(
            f"416: requested range {asked} not satisfiable for {what} "
            f"(Content-Range: {response.headers.get('Content-Range')}). URL: {url}",
            response,
        )
    if status == 429:
        raise HfHubHTTPError(
            f"429: rate limited while fetching {what} (ratelimit: {response.headers.get('ratelimit')}, "
            f"Retry-After: {response.headers.get('Retry-After')}). Wait and retry, or reduce parallel "
            f"requests. URL: {url}",
            response,
        )
    raise HfHubHTTPError(f"{status} error from the Hub for {what}{detail}. URL: {url}", response)
