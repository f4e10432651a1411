"""A dataset card's metadata: the YAML front matter of README.md (plus ``.huggingface.yaml``) as plain data.

The card's ``configs:`` list declares the dataset's configs (their data files, ``data_dir``, builder kwargs
such as ``sep`` and an optional ``features`` schema) and ``dataset_info:`` its features and split sizes, per
config.
The rules are those of ``datasets`` (``utils/metadata.py::MetadataConfigs``, ``info.py::DatasetInfosDict``):
the default config is the only one, else the one named ``default``, else the one marked ``default: true``, and
two defaults are an error. A card is written by whoever controls the repo, and its config names become cache
folder names and its ``data_dir``/``data_files`` are resolved against the dataset, so a config name that is not
one file name (``datasets``' rule, plus ``.``/``..``/NUL) or a path that leaves the dataset (absolute, drive,
``..``, ``~``, backslash, NUL) is a :class:`~crucible_torch.errors.DatasetCardError` naming field and value.
Features come back in the ``Features.to_dict()`` form (``{"text": {"dtype": "string", "_type": "Value"}}``),
ready for ``Features.from_dict``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import DatasetCardError
from ..hub.naming import unsafe_component_reason, unsafe_relative_reason
from .file_listing import is_remote_url

__all__ = [
    "MetadataConfig",
    "config_dataset_info",
    "dataset_infos",
    "default_config_name",
    "load_card_data",
    "metadata_configs",
    "parse_front_matter",
    "read_card_data",
    "split_sizes",
]

_FRONT_MATTER_RE = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
_SPLIT_NAME_RE = re.compile(r"^\w+(\.\w+)*$")
_RESERVED_KEYS = frozenset({"config_name", "data_files", "data_dir", "default", "features", "version", "description"})
_DATA_FILES_HELP = """Expected data_files to be a string, a list of strings, or a list of {split, path} dicts:

    data_files: data/*.csv
    data_files: [part0/*, part1/*]
    data_files:
      - split: train
        path: train/*
      - split: test
        path: [test/a/*, test/b/*]

Split names must match \\w+(\\.\\w+)* (no dashes)."""


def parse_front_matter(readme: str, where: str = "README.md") -> dict[str, Any]:
    """The YAML block between ``---`` lines at the top of a card, as a dict (``{}`` when there is none)."""
    match = _FRONT_MATTER_RE.search(readme)
    if match is None:
        return {}
    try:
        data = yaml.safe_load(match.group(2))
    except yaml.YAMLError as err:
        raise ValueError(f"{where}: invalid YAML metadata block: {err}") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{where}: the YAML metadata block must be a mapping, got {type(data).__name__}")
    return data


def load_card_data(readme: str | None, standalone_yaml: str | None = None) -> dict[str, Any]:
    """Card data from README.md text, with top-level keys of ``.huggingface.yaml`` text overriding it."""
    card = parse_front_matter(readme) if readme else {}
    if standalone_yaml:
        try:
            extra = yaml.safe_load(standalone_yaml)
        except yaml.YAMLError as err:
            raise ValueError(f".huggingface.yaml: invalid YAML: {err}") from err
        if extra:
            if not isinstance(extra, dict):
                raise ValueError(f".huggingface.yaml must be a mapping, got {type(extra).__name__}")
            card = {**card, **extra}
    return card


def read_card_data(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Card data of a local dataset directory (its README.md and ``.huggingface.yaml``, either optional)."""

    def read(name: str) -> str | None:
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            return None
        with open(path, encoding="utf-8") as f:
            return f.read()

    return load_card_data(read("README.md"), read(".huggingface.yaml"))


@dataclass(frozen=True)
class MetadataConfig:
    """One entry of the card's ``configs:`` list."""

    name: str
    data_files: str | list[Any] | None = None
    data_dir: str | None = None
    default: bool = False
    features_yaml: list[Any] | None = None
    builder_kwargs: dict[str, Any] = field(default_factory=dict)


def _check_data_files(name: str, data_files: Any, where: str = "") -> None:
    if data_files is None:
        return
    bad = not isinstance(data_files, (str, list))
    if isinstance(data_files, list):
        for item in data_files:
            if isinstance(item, str):
                continue
            bad = bad or not (
                isinstance(item, dict)
                and len(item) == 2
                and isinstance(item.get("split"), str)
                and _SPLIT_NAME_RE.fullmatch(item["split"]) is not None
                and isinstance(item.get("path"), (str, list))
            )
    if bad:
        place = f"README.md of {where}" if where else "README.md"
        raise DatasetCardError(
            f"{place} configs: config {name!r} has invalid data_files {data_files!r}.\n{_DATA_FILES_HELP}"
        )


def _card_paths(data_files: Any) -> list[Any]:
    """Every path or pattern in a config's ``data_files`` (a string, a list of them, or ``{split, path}`` items)."""
    items = data_files if isinstance(data_files, list) else [data_files]
    out: list[Any] = []
    for item in items:
        value = item.get("path") if isinstance(item, dict) else item
        out.extend(value if isinstance(value, list) else [value])
    return out


def _check_card_paths(entry: Mapping[str, Any], name: str, where: str) -> None:
    """Refuse a config whose name, ``data_dir`` or ``data_files`` could point outside the dataset or its cache."""
    place = f"README.md of {where}" if where else "README.md"
    problems = []
    reason = unsafe_component_reason(name)
    if reason:
        problems.append(("config_name", name, reason))
    if entry.get("data_dir"):
        reason = unsafe_relative_reason(entry["data_dir"], strict=False)
        if reason:
            problems.append(("data_dir", entry["data_dir"], reason))
    for pattern in _card_paths(entry.get("data_files")) if entry.get("data_files") is not None else []:
        if isinstance(pattern, str) and is_remote_url(pattern):
            continue
        reason = unsafe_relative_reason(pattern, strict=False)
        if reason:
            problems.append(("data_files", pattern, reason))
    if problems:
        field, value, reason = problems[0]
        raise DatasetCardError(
            f"{place}: config {name!r} has {field} {value!r}, which is refused because {reason}. Config names "
            "must be one file name without <>:/\\|?* (as in `datasets`); data_dir and data_files must be relative "
            "paths inside the dataset. Fix the card, or pass data_files=/data_dir= yourself."
        )


def metadata_configs(card_data: Mapping[str, Any] | None, where: str = "") -> list[MetadataConfig]:
    """The card's ``configs:`` entries in order (a repeated ``config_name``: first place, last value).

    ``where`` (a path or ``repo@revision``) names the dataset in errors.
    """
    raw = (card_data or {}).get("configs")
    if not raw:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"README.md: expected 'configs' to be a list of configs, got {raw!r}")
    by_name: dict[str, MetadataConfig] = {}
    for entry in raw:
        if not isinstance(entry, dict) or "config_name" not in entry:
            raise ValueError(f"README.md: each config must have a 'config_name' field, got {entry!r}")
        name = str(entry["config_name"])
        _check_data_files(name, entry.get("data_files"), where)
        _check_card_paths(entry, name, where)
        features = entry.get("features")
        by_name[name] = MetadataConfig(
            name=name,
            data_files=entry.get("data_files"),
            data_dir=entry.get("data_dir") or None,
            default=bool(entry.get("default", False)),
            features_yaml=features,
            builder_kwargs={k: v for k, v in entry.items() if k not in _RESERVED_KEYS},
        )
    return list(by_name.values())


def default_config_name(configs: list[MetadataConfig]) -> str | None:
    """The only config, else the one named ``default``, else the one marked ``default: true``, or None."""
    chosen = None
    for config in configs:
        if len(configs) == 1 or config.name == "default" or config.default:
            if chosen is not None:
                raise ValueError(
                    f"README.md configs: the dataset has several default configs: {chosen!r} and "
                    f"{config.name!r}. Mark only one with 'default: true'."
                )
            chosen = config.name
    return chosen


def dataset_infos(card_data: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The card's ``dataset_info`` (a mapping or a list of them) per config name (``default`` if unnamed)."""
    raw = (card_data or {}).get("dataset_info")
    if isinstance(raw, dict):
        return {str(raw.get("config_name", "default")): raw}
    if isinstance(raw, list):
        return {str(i.get("config_name", "default")): i for i in raw if isinstance(i, dict)}
    return {}


def config_dataset_info(card_data: Mapping[str, Any] | None, config_name: str) -> dict[str, Any] | None:
    """``dataset_info`` of one config; the only entry when the card has a single one and no ``configs:``."""
    infos = dataset_infos(card_data)
    if config_name in infos:
        return infos[config_name]
    if len(infos) == 1 and not metadata_configs(card_data):
        return next(iter(infos.values()))
    return None


def split_sizes(info: Mapping[str, Any] | None) -> dict[str, int] | None:
    """``{split: num_examples}`` from a ``dataset_info`` entry's ``splits`` list, in order, or None."""
    splits = (info or {}).get("splits")
    if not isinstance(splits, list):
        return None
    sizes = {}
    for item in splits:
        if isinstance(item, dict) and "name" in item and isinstance(item.get("num_examples"), int):
            sizes[str(item["name"])] = item["num_examples"]
    return sizes or None
