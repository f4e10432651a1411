"""The result store: four real processes appending to one run at once lose and corrupt nothing; a writer killed
mid-write (for real, and simulated at every byte) leaves only whole batches readable and the next append works;
runs are complete only with their summary; queries and comparisons."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crucible_torch.evaluation import ResultStore

REPO = Path(__file__).resolve().parents[2]
WRITER = """
import sys
from crucible_torch.evaluation.store import ResultStore
root, run_id, worker = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = ResultStore(root)
own = store.create_run({"dataset": "shared", "model": f"m{worker}", "metrics": ["acc"]})
for b in range(60):
    size = 1 + (b * 7 + worker) % 40
    payload = "x" * (b * 997 % 20000) + "é"
    records = [{"worker": worker, "b": b, "i": i, "payload": payload} for i in range(size)]
    store.append(run_id, worker * 1000 + b, records)
    store.append(own, b, records[:1])
store.finish(own, {"aggregates": {"acc": worker / 10}})
"""
ENDLESS = """
import sys
from crucible_torch.evaluation.store import ResultStore
store = ResultStore(sys.argv[1])
b = 0
while True:
    store.append(sys.argv[2], b, [{"b": b, "i": i, "payload": "y" * 50_000} for i in range(100)])
    b += 1
"""


def _python(script: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", script, *args], env=env, stderr=subprocess.PIPE)


def test_four_processes_appending_at_once_lose_and_corrupt_nothing(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    shared = store.create_run({"dataset": "shared", "model": "all", "metrics": ["acc"]})
    workers = [_python(WRITER, str(tmp_path), shared, str(w)) for w in range(4)]
    for proc in workers:
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()[-2000:]
    lines = (tmp_path / shared / "examples.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b"" and all(json.loads(line) for line in lines[:-1]), "every line is whole JSON"
    examples = store.examples(shared)
    assert len(lines) - 1 == len(examples) == sum(1 + (b * 7 + w) % 40 for w in range(4) for b in range(60))
    assert store.finished_batches(shared) == {w * 1000 + b for w in range(4) for b in range(60)}
    by_batch: dict[tuple[int, int], list[dict]] = {}
    for record in examples:
        by_batch.setdefault((record["worker"], record["b"]), []).append(record)
    for (w, b), records in by_batch.items():
        assert [r["i"] for r in records] == list(range(1 + (b * 7 + w) % 40))
        assert all(r["payload"] == "x" * (b * 997 % 20000) + "é" for r in records)
    assert sorted(r.metadata["model"] for r in store.runs()) == ["m0", "m1", "m2", "m3"]
    assert len(store.runs(include_incomplete=True)) == 5
    assert all(len(store.examples(r.run_id)) == 60 for r in store.runs())


def _check_whole(store: ResultStore, run_id: str) -> set[int]:
    """Every readable batch is whole: 100 records, i = 0..99, full payloads. Returns the batch numbers."""
    batches: dict[int, list[dict]] = {}
    for record in store.examples(run_id):
        batches.setdefault(record["b"], []).append(record)
    for records in batches.values():
        assert [r["i"] for r in records] == list(range(100))
        assert all(r["payload"] == "y" * 50_000 for r in records)
    assert set(batches) == store.finished_batches(run_id)
    return set(batches)


def test_a_writer_killed_mid_write_leaves_only_whole_batches(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    run_id = store.create_run({"dataset": "d"})
    path = tmp_path / run_id / "examples.jsonl"
    writer = _python(ENDLESS, str(tmp_path), run_id)
    deadline = time.monotonic() + 120
    while (not path.exists() or path.stat().st_size < 12_000_000) and time.monotonic() < deadline:
        time.sleep(0.005)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    before = _check_whole(store, run_id)
    assert len(before) >= 1
    store.append(run_id, 10_000, [{"b": 10_000, "i": i, "payload": "y" * 50_000} for i in range(100)])
    assert _check_whole(store, run_id) == before | {10_000}


def test_a_write_cut_at_any_byte_is_absent_or_whole(tmp_path: Path) -> None:
    source = ResultStore(tmp_path / "source")
    run_id = source.create_run({"dataset": "d"})
    for b in range(3):
        source.append(run_id, b, [{"b": b, "i": i, "text": f"row {i} of batch {b} ✓"} for i in range(3)])
    data = (tmp_path / "source" / run_id / "examples.jsonl").read_bytes()
    ends = [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]
    batch_ends = ends[2::3]  # the last line of each batch
    for cut in range(len(data) + 1):
        root = tmp_path / "cut"
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(tmp_path / "source", root)
        (root / run_id / "examples.jsonl").write_bytes(data[:cut])
        store = ResultStore(root)
        whole = {b for b, end in enumerate(batch_ends) if end <= cut}
        assert store.finished_batches(run_id) == whole, cut
        assert [r["b"] for r in store.examples(run_id)] == [b for b in sorted(whole) for _ in range(3)]
        store.append(run_id, 7, [{"b": 7, "i": 0, "text": "after the cut"}])
        # the next writer ends a torn line; one cut just before its newline held the whole record after all
        whole |= {b for b, end in enumerate(batch_ends) if end - 1 == cut}
        assert store.finished_batches(run_id) == whole | {7}, cut
        assert store.examples(run_id)[-1] == {"b": 7, "i": 0, "text": "after the cut"}


def test_a_batch_written_twice_counts_once(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    run_id = store.create_run({})
    store.append(run_id, 0, [{"v": 1}, {"v": 2}])
    store.append(run_id, 0, [{"v": 3}])
    store.append(run_id, 1, [{"v": 4}])
    assert store.examples(run_id) == [{"v": 1}, {"v": 2}, {"v": 4}]


def test_runs_are_complete_only_with_a_summary_written_once(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    run_id = store.create_run({"dataset": "d", "model": "m", "metrics": ["f1"]})
    assert store.runs() == [] and not store.run(run_id).complete
    store.finish(run_id, {"aggregates": {"f1": 0.5}})
    assert store.run(run_id).complete and store.run(run_id).aggregates == {"f1": 0.5}
    with pytest.raises(FileExistsError, match="append-only"):
        store.finish(run_id, {"aggregates": {"f1": 0.9}})
    assert store.run(run_id).aggregates == {"f1": 0.5}
    with pytest.raises(FileExistsError):
        store.create_run({}, run_id=run_id)
    assert not [p for p in (tmp_path / run_id).iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("bad", ["../escape", "a/b", ".hidden", ""])
def test_run_ids_are_plain_names(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="plain directory name"):
        ResultStore(tmp_path).create_run({}, run_id=bad)


def test_query_by_dataset_model_metric_and_time(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    ids = {}
    for dataset, model, metric in [("gsm8k", "a", "exact_match"), ("gsm8k", "b", "f1"), ("mmlu", "a", "accuracy")]:
        ids[dataset, model] = store.create_run({"dataset": dataset, "model": model, "metrics": [metric]})
        store.finish(ids[dataset, model], {"aggregates": {metric: 1.0}})
        time.sleep(0.002)
    runs = store.runs()
    assert [r.run_id for r in runs] == list(ids.values()), "oldest first"
    assert [r.run_id for r in store.runs(dataset="gsm8k")] == [ids["gsm8k", "a"], ids["gsm8k", "b"]]
    assert [r.run_id for r in store.runs(model="a")] == [ids["gsm8k", "a"], ids["mmlu", "a"]]
    assert [r.run_id for r in store.runs(metric="f1")] == [ids["gsm8k", "b"]]
    middle = runs[1].created
    assert [r.run_id for r in store.runs(since=middle)] == [ids["gsm8k", "b"], ids["mmlu", "a"]]
    assert [r.run_id for r in store.runs(until=middle)] == [ids["gsm8k", "a"]]
    future = datetime.now(timezone.utc) + timedelta(days=1)
    assert store.runs(since=future) == [] and len(store.runs(until=future.replace(tzinfo=None))) == 3


def test_compare_gives_deltas_and_disagreeing_examples(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    runs = []
    for predictions, scores in ((["4", "5", "6"], [1.0, 0.0, 1.0]), (["4", "7", "9"], [1.0, 1.0, 0.0])):
        run_id = store.create_run({"dataset": "d"})
        store.append(
            run_id, 0, [{"index": i, "prediction": p, "em": s} for i, (p, s) in enumerate(zip(predictions, scores))]
        )
        store.append(run_id, 1, [{"index": 3 + len(runs), "prediction": "x", "em": 0.0}])
        store.finish(run_id, {"aggregates": {"em": sum(scores) / 3}, "score_columns": ["em"]})
        runs.append(run_id)
    comparison = store.compare(*runs)
    assert comparison.deltas == {"em": (2 / 3, 2 / 3, 0.0)}
    assert [d["index"] for d in comparison.disagreements] == [1, 2]
    assert comparison.disagreements[0] == {
        "index": 1,
        "scores": {"em": (0.0, 1.0)},
        "prediction_a": "5",
        "prediction_b": "7",
    }
    assert (comparison.only_in_a, comparison.only_in_b) == ([3], [4])
