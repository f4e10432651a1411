"""Run the benchmark workloads and print one table: ``python -m benchmarks.run_all [--quick] [--only NAME]``.

Every engine run is a fresh subprocess (its own peak memory), each workload runs ``--runs`` times per engine
(3 by default, 1 with ``--quick``, which also shrinks the data for a smoke test) and reports medians.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from . import data
from .harness import BenchmarkError, Context, Row, remove_tree, rows_to_json, table_lines

WORKLOADS = (
    "cold_load",
    "csv_load",
    "batched_map",
    "shuffled_epoch",
    "images",
    "mmap_rss",
    "streaming",
    "webdataset_images",
    "ray_map",
    "metrics",
)


def machine() -> str:
    """One line describing the host, for the results table."""
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = []
    for name in ("torch", "torchvision", "datasets", "pyarrow"):
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {', '.join(versions)}; load average {load}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 run per engine on small data (smoke test)")
    parser.add_argument(
        "--only",
        action="append",
        choices=WORKLOADS,
        metavar="NAME",
        help=f"run only this workload (repeatable): {', '.join(WORKLOADS)}",
    )
    parser.add_argument("--runs", type=int, help="runs per engine (default 3, 1 with --quick)")
    parser.add_argument("--rows", type=int, help="override the data size of every workload (rows or images)")
    parser.add_argument("--data-dir", help="where generated data lives (default bench_data/)")
    parser.add_argument("--json", help="also write every measurement to this JSON file")
    parser.add_argument(
        "--write-readme",
        action="store_true",
        help="replace the results block of benchmarks/README.md and the performance table of README.md",
    )
    args = parser.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="crucible-bench-"))
    ctx = Context(
        quick=args.quick,
        runs=args.runs or (1 if args.quick else 3),
        data_dir=data.data_dir(args.data_dir),
        work_dir=work,
        rows=args.rows,
    )
    started = time.time()
    rows: list[Row] = []
    failed: list[str] = []
    host = machine()
    try:
        print(f"machine: {host}", flush=True)
        for name in args.only or WORKLOADS:
            ctx.log(f"workload {name}")
            try:
                rows += importlib.import_module(f"benchmarks.{name}").run(ctx)
            except BenchmarkError as exc:
                print(f"{name}: FAILED: {exc}", file=sys.stderr, flush=True)
                failed.append(name)
    finally:
        remove_tree(work)
    summary = (
        f"{ctx.runs} run(s) per engine, every run from empty caches, medians; ratios are medians over medians in "
        f"this process run; {time.time() - started:.0f} s in all"
    )
    print(f"\n{summary}\n")
    print("\n".join(table_lines(rows)))
    notes = [f"- {r.workload}/{r.engine}: {r.note}" for r in rows if r.note]
    if notes:
        print("\n" + "\n".join(notes))
    if args.write_readme and not failed:
        from .readme import write_results

        write_results(rows, host, summary, " ".join(["python -m benchmarks.run_all", *(argv or sys.argv[1:])]))
    if failed:
        print(f"\nFAILED workloads (see stderr): {', '.join(failed)}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": host, "rows": rows_to_json(rows)}, indent=1), encoding="utf-8"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
