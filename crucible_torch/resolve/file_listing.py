"""The files of a dataset as relative POSIX paths, and glob matching over them with ``datasets`` semantics.

Resolution works on a listing, not on a filesystem, so a local directory and a Hub repository (its
recursive tree) resolve identically. Matching follows what ``datasets`` gets from fsspec (>= 2023.12) plus
its own filters:

- ``*`` matches within one path component, ``**`` (a whole component only) matches any number of
  components, ``?`` one character, ``[0-9]`` / ``[!a]`` character classes; a pattern without wildcards
  names one file;
- hidden files and directories (``.x``) and ``__x`` directories are skipped unless the pattern names as
  many of them (``.*/*``, ``__pycache__/*``);
- ``README.md``, ``config.json``, ``dataset_info.json``, ``dataset_infos.json``, ``dummy_data.zip`` and
  ``dataset_dict.json`` are skipped unless the pattern names that file;
- matches come back sorted by path.

:func:`resolve_local_patterns` applies the same rules to the local filesystem, for ``load_dataset("json",
data_files="path/*.jsonl")`` where patterns are absolute or relative to the current directory.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from crucible_torch.errors import DataFilesNotFoundError

__all__ = [
    "FILES_TO_IGNORE",
    "FileListing",
    "HfUrl",
    "glob_to_regex",
    "has_magic",
    "is_remote_url",
    "glob_local",
    "parse_hf_url",
    "resolve_local_patterns",
]

FILES_TO_IGNORE = frozenset(
    {
        "README.md",
        "config.json",
        "dataset_info.json",
        "dataset_infos.json",
        "dummy_data.zip",
        "dataset_dict.json",
    }
)
_MAGIC_RE = re.compile(r"[*?[]")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def has_magic(pattern: str) -> bool:
    """True when the pattern holds a wildcard (``*``, ``?`` or ``[``)."""
    return _MAGIC_RE.search(pattern) is not None


def is_remote_url(path: str) -> bool:
    """True for ``scheme://...`` paths (``https://``, ``hf://``, ``s3://``), which are routed, not globbed."""
    return _URL_RE.match(path) is not None


def _class_to_regex(body: str) -> str:
    """Translate the inside of a ``[...]`` glob class to a regex class body (fnmatch rules, hyphen ranges)."""
    negate = body.startswith("!")
    if "-" not in body:
        out = body.replace("\\", "\\\\")
    else:
        chunks: list[str] = []
        start = 0
        pos = body.find("-", 2 if negate else 1)
        while pos >= 0:
            chunks.append(body[start:pos])
            start = pos + 1
            pos = body.find("-", pos + 3)
        if body[start:]:
            chunks.append(body[start:])
        else:
            chunks[-1] += "-"
        for k in range(len(chunks) - 1, 0, -1):  # a range like z-a is empty: drop it
            if chunks[k - 1][-1] > chunks[k][0]:
                chunks[k - 1] = chunks[k - 1][:-1] + chunks[k][1:]
                del chunks[k]
        out = "-".join(c.replace("\\", "\\\\").replace("-", "\\-") for c in chunks)
    out = re.sub(r"([&~|])", r"\\\1", out)
    if not out:
        return "(?!)"
    if out == "!":
        return "."
    if out[0] == "!":
        return f"[^{out[1:]}]"
    if out[0] in "^[":
        return f"[\\{out}]"
    return f"[{out}]"


def _glob_tokens(part: str) -> Iterator[tuple[str, str]]:
    """Split one path component into ``("*", "")``, ``("?", "")``, ``("[]", class body)`` and ``("", char)``.

    An unterminated ``[`` is an ordinary character (fnmatch rules).
    """
    i, n = 0, len(part)
    while i < n:
        c = part[i]
        i += 1
        if c in "*?":
            yield c, ""
        elif c == "[":
            j = i + 1 if i < n and part[i] == "!" else i
            j = j + 1 if j < n and part[j] == "]" else j
            while j < n and part[j] != "]":
                j += 1
            if j >= n:
                yield "", c
            else:
                yield "[]", part[i:j]
                i = j + 1
        else:
            yield "", c


def _component_to_regex(part: str) -> str:
    out: list[str] = []
    for kind, text in _glob_tokens(part):
        if kind == "*":
            if not out or out[-1] != "[^/]*":
                out.append("[^/]*")
        elif kind == "?":
            out.append("[^/]")
        elif kind == "[]":
            out.append(_class_to_regex(text))
        else:
            out.append(re.escape(text))
    return "".join(out)


def _required_literal(pattern: str) -> str:
    """The longest run of literal characters in one component: text that every match contains."""
    best = ""
    for part in pattern.split("/"):
        run = ""
        for kind, text in _glob_tokens(part):
            run = run + text if not kind else ""
            best = max(best, run, key=len)
    return best


@functools.lru_cache(maxsize=1024)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a glob to a regex over ``/``-separated paths (``**`` must be a whole component)."""
    parts = pattern.split("/")
    last = len(parts) - 1
    out: list[str] = []
    for idx, part in enumerate(parts):
        if part == "*":
            out.append("[^/]+/" if idx < last else "[^/]+")
            continue
        if part == "**":
            out.append("(?:.+/)?" if idx < last else ".*")
            continue
        if "**" in part:
            raise ValueError(
                f"Invalid data files pattern {pattern!r}: '**' can only be an entire path component "
                "(write '**/*.csv', not '**.csv')"
            )
        out.append(_component_to_regex(part))
        if idx < last:
            out.append("/")
    return re.compile(rf"(?s:{''.join(out)})\Z")


def _count_hidden(path: str) -> int:
    return sum(1 for p in path.split("/") if p.startswith(".") and p.strip(".") != "")


def _count_special_dirs(path: str) -> int:
    return sum(1 for p in path.split("/")[:-1] if p.startswith("__"))


def _requested_filter(pattern: str) -> Callable[[str], bool]:
    """A predicate keeping the matches of ``pattern`` that are not ignored, hidden or in ``__x`` directories.

    A match is dropped when its file name is in :data:`FILES_TO_IGNORE` (unless the pattern names it), or when
    it has more or fewer hidden parts or ``__x`` directories than the pattern names.
    """
    name = posixpath.basename(pattern)
    ignored = FILES_TO_IGNORE - {name}
    hidden, special = _count_hidden(pattern), _count_special_dirs(pattern)

    def keep(path: str) -> bool:
        if path.rsplit("/", 1)[-1] in ignored:
            return False
        if "__" not in path and not path.startswith(".") and "/." not in path:
            return hidden == 0 and special == 0  # the common case, without splitting the path
        return _count_special_dirs(path) == special and _count_hidden(path) == hidden

    return keep


def _normalize_relative(path: str) -> str:
    path = path.replace("\\", "/") if os.sep == "\\" else path
    norm = posixpath.normpath(path)
    if norm.startswith("/") or norm == ".." or norm.startswith("../"):
        raise ValueError(f"File path {path!r} must be relative to the dataset root and stay inside it")
    return norm


class FileListing:
    """The set of files of a dataset as relative POSIX paths (a repo's recursive tree or a directory walk)."""

    def __init__(self, paths: Iterable[str]) -> None:
        normalized = {_normalize_relative(p) for p in paths}
        normalized.discard(".")
        self._paths: tuple[str, ...] = tuple(sorted(normalized))
        self._set = frozenset(self._paths)
        self._blob = "\n".join(self._paths)

    @classmethod
    def from_paths(cls, paths: Iterable[str]) -> FileListing:
        """A listing from relative paths (e.g. the ``path`` fields of a Hub tree listing)."""
        return cls(paths)

    @classmethod
    def from_directory(cls, path: str | os.PathLike[str]) -> FileListing:
        """Walk a local directory: every regular file (or link to one), without following directory links."""
        root = os.fspath(path)
        if not os.path.isdir(root):
            raise DataFilesNotFoundError(f"Dataset directory {root!r} does not exist or is not a directory")
        found = []
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                full = os.path.join(dirpath, name)
                if os.path.isfile(full):
                    found.append(os.path.relpath(full, root).replace(os.sep, "/"))
        return cls(found)

    @property
    def paths(self) -> tuple[str, ...]:
        """All files, sorted."""
        return self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, path: object) -> bool:
        return path in self._set

    def __repr__(self) -> str:
        return f"FileListing({len(self._paths)} files)"

    def glob(self, pattern: str, base: str = "") -> list[str]:
        """Files matching ``pattern`` (relative to the ``base`` directory), sorted; ``[]`` when none match."""
        return list(self._matches(pattern, base))

    def has_match(self, pattern: str, base: str = "") -> bool:
        """Whether any file matches (stops at the first match)."""
        return next(self._matches(pattern, base), None) is not None

    def _matches(self, pattern: str, base: str) -> Iterator[str]:
        joined = posixpath.join(base, pattern) if base else pattern
        joined = posixpath.normpath(joined) if joined else joined
        if joined.startswith("/") or joined == ".." or joined.startswith("../"):
            return
        if not has_magic(joined):
            if joined in self._set:
                yield joined
            return
        literal = _required_literal(joined)
        if literal not in self._blob:  # no file holds the text every match needs: skip the scan
            return
        regex, keep = glob_to_regex(joined), _requested_filter(joined)
        for path in self._paths:
            if literal in path and regex.match(path) and keep(path):
                yield path


def _walk_local(root: str, max_depth: int | None) -> Iterator[str]:
    """Regular files (or links to files) under ``root``, as POSIX paths, down to ``max_depth`` levels."""
    base_depth = root.rstrip("/").count("/")
    for dirpath, dirs, files in os.walk(root):
        if max_depth is not None and dirpath.rstrip("/").count("/") - base_depth + 1 >= max_depth:
            dirs[:] = []
        for name in files:
            full = os.path.join(dirpath, name)
            if os.path.isfile(full):
                yield full.replace(os.sep, "/")


def _glob_absolute(pattern: str) -> list[str]:
    """Glob an absolute POSIX pattern on the local filesystem with the listing's rules."""
    if not has_magic(pattern):
        return [pattern] if os.path.isfile(pattern) else []
    parts = pattern.split("/")
    fixed = 0
    while fixed < len(parts) - 1 and not has_magic(parts[fixed]):
        fixed += 1
    root = "/".join(parts[:fixed]) or "/"
    if not os.path.isdir(root):
        return []
    depth = None if "**" in pattern else len(parts) - fixed
    regex = glob_to_regex(pattern)
    matches = (p for p in _walk_local(root, depth) if regex.match(p))
    return sorted(filter(_requested_filter(pattern), matches))


def _absolute_pattern(pattern: str, base_dir: str | os.PathLike[str] | None) -> str:
    base = os.path.abspath(os.fspath(base_dir) if base_dir is not None else os.getcwd())
    joined = os.path.join(base, os.path.expanduser(pattern))
    absolute = posixpath.normpath(os.path.abspath(joined).replace(os.sep, "/"))
    return absolute + "/" if pattern.endswith("/") else absolute


def glob_local(pattern: str, base_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Local files matching one pattern (absolute, or relative to ``base_dir`` or the cwd), sorted."""
    return [os.path.normpath(p) for p in _glob_absolute(_absolute_pattern(pattern, base_dir))]


def resolve_local_patterns(patterns: str | Iterable[str], base_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Resolve local glob patterns (absolute or relative to ``base_dir``, default the cwd) to absolute paths.

    Patterns are resolved in order and their matches concatenated (a file matched by two patterns appears
    twice, as in ``datasets``). A pattern without wildcards must name an existing file; a wildcard pattern may
    match nothing, but if all of them together match nothing :class:`DataFilesNotFoundError` is raised.
    Remote URLs (``https://``, ``hf://``) are kept as they are, for the loader to route.
    """
    items = [patterns] if isinstance(patterns, str) else [os.fspath(p) for p in patterns]
    out: list[str] = []
    for pattern in items:
        if is_remote_url(pattern):
            out.append(pattern)
            continue
        found = glob_local(pattern, base_dir)
        if not found and not has_magic(pattern):
            absolute = _absolute_pattern(pattern, base_dir)
            hint = " (it is a directory: use 'dir/**' or data_dir=)" if os.path.isdir(absolute) else ""
            raise DataFilesNotFoundError(f"Unable to find data file {pattern!r} (resolved to {absolute}){hint}")
        out.extend(found)
    if not out:
        where = os.path.abspath(os.fspath(base_dir) if base_dir is not None else os.getcwd())
        raise DataFilesNotFoundError(
            f"No data files match {items!r} (relative to {where}). Check the pattern: '*' stays within "
            "one directory, '**/' crosses directories, and hidden ('.x') or '__x' directories must be named."
        )
    return out


@dataclass(frozen=True)
class HfUrl:
    """A parsed ``hf://datasets/owner/name[@revision][/path]`` URL."""

    repo_id: str
    revision: str | None
    path: str
    repo_type: str = "dataset"


_SPECIAL_REF_RE = re.compile(r"^refs/(?:convert/[^/]+|pr/\d+)")


def parse_hf_url(url: str) -> HfUrl:
    """Split an ``hf://datasets/...`` URL into repo id, revision (``None`` = default branch) and path.

    The revision may be percent-encoded (``refs%2Fconvert%2Fparquet``) or a raw ``refs/convert/...`` /
    ``refs/pr/N`` ref; a one-component repo id is recognised when the revision follows it (``squad@main``).
    """
    prefix = "hf://datasets/"
    if not url.startswith(prefix):
        raise ValueError(f"Not a Hub dataset URL: {url!r}; expected 'hf://datasets/owner/name[@revision]/path'")
    components = url[len(prefix) :].split("/")
    if "@" in components[0]:
        repo_len = 1
    elif len(components) >= 2 and components[0] and components[1]:
        repo_len = 2
    else:
        raise ValueError(f"Hub dataset URL {url!r} does not name a repository 'owner/name'")
    repo_id, at, revision_head = "/".join(components[:repo_len]).partition("@")
    rest = components[repo_len:]
    if not at:
        return HfUrl(repo_id, None, "/".join(rest))
    tail = "/".join([revision_head, *rest])
    special = _SPECIAL_REF_RE.match(tail)
    if special:
        revision, path = special.group(0), tail[special.end() :].lstrip("/")
    else:
        revision, _, path = tail.partition("/")
        revision = unquote(revision)
    if not revision:
        raise ValueError(f"Hub dataset URL {url!r} has an empty revision after '@'")
    return HfUrl(repo_id, revision, path)
