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
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _table(proc.stdout)
    assert [(r["workload"], r["engine"]) for r in rows] == [
        ("cold_load", "crucible"),
        ("cold_load", "datasets"),
        ("cold_load", "bare"),
    ]
    by_engine = {r["engine"]: r for r in rows}
    assert _ratio(by_engine["datasets"]["vs datasets"]) == 1.0
    assert _ratio(by_engine["bare"]["vs bare"]) == 1.0
    for row in rows:
        assert row["metric"] == "s to first row"
        assert float(row["median"].replace(",", "")) > 0
        assert _ratio(row["vs datasets"]) > 0 and _ratio(row["vs bare"]) > 0
        assert float(row["peak RSS MB"]) > 0 and float(row["tree PSS MB"]) > 0
    assert by_engine["crucible"]["target"] == "<= 0.7x datasets"
    assert by_engine["crucible"]["met"] in ("yes", "NO")
    assert (tmp_path / "results.json").exists()


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
