"""``load_dataset`` and the metadata helpers, with `datasets`' arguments and resolution rules.

``path`` is a packaged builder (``"parquet"``, ``"json"``, ``"csv"``, ``"text"``, ``"arrow"``) with
``data_files``, a local directory laid out like a Hub repo, or a Hub repo id. Configs and splits resolve as in
`datasets` (README YAML ``configs:``, then the default split patterns); only the files of the requested
splits are downloaded and prepared. ``split`` accepts the slicing grammar (``train[:10%]+test``).
"""

from __future__ import annotations

import os
from typing import Any

from .data_files import ResolvedConfig
from .datasets import DatasetDict, DatasetInfo, concatenate_datasets
from .datasets.info import SplitInfo
from .features import Features
from .sources import DatasetSource, open_source
from .split_spec import parse_split

_DOWNLOAD_MODES = (None, "reuse_dataset_if_exists", "reuse_cache_if_exists", "force_redownload")


def _features_for(resolved: ResolvedConfig, features: Any) -> Features | None:
    if features is not None:
        return features if isinstance(features, Features) else Features(features)
    if resolved.features_yaml:
        return Features.from_yaml_list(resolved.features_yaml)
    return None


def _resolve(
    path: str,
    name: str | None,
    data_dir: str | None,
    data_files: Any,
    revision: str | None,
    token: Any,
    config_kwargs: dict[str, Any],
) -> tuple[DatasetSource, ResolvedConfig]:
    source = open_source(path, data_files=data_files, data_dir=data_dir, revision=revision, token=token)
    resolved = source.resolve(name, data_dir, data_files)
    if config_kwargs:
        resolved = ResolvedConfig(
            config_name=resolved.config_name,
            splits=resolved.splits,
            builder=resolved.builder,
            builder_kwargs={**resolved.builder_kwargs, **config_kwargs},
            features_yaml=resolved.features_yaml,
            split_sizes=resolved.split_sizes,
            data_dir=resolved.data_dir,
        )
    return source, resolved


def load_dataset(
    path: str,
    name: str | None = None,
    data_dir: str | None = None,
    data_files: str | list | dict | None = None,
    split: str | None = None,
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
    """Load a dataset: a ``Dataset`` for one ``split``, a ``DatasetDict`` without, an ``IterableDataset`` when
    ``streaming=True``. Extra keyword arguments are builder options (``sep``, ``field``, ``sample_by``, ...).
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
    source, resolved = _resolve(path, name, data_dir, data_files, revision, token, config_kwargs)
    feats = _features_for(resolved, features)
    if streaming:
        from .iterable.from_files import streaming_dataset

        return streaming_dataset(source, resolved, split, feats)
    spec = parse_split(split) if split is not None else None
    names = spec.resolve_names(list(resolved.splits)) if spec is not None else list(resolved.splits)
    from .prepare import prepare_split

    prepared = {
        s: prepare_split(
            source,
            resolved,
            s,
            feats,
            cache_dir,
            bool(keep_in_memory),
            force=download_mode == "force_redownload",
        )
        for s in names
    }
    if spec is None:
        return DatasetDict(prepared)
    lengths = {s: len(d) for s, d in prepared.items()}
    parts = []
    for piece in spec.to_absolute(lengths):
        ds = prepared[piece.split]
        whole = piece.start == 0 and piece.stop == len(ds)
        parts.append(ds if whole else ds.select(range(piece.start, max(piece.start, piece.stop))))
    if len(parts) == 1:
        parts[0]._split = str(spec)
        return parts[0]
    return concatenate_datasets(parts, split=str(spec))


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
    _, resolved = _resolve(path, config_name, data_dir, data_files, revision, token, config_kwargs)
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
            dataset_name=source.cache_name,
            config_name=resolved.config_name,
            splits={s: SplitInfo(s, num_examples=sizes.get(s, 0)) for s in resolved.splits},
        )
    return infos
