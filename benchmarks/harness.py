"""Benchmark harness: each engine run in a fresh subprocess, its memory sampled, medians, ratios, one table.

A run is ``python -m benchmarks.harness <module> <function> <payload.json> <result.json>``: the child calls
``module.function(**payload)``, which times its own measured section and returns a dict holding ``value``
(the metric) and any extras. The parent waits for it and records three memory figures:

- ``peak_rss_mb``: the kernel's peak resident set of the largest single process of the run: the child's own
  ``VmHWM`` or, if larger, the ``ru_maxrss`` of its reaped DataLoader workers. (The parent's view,
  ``wait4``'s ``ru_maxrss``, would include the pre-``exec`` copy of the parent.) It counts the memory-mapped
  file pages the process touched.
- ``peak_pss_mb``: the peak, sampled every 50 ms, of the proportional set size summed over the process tree
  (the child and its workers), so pages shared by forked workers count once.
- ``peak_anon_mb``: the same sum for anonymous memory only (``Pss_Anon``): what the run really allocated,
  leaving out file pages the kernel can drop at any time (the memory-mapped Arrow data).

Engines of a workload run interleaved (one run of each engine, then the next round), so machine noise falls
on all of them alike. Ratios are medians over medians, computed in one process run on the same data.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INTERVAL_S = 0.05
CHILD_TIMEOUT_S = 1800


class BenchmarkError(RuntimeError):
    """A benchmark child failed; the message carries its command and the tail of its stderr."""


# ----------------------------------------------------------------------------------------- context
@dataclass
class Context:
    """What every workload gets: run count, data and scratch directories, quick mode, a data size override."""

    quick: bool
    runs: int
    data_dir: Path
    work_dir: Path
    rows: int | None = None

    def log(self, message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    def size(self, full: int, quick: int) -> int:
        """The data size to use: ``--rows`` when given, else the workload's quick or full size."""
        return self.rows or (quick if self.quick else full)

    def scratch(self, name: str) -> Path:
        """A fresh empty directory under the run's scratch dir."""
        path = self.work_dir / name
        if path.exists():
            remove_tree(path)
        path.mkdir(parents=True)
        return path


def cache_env(root: Path) -> dict[str, str]:
    """Both libraries' caches under ``root``; the Hub is never contacted (local files only)."""
    return {
        "CRUCIBLE_TORCH_CACHE": str(root / "crucible_torch"),
        "HF_HOME": str(root / "hf_home"),
        "HF_DATASETS_CACHE": str(root / "hf_home" / "datasets"),
        "HF_HUB_CACHE": str(root / "hf_home" / "hub"),
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }


def remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------------------------------ memory
def _smaps_rollup(pid: int | str, fields: tuple[str, ...] = ("Pss", "Pss_Anon")) -> tuple[int, ...]:
    """``fields`` of one process's ``smaps_rollup`` in kB; zeros when it is gone."""
    values = dict.fromkeys(fields, 0)
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in values:
                    values[name] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return tuple(values[name] for name in fields)


def own_memory_mb() -> dict[str, float]:
    """This process's resident set and anonymous memory now, in MB (for a child to mark a baseline)."""
    rss, anon = _smaps_rollup("self", ("Rss", "Pss_Anon"))
    return {"rss_mb": rss / 1024, "anon_mb": anon / 1024}


class TreeSampler:
    """Samples the summed PSS and anonymous PSS of a process and its descendants on a thread."""

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL_S):
        self.pid = pid
        self.interval = interval
        self.peak_pss_kb = 0
        self.peak_anon_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _pids(self) -> list[int]:
        import psutil

        try:
            root = psutil.Process(self.pid)
            return [self.pid] + [c.pid for c in root.children(recursive=True)]
        except psutil.Error:
            return []

    def _loop(self) -> None:
        while not self._stop.is_set():
            pss = anon = 0
            for pid in self._pids():
                p, a = _smaps_rollup(pid)
                pss, anon = pss + p, anon + a
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.peak_anon_kb = max(self.peak_anon_kb, anon)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


# ------------------------------------------------------------------------------------------- runs
@dataclass
class Run:
    """One measured engine run: the metric and the run's memory."""

    value: float
    peak_rss_mb: float
    peak_pss_mb: float
    peak_anon_mb: float
    extra: dict[str, Any] = field(default_factory=dict)


def run_child(
    module: str,
    function: str,
    payload: dict[str, Any],
    env: dict[str, str] | None = None,
    timeout: float = CHILD_TIMEOUT_S,
) -> Run:
    """Run ``module.function(**payload)`` in a fresh interpreter and measure its memory."""
    with tempfile.TemporaryDirectory(prefix="crucible-bench-child-") as tmp:
        payload_path, result_path, err_path = (Path(tmp) / n for n in ("payload.json", "result.json", "stderr"))
        payload_path.write_text(json.dumps(payload), encoding="utf-8")
        cmd = [sys.executable, "-m", "benchmarks.harness", module, function, str(payload_path), str(result_path)]
        child_env = {**os.environ, **(env or {}), "PYTHONPATH": _pythonpath()}
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=child_env, stdout=subprocess.DEVNULL, stderr=err)
            with TreeSampler(proc.pid) as sampler:
                deadline = time.monotonic() + timeout
                while True:
                    pid, status = os.waitpid(proc.pid, os.WNOHANG)
                    if pid:
                        break
                    if time.monotonic() > deadline:
                        proc.kill()
                        _, status = os.waitpid(proc.pid, 0)
                        break
                    time.sleep(0.02)
            proc.returncode = os.waitstatus_to_exitcode(status)
        tail = err_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        if not result_path.exists():
            raise BenchmarkError(f"{module}.{function}({payload}) exited with {proc.returncode}:\n{tail}")
        result = json.loads(result_path.read_text(encoding="utf-8"))
        if proc.returncode != 0:
            # The measured section finished and its result was written (atomically) before the crash, which
            # was at interpreter teardown (seen once: a C++ thread of `datasets` streaming aborting at exit).
            print(
                f"[bench] warning: {module}.{function} exited with {proc.returncode} after writing its result; "
                f"kept (exit_code in the JSON):\n{tail[-500:]}",
                file=sys.stderr,
                flush=True,
            )
            result["exit_code"] = proc.returncode
    value = float(result.pop("value"))
    peak_rss_kb = max(result.pop("_vmhwm_kb"), result.pop("_children_maxrss_kb"))
    return Run(
        value=value,
        peak_rss_mb=peak_rss_kb / 1024,
        peak_pss_mb=sampler.peak_pss_kb / 1024,
        peak_anon_mb=sampler.peak_anon_kb / 1024,
        extra=result,
    )


def _pythonpath() -> str:
    existing = os.environ.get("PYTHONPATH")
    return str(REPO_ROOT) + (os.pathsep + existing if existing else "")


def _status_kb(field_name: str) -> int:
    """One ``kB`` field of ``/proc/self/status``."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1])
    return 0


def child_main(argv: Sequence[str]) -> int:
    """Entry of a child: call the function, write its result dict atomically."""
    module, function, payload_path, result_path = argv
    payload = json.loads(Path(payload_path).read_text(encoding="utf-8"))
    result = getattr(importlib.import_module(module), function)(**payload)
    result["_vmhwm_kb"] = _status_kb("VmHWM")
    result["_children_maxrss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    tmp = Path(f"{result_path}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, result_path)
    return 0


# ------------------------------------------------------------------------------------------ results
@dataclass
class Target:
    """An issue target: ``engine``'s metric over ``baseline``'s (or, with no baseline, the metric itself)
    compared with ``ratio`` by ``op``."""

    engine: str
    baseline: str
    op: str  # ">=" or "<="
    ratio: float

    def met(self, value: float) -> bool:
        return value >= self.ratio if self.op == ">=" else value <= self.ratio

    def achieved(self, rows: Sequence[Row], row: Row) -> float | None:
        """The figure the target is about: the ratio to the baseline, or the row's own median."""
        return ratio(rows, row, self.baseline) if self.baseline else row.median

    def __str__(self) -> str:
        return f"{self.op} {self.ratio:g}x {self.baseline}" if self.baseline else f"{self.op} {self.ratio:g}"


@dataclass
class Row:
    """The runs of one engine on one workload (one line of the table)."""

    workload: str
    engine: str
    metric: str
    runs: list[Run]
    targets: list[Target] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(r.value for r in self.runs)

    def memory(self, name: str) -> float:
        """Median over runs of one memory figure."""
        return statistics.median(getattr(r, name) for r in self.runs)

    def extra_median(self, key: str) -> float:
        return statistics.median(float(r.extra[key]) for r in self.runs)


def cold_engines(
    ctx: Context, module: str, names: Sequence[str], payload: Callable[[str, int], dict[str, Any]]
) -> dict[str, Callable[[int], Run]]:
    """Engines whose every run starts from empty caches: run ``i`` of ``name`` calls ``module.<name>(
    **payload(name, i))`` in a fresh child whose ``CRUCIBLE_TORCH_CACHE``, ``HF_HOME`` and ``HF_DATASETS_CACHE``
    point into a new empty directory, removed afterwards."""

    def engine(name: str) -> Callable[[int], Run]:
        def one(i: int) -> Run:
            root = ctx.scratch(f"cold-{module.rsplit('.', 1)[-1]}-{name}-{i}")
            try:
                return run_child(module, name, {**payload(name, i), "scratch": str(root)}, env=cache_env(root))
            finally:
                remove_tree(root)

        return one

    return {name: engine(name) for name in names}


def derived(
    rows: Sequence[Row],
    workload: str,
    metric: str,
    value: Callable[[Run], float],
    targets: Sequence[Target] = (),
    engines: Sequence[str] | None = None,
) -> list[Row]:
    """Rows of another figure computed from the same runs (``value(run)``), one per engine of ``rows``."""
    out = []
    for row in rows:
        if engines is not None and row.engine not in engines:
            continue
        runs = [Run(value(r), r.peak_rss_mb, r.peak_pss_mb, r.peak_anon_mb, r.extra) for r in row.runs]
        out.append(Row(workload, row.engine, metric, runs, [t for t in targets if t.engine == row.engine]))
    return out


def measure(
    ctx: Context,
    workload: str,
    metric: str,
    engines: dict[str, Callable[[int], Run]],
    targets: Sequence[Target] = (),
    notes: dict[str, str] | None = None,
) -> list[Row]:
    """Run each engine ``ctx.runs`` times, interleaved, and return one row per engine."""
    runs: dict[str, list[Run]] = {name: [] for name in engines}
    for i in range(ctx.runs):
        for name, engine in engines.items():
            run = engine(i)
            ctx.log(
                f"{workload} {name} run {i + 1}/{ctx.runs}: {run.value:.4g} {metric}, "
                f"peak RSS {run.peak_rss_mb:.0f} MB, PSS {run.peak_pss_mb:.0f} MB, anon {run.peak_anon_mb:.0f} MB "
                f"{_extras(run.extra)}"
            )
            runs[name].append(run)
    return [
        Row(workload, name, metric, runs[name], [t for t in targets if t.engine == name], (notes or {}).get(name, ""))
        for name in engines
    ]


def _extras(extra: dict[str, Any]) -> str:
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in extra.items())


def ratio(rows: Sequence[Row], row: Row, baseline: str) -> float | None:
    """``row``'s median over the median of ``baseline`` on the same workload (None when absent)."""
    for other in rows:
        if other.workload == row.workload and other.engine == baseline and other.median:
            return row.median / other.median
    return None


COLUMNS = (
    "workload",
    "engine",
    "metric",
    "median",
    "runs",
    "vs datasets",
    "vs bare",
    "peak RSS MB",
    "tree PSS MB",
    "anon MB",
    "target",
    "met",
)


def table_lines(rows: Sequence[Row]) -> list[str]:
    """The results as a Markdown table, one line per (workload, engine)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in rows:
        vs_ds, vs_bare = ratio(rows, row, "datasets"), ratio(rows, row, "bare")
        met = "; ".join(verdict(t, t.achieved(rows, row)) for t in row.targets)
        cells = [
            row.workload,
            row.engine,
            row.metric,
            fmt(row.median),
            " ".join(fmt(r.value) for r in row.runs),
            fmt_ratio(vs_ds),
            fmt_ratio(vs_bare),
            f"{row.memory('peak_rss_mb'):.0f}",
            f"{row.memory('peak_pss_mb'):.0f}",
            f"{row.memory('peak_anon_mb'):.0f}",
            "; ".join(str(t) for t in row.targets),
            met,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def verdict(target: Target, achieved: float | None) -> str:
    return "n/a" if achieved is None else ("yes" if target.met(achieved) else "NO")


def fmt(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def fmt_ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def rows_to_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Everything measured, for ``--json``."""
    out = []
    for row in rows:
        targets = []
        for t in row.targets:
            achieved = t.achieved(rows, row)
            targets.append(
                {"target": str(t), "achieved": achieved, "met": None if achieved is None else t.met(achieved)}
            )
        out.append(
            {
                "workload": row.workload,
                "engine": row.engine,
                "metric": row.metric,
                "median": row.median,
                "runs": [vars(r) for r in row.runs],
                "vs_datasets": ratio(rows, row, "datasets"),
                "vs_bare": ratio(rows, row, "bare"),
                "targets": targets,
                "note": row.note,
            }
        )
    return out


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
