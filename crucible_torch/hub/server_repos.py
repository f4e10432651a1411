"""What the local Hub server serves: repos found in a directory tree or an HF cache, their revisions,
files (git blob sha1, sha256 for "LFS" files), deterministic commits and card data.

Layouts understood under ``root``:

- ``root/<owner>/<name>/...``: a dataset repo at revision ``main``; ``root/models/<owner>/<name>`` is a model.
- ``root/<owner>/<name>@<rev>`` (``rev`` URL-quoted, e.g. ``name@refs%2Fconvert%2Fparquet``): another
  revision of that repo; ``@tags%2Fv1`` makes the tag ``v1``.
- ``root/datasets--<owner>--<name>/`` (an HF cache): every ``refs/*`` and every snapshot commit.

Symlinks are followed only while they stay inside the served root (an HF cache's ``snapshots -> blobs`` links
do): a file whose real path lies outside it is neither listed nor served, so a link planted in a repo cannot
expose other files of the machine. A revision added from elsewhere on disk is confined to its own directory.

The commit of a directory revision is the sha1 of its sorted (path, etag) list, so the same content always
gets the same commit. Files are rescanned on access (hashes cached by size and mtime), so tests may edit
a repo between requests.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .cache import card_data_from_readme
from .naming import is_commit

_SKIP_DIRS = {".git", ".cache"}


@dataclass(frozen=True)
class ServedFile:
    """One file of a revision: where its bytes live and its Hub identities."""

    path: str
    source: Path
    size: int
    git_oid: str
    sha256: str
    lfs: bool

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.git_oid

    def pointer_oid(self) -> str:
        """git sha1 of the LFS pointer file (the ``ETag`` the Hub gives on an LFS redirect)."""
        return git_blob_sha1(self.pointer())

    def pointer(self) -> bytes:
        text = f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {self.size}\n"
        return text.encode()


@dataclass(frozen=True)
class Snapshot:
    """A revision's content at this moment: its commit and files by path.

    ``stored_card`` is the card data an HF cache keeps beside the listing (``trees/{commit}.json``), for a
    cached revision whose README.md was never downloaded (the loader reads the card from the API).
    """

    commit: str
    files: dict[str, ServedFile]
    stored_card: dict[str, Any] | None = None

    def directories(self) -> set[str]:
        dirs = set()
        for path in self.files:
            parts = path.split("/")[:-1]
            dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return dirs


@dataclass
class Revision:
    """A named revision: a directory (commit computed) or a cache snapshot (commit given).

    ``boundary`` is the real directory every served file must lie in (the store's root, by default).
    """

    name: str
    kind: str  # branch | tag | convert | pr
    directory: Path
    commit: str | None = None
    boundary: Path | None = None

    @property
    def ref(self) -> str:
        if self.kind == "branch":
            return f"refs/heads/{self.name}"
        if self.kind == "tag":
            return f"refs/tags/{self.name}"
        return self.name


@dataclass
class Access:
    """Who may read a repo: ``private`` (401/404 without access), ``gated`` (files need a granted token)."""

    private: bool = False
    gated: str | bool = False
    disabled: bool = False
    tokens: set[str] = field(default_factory=set)


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def revision_kind(name: str) -> str:
    if name.startswith("refs/convert/"):
        return "convert"
    if name.startswith("refs/pr/"):
        return "pr"
    return "branch"


class RepoStore:
    """Finds repos and revisions and hashes their files (thread-safe; hashes cached by size/mtime)."""

    def __init__(self, root: str | os.PathLike[str] | None, lfs_threshold: int) -> None:
        self.root = Path(root).expanduser().resolve() if root is not None else None
        self.lfs_threshold = lfs_threshold
        self.extra: dict[tuple[str, str], dict[str, Revision]] = {}
        self.access: dict[tuple[str, str], Access] = {}
        self.renames: dict[tuple[str, str], str] = {}
        self.fake_entries: dict[tuple[str, str], list[str]] = {}
        self.blobs_by_sha256: dict[str, Path] = {}
        self._hashes: dict[tuple[str, int, int], tuple[str, str]] = {}
        self._lock = threading.Lock()

    # -- discovery -----------------------------------------------------------------------------------
    def revisions(self, repo_type: str, repo_id: str) -> dict[str, Revision] | None:
        """All named revisions of a repo, or ``None`` if the repo does not exist."""
        found: dict[str, Revision] = {}
        if self.root is not None and repo_id.count("/") == 1 and ".." not in repo_id:
            owner, name = repo_id.split("/")
            base = self.root / "models" if repo_type == "model" else self.root
            main = base / owner / name
            if repo_type in ("dataset", "model") and not (repo_type == "dataset" and owner == "models"):
                if main.is_dir():
                    found["main"] = Revision("main", "branch", main)
                for sibling in sorted(main.parent.glob(f"{name}@*")) if main.parent.is_dir() else []:
                    rev = unquote(sibling.name.split("@", 1)[1])
                    if rev.startswith("tags/"):
                        found[rev[5:]] = Revision(rev[5:], "tag", sibling)
                    else:
                        found[rev] = Revision(rev, revision_kind(rev), sibling)
            found.update(self._cache_revisions(self.root, repo_type, owner, name))
        found.update(self.extra.get((repo_type, repo_id), {}))
        return found or None

    def _cache_revisions(self, root: Path, repo_type: str, owner: str, name: str) -> dict[str, Revision]:
        folder = root / f"{repo_type}s--{owner}--{name}"
        snapshots = folder / "snapshots"
        if not snapshots.is_dir():
            return {}
        found: dict[str, Revision] = {}
        refs = folder / "refs"
        for ref in sorted(refs.rglob("*")) if refs.is_dir() else []:
            if ref.is_file() and Path(os.path.realpath(ref)).is_relative_to(self.root):
                commit = ref.read_text(errors="replace").strip()
                rel = ref.relative_to(refs).as_posix()
                if is_commit(commit) and (snapshots / commit).is_dir():
                    found[rel] = Revision(rel, revision_kind(rel), snapshots / commit, commit)
        for snap in sorted(snapshots.iterdir()):
            if snap.is_dir() and not any(r.commit == snap.name for r in found.values()):
                found[snap.name] = Revision(snap.name, "commit", snap, snap.name)
        return found

    def add_revision(self, repo_type: str, repo_id: str, name: str, directory: Path, kind: str | None) -> None:
        kind = kind or revision_kind(name)
        directory = Path(directory).resolve()
        inside_root = self.root is not None and directory.is_relative_to(self.root)
        revision = Revision(name, kind, directory, boundary=self.root if inside_root else directory)
        self.extra.setdefault((repo_type, repo_id), {})[name] = revision

    def find_revision(self, revisions: dict[str, Revision], rev: str) -> tuple[Revision, Snapshot] | None:
        """The revision called ``rev`` (a name, a full ref like ``refs/heads/main``, or a commit)."""
        for r in revisions.values():
            if rev in (r.name, r.ref):
                return r, self.snapshot(r)
        for r in revisions.values():
            snap = self.snapshot(r)
            if snap.commit == rev:
                return r, snap
        return None

    # -- content -------------------------------------------------------------------------------------
    def _hash(self, source: Path, stat: os.stat_result) -> tuple[str, str]:
        key = (str(source), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._hashes.get(key)
        if cached is None:
            git = hashlib.sha1(b"blob %d\0" % stat.st_size)
            sha = hashlib.sha256()
            with open(source, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    git.update(chunk)
                    sha.update(chunk)
            cached = (git.hexdigest(), sha.hexdigest())
            with self._lock:
                self._hashes[key] = cached
        return cached

    def _walk(self, revision: Revision) -> Iterator[tuple[str, Path, Path]]:
        """(repo path, path in the tree, real path) of every file whose real path is inside the boundary.

        Directory links are followed inside the boundary, except a link back to a directory being walked
        (which would loop).
        """
        boundary = Path(os.path.realpath(revision.boundary or self.root or revision.directory))
        ancestors: dict[str, frozenset[str]] = {}
        for dirpath, dirnames, filenames in os.walk(revision.directory, followlinks=True):
            real_dir = os.path.realpath(dirpath)
            if not Path(real_dir).is_relative_to(boundary):
                dirnames.clear()
                continue
            chain = ancestors.pop(dirpath, frozenset()) | {real_dir}
            kept = []
            for name in sorted(dirnames):
                child = os.path.join(dirpath, name)
                if name not in _SKIP_DIRS and os.path.realpath(child) not in chain:
                    ancestors[child] = chain
                    kept.append(name)
            dirnames[:] = kept
            for filename in sorted(filenames):
                source = Path(dirpath) / filename
                real = Path(os.path.realpath(source))
                if real.is_relative_to(boundary) and real.is_file():
                    yield source.relative_to(revision.directory).as_posix(), source, real

    def snapshot(self, revision: Revision) -> Snapshot:
        files: dict[str, ServedFile] = {}
        for rel, source, real in self._walk(revision):
            stat = real.stat()
            git_oid, sha256 = self._hash(real, stat)
            blob_name = Path(os.readlink(source)).name if source.is_symlink() else ""
            lfs = len(blob_name) == 64 if revision.commit and blob_name else stat.st_size >= self.lfs_threshold
            files[rel] = ServedFile(rel, real, stat.st_size, git_oid, sha256, lfs)
            if lfs:
                with self._lock:
                    self.blobs_by_sha256[sha256] = real
        commit = (
            revision.commit
            or hashlib.sha1("\n".join(f"{p} {f.etag}" for p, f in sorted(files.items())).encode()).hexdigest()
        )
        return Snapshot(commit, files, _stored_card(revision) if revision.commit else None)


def _stored_card(revision: Revision) -> dict[str, Any] | None:
    """``card_data`` of an HF cache's ``trees/{commit}.json`` for a snapshot revision, if it holds one."""
    tree = revision.directory.parent.parent / "trees" / f"{revision.commit}.json"
    try:
        card = json.loads(tree.read_text(encoding="utf-8")).get("card_data")
    except (OSError, ValueError, AttributeError):
        return None
    return card if isinstance(card, dict) else None


def card_data(snapshot: Snapshot) -> dict[str, Any] | None:
    """The YAML front matter of README.md (the Hub's ``cardData``), else the card stored in the cache's
    listing, or ``None`` without either."""
    readme = snapshot.files.get("README.md")
    if readme is None:
        return snapshot.stored_card
    return card_data_from_readme(readme.source) or None
