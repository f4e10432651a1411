"""A standalone Hugging Face Hub client on ``requests`` (no torch, no pyarrow) and a local Hub server.

The data loader calls :func:`resolve_repo` once per (repo, revision) and then ``RepoSnapshot.download`` /
``RepoSnapshot.url`` + :class:`RemoteFile`. The huggingface_hub-named functions (``hf_hub_download``,
``snapshot_download``, ``list_repo_tree``, ...) share the same cache layout as huggingface_hub, so files
downloaded by either library are reused by the other. :class:`~crucible_torch.hub.server.HubServer`
(imported from ``crucible_torch.hub.server``) serves directories as a Hub for tests and mirrors.
"""

from .api import (
    dataset_info,
    get_paths_info,
    list_repo_files,
    list_repo_refs,
    list_repo_tree,
    model_info,
    repo_info,
)
from .cache import CACHED_NO_EXIST, try_to_load_from_cache
from .cache_scan import (
    CachedFile,
    CachedRepo,
    CachedRevision,
    CacheInfo,
    delete_repo,
    delete_revision,
    scan_cache,
)
from .download import hf_hub_download
from .errors import (
    BadRequestError,
    CacheNotFound,
    DisabledRepoError,
    DownloadIntegrityError,
    EntryNotFoundError,
    FileMetadataError,
    GatedRepoError,
    HfHubHTTPError,
    HubError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
    UnsafePathError,
)
from .models import DatasetInfo, GitRefInfo, GitRefs, ModelInfo, RepoFile, RepoFolder, RepoInfo, RepoSibling
from .progress import progress_bar, progress_enabled
from .remote_file import RemoteFile, iter_url_bytes
from .snapshot import RepoSnapshot, resolve_repo, snapshot_download

__all__ = [
    "CACHED_NO_EXIST",
    "BadRequestError",
    "CacheInfo",
    "CacheNotFound",
    "CachedFile",
    "CachedRepo",
    "CachedRevision",
    "DatasetInfo",
    "DisabledRepoError",
    "DownloadIntegrityError",
    "EntryNotFoundError",
    "FileMetadataError",
    "GatedRepoError",
    "GitRefInfo",
    "GitRefs",
    "HfHubHTTPError",
    "HubError",
    "LocalEntryNotFoundError",
    "ModelInfo",
    "OfflineModeIsEnabled",
    "RemoteEntryNotFoundError",
    "RemoteFile",
    "RepoFile",
    "RepoFolder",
    "RepoInfo",
    "RepoSibling",
    "RepoSnapshot",
    "RepositoryNotFoundError",
    "RevisionNotFoundError",
    "UnsafePathError",
    "dataset_info",
    "delete_repo",
    "delete_revision",
    "get_paths_info",
    "hf_hub_download",
    "iter_url_bytes",
    "list_repo_files",
    "list_repo_refs",
    "list_repo_tree",
    "model_info",
    "progress_bar",
    "progress_enabled",
    "repo_info",
    "resolve_repo",
    "scan_cache",
    "snapshot_download",
    "try_to_load_from_cache",
]
