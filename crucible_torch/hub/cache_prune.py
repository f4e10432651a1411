"""What ``crucible-torch cache prune`` removes from the Hub cache, planned first and then carried out.

- Unreferenced revisions: snapshots no ref (branch, tag, ``refs/convert/parquet``) points to any more, as
  ``hf cache prune`` removes them (a pinned commit stays loadable online; offline it would be gone).
- Orphan blobs: blobs no snapshot links to (left by interrupted deletions or by deleting snapshots by hand).
- Stale temp files: ``*.incomplete`` downloads and ``*.tmp`` writes not touched for ``stale_after`` seconds;
  a download in progress keeps writing to its file, so it is never taken for stale.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .cache_scan import CachedRepo, CachedRevision, delete_revision, scan_cache

STALE_AFTER = 3600.0


@dataclass(frozen=True)
class PrunePlan:
    """What a prune would delete, and how many bytes that frees."""

    revisions: tuple[tuple[CachedRepo, CachedRevision], ...]
    orphan_blobs: tuple[Path, ...]
    stale_files: tuple[Path, ...]
    size: int

    def __bool__(self) -> bool:
        return bool(self.revisions or self.orphan_blobs or self.stale_files)


def _is_temp(path: Path) -> bool:
    return path.name.endswith((".incomplete", ".tmp"))


def _exclusive_size(repo: CachedRepo, revisions: list[CachedRevision]) -> int:
    """Bytes of the blobs that only ``revisions`` (of all the repo's revisions) use."""
    doomed = {r.commit for r in revisions}
    kept = {f.blob_path for r in repo.revisions if r.commit not in doomed for f in r.files}
    sizes = {f.blob_path: f.size for r in revisions for f in r.files if f.blob_path not in kept}
    return sum(sizes.values())


def plan_prune(
    cache_dir: str | os.PathLike[str] | None = None, *, stale_after: float = STALE_AFTER, now: float | None = None
) -> PrunePlan:
    """List the unreferenced revisions, orphan blobs and stale temp files of the cache (nothing is deleted)."""
    info = scan_cache(cache_dir)
    now = time.time() if now is None else now
    revisions: list[tuple[CachedRepo, CachedRevision]] = []
    orphans: list[Path] = []
    stale: list[Path] = []
    size = 0
    for repo in info.repos:
        detached = [r for r in repo.revisions if not r.refs]
        revisions += [(repo, r) for r in detached]
        size += _exclusive_size(repo, detached)
        linked = {f.blob_path for r in repo.revisions for f in r.files}
        blobs = repo.path / "blobs"
        for blob in sorted(blobs.iterdir()) if blobs.is_dir() else []:
            if blob.is_file() and not _is_temp(blob) and blob not in linked:
                orphans.append(blob)
                size += blob.stat().st_size
    for folder in sorted(info.cache_dir.iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        for path in sorted(folder.rglob("*")):
            in_snapshots = path.relative_to(folder).parts[0] == "snapshots"  # repo files may end in .tmp
            if _is_temp(path) and not in_snapshots and path.is_file() and not path.is_symlink():
                stat = path.stat()
                if now - stat.st_mtime >= stale_after:
                    stale.append(path)
                    size += stat.st_size
    return PrunePlan(tuple(revisions), tuple(orphans), tuple(stale), size)


def execute_prune(plan: PrunePlan) -> int:
    """Delete what ``plan`` lists (files already gone are skipped); return the bytes freed."""
    freed = 0
    for repo, revision in plan.revisions:
        cache_dir = repo.path.parent
        try:
            freed += delete_revision(repo.repo_id, revision.commit, repo_type=repo.repo_type, cache_dir=cache_dir)
        except FileNotFoundError:
            pass
    for path in (*plan.orphan_blobs, *plan.stale_files):
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        freed += size
    return freed
