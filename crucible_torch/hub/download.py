"""Single-file downloads into the HF-layout cache (``hf_hub_download``) and the blob step they share.

Flow, as huggingface_hub's (protocol notes section 3): a pinned commit already in ``snapshots/`` costs no
request; a pinned commit whose listing is cached in ``trees/`` skips the HEAD; otherwise one HEAD gives
commit, etag and size. When the Hub cannot be asked (offline, network down, 5xx) the cache answers
through ``refs/``. Blobs are fetched under a best-effort lock into a unique temp file, verified and renamed.
The commit (``X-Repo-Commit``) and the etag become folder and file names, so anything but 40 hex (commit) or
40/64 hex (etag) is refused before anything is written; every download is then checked against its etag.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from . import config, http
from .atomic import write_atomically
from .cache import RepoCache
from .errors import (
    FileMetadataError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
    Target,
    raise_for_status,
)
from .lock import best_effort_lock
from .naming import check_blob_id, check_commit, is_commit, repo_type_or_default, resolve_url, safe_relative_path
from .transfer import Expected, download_to_file


@dataclass(frozen=True)
class FileMetadata:
    """What a download needs to know about a remote file: commit, etag (blob name), size and URL."""

    commit: str
    etag: str
    size: int
    location: str

    def expected(self) -> Expected:
        """Integrity expectations implied by the etag: sha256 for LFS (64 hex), git blob sha1 (40 hex).

        Any other etag is refused rather than checked by size alone (it is also a file name in the cache).
        """
        etag = check_blob_id(self.etag, f"etag for {self.location}")
        if len(etag) == 64:
            return Expected(self.size, sha256=etag)
        return Expected(self.size, git_sha1=etag)


def normalize_etag(etag: str | None) -> str | None:
    """Strip ``W/`` and quotes from an ``ETag`` header."""
    if not etag:
        return None
    return etag.removeprefix("W/").strip('"')


def get_file_metadata(
    url: str, headers: Mapping[str, str], target: Target, *, timeout: float | None = None, retry: bool = False
) -> FileMetadata:
    """HEAD a resolve URL (following only relative redirects) and read commit, etag, size and location.

    Raises :class:`FileMetadataError` when a header is missing and :class:`UnsafePathError` when the commit or
    the etag is not a hash (both would become names in the cache).
    """
    response = http.send(
        "HEAD",
        url,
        headers={**headers, "Accept-Encoding": "identity"},
        timeout=config.etag_timeout() if timeout is None else timeout,
        retry=retry,
        redirects="relative",
    )
    raise_for_status(response, target)
    commit = response.headers.get("X-Repo-Commit")
    etag = normalize_etag(response.headers.get("X-Linked-Etag") or response.headers.get("ETag"))
    size = response.headers.get("X-Linked-Size") or response.headers.get("Content-Length")
    location = response.headers.get("Location") if 300 <= response.status_code < 400 else response.url
    if not commit or not etag or size is None or not size.isdigit():
        raise FileMetadataError(
            f"{target.describe()}: the answer to HEAD {url} lacks X-Repo-Commit, ETag or size. The endpoint "
            "does not look like a Hugging Face Hub (a proxy or firewall in the way?)."
        )
    etag_header = "X-Linked-Etag" if response.headers.get("X-Linked-Etag") else "ETag"
    check_commit(commit, f"X-Repo-Commit header from HEAD {url} ({target.describe()})")
    check_blob_id(etag, f"{etag_header} header from HEAD {url} ({target.describe()})")
    return FileMetadata(commit, etag, int(size), urljoin(response.url, location or url))


def ensure_cached(
    cache: RepoCache,
    commit: str,
    path: str,
    meta: FileMetadata,
    headers: Mapping[str, str],
    target: Target,
    *,
    force_download: bool = False,
    on_bytes: Callable[[int], None] | None = None,
) -> Path:
    """Make ``snapshots/{commit}/{path}`` exist, downloading ``blobs/{etag}`` only if it is missing."""
    blob = cache.blob(meta.etag)
    if not force_download:
        hit = cache.cached_file(commit, path)
        if hit is not None:
            return hit
        if blob.is_file():
            return cache.link(commit, path, meta.etag)
    headers = http.headers_for(meta.location, headers, target.endpoint or meta.location)
    with best_effort_lock(cache.lock_path(meta.etag)):
        if force_download or not blob.is_file():
            download_to_file(
                meta.location,
                blob,
                headers=headers,
                expected=meta.expected(),
                target=target,
                on_bytes=on_bytes,
            )
    return cache.link(commit, path, meta.etag)


def _retryable(error: Exception | None) -> bool:
    if isinstance(error, HfHubHTTPError):
        return error.status_code in http.RETRY_STATUS
    return isinstance(error, http.RETRY_EXCEPTIONS)


def _metadata_from_tree(cache: RepoCache, revision: str, path: str, url: str) -> FileMetadata | None:
    listing = cache.read_tree(revision) if is_commit(revision) else None
    file = listing.files.get(path) if listing else None
    return FileMetadata(revision, file.etag, file.size, url) if file else None


def _unreachable(error: Exception | None, target: Target, cache: RepoCache, force: bool, local_only: bool) -> Exception:
    """The error to raise when the Hub could not give metadata and the cache has nothing."""
    if force and (local_only or isinstance(error, OfflineModeIsEnabled)):
        return ValueError(f"{target.describe()}: force_download=True needs the Hub, but requests are disabled.")
    if local_only:
        return LocalEntryNotFoundError(
            f"{target.describe()} is not in the cache {cache.folder} and local_files_only=True forbids "
            "asking the Hub. Download it once online, or pass local_files_only=False."
        )
    if isinstance(error, OfflineModeIsEnabled):
        return LocalEntryNotFoundError(
            f"{target.describe()} is not in the cache {cache.folder} and offline mode is enabled "
            "(HF_HUB_OFFLINE / HF_DATASETS_OFFLINE). Download it once online, or unset offline mode."
        )
    if isinstance(error, RepositoryNotFoundError) or getattr(error, "status_code", None) == 401:
        return error  # type: ignore[return-value]
    return LocalEntryNotFoundError(
        f"Could not reach the Hub for {target.describe()} ({type(error).__name__}: {error}) and the file is "
        f"not in the cache {cache.folder}. Check your connection, or set HF_HUB_OFFLINE=1 to use only "
        "cached files."
    )


def hf_hub_download(
    repo_id: str,
    filename: str,
    *,
    subfolder: str | None = None,
    repo_type: str | None = None,
    revision: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    local_dir: str | os.PathLike[str] | None = None,
    token: str | bool | None = None,
    force_download: bool = False,
    local_files_only: bool = False,
    etag_timeout: float | None = None,
    endpoint: str | None = None,
) -> str:
    """Download one file of a Hub repo into the cache (or ``local_dir``) and return its local path."""
    repo_type = repo_type_or_default(repo_type, "model")
    revision = revision or config.DEFAULT_REVISION
    path = safe_relative_path(f"{subfolder.strip('/')}/{filename}" if subfolder else filename)
    cache = RepoCache(cache_dir, repo_id, repo_type)
    endpoint = (endpoint or config.endpoint()).rstrip("/")
    target = Target(repo_id, repo_type, revision, path, endpoint)
    if local_dir is not None:
        return _download_to_local_dir(
            Path(local_dir),
            cache,
            resolve_url(endpoint, repo_type, repo_id, revision, path),
            target,
            token,
            force_download,
            local_files_only,
            etag_timeout,
        )
    if is_commit(revision) and not force_download:
        hit = cache.cached_file(revision, path)
        if hit is not None:
            return str(hit)
    headers = http.auth_headers(config.get_token(token))
    url = resolve_url(endpoint, repo_type, repo_id, revision, path)
    meta, error = _find_metadata(cache, revision, path, url, headers, target, etag_timeout, local_files_only)
    if meta is None:
        if not force_download:
            hit = cache.cached_file(cache.commit_for(revision), path)
            if hit is not None:
                return str(hit)
        if _retryable(error) and not local_files_only:
            try:
                meta = get_file_metadata(url, headers, target, timeout=etag_timeout, retry=True)
            except (HfHubHTTPError, *http.RETRY_EXCEPTIONS) as again:
                error = again
        if meta is None:
            final = _unreachable(error, target, cache, force_download, local_files_only)
            if final is error:
                raise error
            raise final from error
    cache.write_ref(revision, meta.commit)
    return str(ensure_cached(cache, meta.commit, path, meta, headers, target, force_download=force_download))


def _find_metadata(
    cache: RepoCache,
    revision: str,
    path: str,
    url: str,
    headers: Mapping[str, str],
    target: Target,
    etag_timeout: float | None,
    local_files_only: bool,
) -> tuple[FileMetadata | None, Exception | None]:
    """Metadata from the cached listing or one HEAD; connection-type failures are returned, not raised.

    Exactly one of the two is ``None``.
    """
    if local_files_only:
        return None, LocalEntryNotFoundError("local_files_only=True")
    try:
        http.check_online(url)
    except OfflineModeIsEnabled as e:
        return None, e
    meta = _metadata_from_tree(cache, revision, path, url)
    if meta is not None:
        return meta, None
    try:
        return get_file_metadata(url, headers, target, timeout=etag_timeout), None
    except RemoteEntryNotFoundError as e:
        commit = e.response.headers.get("X-Repo-Commit") if e.response is not None else None
        if commit and is_commit(commit):
            cache.mark_missing(commit, path)
            cache.write_ref(revision, commit)
        raise
    except RevisionNotFoundError:
        raise
    except (HfHubHTTPError, OfflineModeIsEnabled, FileMetadataError, *http.RETRY_EXCEPTIONS) as e:
        return None, e


def _download_to_local_dir(
    local_dir: Path,
    cache: RepoCache,
    url: str,
    target: Target,
    token: str | bool | None,
    force_download: bool,
    local_files_only: bool,
    etag_timeout: float | None,
) -> str:
    """``local_dir`` mode: the file at ``url`` (``target.path`` at ``target.revision``) lands at ``local_dir/path``.

    ``.cache/huggingface/download/{path}.metadata`` records commit and etag (huggingface_hub's format), so
    an unchanged file is not fetched again. File and record are each replaced atomically.
    """
    path = safe_relative_path(target.path or "", "local_dir target")
    revision = target.revision or config.DEFAULT_REVISION
    dest = local_dir.joinpath(*path.split("/"))
    meta_dir = local_dir / ".cache" / "huggingface" / "download"
    record = meta_dir.joinpath(*path.split("/")).with_name(dest.name + ".metadata")
    try:
        commit, etag = record.read_text().splitlines()[:2]
    except (OSError, ValueError):
        commit = etag = None
    if dest.is_file() and not force_download and (local_files_only or config.is_offline() or commit == revision):
        return str(dest)
    if local_files_only or config.is_offline():
        raise LocalEntryNotFoundError(
            f"{target.describe()} is not in {local_dir} and requests are disabled (offline or local_files_only)."
        )
    headers = http.auth_headers(config.get_token(token))
    meta = _metadata_from_tree(cache, revision, path, url) or get_file_metadata(
        url, headers, target, timeout=etag_timeout, retry=True
    )
    if dest.is_file() and not force_download and etag == meta.etag:
        return str(dest)
    headers = http.headers_for(meta.location, headers, url)
    download_to_file(meta.location, dest, headers=headers, expected=meta.expected(), target=target, temp_dir=meta_dir)
    write_atomically(record, f"{meta.commit}\n{meta.etag}\n{time.time()}\n")
    return str(dest)
