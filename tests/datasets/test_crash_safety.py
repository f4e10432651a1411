"""Every writer, killed mid-write in a real process, leaves its destination absent or as the previous complete
version: exports, ``save_to_disk`` (same and fewer shards), prepared splits (foreground and background), ``map``
caches and the streaming plan cache. The kill comes from the kernel at a chosen byte (``safety_helpers``)."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from safety_helpers import killed_mid_write, needs_fsize_limit

from crucible_torch import Dataset, DatasetDict, load_dataset, load_from_disk

pytestmark = needs_fsize_limit

LIMIT = 256 << 10  # every file a child writes stops here; each destination below is bigger


def rows(n: int, width: int = 1) -> dict[str, list]:
    """Rows that do not compress much (sha256 hex), ``width`` times 64 characters each."""
    return {"i": list(range(n)), "h": [hashlib.sha256(str(i).encode()).hexdigest() * width for i in range(n)]}


@pytest.mark.parametrize(
    ("method", "kwargs"), [("to_parquet", {}), ("to_json", {}), ("to_json", {"lines": False}), ("to_csv", {})]
)
@pytest.mark.parametrize("previous", [False, True], ids=["fresh", "over-previous"])
def test_killed_export_leaves_nothing_or_the_previous_file(tmp_path, method, kwargs, previous):
    dest = tmp_path / "out" / f"export.{method}"
    before = None
    if previous:
        dest.parent.mkdir()
        getattr(Dataset.from_dict(rows(50)), method)(str(dest), **kwargs)
        before = dest.read_bytes()
    big = Dataset.from_dict(rows(40_000))
    killed_mid_write(lambda: getattr(big, method)(str(dest), **kwargs), LIMIT)
    if previous:
        assert dest.read_bytes() == before
    else:
        assert not dest.exists()


def test_exports_still_write_to_buffers(tmp_path):
    import io

    ds = Dataset.from_dict(rows(20))
    buffer = io.BytesIO()
    ds.to_parquet(buffer)
    assert pq.read_table(pa.BufferReader(buffer.getvalue())).to_pydict() == rows(20)
    text = io.StringIO()
    ds.to_json(text)
    assert [json.loads(line) for line in text.getvalue().splitlines()] == ds.to_list()
    raw = io.BytesIO()
    ds.to_csv(raw)
    assert raw.getvalue().decode().splitlines()[0] == '"i","h"'


def lopsided() -> Dataset:
    """4000 rows whose first half (shard 0 of 2, ~150 KB) is written whole and second half (~5 MB) is cut."""
    short = rows(2000)["h"]
    return Dataset.from_dict({"i": list(range(4000)), "h": short + [s * 40 for s in short]})


@pytest.mark.parametrize("shards_before", [None, 2, 4], ids=["fresh", "same-shard-count", "fewer-shards"])
def test_killed_save_to_disk_leaves_nothing_or_the_previous_save(tmp_path, shards_before):
    dest = tmp_path / "saved"
    old = Dataset.from_dict(rows(40))
    if shards_before:
        old.save_to_disk(dest, num_shards=shards_before)
    new = lopsided()
    killed_mid_write(lambda: new.save_to_disk(dest, num_shards=2), LIMIT)
    try:
        survivor = load_from_disk(str(dest))
    except FileNotFoundError:  # absent: no state.json (DatasetNotFoundError) or no folder
        survivor = None
    if survivor is not None:
        assert survivor.to_dict() == old.to_dict(), "a mixture of two saves was left behind"
    shards = sorted(p.name for p in dest.glob("data-*.arrow")) if dest.exists() else []
    if survivor is None:
        assert not (dest / "state.json").exists()
    else:
        assert shards == [f"data-{i:05d}-of-{shards_before:05d}.arrow" for i in range(shards_before)]


def test_resave_with_fewer_shards_leaves_no_stale_shards(tmp_path):
    dest = tmp_path / "saved"
    Dataset.from_dict(rows(40)).save_to_disk(dest, num_shards=4)
    (dest / "notes.txt").write_text("mine")  # not ours: kept
    new = Dataset.from_dict(rows(10, width=2))
    new.save_to_disk(dest, num_shards=2)
    assert sorted(p.name for p in dest.iterdir()) == [
        "data-00000-of-00002.arrow",
        "data-00001-of-00002.arrow",
        "dataset_info.json",
        "notes.txt",
        "state.json",
    ]
    assert load_from_disk(str(dest)).to_dict() == new.to_dict()
    assert load_dataset(str(dest), split="train").to_dict() == new.to_dict()  # a glob of the folder sees no mixture


def test_killed_dataset_dict_save_reads_as_absent_never_mixed(tmp_path):
    dest = tmp_path / "saved"
    DatasetDict({"train": Dataset.from_dict(rows(40)), "test": Dataset.from_dict(rows(8))}).save_to_disk(dest)
    new = DatasetDict({"train": lopsided(), "test": lopsided()})
    killed_mid_write(lambda: new.save_to_disk(dest, num_shards={"train": 2, "test": 2}), LIMIT)
    assert not (dest / "dataset_dict.json").exists()
    with pytest.raises(FileNotFoundError):
        load_from_disk(str(dest))


@pytest.mark.parametrize("builder", ["csv", "parquet"], ids=["foreground", "background"])
def test_killed_preparation_leaves_no_prepared_split(tmp_path, builder):
    data = rows(40_000)
    source = tmp_path / f"data.{builder}"
    if builder == "csv":
        source.write_text("i,h\n" + "".join(f"{i},{h}\n" for i, h in zip(data["i"], data["h"])))
    else:
        pq.write_table(pa.table(data), source, row_group_size=2000)
    cache = tmp_path / "prepared"

    def prepare() -> None:
        load_dataset(builder, data_files=str(source), split="train", cache_dir=str(cache)).to_list()

    killed_mid_write(prepare, LIMIT)
    assert not [p for p in cache.rglob("*.arrow") if not p.name.startswith(".")]
    ds = load_dataset(builder, data_files=str(source), split="train", cache_dir=str(cache))
    assert ds.to_dict() == data


def test_killed_map_leaves_no_cache_file(tmp_path):
    source = tmp_path / "data.parquet"
    pq.write_table(pa.table(rows(40_000)), source)
    cache = tmp_path / "prepared"
    ds = load_dataset("parquet", data_files=str(source), split="train", cache_dir=str(cache))
    ds.to_list()  # prepared whole before the fork
    killed_mid_write(lambda: ds.map(lambda b: {"h2": [h * 2 for h in b["h"]]}, batched=True), LIMIT)
    assert not list(cache.rglob("cache-*.arrow"))
    mapped = ds.map(lambda b: {"h2": [h * 2 for h in b["h"]]}, batched=True)
    assert mapped["h2"][:3] == [h * 2 for h in rows(3)["h"]]


def test_killed_plan_cache_write_leaves_no_plan(tmp_path, monkeypatch):
    source = tmp_path / "data.jsonl"  # over 1 MB, JSON Lines units need counting: what the plan cache keeps
    data = rows(6000, width=4)
    source.write_text("".join(json.dumps({"i": i, "h": h}) + "\n" for i, h in zip(data["i"], data["h"])))
    cache = tmp_path / "prepared"
    monkeypatch.setenv("CRUCIBLE_TORCH_CACHE", str(cache))
    killed_mid_write(lambda: load_dataset("json", data_files=str(source), split="train", streaming=True), 64)
    assert not [p for p in cache.rglob("*.json") if not p.name.startswith(".")]
    first = next(iter(load_dataset("json", data_files=str(source), split="train", streaming=True)))
    assert first == {"i": 0, "h": data["h"][0]}
    assert len([p for p in cache.rglob("*.json") if not p.name.startswith(".")]) == 1
