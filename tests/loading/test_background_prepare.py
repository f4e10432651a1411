"""Parquet splits prepared in the background: rows served while the Arrow file is written, same results."""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

import crucible_torch as ct
from crucible_torch.datasets.source_units import SourceUnits
from crucible_torch.errors import DataFileError
from crucible_torch.hub.lock import FileLock

ROWS = 60_000


def _parquet(path: Path, rows: int = ROWS, row_group: int = 2_000) -> list[dict]:
    data = [{"id": i, "text": f"row {i} " + "x" * (i % 50)} for i in range(rows)]
    pq.write_table(pa.Table.from_pylist(data), path, row_group_size=row_group)
    return data


def test_rows_read_during_conversion_equal_the_source(tmp_path: Path) -> None:
    data = _parquet(tmp_path / "train.parquet")
    ds = ct.load_dataset("parquet", data_files=str(tmp_path / "train.parquet"), split="train")
    assert len(ds) == ROWS and ds.column_names == ["id", "text"]
    assert ds[0] == data[0] and ds[ROWS - 1] == data[-1]
    assert list(ds) == data
    assert ds.shuffle(seed=3)[:100] == ct.Dataset.from_list(data).shuffle(seed=3)[:100]


def test_dataloader_workers_forked_during_conversion_see_the_whole_file(tmp_path: Path) -> None:
    _parquet(tmp_path / "train.parquet")
    ds = ct.load_dataset("parquet", data_files=str(tmp_path / "train.parquet"), split="train")
    loader = torch.utils.data.DataLoader(ds, batch_size=4096, num_workers=2, collate_fn=ds.collate_fn)
    ids = torch.cat([batch["id"] for batch in loader])
    assert ids.tolist() == list(range(ROWS))


def test_pickling_waits_for_the_file(tmp_path: Path) -> None:
    _parquet(tmp_path / "train.parquet")
    ds = ct.load_dataset("parquet", data_files=str(tmp_path / "train.parquet"), split="train")
    copy = pickle.loads(pickle.dumps(ds))
    assert copy[ROWS // 2] == ds[ROWS // 2] and copy.cache_files == ds.cache_files


def test_a_corrupt_row_group_fails_when_its_rows_are_needed(tmp_path: Path) -> None:
    path = tmp_path / "train.parquet"
    _parquet(path, rows=20_000, row_group=1_000)
    meta = pq.ParquetFile(path).metadata
    column = meta.row_group(10).column(1)
    raw = bytearray(path.read_bytes())
    start = column.data_page_offset
    raw[start : start + 200] = b"\x00" * 200
    path.write_bytes(bytes(raw))
    ds = ct.load_dataset("parquet", data_files=str(path), split="train")
    with pytest.raises(DataFileError, match=r"train\.parquet.*row group 10"):
        ds.to_list()
    assert not ds.cache_files or not Path(ds.cache_files[0]["filename"]).exists(), "no half-written cache"


def test_a_script_that_exits_at_once_still_leaves_a_complete_cache(tmp_path: Path) -> None:
    _parquet(tmp_path / "train.parquet")
    script = (
        "import crucible_torch as ct\n"
        f"ds = ct.load_dataset('parquet', data_files={str(tmp_path / 'train.parquet')!r}, split='train')\n"
        "print(ds.cache_files[0]['filename'])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300)
    cached = Path(out.stdout.strip())
    assert cached.exists()
    assert pa.ipc.open_stream(pa.memory_map(str(cached))).read_all().num_rows == ROWS


def test_a_row_count_that_differs_from_the_metadata_never_reaches_the_cache(tmp_path: Path) -> None:
    """The source changed while it was read: the error is raised and the file is not published, so the next
    load converts again instead of serving a wrong file."""
    from crucible_torch.arrow.files import RowCountError
    from crucible_torch.datasets.preparing import Conversion

    path = tmp_path / "prepared" / "train.arrow"
    table = pa.table({"id": list(range(5))})
    conversion = Conversion(path, table.schema, SourceUnits([0, 10], lambda unit: table))
    with pytest.raises(RowCountError, match="wrote 5 rows but the source metadata said 10"):
        conversion.wait()
    assert not path.exists() and list(path.parent.iterdir()) == []


def _blocked_split(tmp_path: Path, rows: int = ROWS) -> tuple[str, str, list[dict], Path, FileLock]:
    """A parquet split whose cache lock is held, as by another process converting it: a load of it waits for
    that conversion and serves every row from the parquet file. Returns (file, cache dir, rows, the Arrow
    file that will appear, the held lock)."""
    source = tmp_path / "train.parquet"
    data = _parquet(source, rows=rows)
    probe = ct.load_dataset("parquet", data_files=str(source), split="train", cache_dir=str(tmp_path / "probe"))
    relative = Path(probe.cache_files[0]["filename"]).relative_to(tmp_path / "probe")
    final = tmp_path / "cache" / relative
    lock = FileLock(final.with_name(f".{final.name}.lock"))
    assert lock.try_acquire()
    return str(source), str(tmp_path / "cache"), data, final, lock


def _releasing(fn, lock: FileLock, final: Path, total: int, batched: bool, existed: list[bool]):
    """``fn``, recording at each call whether the Arrow file exists yet, and releasing ``lock`` once it has seen
    ``total`` rows (the map's result then needs the whole file, which the released conversion writes)."""
    seen = [0]

    def wrapped(first, *args):
        existed.append(final.exists())
        seen[0] += len(first["id"]) if batched else 1
        if seen[0] >= total:
            lock.release()
        return fn(first, *args)

    return wrapped


MAPS = {
    "batched": (lambda b: {"n": [len(t) for t in b["text"]]}, {"batched": True}),
    "rows with indices": (lambda r, i: {"text": r["text"].upper(), "i2": i * 2}, {"with_indices": True}),
    "odd batches, removed column": (
        lambda b: {"len": [len(t) for t in b["text"]]},
        {"batched": True, "batch_size": 777, "remove_columns": ["text"]},
    ),
    "more rows than in": (
        lambda b: {"id": b["id"] + b["id"]},
        {"batched": True, "batch_size": 1000, "remove_columns": ["text"]},
    ),
}


@pytest.mark.parametrize("name", list(MAPS))
def test_map_while_the_split_is_prepared_equals_map_over_the_prepared_split(tmp_path: Path, name: str) -> None:
    """The pipelined map (rows straight from the parquet file, the conversion blocked meanwhile) and the map over
    the finished, memory-mapped file give the same rows and features as a map over the rows in memory."""
    fn, kwargs = MAPS[name]
    source, cache, data, final, lock = _blocked_split(tmp_path, rows=12_000)
    existed: list[bool] = []
    ds = ct.load_dataset("parquet", data_files=source, split="train", cache_dir=cache)
    wrapped = _releasing(fn, lock, final, len(data), kwargs.get("batched", False), existed)
    pipelined = ds.map(wrapped, **kwargs)
    assert existed and not any(existed), "every batch was mapped before the prepared file existed"
    assert ds.data.num_rows == len(data)  # the conversion, released by the last call, finishes
    prepared = ct.load_dataset("parquet", data_files=source, split="train", cache_dir=cache)
    assert final.exists() and prepared.cache_files[0]["filename"] == str(final)
    after = prepared.map(fn, load_from_cache_file=False, **kwargs)
    reference = ct.Dataset.from_list(data).map(fn, **kwargs)
    assert pipelined.to_list() == after.to_list() == reference.to_list()
    assert pipelined.features == after.features == reference.features


@pytest.mark.parametrize("name", ["batched", "rows with indices"])
def test_map_started_at_once_after_a_cold_load_equals_the_in_memory_map(tmp_path: Path, name: str) -> None:
    """The map runs alongside the conversion (whatever it catches of it: rows in memory, in the temp file, or
    read from the source ahead of the writer); its result does not depend on which."""
    fn, kwargs = MAPS[name]
    data = _parquet(tmp_path / "train.parquet", rows=ROWS, row_group=1_500)
    ds = ct.load_dataset("parquet", data_files=str(tmp_path / "train.parquet"), split="train")
    mapped = ds.map(fn, **kwargs)
    assert mapped.to_list() == ct.Dataset.from_list(data).map(fn, **kwargs).to_list()


@pytest.mark.parametrize("chunk_bytes", [1, 1 << 30], ids=["a chunk per unit", "units held for one chunk"])
def test_rows_come_from_the_temp_file_memory_or_the_source_and_equal_the_file(tmp_path, monkeypatch, chunk_bytes):
    """A conversion stopped inside unit 6 (its reader blocks): rows behind the writer come from the temp file
    (or from memory while units wait to be coalesced), rows far ahead from the source; all equal the file."""

    from crucible_torch.datasets import preparing

    monkeypatch.setattr(preparing, "PREPARED_CHUNK_BYTES", chunk_bytes)
    table = pa.table({"id": list(range(1000)), "text": [f"r{i}" * (i % 9) for i in range(1000)]})
    reached, resume = threading.Event(), threading.Event()

    def read(unit: int) -> pa.Table:
        if unit == 6:
            reached.set()
            assert resume.wait(60)
        return table.slice(unit * 100, 100)

    sizes = [table.slice(u * 100, 100).nbytes for u in range(10)]
    units = SourceUnits(range(0, 1001, 100), read, sizes)
    conversion = preparing.Conversion(tmp_path / "t.arrow", table.schema, units)
    assert reached.wait(60)
    deadline = time.monotonic() + 60

    def stopped_at_unit_6() -> bool:
        if chunk_bytes == 1:  # every unit its own chunk: units 0-5 are in the temp file
            return bool(conversion._chunks) and conversion._chunks[-1][0] >= 600
        return all(u in conversion._held for u in range(6))  # one chunk for all: units 0-5 wait in memory

    while not stopped_at_unit_6():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    preparing_table = preparing.PreparingTable(conversion)
    for start, stop in [(0, 150), (250, 260), (90, 510), (880, 1000), (999, 1000)]:
        assert preparing_table.slice_rows(start, stop).to_pylist() == table.slice(start, stop - start).to_pylist()
    picks = np.array([5, 950, 120, 999, 101])
    assert preparing_table.gather(picks).to_pylist() == table.take(picks).to_pylist()
    assert not (tmp_path / "t.arrow").exists()
    resume.set()
    conversion.wait()
    assert pa.ipc.open_stream(pa.memory_map(str(tmp_path / "t.arrow"))).read_all().equals(table)


def test_units_are_grouped_into_chunks_unless_their_rows_are_wide_or_of_unknown_size() -> None:

    offsets = [0, 100, 200, 300, 400, 500, 600]
    narrow = SourceUnits(offsets, lambda unit: None, [40_000] * 6)  # 400 bytes a row
    assert narrow.groups(100_000) == [range(0, 2), range(2, 4), range(4, 6)]
    assert narrow.groups(10**9) == [range(0, 6)]
    assert narrow.groups(1) == [range(u, u + 1) for u in range(6)]
    mixed = SourceUnits(offsets, lambda unit: None, [40_000, 40_000, None, 40_000, 8_000_000, 40_000])
    assert mixed.groups(10**9) == [range(0, 2), range(2, 3), range(3, 4), range(4, 5), range(5, 6)]


def test_dataloader_workers_forked_while_another_process_converts_serve_rows_without_waiting(tmp_path: Path) -> None:
    """Forking does not wait for a conversion a child can wait for itself through the lock file: with the split's
    lock held elsewhere the whole epoch runs in 2 workers from the parquet file, and equals it."""
    source, cache, data, final, lock = _blocked_split(tmp_path, rows=12_000)
    ds = ct.load_dataset("parquet", data_files=source, split="train", cache_dir=cache)
    loader = torch.utils.data.DataLoader(ds, batch_size=1_000, num_workers=2, collate_fn=ds.collate_fn)
    batches: list = []
    epoch = threading.Thread(target=lambda: batches.extend(loader), daemon=True)
    epoch.start()
    epoch.join(timeout=240)
    assert not epoch.is_alive(), "forking the workers waited for a conversion that cannot end while the lock is held"
    assert torch.cat([b["id"] for b in batches]).tolist() == [row["id"] for row in data]
    assert [t for b in batches for t in b["text"]] == [row["text"] for row in data]
    assert not final.exists(), "the epoch ran while the split was still unconverted"
    lock.release()
    assert ds.data.num_rows == len(data) and final.exists()
    assert torch.cat([b["id"] for b in loader]).tolist() == [row["id"] for row in data]  # from the file now
