"""From a dataset's file listing and card to configs, splits and their data files, as ``datasets`` does it.

Resolution order (``load.py``): the user's ``data_files``; else, without ``data_dir``, the chosen YAML
config's ``data_files`` (joined to its ``data_dir``); else the default split patterns under ``data_dir``.
The default patterns are tried group by group and the first group that matches anything wins: sharded
``data/{split}-00000-of-00002.parquet`` files (any split name, ordered train, validation, test, then the
rest sorted), ``*.eval`` logs, Harbor task files, split keywords in directory names, split keywords in file
names, and finally everything as ``train``. Everything works on a :class:`FileListing`, so a local
directory and a Hub repository resolve identically; the loader joins the returned relative paths to the
directory or repo.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crucible_torch.errors import ConfigNotFoundError, DataFilesNotFoundError, DatasetScriptError
from crucible_torch.resolve.data_file_types import filter_builder_files, has_allowed_extension, infer_builder
from crucible_torch.resolve.file_listing import (
    FileListing,
    glob_local,
    has_magic,
    is_remote_url,
    resolve_local_patterns,
)
from crucible_torch.resolve.repo_metadata import (
    MetadataConfig,
    config_dataset_info,
    dataset_infos,
    default_config_name,
    metadata_configs,
    split_sizes,
)

__all__ = [
    "ConfigSpec",
    "ResolvedConfig",
    "check_no_dataset_script",
    "config_names",
    "get_data_patterns",
    "resolve_config",
    "resolve_dataset_configs",
    "resolve_local_data_files",
    "resolve_patterns",
    "sanitize_patterns",
]

SPLIT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "train": ("train", "training"),
    "validation": ("validation", "valid", "dev", "val"),
    "test": ("test", "testing", "eval", "evaluation"),
}
DEFAULT_SPLITS = ("train", "validation", "test")
SHARDED_PATTERN = "data/{split}-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*"
# The split is read from a shard's file name with the pattern itself used as a regex (greedy split name).
_SHARD_NAME_RE = re.compile(r"(?P<split>.+)-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*")
_SPLIT_NAME_RE = re.compile(r"^\w+(\.\w+)*$")
_NON_WORD = "-._ 0-9"
_IN_DIR_NAME = ("**/{kw}/**", "**/{kw}[{sep}]*/**", "**/*[{sep}]{kw}/**", "**/*[{sep}]{kw}[{sep}]*/**")
_IN_FILE_NAME = ("**/{kw}[{sep}]*", "**/*[{sep}]{kw}[{sep}]*")


def _keyword_patterns(templates: tuple[str, ...]) -> dict[str, list[str]]:
    return {
        split: [t.format(kw=kw, sep=_NON_WORD) for kw in keywords for t in templates]
        for split, keywords in SPLIT_KEYWORDS.items()
    }


DEFAULT_PATTERN_GROUPS: tuple[dict[str, list[str]], ...] = (
    {"logs": ["**/*.eval"]},
    {"test": ["**/task.toml", "**/instruction.md"]},
    _keyword_patterns(_IN_DIR_NAME),
    _keyword_patterns(_IN_FILE_NAME),
    {"train": ["**"]},
)


def check_no_dataset_script(listing: FileListing, dataset_name: str | None, where: str = "") -> None:
    """Refuse a dataset whose root holds ``{dataset_name}.py``: scripts are not run (``datasets`` >= 4)."""
    if dataset_name and f"{dataset_name}.py" in listing:
        raise DatasetScriptError(
            f"Dataset scripts are no longer supported, but found {dataset_name}.py{_at(where)}. Use a "
            "revision with data files (Parquet/JSON/CSV), e.g. the Hub's 'refs/convert/parquet' branch, or "
            "convert the data once with the script and load the files."
        )


def _at(where: str) -> str:
    return f" in {where}" if where else ""


def sanitize_patterns(data_files: Any) -> dict[str, list[str]]:
    """Normalise ``data_files`` (str | list | list of ``{split, path}`` | dict) to ``{split: [patterns]}``."""
    if isinstance(data_files, Mapping):
        return {str(k): list(v) if isinstance(v, (list, tuple)) else [v] for k, v in data_files.items()}
    if isinstance(data_files, (str, os.PathLike)):
        return {"train": [os.fspath(data_files)]}
    items = list(data_files)
    if not any(isinstance(item, Mapping) for item in items):
        return {"train": [os.fspath(item) for item in items]}
    for item in items:
        if not (isinstance(item, Mapping) and set(item) == {"split", "path"} and isinstance(item["path"], (str, list))):
            raise ValueError(
                "Invalid data_files entry: each item must be {'split': <name>, 'path': <pattern or list>}, "
                f"got {item!r}"
            )
    splits = [str(item["split"]) for item in items]
    if len(set(splits)) != len(splits):
        raise ValueError(f"Some splits are duplicated in data_files: {splits}")
    return {str(i["split"]): list(i["path"]) if isinstance(i["path"], list) else [i["path"]] for i in items}


def _script_hint(listing: FileListing) -> str:
    scripts = [p for p in listing if "/" not in p and p.endswith(".py")]
    if not scripts:
        return ""
    return f" It holds {scripts}: dataset scripts are no longer supported; load the data files instead."


def _no_data_error(listing: FileListing, base: str, where: str) -> DataFilesNotFoundError:
    place = f"directory {base!r}" if base else "dataset"
    return DataFilesNotFoundError(f"The {place}{_at(where)} doesn't contain any data files.{_script_hint(listing)}")


def get_data_patterns(listing: FileListing, base: str = "", where: str = "") -> dict[str, list[str]]:
    """The default ``{split: [patterns]}`` (relative to ``base``) of the first pattern group that matches."""
    shards = listing.glob(SHARDED_PATTERN.replace("{split}", "*"), base)
    if shards:
        splits = set()
        for path in shards:
            match = _SHARD_NAME_RE.search(posixpath.basename(path))
            split = match["split"] if match else ""
            if not _SPLIT_NAME_RE.fullmatch(split):
                raise ValueError(
                    f"Split name should match '^\\w+(\\.\\w+)*$' but got {split!r} from {path}{_at(where)}. "
                    "Rename the shard to '{split}-00000-of-00001.<ext>' with a word-like split name."
                )
            splits.add(split)
        ordered = [s for s in DEFAULT_SPLITS if s in splits] + sorted(splits - set(DEFAULT_SPLITS))
        return {split: [SHARDED_PATTERN.format(split=split)] for split in ordered}
    for group in DEFAULT_PATTERN_GROUPS:
        found = [split for split, patterns in group.items() if any(listing.has_match(p, base) for p in patterns)]
        if found:
            return {split: list(group[split]) for split in found}
    raise _no_data_error(listing, base, where)


def _resolve_one(listing: FileListing, pattern: str, base: str, data_only: bool, where: str) -> list[str]:
    if is_remote_url(pattern):
        return [pattern]
    if os.path.isabs(pattern) or pattern.startswith("~"):
        found = glob_local(pattern)
    else:
        found = listing.glob(pattern, base)
    kept = [f for f in found if has_allowed_extension(f)] if data_only else found
    if not kept and not has_magic(pattern):
        joined = posixpath.join(base, pattern) if base else pattern
        if found:
            hint = " with any supported data extension (.parquet, .jsonl, .csv, ...)"
        elif any(p.startswith(posixpath.normpath(joined) + "/") for p in listing):
            hint = f": it is a directory; use '{pattern.rstrip('/')}/**' or data_dir="
        else:
            hint = ""
        raise DataFilesNotFoundError(f"Unable to find data file '{joined}'{_at(where)}{hint}")
    return kept


def resolve_patterns(
    listing: FileListing,
    patterns: Mapping[str, list[str]],
    base: str = "",
    *,
    data_only: bool = False,
    where: str = "",
) -> dict[str, list[str]]:
    """Resolve ``{split: [patterns]}`` against the listing: ``{split: [files]}``, in split order.

    Each split's files are its patterns' matches concatenated in pattern order, each sorted, duplicates kept
    (as in ``datasets``). Files are relative paths of the listing; absolute patterns resolve on the local
    filesystem and URLs are kept verbatim. A pattern without wildcards that names no file raises
    :class:`DataFilesNotFoundError`; a split may come back empty. ``data_only`` drops files without a known
    data-file extension.
    """
    return {
        split: [f for p in split_patterns for f in _resolve_one(listing, p, base, data_only, where)]
        for split, split_patterns in patterns.items()
    }


def _normalize_data_dir(data_dir: str | None) -> str:
    if not data_dir:
        return ""
    if os.path.isabs(data_dir) or is_remote_url(data_dir):
        raise ValueError(f"`data_dir` must be relative to the dataset's root, got {data_dir!r}")
    norm = posixpath.normpath(data_dir.replace(os.sep, "/"))
    if norm == ".." or norm.startswith("../"):
        raise ValueError(f"`data_dir` must stay inside the dataset, got {data_dir!r}")
    return "" if norm == "." else norm


@dataclass(frozen=True)
class ConfigSpec:
    """A config of the dataset before resolution: its split patterns relative to ``data_dir``."""

    name: str
    patterns: dict[str, list[str]]
    data_dir: str | None = None
    is_default: bool = False
    builder_kwargs: dict[str, Any] = field(default_factory=dict)
    features_yaml: list[Any] | None = None


@dataclass(frozen=True)
class ResolvedConfig:
    """The chosen config with each split's data files (relative to the dataset root, unless absolute/URL)."""

    config_name: str
    splits: dict[str, list[str]]
    builder: str
    builder_kwargs: dict[str, Any] = field(default_factory=dict)
    features_yaml: list[Any] | None = None
    split_sizes: dict[str, int] | None = None
    data_dir: str | None = None


def _default_name(configs: list[MetadataConfig], card_data: Mapping[str, Any] | None) -> str | None:
    """The YAML default config, else the only config that ``dataset_info`` describes (datasets' rule)."""
    name = default_config_name(configs)
    infos = dataset_infos(card_data)
    if name is None and len(infos) == 1 and next(iter(infos)) in {c.name for c in configs}:
        name = next(iter(infos))
    return name


def resolve_dataset_configs(
    listing: FileListing,
    card_data: Mapping[str, Any] | None = None,
    dataset_name: str | None = None,
    where: str = "",
) -> list[ConfigSpec]:
    """Every config of the dataset: the card's ``configs:`` in order, or one implicit ``default`` config."""
    check_no_dataset_script(listing, dataset_name, where)
    configs = metadata_configs(card_data, where)
    if not configs:
        return [ConfigSpec("default", get_data_patterns(listing, "", where), is_default=True)]
    default = _default_name(configs, card_data)
    specs = []
    for config in configs:
        base = _normalize_data_dir(config.data_dir)
        if config.data_files is not None:
            patterns = sanitize_patterns(config.data_files)
        else:
            patterns = get_data_patterns(listing, base, f"config {config.name!r}{_at(where)}")
        specs.append(
            ConfigSpec(
                config.name,
                patterns,
                config.data_dir,
                config.name == default,
                dict(config.builder_kwargs),
                config.features_yaml,
            )
        )
    return specs


def config_names(
    listing: FileListing,
    card_data: Mapping[str, Any] | None = None,
    dataset_name: str | None = None,
    where: str = "",
) -> list[str]:
    """Config names as ``get_dataset_config_names`` gives them: the card's configs, else ``["default"]``."""
    return [spec.name for spec in resolve_dataset_configs(listing, card_data, dataset_name, where)]


def _choose_config(
    configs: list[MetadataConfig],
    card_data: Mapping[str, Any] | None,
    name: str | None,
    user_files: bool,
    where: str,
) -> MetadataConfig | None:
    names = [c.name for c in configs] or ["default"]
    if name is not None and name not in names:
        raise ConfigNotFoundError(name, names, where)
    if not configs:
        return None
    default = _default_name(configs, card_data)  # validates: two defaults fail even when a name is given
    chosen = name if name is not None else default
    if chosen is None and not user_files:
        raise ValueError(
            f"Config name is missing{_at(where)}. Please pick one among the available configs: {names}. "
            f"Example: load_dataset(path, {names[0]!r})"
        )
    return next((c for c in configs if c.name == chosen), None)


def resolve_config(
    listing: FileListing,
    card_data: Mapping[str, Any] | None = None,
    name: str | None = None,
    data_dir: str | None = None,
    data_files: Any = None,
    *,
    dataset_name: str | None = None,
    where: str = "",
    archive_members: Callable[[str], list[str]] | None = None,
) -> ResolvedConfig:
    """Choose a config and resolve its splits to files, the builder, its kwargs, features and split sizes.

    ``where`` names the dataset in error messages (a path, or ``repo@revision``); ``dataset_name`` (the
    directory or repo name) enables the ``{name}.py`` script check. YAML ``dataset_info`` (features, split
    sizes) is used only without ``data_dir``/``data_files``, as ``datasets`` does.
    """
    check_no_dataset_script(listing, dataset_name, where)
    configs = metadata_configs(card_data, where)
    base = _normalize_data_dir(data_dir)
    user_files = data_files is not None or bool(data_dir)
    chosen = _choose_config(configs, card_data, name, user_files, where)
    config_name = chosen.name if chosen is not None else "default"

    builder_filter = True
    if data_files is not None:
        patterns = sanitize_patterns(data_files)
    elif data_dir or chosen is None:
        patterns = get_data_patterns(listing, base, where)
    else:
        base = _normalize_data_dir(chosen.data_dir)
        if chosen.data_files is not None:
            patterns = sanitize_patterns(chosen.data_files)
        else:
            patterns = get_data_patterns(listing, base, f"config {chosen.name!r}{_at(where)}")
        builder_filter = False
    splits = resolve_patterns(listing, patterns, base, data_only=True, where=where)
    empty = [split for split, files in splits.items() if not files]
    if empty:
        shown = {split: patterns[split] for split in empty}
        raise DataFilesNotFoundError(
            f"No data files{_at(where)} for split(s) {empty} of config {config_name!r}: {shown} match no "
            f"file with a supported extension{' under ' + repr(base) if base else ''}.{_script_hint(listing)}"
        )
    builder, builder_kwargs = infer_builder(splits, where, archive_members)
    if data_files is not None and not base:
        splits = resolve_patterns(listing, patterns, where=where)  # the user's patterns, unfiltered
    elif builder_filter:
        splits = {split: filter_builder_files(files, builder) for split, files in splits.items()}

    features = chosen.features_yaml if chosen is not None else None
    info = None if user_files else config_dataset_info(card_data, config_name)
    if features is None and info is not None and info.get("features") is not None:
        features = info["features"]
    return ResolvedConfig(
        config_name=config_name,
        splits=splits,
        builder=builder,
        builder_kwargs={**builder_kwargs, **(chosen.builder_kwargs if chosen is not None else {})},
        features_yaml=features,
        split_sizes=split_sizes(info),
        data_dir=base or None,
    )


def resolve_local_data_files(
    data_files: Any = None, data_dir: str | os.PathLike[str] | None = None, base_dir: str | None = None
) -> dict[str, list[str]]:
    """Data files of a packaged builder (``load_dataset("json", data_files=..., data_dir=...)``), absolute.

    Patterns are relative to ``data_dir`` when given, else to ``base_dir`` (default: the current directory).
    With only ``data_dir``, the default split patterns are applied to that directory.
    """
    root = os.path.abspath(os.fspath(data_dir) if data_dir else (base_dir or os.getcwd()))
    if data_files is None:
        if not data_dir:
            raise ValueError("Please specify the data files or data directory to load, e.g. data_files='data/*.jsonl'")
        listing = FileListing.from_directory(root)
        patterns = get_data_patterns(listing, "", root)
        relative = resolve_patterns(listing, patterns, where=root)
        return {split: [os.path.join(root, *f.split("/")) for f in files] for split, files in relative.items()}
    return {split: resolve_local_patterns(p, root) for split, p in sanitize_patterns(data_files).items()}
