"""``resolve_repo``: a repo at a revision, resolved once, as the data loader sees it.

Cost per (repo, revision): one repo-info call (commit + card data) and one paginated recursive tree
listing, cached on disk per commit in ``trees/{commit}.json``; ``refs/{revision}`` records the commit.
A pinned 40-hex commit whose listing is cached, or offline mode, costs no request at all. Downloads of
listed files need no HEAD: etag and size come from the listing, which is why every listed name, ``oid`` and
``lfs.oid`` is checked before the listing is used or cached.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from . import api, config, http
from .cache import RepoCache, TreeListing, card_data_from_readme, check_listed_blob
from .download import FileMetadata, ensure_cached, hf_hub_download
from .errors import EntryNotFoundError, FileMetadataError, HfHubHTTPError, LocalEntryNotFoundError, Target
from .models import RepoFile
from .naming import is_commit, repo_type_or_default, resolve_url, safe_relative_path
from .progress import progress_bar

logger = logging.getLogger("crucible_torch.hub")


@dataclass
class RepoSnapshot:
    """A repo pinned to one commit: its files (path -> :class:`RepoFile`), card data, URLs and downloads.

    Picklable, so DataLoader workers can receive it and download or stream without resolving again.
    ``complete_listing`` is False when it was rebuilt offline from the files present in the cache.
    """

    repo_id: str
    revision: str
    commit: str
    card_data: dict[str, Any]
    files: dict[str, RepoFile]
    repo_type: str = "dataset"
    cache_dir: str = ""
    endpoint: str = ""
    complete_listing: bool = True
    _token: str | None = field(default=None, repr=False, compare=False)

    def url(self, path: str) -> str:
        """The resolve URL of ``path`` pinned to the commit (``.../resolve/{commit}/{path}``)."""
        return resolve_url(self.endpoint, self.repo_type, self.repo_id, self.commit, path)

    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate requests to the Hub (never log them)."""
        return http.auth_headers(self._token)

    def _target(self, path: str | None = None) -> Target:
        return Target(self.repo_id, self.repo_type, self.revision, path, self.endpoint)

    def local_path(self, path: str) -> str | None:
        """The cached file of ``path`` at this commit, or ``None`` if not downloaded yet."""
        hit = RepoCache(self.cache_dir, self.repo_id, self.repo_type).cached_file(self.commit, path)
        return str(hit) if hit else None

    def download(
        self,
        paths: str | Iterable[str],
        max_workers: int = 8,
        progress: bool = True,
        force_download: bool = False,
    ) -> dict[str, str]:
        """Make the given files local (the cache first, then GETs in parallel); return path -> local path."""
        paths = [paths] if isinstance(paths, str) else list(dict.fromkeys(paths))
        unknown = [p for p in paths if p not in self.files]
        if unknown:
            raise EntryNotFoundError(
                f"{self._target().describe()} (commit {self.commit}) has no file {unknown[0]!r}"
                + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
                + ". Check the path against RepoSnapshot.files."
            )
        cache = RepoCache(self.cache_dir, self.repo_id, self.repo_type)
        local: dict[str, str] = {}
        todo = []
        for p in paths:
            hit = None if force_download else cache.cached_file(self.commit, p)
            if hit is not None:
                local[p] = str(hit)
            else:
                todo.append(p)
        if todo and config.is_offline():
            raise LocalEntryNotFoundError(
                f"{len(todo)} file(s) of {self._target().describe()} are not in the cache {cache.folder} "
                f"(first: {todo[0]!r}) and offline mode is enabled. Download them once online."
            )
        if not todo:
            return local
        headers = self.auth_headers()
        total = sum(self.files[p].size for p in todo)
        with progress_bar(total=total, unit="B", desc=f"Downloading {len(todo)} files", enabled=progress) as bar:

            def fetch(p: str) -> tuple[str, str]:
                f = self.files[p]
                meta = FileMetadata(self.commit, f.etag, f.size, self.url(p))
                out = ensure_cached(
                    cache,
                    self.commit,
                    p,
                    meta,
                    headers,
                    self._target(p),
                    force_download=force_download,
                    on_bytes=bar.update,
                )
                return p, str(out)

            if len(todo) == 1 or max_workers <= 1:
                local.update(fetch(p) for p in todo)
            else:
                with ThreadPoolExecutor(max_workers=min(max_workers, len(todo))) as pool:
                    local.update(pool.map(fetch, todo))
        return {p: local[p] for p in paths}


def _cached_card_data(cache: RepoCache, commit: str, listing: TreeListing) -> dict[str, Any] | None:
    """Card data known without a request: stored with the listing, or read from a cached README.md."""
    if listing.card_data is not None:
        return listing.card_data
    if "README.md" not in listing.files:
        return {}
    readme = cache.cached_file(commit, "README.md")
    return card_data_from_readme(readme) if readme else None


def _from_cache(cache: RepoCache, revision: str, target: Target, reason: str, **common: Any) -> RepoSnapshot:
    commit = cache.commit_for(revision)
    listing = cache.read_tree(commit) if commit else None
    complete = listing is not None
    if commit and listing is None:
        listing = cache.listing_from_snapshot(commit)
    if commit is None or listing is None:
        raise LocalEntryNotFoundError(
            f"{target.describe()} was never resolved into the cache {cache.folder} ({reason}): no "
            f"refs/{revision} or no listing for its commit. Run once online (or unset HF_HUB_OFFLINE / "
            "HF_DATASETS_OFFLINE)."
        )
    card = _cached_card_data(cache, commit, listing)
    return RepoSnapshot(
        revision=revision,
        commit=commit,
        card_data=card or {},
        files=listing.files,
        complete_listing=complete,
        **common,
    )


def resolve_repo(
    repo_id: str,
    *,
    revision: str | None = None,
    repo_type: str = "dataset",
    token: str | bool | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    endpoint: str | None = None,
    local_files_only: bool = False,
) -> RepoSnapshot:
    """Resolve ``repo_id`` at ``revision`` to a commit, its files and card data (see the module docstring).

    Raises ``RepositoryNotFoundError``/``GatedRepoError``/``RevisionNotFoundError`` from the Hub, and
    ``LocalEntryNotFoundError`` when offline (or ``local_files_only``) with nothing cached.
    """
    repo_type = repo_type_or_default(repo_type, "dataset")
    revision = revision or config.DEFAULT_REVISION
    cache = RepoCache(cache_dir, repo_id, repo_type)
    endpoint = (endpoint or config.endpoint()).rstrip("/")
    token_value = config.get_token(token)
    target = Target(repo_id, repo_type, revision, None, endpoint)
    common = dict(
        repo_id=repo_id, repo_type=repo_type, cache_dir=str(cache.root), endpoint=endpoint, _token=token_value
    )
    if local_files_only or config.is_offline():
        return _from_cache(cache, revision, target, "offline" if not local_files_only else "local_files_only", **common)
    if is_commit(revision):
        listing = cache.read_tree(revision)
        card = _cached_card_data(cache, revision, listing) if listing else None
        if listing is not None and card is not None:
            return RepoSnapshot(revision=revision, commit=revision, card_data=card, files=listing.files, **common)
    try:
        info = api.repo_info(
            repo_id, repo_type=repo_type, revision=revision, token=token_value or False, endpoint=endpoint
        )
    except (HfHubHTTPError, *http.RETRY_EXCEPTIONS) as e:
        if isinstance(e, HfHubHTTPError) and e.status_code not in http.RETRY_STATUS:
            raise
        logger.warning("Hub unreachable for %s (%s); trying the cache", target.describe(), e)
        try:
            return _from_cache(cache, revision, target, f"Hub unreachable: {e}", **common)
        except LocalEntryNotFoundError:
            raise e from None
    commit = info.sha
    if not is_commit(commit):
        raise FileMetadataError(f"{target.describe()}: repo info carries no commit sha (got {commit!r}).")
    listing = cache.read_tree(commit)
    if listing is None:
        entries = api.list_repo_tree(
            repo_id,
            recursive=True,
            revision=commit,
            repo_type=repo_type,
            token=token_value or False,
            endpoint=endpoint,
        )
        files = {e.path: e for e in entries if isinstance(e, RepoFile)}
        for p, file in files.items():  # names and blob ids become paths in the cache: check them all first
            safe_relative_path(p, f"file name listed by {target.describe()}")
            check_listed_blob(file, f"file '{p}' listed by {target.describe()}")
        listing = TreeListing(files, info.card_data)
        cache.write_tree(commit, listing)
    elif listing.card_data != info.card_data:
        listing.card_data = info.card_data
        cache.write_tree(commit, listing)
    cache.write_ref(revision, commit)
    return RepoSnapshot(revision=revision, commit=commit, card_data=info.card_data, files=listing.files, **common)


def filter_paths(
    paths: Iterable[str], allow_patterns: str | list[str] | None, ignore_patterns: str | list[str] | None
) -> list[str]:
    """huggingface_hub's pattern filter: fnmatch (``*`` crosses ``/``); ``dir/`` means the whole folder."""

    def norm(patterns: str | list[str] | None) -> list[str] | None:
        if patterns is None:
            return None
        patterns = [patterns] if isinstance(patterns, str) else list(patterns)
        return [p + "*" if p.endswith("/") else p for p in patterns]

    allow, ignore = norm(allow_patterns), norm(ignore_patterns)
    return [
        p
        for p in paths
        if (allow is None or any(fnmatchcase(p, a) for a in allow))
        and not (ignore and any(fnmatchcase(p, i) for i in ignore))
    ]


def snapshot_download(
    repo_id: str,
    *,
    repo_type: str | None = None,
    revision: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    local_dir: str | os.PathLike[str] | None = None,
    allow_patterns: str | list[str] | None = None,
    ignore_patterns: str | list[str] | None = None,
    max_workers: int = 8,
    token: str | bool | None = None,
    local_files_only: bool = False,
    force_download: bool = False,
    endpoint: str | None = None,
) -> str:
    """Download a repo's files (optionally filtered); return the snapshot folder (or ``local_dir``)."""
    snap = resolve_repo(
        repo_id,
        revision=revision,
        repo_type=repo_type_or_default(repo_type, "model"),
        token=token,
        cache_dir=cache_dir,
        endpoint=endpoint,
        local_files_only=local_files_only,
    )
    paths = filter_paths(sorted(snap.files), allow_patterns, ignore_patterns)
    if local_files_only and local_dir is None:
        missing = [p for p in paths if snap.local_path(p) is None]
        if missing:
            raise LocalEntryNotFoundError(
                f"{len(missing)} file(s) of {snap._target().describe()} are not cached "
                f"(first: {missing[0]!r}) and local_files_only=True."
            )
    if local_dir is None:
        with progress_bar(total=len(paths), unit="file", desc=f"Fetching {len(paths)} files") as bar:
            step = max(1, max_workers) * 4
            for start in range(0, len(paths), step):
                chunk = paths[start : start + step]
                snap.download(chunk, max_workers=max_workers, progress=False, force_download=force_download)
                bar.update(len(chunk))
        return str(RepoCache(snap.cache_dir, repo_id, snap.repo_type).snapshot_dir(snap.commit))

    def fetch(p: str) -> str:
        return hf_hub_download(
            repo_id,
            p,
            repo_type=snap.repo_type,
            revision=snap.commit,
            cache_dir=snap.cache_dir,
            local_dir=local_dir,
            token=token,
            endpoint=snap.endpoint,
            force_download=force_download,
            local_files_only=local_files_only,
        )

    with progress_bar(total=len(paths), unit="file", desc=f"Fetching {len(paths)} files") as bar:
        with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
            for _ in pool.map(fetch, paths):
                bar.update(1)
    return str(local_dir)
