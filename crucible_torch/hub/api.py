"""Hub metadata endpoints: repo info, tree listing (paginated), paths-info, refs.

Each function makes the requests huggingface_hub makes for the same call (section 1 of the protocol
notes), with retries, and raises the huggingface_hub-named errors naming repo and revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from . import config, http
from .errors import HfHubHTTPError, Target, raise_for_status
from .models import GitRefInfo, GitRefs, RepoFile, RepoFolder, RepoInfo
from .naming import api_url, quote_revision, repo_type_or_default, validate_repo_id


def _context(
    repo_id: str, repo_type: str | None, revision: str | None, token: str | bool | None, endpoint: str | None
) -> tuple[str, str, dict[str, str], Target]:
    validate_repo_id(repo_id)
    repo_type = repo_type_or_default(repo_type, "model")
    endpoint = (endpoint or config.endpoint()).rstrip("/")
    headers = http.auth_headers(config.get_token(token))
    return repo_type, endpoint, headers, Target(repo_id, repo_type, revision, None, endpoint)


def get_json(
    method: str, url: str, headers: dict[str, str], target: Target, *, params: Any = None, data: Any = None
) -> tuple[Any, Any]:
    """One metadata request: returns (decoded JSON, response); raises the mapped error."""
    response = http.send(method, url, headers=headers, params=params, data=data, timeout=config.etag_timeout())
    raise_for_status(response, target)
    try:
        return response.json(), response
    except ValueError as e:
        raise HfHubHTTPError(
            f"{target.describe()}: the Hub answered {url} with a body that is not JSON", response
        ) from e


def paginate(url: str, headers: dict[str, str], target: Target, params: Any = None) -> Iterator[dict[str, Any]]:
    """Items of a paginated listing, following ``Link: <...>; rel="next"`` until it disappears."""
    while url:
        items, response = get_json("GET", url, headers, target, params=params)
        yield from items
        url = response.links.get("next", {}).get("url")
        params = None  # the next URL already carries the query


def repo_info(
    repo_id: str,
    *,
    repo_type: str | None = None,
    revision: str | None = None,
    token: str | bool | None = None,
    files_metadata: bool = False,
    endpoint: str | None = None,
) -> RepoInfo:
    """Info of a repo at a revision (``sha`` is the resolved commit; ``card_data`` is the README YAML)."""
    repo_type, endpoint, headers, target = _context(repo_id, repo_type, revision, token, endpoint)
    parts = ["revision", quote_revision(revision)] if revision is not None else []
    params = {"blobs": True} if files_metadata else None
    data, _ = get_json("GET", api_url(endpoint, repo_type, repo_id, *parts), headers, target, params=params)
    return RepoInfo.from_api(data)


def dataset_info(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | bool | None = None,
    files_metadata: bool = False,
    endpoint: str | None = None,
) -> RepoInfo:
    """:func:`repo_info` of a dataset repo."""
    return repo_info(
        repo_id,
        repo_type="dataset",
        revision=revision,
        token=token,
        files_metadata=files_metadata,
        endpoint=endpoint,
    )


def model_info(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | bool | None = None,
    files_metadata: bool = False,
    endpoint: str | None = None,
) -> RepoInfo:
    """:func:`repo_info` of a model repo."""
    return repo_info(
        repo_id,
        repo_type="model",
        revision=revision,
        token=token,
        files_metadata=files_metadata,
        endpoint=endpoint,
    )


def _entry(item: dict[str, Any]) -> RepoFile | RepoFolder:
    if item.get("type") == "directory":
        return RepoFolder(path=item["path"], tree_id=item.get("oid", ""))
    return RepoFile.from_api(item)


def list_repo_tree(
    repo_id: str,
    path_in_repo: str | None = None,
    *,
    recursive: bool = False,
    expand: bool = False,
    revision: str | None = None,
    repo_type: str | None = None,
    token: str | bool | None = None,
    endpoint: str | None = None,
) -> Iterator[RepoFile | RepoFolder]:
    """Files and folders under ``path_in_repo`` (the root by default), lazily, one page at a time."""
    revision = revision or config.DEFAULT_REVISION
    repo_type, endpoint, headers, target = _context(repo_id, repo_type, revision, token, endpoint)
    parts = ["tree", quote_revision(revision)]
    if path_in_repo:
        parts.append(quote(path_in_repo.strip("/"), safe=""))
    url = api_url(endpoint, repo_type, repo_id, *parts)
    params = {"recursive": str(bool(recursive)).lower(), "expand": str(bool(expand)).lower()}
    for item in paginate(url, headers, target, params):
        yield _entry(item)


def list_repo_files(
    repo_id: str,
    *,
    revision: str | None = None,
    repo_type: str | None = None,
    token: str | bool | None = None,
    endpoint: str | None = None,
) -> list[str]:
    """Paths of every file of the repo at ``revision`` (one recursive, paginated tree listing)."""
    entries = list_repo_tree(
        repo_id, recursive=True, revision=revision, repo_type=repo_type, token=token, endpoint=endpoint
    )
    return [e.path for e in entries if isinstance(e, RepoFile)]


def get_paths_info(
    repo_id: str,
    paths: str | Iterable[str],
    *,
    expand: bool = False,
    revision: str | None = None,
    repo_type: str | None = None,
    token: str | bool | None = None,
    endpoint: str | None = None,
) -> list[RepoFile | RepoFolder]:
    """Info of the given paths in one POST; paths that do not exist are silently left out (as on the Hub)."""
    revision = revision or config.DEFAULT_REVISION
    repo_type, endpoint, headers, target = _context(repo_id, repo_type, revision, token, endpoint)
    paths = [paths] if isinstance(paths, str) else list(paths)
    url = api_url(endpoint, repo_type, repo_id, "paths-info", quote_revision(revision))
    data = {"paths": paths, "expand": str(bool(expand)).lower()}
    items, _ = get_json("POST", url, headers, target, data=data)
    return [_entry(item) for item in items]


def list_repo_refs(
    repo_id: str,
    *,
    repo_type: str | None = None,
    include_pull_requests: bool = False,
    token: str | bool | None = None,
    endpoint: str | None = None,
) -> GitRefs:
    """Branches, tags, conversions (``refs/convert/parquet``) and, if asked, pull requests of a repo."""
    repo_type, endpoint, headers, target = _context(repo_id, repo_type, None, token, endpoint)
    params = {"include_prs": 1} if include_pull_requests else None
    data, _ = get_json("GET", api_url(endpoint, repo_type, repo_id, "refs"), headers, target, params=params)

    def refs(key: str) -> list[GitRefInfo]:
        return [GitRefInfo(r["name"], r["ref"], r["targetCommit"]) for r in data.get(key) or []]

    return GitRefs(
        branches=refs("branches"),
        converts=refs("converts"),
        tags=refs("tags"),
        pull_requests=refs("pullRequests") if include_pull_requests else None,
    )
