"""Files move both ways between `datasets` and crucible_torch.features with the same features and rows."""

from __future__ import annotations

import datetime
import json

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crucible_torch.features import Features, table_from_pydict


def _hf_features() -> datasets.Features:
    d = datasets
    return d.Features(
        {
            "i8": d.Value("int8"),
            "u32": d.Value("uint32"),
            "f16": d.Value("float16"),
            "f": d.Value("float"),
            "ok": d.Value("bool"),
            "s": d.Value("string"),
            "ls": d.Value("large_string"),
            "b": d.Value("binary"),
            "day": d.Value("date32"),
            "ts": d.Value("timestamp[ms, tz=UTC]"),
            "dur": d.Value("duration[us]"),
            "label": d.ClassLabel(names=["cat", "dog", "bird"]),
            "tokens": d.List(d.Value("int32")),
            "xyz": d.List(d.Value("float32"), length=3),
            "big": d.LargeList(d.Value("string")),
            "answers": d.Sequence({"text": d.Value("string"), "start": d.Value("int32")}),
            "nested": {"a": {"b": d.Value("int64")}, "labels": d.List(d.ClassLabel(names=["x", "y"]))},
            "image": d.Image(),
            "gray": d.Image(mode="L"),
            "audio": d.Audio(sampling_rate=8000),
        }
    )


def _data(png: bytes, wav: bytes) -> dict:
    utc = datetime.timezone.utc
    return {
        "i8": [-3, None],
        "u32": [4_000_000_000, 1],
        "f16": [0.5, -2.0],
        "f": [1.25, 3.0],
        "ok": [True, False],
        "s": ["a", None],
        "ls": ["long", ""],
        "b": [b"\x00", b"xyz"],
        "day": [datetime.date(2020, 2, 29), datetime.date(1900, 1, 1)],
        "ts": [datetime.datetime(2021, 5, 6, 7, 8, 9, tzinfo=utc), None],
        "dur": [datetime.timedelta(seconds=1, microseconds=5), datetime.timedelta(0)],
        "label": [2, 0],
        "tokens": [[1, 2, 3], []],
        "xyz": [[1.0, 2.0, 3.0], None],
        "big": [["x"], ["y", "z"]],
        "answers": [{"text": ["t"], "start": [4]}, {"text": [], "start": []}],
        "nested": [{"a": {"b": 5}, "labels": [1, 0]}, {"a": None, "labels": []}],
        "image": [{"bytes": png, "path": None}, None],
        "gray": [{"bytes": png, "path": "g.png"}, None],
        "audio": [{"bytes": wav, "path": "a.wav"}, None],
    }


@pytest.fixture
def media(image_bytes, rgb_array, wav_bytes) -> tuple[bytes, bytes]:
    samples = (np.arange(40, dtype=np.int64).reshape(20, 2) - 20) * 1000
    return image_bytes(rgb_array), wav_bytes(samples, 16000, 2)


def _hf_dataset(data: dict, features: datasets.Features) -> datasets.Dataset:
    # datasets' Audio.encode_example needs torchcodec: build the Arrow table and let datasets cast it instead
    media_type = pa.struct({"bytes": pa.binary(), "path": pa.string()})
    table = pa.table(
        {
            name: pa.array(values, media_type if name in ("image", "gray", "audio") else None)
            for name, values in data.items()
        }
    )
    return datasets.Dataset(table).cast(features)


def _same_rows(ours: dict, theirs: dict) -> None:
    for name, value in theirs.items():
        if name in ("image", "gray") and value is not None:
            assert np.array_equal(np.asarray(ours[name]), np.asarray(value)), name
            assert ours[name].mode == value.mode
        else:
            assert ours[name] == value, name


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("file_format", ["parquet", "arrow"])
def test_files_written_by_datasets_load_with_same_features(tmp_path, media, file_format: str) -> None:
    hf_features = _hf_features()
    ds = _hf_dataset(_data(*media), hf_features)
    if file_format == "parquet":
        path = tmp_path / "data.parquet"
        ds.to_parquet(str(path))
        schema = pq.read_schema(path)
        table = pq.read_table(path)
    else:
        ds.save_to_disk(str(tmp_path / "saved"))
        path = next((tmp_path / "saved").glob("*.arrow"))
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_stream(source).read_all()
        schema = table.schema
    ours = Features.from_arrow_schema(schema)
    assert json.dumps(ours.to_dict()) == json.dumps(hf_features.to_dict())
    assert ours.arrow_schema.equals(schema, check_metadata=False)
    hf_rows = ds.cast_column("audio", datasets.Audio(sampling_rate=8000, decode=False))
    for index, row in enumerate(table.to_pylist()):
        decoded = ours.decode_example(row)
        expected = hf_rows[index]
        assert decoded["audio"] is None or decoded["audio"]["sampling_rate"] == 8000
        decoded["audio"] = row["audio"]  # datasets cannot decode audio here (no torchcodec): compare storage
        _same_rows(decoded, expected)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_parquet_written_by_us_loads_in_datasets(tmp_path, media) -> None:
    ours = Features.from_dict(_hf_features().to_dict())
    data = _data(*media)
    path = tmp_path / "ours.parquet"
    pq.write_table(table_from_pydict(data, ours), path)
    ds = datasets.Dataset.from_parquet(str(path), cache_dir=str(tmp_path / "cache"))
    assert json.dumps(ds.features.to_dict()) == json.dumps(ours.to_dict())
    assert ds.features == _hf_features()
    raw = ds.cast_column("audio", datasets.Audio(sampling_rate=8000, decode=False))
    for index, row in enumerate(pq.read_table(path).to_pylist()):
        decoded = ours.decode_example(row)
        decoded["audio"] = row["audio"]  # datasets cannot decode audio here (no torchcodec): compare storage
        _same_rows(decoded, raw[index])
