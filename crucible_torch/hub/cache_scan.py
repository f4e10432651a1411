"""Inspect and prune the HF-layout cache: repos, revisions, files and sizes, for ``crucible-torch cache``.

Reads the same structure huggingface_hub's ``scan_cache_dir`` reads (refs, snapshots, blobs), so it
reports files downloaded by either library. Deletion removes a revision's snapshot, its refs and listing,
then the blobs no other snapshot of the repo still points to.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .cache import RepoCache
from .config import REPO_TYPES, hub_cache
from .errors import CacheNotFound, LocalEntryNotFoundError


@dataclass(frozen=True)
class CachedFile:
    """A file of a cached revision: its repo path, snapshot entry, blob, size and the blob's times."""

    path: str
    local_path: Path
    blob_path: Path
    size: int
    blob_last_accessed: float = 0.0
    blob_last_modified: float = 0.0


@dataclass(frozen=True)
class CachedRevision:
    """A cached commit: the refs pointing to it and its files; ``size_on_disk`` counts each blob once."""

    commit: str
    refs: frozenset[str]
    files: tuple[CachedFile, ...]
    size_on_disk: int
    snapshot_path: Path
    last_modified: float = 0.0


@dataclass(frozen=True)
class CachedRepo:
    """A cached repo and its revisions; ``size_on_disk`` counts each blob once across revisions.

    ``last_accessed``/``last_modified`` are the latest access and modification times of its blobs.
    """

    repo_id: str
    repo_type: str
    path: Path
    revisions: tuple[CachedRevision, ...]
    size_on_disk: int
    nb_files: int
    last_accessed: float = 0.0
    last_modified: float = 0.0

    @property
    def refs(self) -> dict[str, str]:
        return {ref: rev.commit for rev in self.revisions for ref in rev.refs}

    @property
    def cache_id(self) -> str:
        """``dataset/owner/name``: how ``hf cache ls`` names the repo."""
        return f"{self.repo_type}/{self.repo_id}"


@dataclass(frozen=True)
class CacheInfo:
    """Everything in a cache folder; ``warnings`` name folders that do not look like cached repos."""

    cache_dir: Path
    repos: tuple[CachedRepo, ...]
    size_on_disk: int
    incomplete_files: tuple[Path, ...]
    warnings: tuple[str, ...]


def _read_refs(folder: Path) -> dict[str, set[str]]:
    by_commit: dict[str, set[str]] = {}
    refs = folder / "refs"
    for ref in sorted(refs.rglob("*")) if refs.is_dir() else []:
        if ref.is_file():
            by_commit.setdefault(ref.read_text().strip(), set()).add(ref.relative_to(refs).as_posix())
    return by_commit


def _scan_revision(snapshot: Path, refs: frozenset[str]) -> CachedRevision:
    files = []
    for entry in sorted(snapshot.rglob("*")):
        if entry.is_dir() or not entry.exists():
            continue
        blob = Path(os.path.abspath(entry.parent / os.readlink(entry))) if entry.is_symlink() else entry
        stat = blob.stat()
        rel = entry.relative_to(snapshot).as_posix()
        files.append(CachedFile(rel, entry, blob, stat.st_size, stat.st_atime, stat.st_mtime))
    size = sum({f.blob_path: f.size for f in files}.values())
    modified = max((f.blob_last_modified for f in files), default=snapshot.stat().st_mtime)
    return CachedRevision(snapshot.name, refs, tuple(files), size, snapshot, modified)


def _scan_repo(folder: Path) -> CachedRepo:
    type_prefix, _, rest = folder.name.partition("--")
    repo_type = type_prefix[:-1]
    if repo_type not in REPO_TYPES or not rest:
        raise ValueError(f"{folder} is not a cached repo folder (expected e.g. datasets--owner--name)")
    snapshots = folder / "snapshots"
    if not snapshots.is_dir():
        raise ValueError(f"{folder} has no snapshots/ folder")
    refs = _read_refs(folder)
    revisions = tuple(
        _scan_revision(s, frozenset(refs.get(s.name, ()))) for s in sorted(snapshots.iterdir()) if s.is_dir()
    )
    blobs = {f.blob_path: f for r in revisions for f in r.files}
    return CachedRepo(
        rest.replace("--", "/"),
        repo_type,
        folder,
        revisions,
        sum(f.size for f in blobs.values()),
        len(blobs),
        max((f.blob_last_accessed for f in blobs.values()), default=0.0),
        max((r.last_modified for r in revisions), default=folder.stat().st_mtime),
    )


def scan_cache(cache_dir: str | os.PathLike[str] | None = None) -> CacheInfo:
    """Scan a cache folder (default ``HF_HUB_CACHE``) and report repos, revisions, files and sizes."""
    root = Path(cache_dir if cache_dir is not None else hub_cache()).expanduser()
    if not root.is_dir():
        raise CacheNotFound(f"Cache directory not found: {root}. Pass cache_dir= or set HF_HUB_CACHE.")
    repos, warnings = [], []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or folder.name == "CACHEDIR.TAG" or not folder.is_dir():
            continue
        try:
            repos.append(_scan_repo(folder))
        except (ValueError, OSError) as e:
            warnings.append(str(e))
    incomplete = tuple(sorted(root.glob("*/blobs/*.incomplete")))
    return CacheInfo(root, tuple(repos), sum(r.size_on_disk for r in repos), incomplete, tuple(warnings))


def delete_repo(repo_id: str, *, repo_type: str = "dataset", cache_dir: str | os.PathLike[str] | None = None) -> int:
    """Remove a repo from the cache (all revisions, blobs and its lock folder); returns bytes freed."""
    cache = RepoCache(cache_dir, repo_id, repo_type)
    if not cache.folder.is_dir():
        raise LocalEntryNotFoundError(f"{repo_type} repo '{repo_id}' is not in the cache {cache.root}.")
    freed = sum(f.stat().st_size for f in (cache.folder / "blobs").glob("*") if f.is_file())
    shutil.rmtree(cache.folder)
    shutil.rmtree(cache.root / ".locks" / cache.name, ignore_errors=True)
    return freed


def delete_revision(
    repo_id: str,
    revision: str,
    *,
    repo_type: str = "dataset",
    cache_dir: str | os.PathLike[str] | None = None,
) -> int:
    """Remove one cached revision (a commit, or the commit a ref names) and the blobs only it used."""
    cache = RepoCache(cache_dir, repo_id, repo_type)
    commit = cache.commit_for(revision)
    snapshot = cache.snapshot_dir(commit) if commit else None
    if snapshot is None or not snapshot.is_dir():
        raise LocalEntryNotFoundError(
            f"{repo_type} repo '{repo_id}' has no cached revision {revision!r} in {cache.root}."
        )
    repo = _scan_repo(cache.folder)
    doomed = next(r for r in repo.revisions if r.commit == commit)
    kept = {f.blob_path for r in repo.revisions if r.commit != commit for f in r.files}
    freed = 0
    for blob in {f.blob_path for f in doomed.files} - kept:
        if blob.parent == cache.folder / "blobs" and blob.is_file():
            freed += blob.stat().st_size
            blob.unlink()
    shutil.rmtree(snapshot)
    shutil.rmtree(cache.folder / ".no_exist" / commit, ignore_errors=True)
    cache.tree_path(commit).unlink(missing_ok=True)
    for ref in doomed.refs:
        (cache.folder / "refs" / ref).unlink(missing_ok=True)
    return freed
