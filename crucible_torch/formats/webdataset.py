"""WebDataset reader: ``.tar`` shards whose consecutive members sharing a key form one sample.

As the `datasets` webdataset builder: a member ``dir/0001.seg.json`` belongs to sample ``dir/0001`` (the path
up to the first dot of the base name) as field ``seg.json``; directories, links and hidden members
(``.x``, ``__x``) are skipped; a field is decoded by its last extension (``txt`` -> str, ``cls`` -> int, ``json``
-> struct, ``npy`` -> array, ...; a ``.gz``/``.bz2``/``.xz``/``.zst`` member is decompressed first), image and
audio fields are stored as ``{"bytes", "path": "<key>.<field>"}``, and every row ends with ``__key__`` and
``__url__``. Features are inferred from the first five samples (`infer_features`).

Two deliberate differences: a sample missing a field of the features raises (naming shard, member and byte
offset) unless ``allow_missing_fields=True`` (then it is None, as in `datasets`), because a None image fails
far from its cause; Video and Mesh fields stay raw bytes (this library has no such features).

Units: an uncompressed shard splits into byte ranges of whole samples (`units`: one pass over the headers,
seeking past the data of a local file), so one shard feeds many DataLoader slots; a compressed shard is one
unit.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar

import numpy as np
import pyarrow as pa

from ..errors import DataFileError
from ..features import Audio, Features, Image
from .compression import COMPRESSION_EXTENSIONS, compression_of, decompress_bytes, open_decompressed
from .media import WEBDATASET_AUDIO, WEBDATASET_IMAGE, WEBDATASET_RAW_MEDIA
from .reader import Reader, ReadUnit, SourceLike
from .source import DataSource, as_source
from .tar import TarMember, iter_members

DEFAULT_UNIT_BYTES = 8 << 20
DEFAULT_BATCH_SIZE = 100  # `datasets`' DEFAULT_WRITER_BATCH_SIZE for this builder
SAMPLES_FOR_INFERENCE = 5
KEY, URL = "__key__", "__url__"
_KEY_RE = re.compile(r"^((?:.*/|)[^.]+)[.]([^/]*)$")


def base_plus_ext(path: str) -> tuple[str | None, str | None]:
    """``"a/b/0001.seg.json"`` -> ``("a/b/0001", "seg.json")``; ``(None, None)`` for a name without a dot."""
    match = _KEY_RE.match(path)
    return (match.group(1), match.group(2)) if match else (None, None)


def _kept(member: TarMember) -> bool:
    base = os.path.basename(member.name)
    return member.is_file and not base.startswith((".", "__")) and base_plus_ext(member.name)[0] is not None


@dataclass
class Sample:
    """One sample: its key, its first member (name and header offset) and its fields' raw bytes."""

    key: str
    member: str
    offset: int
    fields: dict[str, bytes | None]


def iter_samples(
    f: BinaryIO,
    file: str,
    *,
    start: int = 0,
    end: int | None = None,
    file_size: int | None = None,
    seekable: bool = False,
    fields: frozenset[str] | None = None,
) -> Iterator[Sample]:
    """Group the members of ``[start, end)`` into samples; read the data of ``fields`` only (all when None).

    Raises `DataFileError` for a field that appears twice in one sample.
    """

    def want(member: TarMember) -> bool:
        return fields is None or base_plus_ext(member.name)[1] in fields

    current: Sample | None = None
    for member, data in iter_members(f, file, start=start, end=end, file_size=file_size, seekable=seekable, want=want):
        if not _kept(member):
            continue
        key, field = base_plus_ext(member.name)
        assert key is not None and field is not None
        if current is not None and current.key != key:
            yield current
            current = None
        if current is None:
            current = Sample(key, member.name, member.offset, {})
        if field in current.fields:
            raise DataFileError(
                f"duplicate field {field!r} in sample {key!r} (member {member.name!r})",
                file=file,
                byte_offset=member.offset,
                hint="each member of a sample needs its own extension",
            )
        current.fields[field] = data
    if current is not None:
        yield current


# ------------------------------------------------------------------------------------------ decoding
def _text(data: bytes) -> str:
    return data.decode("utf-8")


def _npy(data: bytes) -> Any:
    return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)


def _npz(data: bytes) -> Any:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _msgpack(data: bytes) -> Any:
    import msgpack  # optional: only shards with msgpack fields need it

    return msgpack.unpackb(data)


DECODERS = {
    "txt": _text,
    "text": _text,
    "transcript": _text,
    "cls": int,
    "cls2": int,
    "index": int,
    "inx": int,
    "id": int,
    "json": json.loads,
    "jsn": json.loads,
    "npy": _npy,
    "npz": _npz,
    "mp": _msgpack,
    "msg": _msgpack,
}
#: Extensions `datasets` decodes with packages or formats this library does not read.
UNSUPPORTED = {"ten": "tenbin", "tb": "tenbin", "cbor": "cbor", "pth": "torch.load"}


def decode_field(field: str, data: bytes, *, file: str, sample: Sample) -> Any:
    """The value of one field from its bytes, as `datasets` decodes it (raw bytes when no decoder applies)."""
    name = field
    last = "." + field.rsplit(".", 1)[-1].lower()
    try:
        if last in COMPRESSION_EXTENSIONS:
            data = decompress_bytes(data, COMPRESSION_EXTENSIONS[last], f"{file}: {sample.key}.{field}")
            name = field[: -len(last)]
        extension = name.rsplit(".", 1)[-1].lower()
        if extension in UNSUPPORTED:
            raise ValueError(
                f"its extension .{extension} needs {UNSUPPORTED[extension]} decoding, which crucible_torch does "
                "not do; store the field as .npy or .json"
            )
        decoder = DECODERS.get(extension)
        return data if decoder is None else decoder(data)
    except (ValueError, UnicodeDecodeError, ImportError, OSError, EOFError) as exc:
        raise DataFileError(
            f"cannot decode field {field!r} of sample {sample.key!r}: {exc}",
            file=file,
            byte_offset=sample.offset,
            column=field,
        ) from exc


def _python(value: Any) -> Any:
    """Numpy arrays of 2+ dimensions as nested lists (1-D ones stay arrays), as `datasets` prepares rows."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value.item()
        return value if value.ndim == 1 else [_python(row) for row in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _python(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_python(v) for v in value]
    return value


def media_feature(field: str) -> Any:
    """`Image()` or `Audio()` for a field stored as a media file (by its last extension), else None."""
    extension = field.rsplit(".", 1)[-1].lower()
    if extension in WEBDATASET_RAW_MEDIA:
        return None
    if extension in WEBDATASET_IMAGE:
        return Image()
    if extension in WEBDATASET_AUDIO:
        return Audio()
    return None


# ------------------------------------------------------------------------------------------ reader
class WebDatasetReader(Reader):
    """Reads WebDataset ``.tar`` shards (also ``.tar.gz`` & co, as one unit), as the `datasets` builder.

    Args:
        features: the row features; inferred from each file's first samples when None (the loader infers
            them once, from the first shard, as `datasets` does).
        allow_missing_fields: a sample without some field gives None there instead of an error.
        unit_bytes: target size of the byte-range units of an uncompressed shard.
        batch_size: samples per record batch.
    """

    name = "webdataset"
    units_from_scan: ClassVar[bool] = True

    def __init__(
        self,
        *,
        features: Any = None,
        allow_missing_fields: bool = False,
        unit_bytes: int = DEFAULT_UNIT_BYTES,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        super().__init__(features=features)
        if unit_bytes <= 0 or batch_size <= 0:
            raise ValueError(f"unit_bytes and batch_size must be positive, got {unit_bytes} and {batch_size}")
        self.features = None if self.target_schema is None else Features.from_arrow_schema(self.target_schema)
        self.allow_missing_fields = allow_missing_fields
        self.unit_bytes = unit_bytes
        self.batch_size = batch_size

    # -- opening ----------------------------------------------------------------------------------------
    @staticmethod
    def _open(source: DataSource, start: int = 0) -> tuple[BinaryIO, bool]:
        """The shard's tar bytes positioned at ``start``, and whether seeking is cheap (a local, plain tar)."""
        f = open_decompressed(source)
        if start:
            f.seek(start)  # plain tars only: units of compressed shards start at 0
        return f, source.local_path is not None and compression_of(source.name) is None

    # -- planning ---------------------------------------------------------------------------------------
    def units(self, source: SourceLike) -> list[ReadUnit]:
        """Byte ranges of whole samples, about ``unit_bytes`` each, with exact sample counts.

        One pass over the member headers (a local shard: one 512-byte read per member). A compressed shard
        cannot be entered in the middle: it is one unit, counted by one pass over its decompressed bytes.
        """
        source = as_source(source)
        f, seekable = self._open(source)
        starts: list[int] = []
        end = 0
        with f:
            for sample in iter_samples(f, source.name, file_size=source.size, seekable=seekable, fields=frozenset()):
                starts.append(sample.offset)
            if compression_of(source.name) is not None:
                return [ReadUnit("file", 0, None, len(starts), exact=True)]
            end = f.tell()
        units, first = [], 0
        for i in range(1, len(starts) + 1):
            boundary = starts[i] if i < len(starts) else end
            if i == len(starts) or boundary - starts[first] >= self.unit_bytes:
                units.append(ReadUnit("bytes", starts[first], boundary, i - first, exact=True))
                first = i
        return units

    def read_schema(self, source: SourceLike) -> pa.Schema:
        if self.target_schema is not None:
            return self.target_schema
        return infer_features(source).arrow_schema

    # -- reading ----------------------------------------------------------------------------------------
    def read(
        self, source: SourceLike, *, columns: Sequence[str] | None = None, unit: ReadUnit | None = None
    ) -> Iterator[pa.RecordBatch]:
        source = as_source(source)
        unit = self._check_unit(unit, "bytes")
        features = self.features if self.features is not None else infer_features(source)
        names = list(features) if columns is None else list(columns)
        missing = [c for c in names if c not in features]
        if missing:
            raise DataFileError(f"no column {missing[0]!r}; the columns are {list(features)}", file=source.name)
        schema = pa.schema([features.arrow_schema.field(c) for c in names], metadata=features.arrow_schema.metadata)
        wanted = frozenset(c for c in names if c not in (KEY, URL))
        required = [c for c in features if c not in (KEY, URL)]
        start, end = (unit.start, unit.end) if unit.kind == "bytes" else (0, None)
        f, seekable = self._open(source, start)
        rows: list[dict[str, Any]] = []
        read: list[Sample] = []
        with f:
            samples = iter_samples(
                f, source.name, start=start, end=end, file_size=source.size, seekable=seekable, fields=wanted
            )
            for sample in samples:
                self._check_fields(sample, required, source.name)
                rows.append(self._row(sample, names, features, source.name))
                read.append(sample)
                if len(rows) == self.batch_size:
                    yield _batch(rows, read, schema, source.name)
                    rows, read = [], []
        if rows:
            yield _batch(rows, read, schema, source.name)

    def _check_fields(self, sample: Sample, required: list[str], file: str) -> None:
        if self.allow_missing_fields:
            return
        absent = [field for field in required if field not in sample.fields]
        if absent:
            raise DataFileError(
                f"sample {sample.key!r} (member {sample.member!r}) has no field {absent[0]!r}; its fields are "
                f"{sorted(sample.fields)}",
                file=file,
                byte_offset=sample.offset,
                column=absent[0],
                hint="every sample must have the fields of the first samples; pass allow_missing_fields=True "
                "to load such samples with None there",
            )

    def _row(self, sample: Sample, names: list[str], features: Features, file: str) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name in names:
            if name == KEY:
                row[name] = sample.key
            elif name == URL:
                row[name] = file
            elif name not in sample.fields:
                row[name] = None
            else:
                data = sample.fields[name]
                assert data is not None
                if isinstance(features[name], (Image, Audio)):
                    row[name] = {"bytes": data, "path": f"{sample.key}.{name}"}
                else:
                    row[name] = _python(decode_field(name, data, file=file, sample=sample))
        return row


def _batch(rows: list[dict[str, Any]], samples: list[Sample], schema: pa.Schema, file: str) -> pa.RecordBatch:
    arrays = []
    for field in schema:
        values = [row[field.name] for row in rows]
        try:
            arrays.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
            raise _bad_value(rows, samples, field, file, exc) from exc
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _bad_value(
    rows: list[dict[str, Any]], samples: list[Sample], field: pa.Field, file: str, cause: Exception
) -> DataFileError:
    """The error naming the first sample whose value of ``field`` does not fit the column's type."""
    culprit = samples[0]
    for row, sample in zip(rows, samples):
        try:
            pa.array([row[field.name]], type=field.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            culprit = sample
            break
    return DataFileError(
        f"field {field.name!r} of sample {culprit.key!r} does not fit the column type {field.type}: {cause}",
        file=file,
        byte_offset=culprit.offset,
        column=field.name,
        hint="the features were inferred from the first samples; pass features= that fit every sample",
    )


def infer_features(source: SourceLike) -> Features:
    """The features `datasets` infers for a shard: from its first five samples, then Image/Audio by extension.

    Raises:
        DataFileError: the first samples do not share the same fields, or the shard holds no sample.
    """
    source = as_source(source)
    f, seekable = WebDatasetReader._open(source)
    examples: list[dict[str, Any]] = []
    first: Sample | None = None
    with f:
        for sample in iter_samples(f, source.name, file_size=source.size, seekable=seekable):
            first = first or sample
            example = {
                field: _python(decode_field(field, data, file=source.name, sample=sample))
                for field, data in sample.fields.items()
                if data is not None
            }
            if examples and example.keys() != examples[0].keys() - {KEY, URL}:
                raise DataFileError(
                    f"sample {sample.key!r} has fields {sorted(example)} but the first sample has "
                    f"{sorted(examples[0].keys() - {KEY, URL})}: the TAR archives of the dataset should be in "
                    "WebDataset format",
                    file=source.name,
                    byte_offset=sample.offset,
                    hint="members of one sample must be consecutive and share the key before the first dot",
                )
            examples.append({**example, KEY: sample.key, URL: source.name})
            if len(examples) == SAMPLES_FOR_INFERENCE:
                break
    if not examples:
        raise DataFileError("no WebDataset sample in the shard", file=source.name, hint="is it an empty tar?")
    tables = [pa.Table.from_pylist([example]) for example in examples]
    features = Features.from_arrow_schema(pa.concat_tables(tables, promote_options="default").schema)
    for field in examples[0]:
        media = None if field in (KEY, URL) else media_feature(field)
        if media is not None:
            features[field] = media
    return features


__all__ = [
    "DECODERS",
    "KEY",
    "URL",
    "WebDatasetReader",
    "base_plus_ext",
    "decode_field",
    "infer_features",
    "iter_samples",
]
