"""``load_dataset`` and the metadata helpers, with `datasets`' arguments and resolution rules.

``path`` is a packaged builder (``"parquet"``, ``"json"``, ``"csv"``, ``"text"``, ``"arrow"``) with
``data_files``, a local directory laid out like a Hub repo, or a Hub repo id. Configs and splits resolve as in
`datasets` (README YAML ``configs:``, then the default split patterns); only the files of the requested
splits are downloaded and prepared. ``split`` accepts the slicing grammar (``train[:10%]+test``).
"""

from __future__ import annotations

import os
from typing import Any

from .arrow.info import DatasetInfo, SplitInfo
from .features import Features
from .resolve.request import requested_features, resolve_request
from .resolve.sources import open_source

_DOWNLOAD_MODES = (None, "reuse_dataset_if_exists", "reuse_cache_if_exists", "force_redownload")


def load_dataset(
    path: str,
    name: str | None = None,
    data_dir: str | None = None,
    data_files: str | list | dict | None = None,
    split: str | list[str] | tuple[str, ...] | None = None,
    cache_dir: str | os.PathLike | None = None,
    features: Features | None = None,
    download_config: Any = None,
    download_mode: str | None = None,
    verification_mode: Any = None,
    keep_in_memory: bool | None = None,
    save_infos: bool = False,
    revision: str | None = None,
    token: str | bool | None = None,
    streaming: bool = False,
    num_proc: int | None = None,
    storage_options: dict | None = None,
    trust_remote_code: bool | None = None,
    **config_kwargs: Any,
) -> Any:
    """Load a dataset: a ``Dataset`` for one ``split``, a list (or tuple) of them for a list of splits, a
    ``DatasetDict`` without, an ``IterableDataset`` when ``streaming=True``. Extra keyword arguments are
    builder options (``sep``, ``field``, ``sample_by``, ...).

    Raises:
        EmptySplitError: a requested split holds no rows.
    """
    if streaming and num_proc is not None:
        raise NotImplementedError(
            "Loading a streaming dataset in parallel with `num_proc` is not implemented. "
            "To parallelize streaming, use a PyTorch DataLoader with `num_workers` instead."
        )
    if download_mode not in _DOWNLOAD_MODES:
        raise ValueError(f"download_mode must be one of {list(_DOWNLOAD_MODES)}, not {download_mode!r}")
    if token is None and download_config is not None:
        token = getattr(download_config, "token", None)
    source, resolved = resolve_request(path, name, data_dir, data_files, revision, token, config_kwargs)
    feats = requested_features(resolved, features)
    many = isinstance(split, (list, tuple))
    if streaming:
        from .iterable.from_files import streaming_dataset

        if many:
            return type(split)(streaming_dataset(source, resolved, str(s), feats) for s in split)
        return streaming_dataset(source, resolved, split, feats)
    from .datasets.prepare import load_prepared

    return load_prepared(
        source, resolved, split, feats, cache_dir, bool(keep_in_memory), force=download_mode == "force_redownload"
    )


def get_dataset_config_names(
    path: str, revision: str | None = None, token: str | bool | None = None, data_files: Any = None, **_: Any
) -> list[str]:
    """The config names of a dataset (``["default"]`` when its card declares none)."""
    source = open_source(path, data_files=data_files, revision=revision, token=token)
    return source.config_names()


def get_dataset_split_names(
    path: str,
    config_name: str | None = None,
    data_files: Any = None,
    data_dir: str | None = None,
    revision: str | None = None,
    token: str | bool | None = None,
    **config_kwargs: Any,
) -> list[str]:
    """The split names of one config, in `datasets`' order."""
    _, resolved = resolve_request(path, config_name, data_dir, data_files, revision, token, config_kwargs)
    return list(resolved.splits)


def get_dataset_infos(
    path: str, data_files: Any = None, revision: str | None = None, token: str | bool | None = None, **_: Any
) -> dict[str, DatasetInfo]:
    """Per config: features and split sizes where the dataset card states them (no data is read)."""
    source = open_source(path, data_files=data_files, revision=revision, token=token)
    infos = {}
    for config in source.config_names():
        resolved = source.resolve(
            config if config != "default" or len(source.config_names()) > 1 else None, None, data_files
        )
        sizes = resolved.split_sizes or {}
        infos[config] = DatasetInfo(
            features=Features.from_yaml_list(resolved.features_yaml) if resolved.features_yaml else None,
            builder_name=resolved.builder,
            dataset_name=source.dataset_name or source.cache_name,
            config_name=resolved.config_name,
            splits={s: SplitInfo(s, num_examples=sizes.get(s, 0)) for s in resolved.splits},
        )
    return infos
