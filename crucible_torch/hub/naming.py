"""Names on the Hub and on disk: repo ids, safe relative file names, URLs and cache folder names.

Remote file names end up joined onto local directories, so anything that could escape them (``..``
segments, absolute or drive paths, backslashes, NUL) is refused here, before anything is written.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from . import config
from .errors import UnsafePathError

COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
_REPO_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def is_commit(revision: str | None) -> bool:
    """Whether ``revision`` is a full 40-hex commit sha (immutable, so cacheable forever)."""
    return bool(revision) and COMMIT_RE.match(revision) is not None


def repo_type_or_default(repo_type: str | None, default: str) -> str:
    """Validate a repo type (``None`` means ``default``)."""
    repo_type = default if repo_type is None else repo_type
    if repo_type not in config.REPO_TYPES:
        raise ValueError(f"Invalid repo_type {repo_type!r}; expected one of {', '.join(config.REPO_TYPES)}")
    return repo_type


def validate_repo_id(repo_id: str) -> str:
    """Refuse repo ids other than ``name`` or ``owner/name`` of letters, digits, ``.``, ``_``, ``-``."""
    parts = repo_id.split("/") if isinstance(repo_id, str) else []
    ok = 1 <= len(parts) <= 2 and all(
        _REPO_PART.match(p) and ".." not in p and "--" not in p and not p.endswith(".") for p in parts
    )
    if not ok:
        raise UnsafePathError(
            f"Invalid repo id {repo_id!r}: expected 'owner/name' made of letters, digits, '.', '_' and '-' "
            "(no '..' or '--')."
        )
    return repo_id


def safe_relative_path(name: str, what: str = "remote file name") -> str:
    """Return ``name`` if it is a safe '/'-separated relative path, else raise :class:`UnsafePathError`."""
    reason = None
    if not isinstance(name, str) or not name:
        reason = "it is empty"
    elif "\x00" in name:
        reason = "it contains a NUL byte"
    elif "\\" in name:
        reason = "it contains a backslash"
    elif name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        reason = "it is an absolute or drive path"
    elif any(part in ("", ".", "..") for part in name.split("/")):
        reason = "it has an empty, '.' or '..' segment"
    if reason:
        raise UnsafePathError(f"Refusing {what} {name!r}: {reason}; it could write outside its directory.")
    return name


def repo_folder_name(repo_id: str, repo_type: str) -> str:
    """The cache folder of a repo, as huggingface_hub names it: ``datasets--owner--name``."""
    return "--".join([f"{repo_type}s", *repo_id.split("/")])


def api_url(endpoint: str, repo_type: str, repo_id: str, *parts: str) -> str:
    """``{endpoint}/api/{type}s/{repo_id}/{parts...}``; parts must already be quoted."""
    return "/".join([f"{endpoint}/api/{repo_type}s/{repo_id}", *parts])


def quote_revision(revision: str) -> str:
    """Revisions are one URL segment: ``refs/convert/parquet`` becomes ``refs%2Fconvert%2Fparquet``."""
    return quote(revision, safe="")


def resolve_url(endpoint: str, repo_type: str, repo_id: str, revision: str, path: str) -> str:
    """The ``/resolve/`` URL of a file, as ``huggingface_hub.hf_hub_url`` builds it."""
    prefix = "" if repo_type == "model" else f"{repo_type}s/"
    return f"{endpoint}/{prefix}{repo_id}/resolve/{quote_revision(revision)}/{quote(path)}"
