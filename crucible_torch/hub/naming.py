"""Names on the Hub and on disk: repo ids, commits, blob ids, safe relative file names, URLs, cache folders.

Remote file names, commits and etags (response headers, tree listings) and names from repo cards end up
joined onto local directories, so anything that could escape them (``..`` segments, separators, absolute or
drive paths, NUL) is refused here, before anything is written. A commit is accepted only as 40 lowercase hex
characters and a blob id (etag) only as 40 (git sha1) or 64 (sha256) hex characters.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from . import config
from .errors import UnsafePathError

COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
BLOB_ID_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_DRIVE = re.compile(r"^[A-Za-z]:")
# Characters `datasets` refuses in config names and fingerprints (naming.INVALID_WINDOWS_CHARACTERS_IN_PATH).
WINDOWS_RESERVED = "<>:/\\|?*"
_REPO_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def is_commit(revision: str | None) -> bool:
    """Whether ``revision`` is a full 40-hex commit sha (immutable, so cacheable forever)."""
    return bool(revision) and COMMIT_RE.fullmatch(revision) is not None


def is_blob_id(value: str | None) -> bool:
    """Whether ``value`` can name a blob: a git sha1 (40 hex) or a sha256 (64 hex), lowercase."""
    return isinstance(value, str) and BLOB_ID_RE.fullmatch(value) is not None


def check_commit(value: object, what: str) -> str:
    """``value`` if it is a 40-hex commit, else :class:`UnsafePathError` naming ``what`` (header and repo)."""
    if isinstance(value, str) and COMMIT_RE.fullmatch(value):
        return value
    raise UnsafePathError(
        f"Refusing {what} {value!r}: a commit must be 40 lowercase hex characters. Nothing was written; the "
        "endpoint (HF_ENDPOINT, a mirror or a proxy) is not answering like the Hugging Face Hub."
    )


def check_blob_id(value: object, what: str) -> str:
    """``value`` if it is a 40- or 64-hex blob id, else :class:`UnsafePathError` naming ``what``."""
    if is_blob_id(value):  # type: ignore[arg-type]
        return value  # type: ignore[return-value]
    raise UnsafePathError(
        f"Refusing {what} {value!r}: a blob id must be a git sha1 (40 hex) or a sha256 (64 hex). Nothing was "
        "written; the endpoint (HF_ENDPOINT, a mirror or a proxy) is not answering like the Hugging Face Hub."
    )


def unsafe_component_reason(name: object) -> str | None:
    """Why ``name`` cannot be one path component (a folder or file name), or ``None`` if it can."""
    if not isinstance(name, str) or not name:
        return "it is empty"
    if "\x00" in name:
        return "it contains a NUL byte"
    if name in (".", ".."):
        return f"it is {name!r}"
    bad = sorted({c for c in name if c in WINDOWS_RESERVED})
    if bad:
        return f"it contains {''.join(bad)!r} (path separators and characters Windows refuses)"
    return None


def safe_path_component(name: str, what: str) -> str:
    """``name`` if it can be used as one file or folder name, else :class:`UnsafePathError` naming ``what``.

    Refused: empty, ``.``/``..``, NUL, separators and the characters ``datasets`` refuses in config names
    (``<>:/\\|?*``, which also rules out drive paths).
    """
    reason = unsafe_component_reason(name)
    if reason:
        raise UnsafePathError(f"Refusing {what} {name!r} as a file or folder name: {reason}.")
    return name


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
        _REPO_PART.fullmatch(p) and ".." not in p and "--" not in p and not p.endswith(".") for p in parts
    )
    if not ok:
        raise UnsafePathError(
            f"Invalid repo id {repo_id!r}: expected 'owner/name' made of letters, digits, '.', '_' and '-' "
            "(no '..' or '--')."
        )
    return repo_id


def unsafe_relative_reason(name: object, *, strict: bool = True) -> str | None:
    """Why ``name`` is not a '/'-separated path that stays inside its directory, or ``None`` if it is.

    Always refused: empty, NUL, backslash, absolute or drive paths, ``..`` segments. ``strict`` (names joined
    verbatim, like remote file names) also refuses empty and ``.`` segments; otherwise (patterns and folders
    from a dataset card, e.g. ``data/`` or ``./train-*``) those are allowed but a leading ``~`` is refused,
    since a pattern starting with it would be expanded to a home directory.
    """
    if not isinstance(name, str) or not name:
        return "it is empty"
    if "\x00" in name:
        return "it contains a NUL byte"
    if "\\" in name:
        return "it contains a backslash"
    if name.startswith("/") or _DRIVE.match(name):
        return "it is an absolute or drive path"
    parts = name.split("/")
    if strict and any(part in ("", ".", "..") for part in parts):
        return "it has an empty, '.' or '..' segment"
    if ".." in parts:
        return "it has a '..' segment"
    if not strict and name.startswith("~"):
        return "it starts with '~' (a home directory)"
    return None


def safe_relative_path(name: str, what: str = "remote file name") -> str:
    """Return ``name`` if it is a safe '/'-separated relative path, else raise :class:`UnsafePathError`."""
    reason = unsafe_relative_reason(name)
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
