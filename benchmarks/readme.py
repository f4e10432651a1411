"""Regenerate the results in ``benchmarks/README.md`` and the performance table of ``README.md`` from one run.

``python -m benchmarks.run_all --write-readme`` replaces the text between ``<!-- results:start -->`` and
``<!-- results:end -->`` (the full table with every run and the memory figures) and between
``<!-- performance:start -->`` and ``<!-- performance:end -->`` (one line per workload: each implementation's
median, the ratios and the target), so no figure in either file is typed by hand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from crucible_torch.hub.atomic import write_atomically

from .harness import REPO_ROOT, Row, fmt, fmt_ratio, ratio, table_lines, verdict

ENGINES = ("crucible", "datasets", "bare", "litdata", "crucible_sampler")


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with the lines between the ``name`` markers replaced by ``body``."""
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"no <!-- {name}:start --> ... <!-- {name}:end --> block to replace")
    return pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)


def summary_lines(rows: Sequence[Row]) -> list[str]:
    """One line per workload: the implementations' medians side by side, ratios, targets."""
    present = [e for e in ENGINES if any(r.engine == e for r in rows)]
    header = ["workload", "metric", *present, "other engines", "vs datasets", "vs bare", "target", "met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    workloads = list(dict.fromkeys(r.workload for r in rows))
    for workload in workloads:
        group = [r for r in rows if r.workload == workload]
        by_engine = {r.engine: r for r in group}
        main = by_engine.get("crucible", group[0])
        cells = [workload, main.metric]
        cells += [fmt(by_engine[e].median) if e in by_engine else "" for e in present]
        cells += [", ".join(f"{r.engine} {fmt(r.median)}" for r in group if r.engine not in present)]
        if main.engine != "crucible":
            cells[0] = f"{workload} ({main.engine})"
        cells += [fmt_ratio(ratio(rows, main, "datasets")), fmt_ratio(ratio(rows, main, "bare"))]
        cells += ["; ".join(str(t) for t in main.targets)]
        cells += ["; ".join(verdict(t, t.achieved(rows, main)) for t in main.targets)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_results(rows: Sequence[Row], machine: str, summary: str, command: str, root: Path = REPO_ROOT) -> None:
    """Rewrite both README blocks (under ``root``) from ``rows``."""
    notes = [f"- {r.workload}/{r.engine}: {r.note}" for r in rows if r.note]
    detail = [f"Machine: {machine}.", f"`{command}`: {summary}.", "", *table_lines(rows)]
    if notes:
        detail += ["", *notes]
    bench_readme = root / "benchmarks" / "README.md"
    write_atomically(bench_readme, replace_block(bench_readme.read_text("utf-8"), "results", "\n".join(detail)))
    short = [f"Machine: {machine}.", f"`{command}`: {summary}.", "", *summary_lines(rows)]
    readme = root / "README.md"
    write_atomically(readme, replace_block(Path(readme).read_text("utf-8"), "performance", "\n".join(short)))
