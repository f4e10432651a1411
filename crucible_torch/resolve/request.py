"""One load request resolved: ``load_dataset``'s arguments -> the source, the chosen config and its features.

Shared by ``load_dataset`` and the map-style constructors (``Dataset.from_json`` and friends), which are
the packaged builders under another name.
"""

from __future__ import annotations

from typing import Any

from ..features import Features
from .data_files import ResolvedConfig
from .sources import DatasetSource, open_source


def requested_features(resolved: ResolvedConfig, features: Any) -> Features | None:
    """The features the caller passed, else those the dataset card declares, else None (inferred later)."""
    if features is not None:
        return features if isinstance(features, Features) else Features(features)
    if resolved.features_yaml:
        return Features.from_yaml_list(resolved.features_yaml)
    return None


def resolve_request(
    path: str,
    name: str | None,
    data_dir: str | None,
    data_files: Any,
    revision: str | None,
    token: Any,
    config_kwargs: dict[str, Any],
) -> tuple[DatasetSource, ResolvedConfig]:
    """Open ``path`` and resolve one config, with extra ``config_kwargs`` as builder options."""
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
