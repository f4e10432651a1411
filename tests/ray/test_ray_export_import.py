"""``Dataset.to_ray`` / ``Dataset.from_ray`` / ``IterableDataset.from_ray`` on a real local Ray cluster.

The source is a memory-mapped split with the feature kinds the cookbook relies on (ClassLabel, Image, a list
of chat-message structs, nested lists); every check compares against the dataset's own rows and Features.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from crucible_torch import (
    ClassLabel,
    Dataset,
    Features,
    Image,
    IterableDataset,
    List,
    Value,
    load_from_disk,
    split_dataset_by_node,
)
from crucible_torch.features import features_from_schema_metadata
from crucible_torch.hub.errors import UnsafePathError

ray_data = pytest.importorskip("ray.data", reason="the ray extra is not installed: pip install 'crucible-torch[ray]'")

from ray.data.expressions import col  # noqa: E402

from crucible_torch.ray.pipeline import pipeline_fingerprint  # noqa: E402
from crucible_torch.ray.to_ray import DatasetSource, position_ranges  # noqa: E402

NUM_ROWS = 300
FEATURES = Features(
    {
        "id": Value("int64"),
        "text": Value("string"),
        "label": ClassLabel(names=["negative", "positive", "neutral"]),
        "image": Image(),
        "messages": List({"role": Value("string"), "content": Value("string")}),
        "scores": List(List(Value("float32"))),
    }
)


def _png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, size=(3, 4, 3), dtype=np.uint8)
    out = io.BytesIO()
    PILImage.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _rows(n: int) -> dict[str, list]:
    return {
        "id": list(range(n)),
        "text": [f"row {i} " + "word " * (i % 5) for i in range(n)],
        "label": [i % 3 for i in range(n)],
        "image": [{"bytes": _png(i % 4), "path": None} for i in range(n)],
        "messages": [
            [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}] for i in range(n)
        ],
        "scores": [[[float(i), 0.5]] * (i % 3) for i in range(n)],
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Dataset:
    """The split, saved and memory-mapped back (file-backed, as a prepared split is)."""
    path = tmp_path_factory.mktemp("source") / "split"
    Dataset.from_dict(_rows(NUM_ROWS), features=FEATURES).save_to_disk(path)
    return load_from_disk(str(path))


def _without_image(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "image"} for row in rows]


def test_to_ray_exports_the_datasets_order_and_features(ray_cluster, source):
    view = source.shuffle(seed=7).select(range(0, 250, 2))
    exported = view.to_ray()

    assert exported.take_all() == view.to_list()
    metadata_features = features_from_schema_metadata(exported.schema().base_schema)
    assert metadata_features == FEATURES
    assert [row["id"] for row in source.to_ray().take_all()] == list(range(NUM_ROWS))


def test_from_ray_round_trip_keeps_rows_order_features(ray_cluster, source, tmp_path):
    view = source.shuffle(seed=3).filter(lambda row: row["id"] % 4 != 1)

    back = Dataset.from_ray(view.to_ray(), cache_dir=tmp_path)

    assert back.to_list() == view.to_list()
    assert back.features == FEATURES
    assert back.features["label"].names == ["negative", "positive", "neutral"]
    assert back[5]["image"].tobytes() == view[5]["image"].tobytes()
    assert all(f["filename"].startswith(str(tmp_path)) for f in back.cache_files)
    assert back.data.num_rows == len(view)  # the shards themselves, in order: no indices mapping on top


def test_from_ray_fingerprint_follows_source_and_pipeline(ray_cluster, source, tmp_path):
    def add_length(batch: pa.Table) -> pa.Table:
        return batch.append_column("n", pa.compute.utf8_length(batch["text"]))

    def add_twice_length(batch: pa.Table) -> pa.Table:
        return batch.append_column("n", pa.compute.multiply(pa.compute.utf8_length(batch["text"]), 2))

    def run(dataset: Dataset, fn) -> Dataset:
        return Dataset.from_ray(dataset.to_ray().map_batches(fn, batch_format="pyarrow"), cache_dir=tmp_path)

    first = run(source, add_length)
    manifest = [p for p in tmp_path.rglob("manifest.json")]
    again = run(source, add_length)

    assert again._fingerprint == first._fingerprint
    assert again.cache_files == first.cache_files
    assert [p.stat().st_mtime_ns for p in manifest] == [p.stat().st_mtime_ns for p in tmp_path.rglob("manifest.json")]
    assert run(source, add_twice_length)._fingerprint != first._fingerprint
    assert run(source.shuffle(seed=1), add_length)._fingerprint != first._fingerprint
    assert first["n"][:] == [len(t) for t in source["text"]]
    assert first.features["label"] == FEATURES["label"]


def test_a_tampered_manifest_never_becomes_a_path(ray_cluster, source, tmp_path):
    Dataset.from_ray(source.to_ray(), cache_dir=tmp_path)
    (manifest,) = tmp_path.rglob("manifest.json")
    content = json.loads(manifest.read_text())
    content["shards"][0]["file"] = "../../../etc/passwd"
    manifest.write_text(json.dumps(content))

    with pytest.raises(UnsafePathError, match="shard name in"):
        Dataset.from_ray(source.to_ray(), cache_dir=tmp_path)


def test_from_ray_restores_features_a_step_dropped(ray_cluster, source, tmp_path):
    def rebuild(batch: pa.Table) -> pa.Table:  # a new table: no schema metadata
        return pa.table({"label": batch["label"], "messages": batch["messages"], "n": batch["id"]})

    back = Dataset.from_ray(source.to_ray().map_batches(rebuild, batch_format="pyarrow"), cache_dir=tmp_path)

    assert back.features == Features(
        {"label": FEATURES["label"], "messages": FEATURES["messages"], "n": Value("int64")}
    )
    assert back["label"][:] == source["label"][:]


def test_from_ray_of_a_foreign_pipeline_casts_to_features_and_is_never_reused(ray_cluster, tmp_path):
    features = Features({"x": ClassLabel(names=["a", "b", "c"]), "y": Value("float32")})
    items = [{"x": i % 3, "y": i} for i in range(50)]

    first = Dataset.from_ray(ray_data.from_items(items), features=features, cache_dir=tmp_path)
    second = Dataset.from_ray(ray_data.from_items(items), features=features, cache_dir=tmp_path)

    assert first.features == features
    assert first.to_list() == [{"x": i % 3, "y": float(i)} for i in range(50)]
    assert first._fingerprint != second._fingerprint


def test_pipeline_fingerprint_exists_only_for_deterministic_steps(ray_cluster, source):
    def pipeline():
        return source.to_ray().select_columns(["id", "label"]).rename_columns({"id": "k"}).limit(50)

    assert pipeline_fingerprint(pipeline()) is not None
    assert pipeline_fingerprint(pipeline()) == pipeline_fingerprint(pipeline())
    assert pipeline_fingerprint(source.to_ray().limit(40)) != pipeline_fingerprint(source.to_ray().limit(50))
    assert pipeline_fingerprint(source.to_ray().random_sample(0.5)) is None
    assert pipeline_fingerprint(source.to_ray().random_shuffle(seed=1)) is None
    assert pipeline_fingerprint(ray_data.range(10)) is None


def test_a_pipeline_without_rows_gives_an_empty_dataset_with_the_features(ray_cluster, source, tmp_path):
    empty = source.to_ray().filter(expr=col("id") < 0)

    back = Dataset.from_ray(empty, features=FEATURES, cache_dir=tmp_path)

    assert len(back) == 0
    assert back.features == FEATURES


def test_iterable_from_ray_streams_in_order_and_shards_over_ranks(ray_cluster, source, tmp_path):
    view = source.shuffle(seed=11)

    stream = IterableDataset.from_ray(view.to_ray(), cache_dir=tmp_path)

    rows = list(stream)
    assert stream.features == FEATURES
    assert _without_image(rows) == _without_image(view.to_list())
    assert rows[9]["image"].tobytes() == view[9]["image"].tobytes()
    ids = [[row["id"] for row in split_dataset_by_node(stream, rank=r, world_size=2)] for r in range(2)]
    assert not set(ids[0]) & set(ids[1])
    assert sorted(ids[0] + ids[1]) == list(range(NUM_ROWS))


def test_remote_filesystem_gets_shards_written_there(ray_cluster, source, tmp_path):
    remote = pafs.SubTreeFileSystem(str(tmp_path / "bucket"), pafs.LocalFileSystem())
    (tmp_path / "bucket").mkdir()
    view = source.select(range(NUM_ROWS - 1, -1, -3))

    mapped = Dataset.from_ray(view.to_ray(), cache_dir="prefix", filesystem=remote)
    stream = IterableDataset.from_ray(view.to_ray(), cache_dir="prefix", filesystem=remote)

    assert mapped.to_list() == view.to_list()
    assert mapped.features == FEATURES
    assert _without_image(list(stream)) == _without_image(view.to_list())
    written = sorted(p.suffix for p in (tmp_path / "bucket" / "prefix").rglob("data-*"))
    assert set(written) == {".arrow", ".parquet"}
    manifests = [json.loads(p.read_text()) for p in (tmp_path / "bucket").rglob("manifest.json")]
    assert [sum(s["num_rows"] for s in m["shards"]) for m in manifests] == [len(view)] * 2


def test_read_task_slices_the_memory_map_without_copying(ray_cluster, source):
    def allocated_by_reading(dataset: Dataset) -> int:
        task = DatasetSource(dataset).get_read_tasks(1)[0]
        before = pa.total_allocated_bytes()
        blocks = list(task())
        assert sum(b.num_rows for b in blocks) == len(dataset)
        return pa.total_allocated_bytes() - before

    assert allocated_by_reading(source) == 0
    assert allocated_by_reading(source.shuffle(seed=0)) > 0  # an indices mapping is one gather per block


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 300), st.integers(1, 5_000))
def test_position_ranges_cover_the_rows_in_whole_aligned_runs(num_rows, parts, align):
    ranges = position_ranges(num_rows, parts, align)

    starts, stops = [lo for lo, _ in ranges], [hi for _, hi in ranges]
    assert len(ranges) <= parts
    assert starts == ([0, *stops[:-1]] if ranges else [])
    assert (stops[-1] if ranges else 0) == num_rows
    assert all(lo < hi and lo % align == 0 for lo, hi in ranges)
