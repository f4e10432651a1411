"""The on-disk cache in huggingface_hub's layout, so files are shared with it in both directions.

```
{cache}/datasets--owner--name/refs/{revision}          40-hex commit (refs/refs/convert/parquet nests)
{cache}/datasets--owner--name/blobs/{etag}             content, named by sha256 (LFS) or git sha1
{cache}/datasets--owner--name/snapshots/{commit}/{path} relative symlink -> ../../blobs/{etag}
{cache}/datasets--owner--name/.no_exist/{commit}/{path} marker: no such file at that commit
{cache}/datasets--owner--name/trees/{commit}.json      the commit's listing ({"format_version": 1, "files"})
{cache}/.locks/datasets--owner--name/{etag}.lock        best-effort lock per blob
```

Every write is atomic (:mod:`~crucible_torch.hub.atomic`: unique temp name, fsync, ``os.replace``); readers
never see half a file. Commits and blob ids are checked before they become folder or file names (40 hex for a
commit, 40 or 64 hex for a blob), whether they came from the Hub or from a cache written by another tool.
The tree file also carries ``card_data`` (an extra key huggingface_hub ignores) so that a pinned or
offline resolve needs no request.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import config
from .atomic import publish, temp_path, write_atomically
from .models import RepoFile
from .naming import (
    check_blob_id,
    check_commit,
    is_blob_id,
    is_commit,
    repo_folder_name,
    repo_type_or_default,
    safe_relative_path,
    validate_repo_id,
)

TREE_FORMAT_VERSION = 1
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by crucible_torch (Hugging Face Hub cache layout).\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


class _CachedNoExist:
    """Marker returned by :func:`try_to_load_from_cache` when the file is known to be absent."""

    def __repr__(self) -> str:
        return "CACHED_NO_EXIST"


CACHED_NO_EXIST = _CachedNoExist()


@dataclass
class TreeListing:
    """A commit's files (and card data when known) as stored in ``trees/{commit}.json``."""

    files: dict[str, RepoFile]
    card_data: dict[str, Any] | None = None


class RepoCache:
    """Paths and atomic operations for one repo's folder in the cache."""

    def __init__(self, cache_dir: str | os.PathLike[str] | None, repo_id: str, repo_type: str) -> None:
        self.root = Path(cache_dir if cache_dir is not None else config.hub_cache()).expanduser()
        self.repo_id = validate_repo_id(repo_id)
        self.repo_type = repo_type_or_default(repo_type, "model")
        self.name = repo_folder_name(repo_id, self.repo_type)
        self.folder = self.root / self.name

    # -- paths (every variable part is checked: these are the only joins onto the cache folder) ------------
    def _what(self, kind: str) -> str:
        return f"{kind} for {self.repo_type} repo '{self.repo_id}'"

    def blob(self, etag: str) -> Path:
        return self.folder / "blobs" / check_blob_id(etag, self._what("blob id"))

    def snapshot_dir(self, commit: str) -> Path:
        return self.folder / "snapshots" / check_commit(commit, self._what("commit"))

    def snapshot_file(self, commit: str, path: str) -> Path:
        return self.snapshot_dir(commit).joinpath(*safe_relative_path(path).split("/"))

    def lock_path(self, etag: str) -> Path:
        return self.root / ".locks" / self.name / f"{check_blob_id(etag, self._what('blob id'))}.lock"

    def tree_path(self, commit: str) -> Path:
        return self.folder / "trees" / f"{check_commit(commit, self._what('commit'))}.json"

    def missing_marker(self, commit: str, path: str) -> Path:
        commit = check_commit(commit, self._what("commit"))
        return self.folder.joinpath(".no_exist", commit, *safe_relative_path(path).split("/"))

    def _ref_path(self, revision: str) -> Path:
        return self.folder.joinpath("refs", *safe_relative_path(revision, "revision name").split("/"))

    # -- refs ----------------------------------------------------------------------------------------
    def read_ref(self, revision: str) -> str | None:
        """The commit a branch/tag/ref last resolved to, or ``None`` if never recorded."""
        try:
            commit = self._ref_path(revision).read_text().strip()
        except (OSError, ValueError):
            return None
        return commit if is_commit(commit) else None

    def commit_for(self, revision: str) -> str | None:
        """``revision`` itself when it is a commit, else what ``refs/{revision}`` says."""
        return revision if is_commit(revision) else self.read_ref(revision)

    def write_ref(self, revision: str, commit: str) -> None:
        """Record ``refs/{revision}`` -> commit (no-op for a commit); make sure the snapshot folder exists."""
        self.snapshot_dir(commit).mkdir(parents=True, exist_ok=True)
        tag = self.root / "CACHEDIR.TAG"
        if not tag.exists():  # marks the folder as a cache for backup tools, as huggingface_hub does
            write_atomically(tag, CACHEDIR_TAG)
        if revision != commit and self.read_ref(revision) != commit:
            ref = self._ref_path(revision)
            ref.parent.mkdir(parents=True, exist_ok=True)  # the temp file sits outside refs/: no stray entry
            write_atomically(ref, commit, directory=self.folder)

    # -- files ---------------------------------------------------------------------------------------
    def cached_file(self, commit: str | None, path: str) -> Path | None:
        """The snapshot entry of ``path`` at ``commit`` if present (a dangling symlink does not count)."""
        if commit is None:
            return None
        file = self.snapshot_file(commit, path)
        return file if file.is_file() else None

    def mark_missing(self, commit: str, path: str) -> None:
        """Touch ``.no_exist/{commit}/{path}``: the file is known absent at that commit."""
        marker = self.missing_marker(commit, path)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()

    def is_marked_missing(self, commit: str, path: str) -> bool:
        return self.missing_marker(commit, path).is_file()

    def link(self, commit: str, path: str, etag: str) -> Path:
        """Point ``snapshots/{commit}/{path}`` at ``blobs/{etag}``: a relative symlink, else a copy."""
        dest = self.snapshot_file(commit, path)
        blob = self.blob(etag)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(dest, directory=self.folder)  # outside snapshots/: a crash leaves no stray entry
        try:
            if config.symlinks_disabled():
                raise OSError("symlinks disabled by HF_HUB_DISABLE_SYMLINKS")
            os.symlink(os.path.relpath(blob, dest.parent), tmp)
        except OSError:
            shutil.copyfile(blob, tmp)
        return publish(tmp, dest)

    # -- tree listing --------------------------------------------------------------------------------
    def read_tree(self, commit: str) -> TreeListing | None:
        """The cached listing of ``commit`` (ours or huggingface_hub's); ``None`` if absent or unreadable.

        A listing with a file name or blob id that could not be used safely counts as unreadable.
        """
        try:
            data = json.loads(self.tree_path(commit).read_text(encoding="utf-8"))
            if data.get("format_version") != TREE_FORMAT_VERSION:
                return None
            files = {p: RepoFile.from_tree_cache(p, info) for p, info in data["files"].items()}
            for path, file in files.items():
                safe_relative_path(path)
                check_listed_blob(file, self._what(f"listed file '{path}'"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # UnsafePathError is a ValueError
            return None
        card = data.get("card_data")
        return TreeListing(files, card if isinstance(card, dict) else None)

    def write_tree(self, commit: str, listing: TreeListing) -> None:
        """Store ``commit``'s listing in huggingface_hub's format (plus ``card_data``)."""
        data: dict[str, Any] = {
            "format_version": TREE_FORMAT_VERSION,
            "files": {p: listing.files[p].to_tree_cache() for p in sorted(listing.files)},
        }
        if listing.card_data is not None:
            data["card_data"] = listing.card_data
        write_atomically(self.tree_path(commit), json.dumps(data, indent=1))

    def listing_from_snapshot(self, commit: str) -> TreeListing | None:
        """Rebuild a (partial) listing from the files present in ``snapshots/{commit}``: offline fallback.

        Sizes come from the files; the etag from each symlink's blob name (sha256 for LFS, else git sha1).
        """
        root = self.snapshot_dir(commit)
        if not root.is_dir():
            return None
        files: dict[str, RepoFile] = {}
        for file in root.rglob("*"):
            if not file.is_file() or file.name.startswith("."):
                continue
            rel = file.relative_to(root).as_posix()
            etag = Path(os.readlink(file)).name if file.is_symlink() else ""
            etag = etag if is_blob_id(etag) else ""
            sha256 = etag if len(etag) == 64 else None
            files[rel] = RepoFile(rel, file.stat().st_size, "" if sha256 else etag, sha256)
        return TreeListing(files)


def check_listed_blob(file: RepoFile, what: str) -> RepoFile:
    """Refuse a listed file whose ``oid`` (git sha1) or ``lfs.oid`` (sha256) could not name a blob."""
    if file.blob_id or not file.lfs_sha256:
        check_blob_id(file.blob_id, f"oid of {what}")
    if file.lfs_sha256 is not None:
        check_blob_id(file.lfs_sha256, f"lfs.oid of {what}")
    return file


def card_data_from_readme(readme: Path) -> dict[str, Any]:
    """The YAML front matter of a README (what the Hub returns as ``cardData``), ``{}`` if none."""
    try:
        text = readme.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return {}
    import yaml  # a runtime dependency of the library; only needed for this offline fallback

    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def try_to_load_from_cache(
    repo_id: str,
    filename: str,
    cache_dir: str | os.PathLike[str] | None = None,
    revision: str | None = None,
    repo_type: str | None = None,
) -> str | _CachedNoExist | None:
    """The cached path of a file at a revision, :data:`CACHED_NO_EXIST` if known absent, else ``None``.

    Like huggingface_hub: resolves ``refs/{revision}``, never returns a file of another revision, no network.
    """
    cache = RepoCache(cache_dir, repo_id, repo_type_or_default(repo_type, "model"))
    revision = revision or config.DEFAULT_REVISION
    safe_relative_path(filename)
    commit = cache.commit_for(revision)
    if commit is None:
        return None
    if cache.is_marked_missing(commit, filename):
        return CACHED_NO_EXIST
    found = cache.cached_file(commit, filename)
    return str(found) if found else None
