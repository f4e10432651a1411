"""Parquet splits prepared in the background: rows served while the Arrow file is written, same results."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

import crucible_torch as ct
from crucible_torch.errors import DataFileError

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
    from crucible_torch.datasets.preparing import PreparingTable

    path = tmp_path / "prepared" / "train.arrow"
    table = pa.table({"id": list(range(5))})
    preparing = PreparingTable(path, table.schema, 10, iter([table]))
    with pytest.raises(RowCountError, match="wrote 5 rows but the source metadata said 10"):
        preparing.wait()
    assert not path.exists() and list(path.parent.iterdir()) == []
