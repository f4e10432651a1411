"""Smoke test of the benchmark harness: ``--quick`` on tiny data for one workload prints a complete table.

No timing is asserted: only that every engine ran in its own subprocess and the table has one row per engine
with numeric medians, ratios and memory figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _table(stdout: str) -> list[dict[str, str]]:
    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")))) for line in lines[2:]]


def _ratio(cell: str) -> float:
    assert cell.endswith("x"), cell
    return float(cell[:-1])


def test_quick_cold_load_prints_a_row_per_engine_with_numeric_ratios(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run_all",
            "--quick",
            "--only",
            "cold_load",
            "--rows",
            "2000",
            "--data-dir",
            str(tmp_path / "data"),
            "--json",
            str(tmp_path / "results.json"),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _table(proc.stdout)
    workloads = ["first row", "last row", "last row after load", "first shuffled batch", "prepare"]
    assert [(r["workload"], r["engine"]) for r in rows] == [
        (w, e) for w in workloads for e in ("crucible", "datasets", "bare")
    ]
    for workload in workloads:
        by_engine = {r["engine"]: r for r in rows if r["workload"] == workload}
        assert _ratio(by_engine["datasets"]["vs datasets"]) == 1.0
        assert _ratio(by_engine["bare"]["vs bare"]) == 1.0
        for row in by_engine.values():
            assert row["metric"].startswith("s ")
            assert float(row["median"].replace(",", "")) > 0 or workload == "last row after load"
            assert float(row["peak RSS MB"]) > 0 and float(row["tree PSS MB"]) > 0
    targets = {(r["workload"], r["target"]) for r in rows if r["engine"] == "crucible" and r["target"]}
    assert targets == {
        ("last row", "<= 0.5x datasets"),
        ("last row after load", "<= 0.3"),
        ("prepare", "<= 1.15x bare"),
    }
    assert all(r["met"] in ("yes", "NO") for r in rows if r["target"])
    assert (tmp_path / "results.json").exists()


def test_readme_blocks_are_regenerated_from_the_rows(tmp_path: Path) -> None:
    from benchmarks.harness import Row, Run, Target
    from benchmarks.readme import write_results

    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "README.md").write_text("x\n<!-- results:start -->\nold\n<!-- results:end -->\ny\n")
    (tmp_path / "README.md").write_text("a\n<!-- performance:start -->\n<!-- performance:end -->\nb\n")
    runs = {"crucible": [1.0, 3.0, 2.0], "datasets": [4.0, 4.0, 5.0], "bare": [2.0, 2.0, 2.0]}
    rows = [
        Row("w", engine, "rows/s", [Run(v, 1, 1, 1) for v in values], [Target("crucible", "datasets", ">=", 0.4)])
        for engine, values in runs.items()
    ]
    rows[1].targets = rows[2].targets = []
    rows.append(Row("limit", "onethread", "images/s", [Run(v, 1, 1, 1) for v in (7.0, 9.0, 8.0)], []))
    write_results(rows, "a machine", "3 runs", "python -m benchmarks.run_all", root=tmp_path)
    detail = (tmp_path / "benchmarks" / "README.md").read_text()
    assert detail.startswith("x\n<!-- results:start -->\nMachine: a machine.") and "old" not in detail
    assert "| w | crucible | rows/s | 2 | 1 3 2 | 0.50x | 1.00x |" in detail and detail.endswith("-->\ny\n")
    summary = (tmp_path / "README.md").read_text()
    assert "| w | rows/s | 2 | 4 | 2 |  | 0.50x | 1.00x | >= 0.4x datasets | yes |" in summary
    assert "| limit (onethread) | images/s |  |  |  | onethread 8 |  |  |  |  |" in summary  # no crucible row


def test_quick_metrics_workload_scores_equal_to_the_references(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    args = ["--quick", "--only", "metrics", "--rows", "300", "--data-dir", str(tmp_path / "data")]
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run_all", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]  # the workload fails when the scores differ
    rows = _table(proc.stdout)
    assert [(r["workload"], r["engine"]) for r in rows] == [
        ("corpus_bleu", "crucible"),
        ("corpus_bleu", "sacrebleu"),
        ("rouge_l", "crucible"),
        ("rouge_l", "rouge-score"),
    ]
    assert "(equal to 1e-9)" in proc.stdout
