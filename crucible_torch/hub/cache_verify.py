"""Check the Hub cache's blobs against what their names and the stored listings say they hold.

A blob is named by its etag: the sha256 of the content for LFS files, the git blob sha1 otherwise; the
commit's listing (``trees/{commit}.json``) also records each file's size and etag. Verification recomputes the
hash a blob's etag names and compares the size with the listing's, for every file of every cached revision
(or of one repo), and reports snapshot entries whose blob is missing. ``remove_corrupt`` deletes the bad
blobs and the snapshot entries that point to them, so the next load downloads those files again.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .cache import RepoCache
from .cache_scan import CachedRepo, scan_cache
from .models import RepoFile

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class CacheProblem:
    """A cached file that does not hold what it should: which repo, commit and path, and what differs."""

    repo_id: str
    repo_type: str
    repo_path: Path
    commit: str
    path: str
    entry: Path
    blob: Path | None
    what: str  # "sha256", "git-sha1", "size", "missing blob"
    expected: str
    actual: str

    @property
    def cache_id(self) -> str:
        return f"{self.repo_type}/{self.repo_id}"


@dataclass(frozen=True)
class VerifyReport:
    """How many cached files were checked and the problems found."""

    checked: int
    problems: tuple[CacheProblem, ...]


def _digest(path: Path, algorithm: str) -> str:
    size = path.stat().st_size
    h = hashlib.sha256() if algorithm == "sha256" else hashlib.sha1(b"blob %d\0" % size)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _expected_etag(entry: Path, listed: RepoFile | None) -> str | None:
    if listed is not None and listed.etag:
        return listed.etag
    name = Path(os.readlink(entry)).name if entry.is_symlink() else ""
    return name if _SHA256.match(name) or _SHA1.match(name) else None


def _check(
    repo: CachedRepo, commit: str, path: str, entry: Path, listed: RepoFile | None, digests: dict[Path, dict[str, str]]
) -> CacheProblem | None:
    def problem(blob: Path | None, what: str, expected: str, actual: str) -> CacheProblem:
        return CacheProblem(repo.repo_id, repo.repo_type, repo.path, commit, path, entry, blob, what, expected, actual)

    blob = Path(os.path.abspath(entry.parent / os.readlink(entry))) if entry.is_symlink() else entry
    if not blob.is_file():
        return problem(None, "missing blob", blob.name, "no such file")
    size = blob.stat().st_size
    if listed is not None and listed.size != size:
        return problem(blob, "size", str(listed.size), str(size))
    etag = _expected_etag(entry, listed)
    if etag is None:
        return None
    algorithm = "sha256" if _SHA256.match(etag) else "git-sha1"
    known = digests.setdefault(blob, {})
    if algorithm not in known:
        known[algorithm] = _digest(blob, algorithm)
    return problem(blob, algorithm, etag, known[algorithm]) if known[algorithm] != etag else None


def verify_cache(
    repo_id: str | None = None,
    *,
    repo_type: str = "dataset",
    revision: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> VerifyReport:
    """Recompute the hashes and sizes of every cached file (of ``repo_id``, of its ``revision``) and report.

    Each blob is hashed once however many snapshots link to it.
    """
    info = scan_cache(cache_dir)
    checked = 0
    problems: list[CacheProblem] = []
    digests: dict[Path, dict[str, str]] = {}
    for repo in info.repos:
        if repo_id is not None and (repo.repo_id, repo.repo_type) != (repo_id, repo_type):
            continue
        cache = RepoCache(info.cache_dir, repo.repo_id, repo.repo_type)
        wanted = cache.commit_for(revision) if revision is not None else None
        for snapshot in sorted((repo.path / "snapshots").iterdir()):
            if not snapshot.is_dir() or (revision is not None and snapshot.name != wanted):
                continue
            listing = cache.read_tree(snapshot.name)
            for entry in sorted(snapshot.rglob("*")):
                if entry.is_dir() and not entry.is_symlink():
                    continue
                path = entry.relative_to(snapshot).as_posix()
                listed = listing.files.get(path) if listing is not None else None
                checked += 1
                found = _check(repo, snapshot.name, path, entry, listed, digests)
                if found is not None:
                    problems.append(found)
    return VerifyReport(checked, tuple(problems))


def remove_corrupt(problems: tuple[CacheProblem, ...] | list[CacheProblem]) -> int:
    """Delete each problem's blob and every snapshot entry of its repo pointing to it; return bytes freed."""
    freed = 0
    for problem in problems:
        if problem.blob is not None and problem.blob.is_file():
            freed += problem.blob.stat().st_size
            problem.blob.unlink()
        if problem.entry.is_symlink() or problem.entry.is_file():
            problem.entry.unlink()
    for folder in {p.repo_path for p in problems}:  # other snapshots' links to a removed blob dangle now
        for entry in (folder / "snapshots").rglob("*"):
            if entry.is_symlink() and not entry.exists():
                entry.unlink()
    return freed
