"""A split is converted once per cache directory, whatever the number of processes loading it at once.

Real processes: N children released together each call ``load_dataset`` on the same cold split; a log written
by every ``ArrowWriter`` they create counts the conversions. A converter killed mid-write (SIGKILL, so nothing
of it runs) must not block the next load: the kernel releases its lock, the waiting process converts, removes
the dead writer's temp file and publishes a whole file. While it waits, rows come from the parquet files and
equal the rows of the finished file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crucible_torch as ct

ROWS = 200_000
GROUP = 10_000
PROCESSES = 4

# Every ArrowWriter a child creates appends its destination to the log, so the parent counts conversions.
_COUNTING = """
import os, sys, time, json
from crucible_torch.arrow import files
_original = files.ArrowWriter.__init__
def _counted(self, path, *args, **kwargs):
    with open({log!r}, "a") as log:
        log.write(f"{{os.getpid()}} {{path}}\\n")
    _original(self, path, *args, **kwargs)
files.ArrowWriter.__init__ = _counted
import crucible_torch as ct
"""


def _write_source(folder: Path, builder: str) -> tuple[list[str], list[dict]]:
    folder.mkdir(parents=True)
    rows = [{"id": i, "text": f"row {i} " + "y" * (i % 37)} for i in range(ROWS)]
    table = pa.Table.from_pylist(rows)
    if builder == "parquet":
        paths = [folder / "a.parquet", folder / "b.parquet"]
        half = ROWS // 2
        pq.write_table(table.slice(0, half), paths[0], row_group_size=GROUP)
        pq.write_table(table.slice(half), paths[1], row_group_size=GROUP)
    else:
        paths = [folder / "a.jsonl"]
        paths[0].write_text("".join(json.dumps(r) + "\n" for r in rows))
    return [str(p) for p in paths], rows


def _rows_of_group(group: int) -> st.SearchStrategy[int]:
    return st.integers(group * GROUP, (group + 1) * GROUP - 1)


def _child(script: str, log: Path) -> subprocess.Popen:
    code = _COUNTING.format(log=str(log)) + textwrap.dedent(script)
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )


def _conversions(log: Path, name: str = "train.arrow") -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if line.endswith(f"/{name}")]


@pytest.mark.parametrize("builder", ["parquet", "json"])
def test_concurrent_cold_loads_convert_once(tmp_path: Path, builder: str) -> None:
    files, rows = _write_source(tmp_path / "data", builder)
    cache, log, go = tmp_path / "cache", tmp_path / "writers.log", tmp_path / "go"
    script = f"""
    open({str(tmp_path)!r} + f"/ready-{{os.getpid()}}", "w").close()
    while not os.path.exists({str(go)!r}):
        time.sleep(0.005)
    ds = ct.load_dataset({builder!r}, data_files={files!r}, split="train", cache_dir={str(cache)!r})
    table = ds.data
    print(json.dumps({{"rows": table.num_rows, "ids": sum(table.column("id").to_pylist()),
                       "file": ds.cache_files[0]["filename"]}}))
    """
    children = [_child(script, log) for _ in range(PROCESSES)]
    try:
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("ready-*"))) < PROCESSES:
            assert time.monotonic() < deadline, "children did not start"
            assert all(c.poll() is None for c in children), [c.communicate()[1][-2000:] for c in children]
            time.sleep(0.01)
        go.touch()
        outputs = [c.communicate(timeout=300) for c in children]
    finally:
        for c in children:
            c.kill()
    assert all(c.returncode == 0 for c in children), [err[-2000:] for _, err in outputs]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    expected = {"rows": ROWS, "ids": sum(r["id"] for r in rows), "file": results[0]["file"]}
    assert results == [expected] * PROCESSES
    assert len(_conversions(log)) == 1, log.read_text()
    folder = Path(expected["file"]).parent
    assert sorted(p.name for p in folder.iterdir()) == [".train.arrow.lock", "train.arrow"]


def test_a_killed_converter_releases_the_lock_and_rows_are_served_meanwhile(tmp_path: Path) -> None:
    files, rows = _write_source(tmp_path / "data", "parquet")
    cache, log = tmp_path / "cache", tmp_path / "writers.log"
    # The child converts the first chunk, then hangs inside the conversion holding the lock.
    script = f"""
    from crucible_torch.datasets import source_units
    _tables = source_units.SourceUnits.tables
    def _stuck(self, *args):
        units = _tables(self, *args)
        yield next(units)
        print("stuck", flush=True)
        time.sleep(3600)
    source_units.SourceUnits.tables = _stuck
    ds = ct.load_dataset("parquet", data_files={files!r}, split="train", cache_dir={str(cache)!r})
    ds.data
    """
    child = _child(script, log)
    try:
        assert child.stdout.readline().strip() == "stuck", child.stderr.read()[-3000:]
        ds = ct.load_dataset("parquet", data_files=files, split="train", cache_dir=str(cache))
        final = Path(ds.cache_files[0]["filename"])
        assert len(ds) == ROWS and ds.column_names == ["id", "text"]
        early = {"first": ds[0], "last": ds[-1], "middle": ds[ROWS // 2 + 3], "slice": ds[12_345:12_360]}
        early["select"] = ds.select([ROWS - 1, 7, 150_001]).to_list()
        early["take"] = ds.take(5).to_list()
        expected = pq.read_table(files).to_pylist()

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.data())
        def rows_equal_the_source(data: st.DataObject) -> None:
            start = data.draw(st.integers(0, ROWS - 1))
            stop = data.draw(st.integers(start, min(ROWS, start + 30_000)))
            assert ds[start:stop] == {k: [r[k] for r in expected[start:stop]] for k in ("id", "text")}
            # A gather served before the file is complete touches at most 4 row groups (larger ones wait for it).
            groups = data.draw(st.lists(st.integers(0, ROWS // GROUP - 1), min_size=1, max_size=4))
            picks = data.draw(st.lists(st.sampled_from(groups).flatmap(_rows_of_group), max_size=20))
            assert ds.select(picks).to_list() == [expected[p] for p in picks]

        rows_equal_the_source()
        assert not final.exists(), "the rows above were read while the split was still being prepared"
        assert len(_conversions(log)) == 1
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        child.kill()
        child.wait()
    assert ds.data.num_rows == ROWS  # the kernel released the dead child's lock; this process converted
    assert sorted(p.name for p in final.parent.iterdir()) == [".train.arrow.lock", "train.arrow"]
    again = ct.load_dataset("parquet", data_files=files, split="train", cache_dir=str(cache))
    assert again[0] == early["first"] == rows[0] and again[-1] == early["last"] == rows[-1]
    assert again[ROWS // 2 + 3] == early["middle"] and again[12_345:12_360] == early["slice"]
    assert early["select"] == [rows[ROWS - 1], rows[7], rows[150_001]] and early["take"] == rows[:5]
