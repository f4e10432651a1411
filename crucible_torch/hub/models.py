"""Value objects returned by the Hub client: files and folders of a tree, repo info, git refs.

Field names follow ``huggingface_hub`` (``RepoFile.blob_id``, ``.lfs.sha256``, ``DatasetInfo.card_data``)
so code written against it reads ours unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BlobLfsInfo:
    """LFS pointer data of a file: its real size and sha256."""

    size: int
    sha256: str
    pointer_size: int | None = None


@dataclass(frozen=True)
class RepoFile:
    """A file of a repo at a commit: its path, size, git blob sha1 and, for LFS files, sha256.

    ``etag`` is the name of its blob in the cache (the sha256 for LFS files, else the git sha1).
    """

    path: str
    size: int
    blob_id: str
    lfs_sha256: str | None = None
    xet_hash: str | None = None

    @property
    def etag(self) -> str:
        return self.lfs_sha256 or self.blob_id

    @property
    def lfs(self) -> BlobLfsInfo | None:
        return BlobLfsInfo(self.size, self.lfs_sha256) if self.lfs_sha256 else None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> RepoFile:
        """From a ``/tree`` or ``/paths-info`` item."""
        lfs = item.get("lfs") or {}
        return cls(
            path=item["path"],
            size=int(lfs.get("size", item.get("size", 0))),
            blob_id=item.get("oid") or item.get("blob_id") or "",
            lfs_sha256=lfs.get("oid") or lfs.get("sha256"),
            xet_hash=item.get("xetHash"),
        )

    def to_tree_cache(self) -> dict[str, Any]:
        """The entry huggingface_hub writes in ``trees/{commit}.json``."""
        info: dict[str, Any] = {"size": self.size, "blob_id": self.blob_id}
        if self.lfs_sha256:
            info["lfs_sha256"] = self.lfs_sha256
            info["lfs_size"] = self.size
        if self.xet_hash:
            info["xet_hash"] = self.xet_hash
        return info

    @classmethod
    def from_tree_cache(cls, path: str, info: dict[str, Any]) -> RepoFile:
        return cls(
            path=path,
            size=int(info.get("lfs_size") or info["size"]),
            blob_id=info["blob_id"],
            lfs_sha256=info.get("lfs_sha256"),
            xet_hash=info.get("xet_hash"),
        )


@dataclass(frozen=True)
class RepoFolder:
    """A directory entry of a tree listing."""

    path: str
    tree_id: str = ""


@dataclass(frozen=True)
class RepoSibling:
    """A file as listed in repo info (``siblings``); size and ids only with ``files_metadata=True``."""

    rfilename: str
    size: int | None = None
    blob_id: str | None = None
    lfs: BlobLfsInfo | None = None


@dataclass
class RepoInfo:
    """Repo info (``/api/{type}s/{repo}[/revision/{rev}]``); ``DatasetInfo`` and ``ModelInfo`` name it."""

    id: str
    sha: str | None
    private: bool = False
    gated: str | bool = False
    disabled: bool = False
    siblings: list[RepoSibling] = field(default_factory=list)
    card_data: dict[str, Any] = field(default_factory=dict)
    last_modified: str | None = None
    tags: list[str] = field(default_factory=list)
    downloads: int | None = None
    likes: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def cardData(self) -> dict[str, Any]:  # noqa: N802 - huggingface_hub's legacy name
        return self.card_data

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> RepoInfo:
        siblings = []
        for s in data.get("siblings") or []:
            lfs = s.get("lfs")
            siblings.append(
                RepoSibling(
                    rfilename=s["rfilename"],
                    size=s.get("size"),
                    blob_id=s.get("blobId"),
                    lfs=BlobLfsInfo(lfs["size"], lfs["sha256"], lfs.get("pointerSize")) if lfs else None,
                )
            )
        return cls(
            id=data.get("id") or data.get("modelId") or "",
            sha=data.get("sha"),
            private=bool(data.get("private", False)),
            gated=data.get("gated", False),
            disabled=bool(data.get("disabled", False)),
            siblings=siblings,
            card_data=dict(data.get("cardData") or {}),
            last_modified=data.get("lastModified"),
            tags=list(data.get("tags") or []),
            downloads=data.get("downloads"),
            likes=data.get("likes"),
            raw=data,
        )


DatasetInfo = RepoInfo
ModelInfo = RepoInfo


@dataclass(frozen=True)
class GitRefInfo:
    """One branch, tag, conversion or pull-request ref and the commit it points to."""

    name: str
    ref: str
    target_commit: str


@dataclass(frozen=True)
class GitRefs:
    """Refs of a repo (``list_repo_refs``); ``refs/convert/parquet`` is under ``converts``."""

    branches: list[GitRefInfo]
    converts: list[GitRefInfo]
    tags: list[GitRefInfo]
    pull_requests: list[GitRefInfo] | None = None
