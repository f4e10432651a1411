"""The registry's entry type and lookup: what the library knows about each dataset the cookbook recipes load.

An entry is plain data (repo id, configs, splits, defaults, the columns a recipe reads, the normaliser, the
recipes using it), so ``list()`` and ``info()`` answer offline without touching the Hub. The entries
themselves are in :mod:`crucible_torch.cookbook.catalog`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Skip:
    """Rows a recipe drops on purpose (ties, malformed transcripts): ``keep(row)`` says which stay, ``reason``
    what is dropped. Loading counts and reports the dropped rows; ``load(..., skip=False)`` keeps them all."""

    reason: str
    keep: Callable[[Mapping[str, Any]], bool]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class DatasetEntry:
    """One registered dataset.

    ``configs`` are the repo's config names in Hub order; ``default_config`` is what ``load`` uses without
    ``config``; ``splits`` are the default config's splits. ``concat`` maps a split to the configs whose rows
    are concatenated for it (an "all subjects" entry), in which case ``config`` cannot be chosen. ``columns``
    are the raw columns the recipes read; ``normaliser(row)`` returns an ``example_type`` (None: rows stay raw).
    ``label_column`` names the ``ClassLabel`` whose names a vision normaliser gets. ``data_files`` is passed to
    ``load_dataset`` as is (a repo read through one file).
    """

    name: str
    repo_id: str
    configs: tuple[str, ...]
    default_config: str | None
    splits: tuple[str, ...]
    default_split: str
    columns: tuple[str, ...]
    normaliser: Callable[..., Any] | None
    example_type: type | None
    recipes: tuple[str, ...]
    streaming: bool = False
    gated: bool = False
    skip: Skip | None = None
    concat: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    label_column: str | None = None
    data_files: str | None = None

    def __post_init__(self) -> None:
        if self.default_split not in self.splits:
            raise ValueError(f"{self.name}: default split {self.default_split!r} not in {self.splits}")
        if self.default_config is not None and self.default_config not in self.configs:
            raise ValueError(f"{self.name}: default config {self.default_config!r} not in {self.configs}")
        if (self.normaliser is None) != (self.example_type is None):
            raise ValueError(f"{self.name}: a normaliser and its example type go together")

    def summary(self) -> str:
        """One line: name, repo, configs, splits and what rows become."""
        configs = f"{len(self.configs)} configs" if len(self.configs) > 3 else ", ".join(self.configs)
        kind = self.example_type.__name__ if self.example_type else "raw rows"
        flags = "".join((" streaming" if self.streaming else "", " gated" if self.gated else ""))
        return f"{self.name}: {self.repo_id} [{configs}] {'/'.join(self.splits)} -> {kind}{flags}"


def _catalog() -> dict[str, DatasetEntry]:
    from .catalog import ENTRIES

    return {entry.name: entry for entry in ENTRIES}


def names() -> list[str]:
    """The registered dataset names, in catalog order."""
    return [*_catalog()]


def info(name: str) -> DatasetEntry:
    """The entry registered as ``name`` (or under a repo id, when one entry has it), offline."""
    catalog = _catalog()
    if name in catalog:
        return catalog[name]
    by_repo = [e for e in catalog.values() if e.repo_id == name]
    if len(by_repo) == 1:
        return by_repo[0]
    if by_repo:
        raise KeyError(f"{name!r} is registered under several names: {[e.name for e in by_repo]}; pass one of them")
    raise KeyError(f"no registered dataset {name!r}; known: {sorted(catalog)}")
