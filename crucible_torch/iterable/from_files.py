"""``load_dataset(..., streaming=True)``: a resolved config's data files as IterableDatasets, planned once here.

Files come from :meth:`DatasetSource.stream_locations` (resolved in the main process): a local path is read
in place, a Hub file over HTTP (:mod:`.sources`). The unit plan (:mod:`.plan`) is built now, so workers only
read rows.
"""

from __future__ import annotations

from typing import Any

from ..arrow.info import DatasetInfo
from ..features import Features
from ..formats import get_reader
from ..formats.folder import FOLDER_BUILDERS
from ..formats.webdataset import infer_features as infer_webdataset_features
from ..resolve.archives import stream_data_files
from ..resolve.data_files import ResolvedConfig
from ..resolve.folder import resolve_folder
from ..resolve.sources import DatasetSource
from ..resolve.split_spec import parse_split
from .dataset import IterableDataset
from .dataset_dict import IterableDatasetDict
from .from_folder import folder_rows
from .plan import FilePlan
from .source import SourceNode
from .sources import data_source

RANDOM_ACCESS_BUILDERS = ("parquet", "arrow")


def split_dataset(
    source: DatasetSource, resolved: ResolvedConfig, splits: list[str], features: Features | None, label: str
) -> IterableDataset:
    """One IterableDataset over the files of ``splits`` (concatenated in order), called ``label``."""
    random_access = resolved.builder in RANDOM_ACCESS_BUILDERS
    if resolved.builder in FOLDER_BUILDERS:
        folder = resolve_folder(source, resolved, splits, features, streaming=True)
        tables = [folder.rows(split) for split in splits]
        remote = {name: data_source(location, False) for name, location in folder.remote.items()}
        node = SourceNode(folder_rows(tables, folder.features, remote))
    else:
        kwargs: dict[str, Any] = dict(resolved.builder_kwargs)
        if resolved.builder == "webdataset" and features is None:
            (first,) = stream_data_files(source, resolved.builder, list(resolved.splits.values())[-1][:1])
            features = infer_webdataset_features(data_source(first, random_access))
        if features is not None:
            kwargs["features"] = features
        reader = get_reader(resolved.builder, **kwargs)
        files = [f for split in splits for f in resolved.splits[split]]
        locations = stream_data_files(source, resolved.builder, files)
        node = SourceNode(FilePlan.build(reader, [data_source(loc, random_access) for loc in locations]))
    info = DatasetInfo(
        features=node.features,
        builder_name=resolved.builder,
        dataset_name=source.dataset_name or source.cache_name,
        config_name=resolved.config_name,
    )
    return IterableDataset(node, info=info, split=label)


def streaming_dataset(
    source: DatasetSource, resolved: ResolvedConfig, split: str | None, features: Features | None
) -> IterableDataset | IterableDatasetDict:
    """Every split as an `IterableDatasetDict` (``split=None``), or the whole splits a spec names, concatenated.

    Raises:
        ValueError: ``split`` slices a split (``train[:10%]``): streaming reads whole splits only.
    """
    available = list(resolved.splits)
    if split is None:
        return IterableDatasetDict({s: split_dataset(source, resolved, [s], features, s) for s in available})
    spec = parse_split(str(split))
    return split_dataset(source, resolved, spec.streaming_split_names(available), features, str(spec))
