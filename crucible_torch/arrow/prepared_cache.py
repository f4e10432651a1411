"""The prepared-data cache on disk: its layout, and listing, checking and deleting what it holds.

```
{root}/{cache name}/{config}/{fingerprint}/{split}.arrow   a prepared split (+ cache-{fp}.arrow map results)
{root}/generator/{fingerprint}/generator-{split}.arrow     Dataset.from_generator
{root}/streaming_units/{key}.json                          counted streaming plans of files
```

The cache name is ``owner___name`` for a Hub repo, ``local___{dir}`` for a local directory, or the builder
name for data files. A fingerprint covers the source files' identities (commit and blob ids for Hub files),
so a newer commit gets a new directory and the old one is only reclaimed by age: ``last_used`` is the latest
access or modification time of its files (access times may be coarse, as with ``relatime`` mounts).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

GENERATOR_DIR = "generator"
STREAMING_PLANS_DIR = "streaming_units"
HUB_SEPARATOR = "___"
LOCAL_PREFIX = "local___"


def prepared_split_dir(root: Path, cache_name: str, config: str, fingerprint: str) -> Path:
    """The directory of one prepared split (and the ``map`` results derived from it)."""
    return root / cache_name / config / fingerprint


@dataclass(frozen=True)
class PreparedEntry:
    """One fingerprint directory (or one streaming plan file) of the prepared cache."""

    cache_name: str
    config: str | None
    path: Path
    splits: tuple[str, ...]
    num_files: int
    size: int
    last_used: float
    temp_files: tuple[Path, ...] = ()

    @property
    def cache_id(self) -> str:
        """``dataset/owner/name`` for a Hub repo (the id ``hf cache`` gives it), else a readable name."""
        if self.cache_name == STREAMING_PLANS_DIR:
            return "streaming plans"
        if self.cache_name.startswith(LOCAL_PREFIX):
            return f"local/{self.cache_name[len(LOCAL_PREFIX) :]}"
        if HUB_SEPARATOR in self.cache_name:
            return "dataset/" + self.cache_name.replace(HUB_SEPARATOR, "/", 1)
        return self.cache_name

    def arrow_files(self) -> list[Path]:
        return sorted(self.path.glob("*.arrow")) if self.path.is_dir() else []


def hub_cache_name(repo_id: str) -> str:
    """The cache name of a Hub dataset repo (as the loader names it)."""
    return repo_id.replace("/", HUB_SEPARATOR)


def _is_temp(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".incomplete")


def _entry(cache_name: str, config: str | None, path: Path) -> PreparedEntry:
    files = [p for p in (path.iterdir() if path.is_dir() else [path]) if p.is_file()]
    done = [p for p in files if not _is_temp(p)]
    stats = {p: p.stat() for p in files}
    arrow = [p for p in done if p.suffix == ".arrow" and not p.name.startswith("cache-")]  # cache-*: map results
    names = [p.stem.removeprefix("generator-") for p in arrow]
    last_used = max((max(s.st_atime, s.st_mtime) for s in stats.values()), default=path.stat().st_mtime)
    return PreparedEntry(
        cache_name,
        config,
        path,
        tuple(sorted(names)),
        len(done),
        sum(s.st_size for s in stats.values()),
        last_used,
        tuple(sorted(p for p in files if _is_temp(p))),
    )


def scan_prepared(root: str | os.PathLike[str]) -> list[PreparedEntry]:
    """Every prepared split directory, generator output and streaming plan under ``root`` (``[]`` if none)."""
    root = Path(root)
    entries: list[PreparedEntry] = []
    if not root.is_dir():
        return entries
    for top in sorted(p for p in root.iterdir() if p.is_dir()):
        if top.name == STREAMING_PLANS_DIR:
            entries += [_entry(top.name, None, p) for p in sorted(top.glob("*.json"))]
        elif top.name == GENERATOR_DIR:
            entries += [_entry(top.name, None, p) for p in sorted(top.iterdir()) if p.is_dir()]
        else:
            for config in sorted(p for p in top.iterdir() if p.is_dir()):
                entries += [_entry(top.name, config.name, p) for p in sorted(config.iterdir()) if p.is_dir()]
    return entries


def verify_prepared(entry: PreparedEntry) -> list[tuple[Path, str]]:
    """``(file, reason)`` for each Arrow file of ``entry`` that does not read back as a valid Arrow stream."""
    bad = []
    for path in entry.arrow_files():
        if _is_temp(path):
            continue
        try:
            with pa.memory_map(str(path)) as source:
                for batch in pa.ipc.open_stream(source):
                    batch.validate(full=True)
        except (pa.ArrowException, OSError) as exc:
            bad.append((path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    return bad


def delete_prepared(entries: list[PreparedEntry]) -> int:
    """Remove the entries' directories (or plan files) and empty parents; return the bytes freed."""
    freed = 0
    for entry in entries:
        if entry.path.is_dir():
            shutil.rmtree(entry.path, ignore_errors=True)
        elif entry.path.exists():
            entry.path.unlink()
        else:
            continue
        freed += entry.size
        levels = (entry.path.parent, entry.path.parent.parent) if entry.config is not None else (entry.path.parent,)
        for parent in levels:
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
    return freed
