"""imagefolder / audiofolder: a split's media files (and metadata files) -> its features and rows, as `datasets`.

The rules of `datasets`' FolderBasedBuilder, which decide what a tree of files becomes:

- A split's data files are media (extension in the builder's list; case-insensitive, the last or the
  second-to-last extension), metadata files (``metadata.csv``/``.jsonl``/``.parquet`` by default) and ``.zip``
  archives (extracted by the caller; their files count as media by their exact extension).
- Labels: the name of each media file's parent directory. They are added (a ``ClassLabel`` of the sorted
  names) when ``drop_labels`` is None and there are several names, all files at the same depth, and no
  metadata file anywhere; ``drop_labels=False`` forces them. Splits are analysed in order and the evidence
  accumulates, so a later split can switch labels on; the features are those of the last split's decision.
- Metadata: when any split has metadata files (and ``drop_metadata`` is not true), the rows are the metadata
  rows; ``file_name`` (or ``<x>_file_name``) string columns become the media column (``image``/``<x>``), and
  ``file_names``/``<x>_file_names`` string lists become lists of media, each path relative to its metadata
  file's directory. All metadata files must share one extension and one schema.

Rows hold media as ``{"bytes": None, "path": <path>}``: the file is read when decoded, as in `datasets`. A
metadata path that is absolute, climbs out with ``..`` or names a missing file raises an error naming the
metadata file and the row (`datasets` fails later, when the row is decoded).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import DataFileError
from ..features import Audio, ClassLabel, Features, Image, List, Value, cast_table_to_features
from .csv import CsvReader
from .json import JsonReader
from .media import AUDIOFOLDER_EXTENSIONS, IMAGEFOLDER_EXTENSIONS
from .parquet import ParquetReader
from .source import LocalSource

METADATA_FILENAMES = ("metadata.csv", "metadata.jsonl", "metadata.parquet")
_STRING = (Value("string"), Value("large_string"))


@dataclass(frozen=True)
class FolderBuilder:
    """What distinguishes imagefolder from audiofolder: the media column, its feature and its extensions."""

    column: str
    feature: Callable[[], Any]
    extensions: frozenset[str]


FOLDER_BUILDERS: dict[str, FolderBuilder] = {
    "imagefolder": FolderBuilder("image", Image, IMAGEFOLDER_EXTENSIONS),
    "audiofolder": FolderBuilder("audio", Audio, AUDIOFOLDER_EXTENSIONS),
}


@dataclass(frozen=True)
class FolderOptions:
    """The folder builders' config kwargs (``load_dataset("imagefolder", ..., drop_labels=True)``)."""

    drop_labels: bool | None = None
    drop_metadata: bool | None = None
    metadata_filenames: tuple[str, ...] = METADATA_FILENAMES
    filters: Any = None
    features: Features | None = None

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> FolderOptions:
        known = {"drop_labels", "drop_metadata", "metadata_filenames", "filters", "features", "decode_num_threads"}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise ValueError(f"the folder builders do not take {unknown}; they take {sorted(known)}")
        features = kwargs.get("features")
        return cls(
            drop_labels=kwargs.get("drop_labels"),
            drop_metadata=kwargs.get("drop_metadata"),
            metadata_filenames=tuple(kwargs.get("metadata_filenames") or METADATA_FILENAMES),
            filters=kwargs.get("filters"),
            features=None if features is None or isinstance(features, Features) else Features(features),
        )

    @property
    def filter_expression(self) -> pc.Expression | None:
        if self.filters is None:
            return None
        return pq.filters_to_expression(self.filters) if isinstance(self.filters, list) else self.filters


def classify(
    builder: FolderBuilder, names: Sequence[str], options: FolderOptions
) -> tuple[list[int], list[int], list[int]]:
    """Indices of ``names`` that are media, metadata files and ``.zip`` archives (others are ignored)."""
    media, metadata, archives = [], [], []
    for i, name in enumerate(names):
        root, ext = os.path.splitext(name)
        second = os.path.splitext(root)[1]
        if ext.lower() in builder.extensions or second.lower() in builder.extensions:
            media.append(i)
        elif os.path.basename(name) in options.metadata_filenames:
            metadata.append(i)
        elif ext.lower() == ".zip":
            archives.append(i)
    return media, metadata, archives


@dataclass(frozen=True)
class MediaFile:
    """A media file: ``name`` decides its label and depth, ``path`` is what rows store (and decoding opens)."""

    name: str
    path: str
    counts: bool = True  # whether it is evidence for labels (`datasets` looks at the last extension only)


@dataclass(frozen=True)
class MetadataFile:
    """A metadata file: ``name`` for errors, its local ``path``, and how its ``file_name`` values become paths.

    ``resolve`` takes file names already made relative to the metadata file's directory (normalised POSIX
    paths inside it) and returns what rows store for each; it raises when a file does not exist.
    """

    name: str
    path: str
    resolve: Callable[[list[str], str], list[str]]


@dataclass
class SplitFiles:
    """A split's files after archives were extracted: media (data files first, then archive contents)."""

    media: list[MediaFile] = field(default_factory=list)
    metadata: list[MetadataFile] = field(default_factory=list)


@dataclass(frozen=True)
class FolderPlan:
    """The decision for a dataset: its features, and per split whether rows come from metadata or media."""

    features: Features
    from_metadata: dict[str, bool]
    labels: dict[str, bool]


def _label(name: str) -> str:
    return os.path.basename(os.path.dirname(name))


def plan_folder(builder: FolderBuilder, splits: Mapping[str, SplitFiles], options: FolderOptions) -> FolderPlan:
    """Decide labels, metadata and features over all splits, in order, as `datasets` does."""
    analyze = not options.drop_labels or not options.drop_metadata
    labels: set[str] = set()
    depths: set[int] = set()
    seen_metadata = False
    add_labels, add_metadata = False, False
    from_metadata, with_labels = {}, {}
    for split, files in splits.items():
        if analyze:
            if not options.drop_labels:
                for media in files.media:
                    if media.counts:
                        labels.add(_label(media.name))
                        depths.add(media.name.replace("\\", "/").count("/"))
            seen_metadata = seen_metadata or bool(files.metadata)
            if seen_metadata:
                add_metadata, add_labels = not options.drop_metadata, False
            elif options.drop_labels is None:
                add_metadata, add_labels = False, len(labels) > 1 and len(depths) == 1
            else:
                add_metadata, add_labels = False, not options.drop_labels
        from_metadata[split], with_labels[split] = add_metadata, add_labels
    if options.features is not None:
        features = options.features
    elif add_metadata:
        features = _metadata_features(builder, splits)
    elif add_labels:
        features = Features({builder.column: builder.feature(), "label": ClassLabel(names=sorted(labels))})
    else:
        features = Features({builder.column: builder.feature()})
    return FolderPlan(features, from_metadata, with_labels)


def _read_metadata(file: MetadataFile, options: FolderOptions | None = None) -> Iterator[pa.Table]:
    """The rows of a metadata file, a chunk at a time, read as `datasets` reads it (csv/jsonl/parquet)."""
    ext = os.path.splitext(file.name)[1]
    reader = {".csv": CsvReader, ".jsonl": JsonReader, ".parquet": ParquetReader}.get(ext)
    if reader is None:
        raise DataFileError(
            f"metadata files must be .csv, .jsonl or .parquet, not {ext!r}",
            file=file.name,
            hint="rename it, or pass metadata_filenames= naming files of those formats",
        )
    expression = options.filter_expression if options is not None else None
    for batch in reader().read(LocalSource(file.path, file.name)):
        table = pa.Table.from_batches([batch])
        if ext == ".csv":  # `datasets` reads metadata CSV with pandas >= 3, whose strings are large_string
            table = table.cast(pa.schema([_large_strings(f) for f in table.schema], metadata=table.schema.metadata))
        if expression is not None:
            table = table.filter(expression)
        if table.num_rows:
            yield table


def _large_strings(field: pa.Field) -> pa.Field:
    return field.with_type(pa.large_string()) if pa.types.is_string(field.type) else field


def _media_key(builder: FolderBuilder, key: str, feature: Any) -> tuple[str, Any] | None:
    """The column a metadata key becomes when it names media files, with its feature; None otherwise."""
    if (key == "file_name" or key.endswith("_file_name")) and feature in _STRING:
        return key[: -len("_file_name")] or builder.column, builder.feature()
    if (key == "file_names" or key.endswith("_file_names")) and feature in [List(s) for s in _STRING]:
        return key[: -len("_file_names")] or f"{builder.column}s", List(builder.feature())
    return None


def _metadata_features(builder: FolderBuilder, splits: Mapping[str, SplitFiles]) -> Features:
    files = [f for split in splits.values() for f in split.metadata]
    extensions = sorted({os.path.splitext(f.name)[1] for f in files})
    if len(extensions) > 1:
        raise ValueError(f"Found metadata files with different extensions: {extensions}")
    per_split: list[tuple[str, Features]] = []
    for split in splits.values():
        for file in split.metadata:
            first = next(_read_metadata(file), None)
            if first is not None:
                per_split.append((file.name, Features.from_arrow_schema(first.schema)))
                break
    if not per_split:
        raise DataFileError("every metadata file is empty", file=files[0].name if files else None)
    for name, features in per_split[1:]:
        if features != per_split[0][1]:
            raise ValueError(
                f"Metadata files {name} and {per_split[0][0]} have different features: {per_split[0][1]} != {features}"
            )
    out = Features()
    found = False
    for key, feature in per_split[0][1].items():
        media = _media_key(builder, key, feature)
        if media is None:
            out[key] = feature
        else:
            out[media[0]] = media[1]
            found = True
    if not found:
        raise ValueError(
            "`file_name`, `*_file_name`, `file_names` or `*_file_names` must be present as dictionary key in "
            f"metadata files (found {list(per_split[0][1])} in {per_split[0][0]})"
        )
    return out


def relative_member(value: str, metadata: str, row: int) -> str:
    """A metadata ``file_name`` as a normalised POSIX path inside the metadata file's directory.

    Raises `DataFileError` for URLs, absolute paths and ``..`` that leaves the directory (CWE-22).
    """
    relative = posixpath.normpath(value.replace("\\", "/"))
    if (
        "://" in value
        or os.path.isabs(value)
        or relative.startswith("/")
        or relative == ".."
        or relative.startswith("../")
    ):
        raise DataFileError(
            f"row {row}: file name {value!r} is not a relative path inside the metadata file's directory",
            file=metadata,
            hint="absolute paths, URLs and '..' that leave the directory are refused",
        )
    return relative


def _media_column(column: pa.ChunkedArray, file: MetadataFile, first_row: int, as_list: bool) -> pa.Array:
    """A metadata file-name column as media storage (``{bytes: None, path}`` structs, or lists of them)."""
    values = column.to_pylist()
    if as_list:
        flat = [(i, v) for i, names in enumerate(values) if names is not None for v in names if v is not None]
    else:
        flat = [(i, v) for i, v in enumerate(values) if v is not None]
    relatives = [relative_member(v, file.name, first_row + i) for i, v in flat]
    resolved = iter(file.resolve(relatives, file.name))
    paths: list[Any] = []
    for value in values:
        if value is None:
            paths.append(None)
        elif as_list:
            paths.append([None if v is None else {"bytes": None, "path": next(resolved)} for v in value])
        else:
            paths.append({"bytes": None, "path": next(resolved)})
    storage = pa.struct({"bytes": pa.binary(), "path": pa.string()})
    return pa.array(paths, type=pa.list_(storage) if as_list else storage)


def split_rows(
    builder: FolderBuilder, plan: FolderPlan, split: str, files: SplitFiles, options: FolderOptions
) -> pa.Table:
    """The rows of one split, cast to the plan's features (media as ``{bytes: None, path}``)."""
    features = plan.features
    if plan.from_metadata[split]:
        tables = []
        for file in sorted(files.metadata, key=lambda f: f.name):
            first_row = 0
            for table in _read_metadata(file, options):
                tables.append(_metadata_rows(builder, table, file, first_row, features))
                first_row += table.num_rows
        if not tables:
            return features.arrow_schema.empty_table()
        return pa.concat_tables(tables)
    rows: dict[str, list[Any]] = {builder.column: [{"bytes": None, "path": m.path} for m in files.media]}
    if plan.labels[split]:
        rows["label"] = [_label(m.name) for m in files.media]
    table = pa.table(rows)
    expression = options.filter_expression
    if expression is not None:
        table = table.filter(expression)
    if "label" in rows and "label" in features and isinstance(features["label"], ClassLabel):
        names = features["label"]
        table = table.set_column(
            table.schema.get_field_index("label"),
            "label",
            pa.array(names.str2int(table["label"].to_pylist()), pa.int64()),
        )
    return cast_table_to_features(table, features)


def _metadata_rows(
    builder: FolderBuilder, table: pa.Table, file: MetadataFile, first_row: int, features: Features
) -> pa.Table:
    stored = Features.from_arrow_schema(table.schema)
    columns, names = [], []
    for key in table.column_names:
        media = _media_key(builder, key, stored[key])
        if media is None:
            columns.append(table[key])
            names.append(key)
        else:
            columns.append(_media_column(table[key], file, first_row, isinstance(media[1], List)))
            names.append(media[0])
    out = pa.table(dict(zip(names, columns)))
    missing = [name for name in features if name not in names]
    if missing:
        raise DataFileError(f"no column {missing[0]!r} in this metadata file", file=file.name, column=missing[0])
    return cast_table_to_features(out.select(list(features)), features)
