"""An append-only directory of evaluation runs, safe under concurrent writers and writers killed mid-write.

Layout, one directory per run (``<UTC time>-<random hex>``, so names sort by start time and never clash)::

    root/<run_id>/run.json         what the run evaluates (metadata), written once when it starts
    root/<run_id>/examples.jsonl   per-example records, appended one batch at a time
    root/<run_id>/summary.json     aggregates, written once when it finishes

``run.json`` and ``summary.json`` appear atomically (temp file, then link/rename), so a run is *complete*
exactly when its summary exists, and a run killed before that is listed only on request (and can be resumed).
Examples are appended under an exclusive ``flock``, one ``write`` per batch, each line tagged with its batch,
the batch's size and an id of that write. Any number of processes (DataLoader workers, torch.distributed
ranks) may append to one run at once. A writer killed mid-batch leaves a partial tail: the next writer
first ends the broken line, and readers keep only batches whose write is whole (a torn line is not JSON, and a
write with missing lines is incomplete). A batch written twice (a resumed run racing its first attempt)
counts once. Nothing is ever rewritten in place; the cost is that debris of killed writes stays in the file.
Appending needs POSIX ``flock`` (local filesystems; on network filesystems it is as good as their locks).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..hub.atomic import discard, fsync_file, publish, temp_path

__all__ = ["Comparison", "ResultStore", "RunInfo", "utc_now"]

RUN_FILE, EXAMPLES_FILE, SUMMARY_FILE = "run.json", "examples.jsonl", "summary.json"
_TAGS = ("_batch", "_size", "_write")


def utc_now() -> str:
    """The current time as the store writes it: ISO 8601, UTC, microseconds (sorts as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=True, separators=(",", ":")).encode()


def _write_once(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data`` atomically; FileExistsError if it exists (link, or rename where links fail)."""
    tmp = temp_path(path)
    try:
        tmp.write_bytes(data)
        fsync_file(tmp)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise FileExistsError(f"{path} already exists: runs are append-only, a run is written once") from None
        except OSError:  # no hard links on this filesystem: rename (an existence check races, but stays atomic)
            if path.exists():
                raise FileExistsError(f"{path} already exists: runs are append-only") from None
            publish(tmp, path)
    finally:
        discard(tmp)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@dataclass(frozen=True)
class RunInfo:
    """A run as listed by the store: its id, directory, metadata and (when complete) summary."""

    run_id: str
    path: Path
    metadata: dict[str, Any]
    summary: dict[str, Any] | None = None

    @property
    def complete(self) -> bool:
        return self.summary is not None

    @property
    def aggregates(self) -> dict[str, float]:
        return dict((self.summary or {}).get("aggregates", {}))

    @property
    def created(self) -> str:
        return str(self.metadata.get("created", ""))


@dataclass(frozen=True)
class Comparison:
    """Two runs side by side: per aggregate ``(a, b, b - a)``, and the examples whose scores differ."""

    run_a: str
    run_b: str
    deltas: dict[str, tuple[float, float, float]]
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    only_in_a: list[Any] = field(default_factory=list)
    only_in_b: list[Any] = field(default_factory=list)


class ResultStore:
    """Evaluation runs under ``root`` (created when missing); see the module docstring for the guarantees."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r})"

    # ---------------------------------------------------------------------------------------- writing
    def create_run(self, metadata: Mapping[str, Any], run_id: str | None = None) -> str:
        """Start a run: its directory and ``run.json`` (``metadata`` plus ``run_id`` and ``created``)."""
        created = utc_now()
        if run_id is None:
            run_id = f"{created[:19].replace('-', '').replace(':', '')}-{secrets.token_hex(4)}"
        directory = self._dir(run_id)
        directory.mkdir()  # FileExistsError for an id in use
        _write_once(directory / RUN_FILE, _json_bytes({"created": created, **metadata, "run_id": run_id}))
        return run_id

    def append(self, run_id: str, batch: int, records: Sequence[Mapping[str, Any]]) -> None:
        """Append one batch of per-example records to the run, as one locked write of whole lines."""
        directory = self._existing(run_id)
        tags = {"_batch": int(batch), "_size": len(records), "_write": secrets.token_hex(8)}
        data = b"".join(_json_bytes({**record, **tags}) + b"\n" for record in records)
        fd = os.open(directory / EXAMPLES_FILE, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":  # a killed writer's torn line: end it first
                data = b"\n" + data
            _write_all(fd, data)
        finally:
            os.close(fd)  # closing releases the lock

    def finish(self, run_id: str, summary: Mapping[str, Any]) -> None:
        """Complete the run with its ``summary.json`` (``summary`` plus ``finished``); once per run."""
        directory = self._existing(run_id)
        _write_once(directory / SUMMARY_FILE, _json_bytes({**summary, "finished": utc_now()}))

    # ---------------------------------------------------------------------------------------- reading
    def run(self, run_id: str) -> RunInfo:
        """One run's metadata and summary (None while incomplete)."""
        directory = self._existing(run_id)
        metadata = json.loads((directory / RUN_FILE).read_bytes())
        summary_path = directory / SUMMARY_FILE
        summary = json.loads(summary_path.read_bytes()) if summary_path.exists() else None
        return RunInfo(run_id, directory, metadata, summary)

    def examples(self, run_id: str) -> list[dict[str, Any]]:
        """The records of every whole batch written, batch by batch (each batch once, in write order)."""
        batches: dict[int, list[dict[str, Any]]] = {}
        for records in self._whole_writes(run_id):
            batches.setdefault(records[0]["_batch"], records)
        return [{k: v for k, v in r.items() if k not in _TAGS} for b in sorted(batches) for r in batches[b]]

    def finished_batches(self, run_id: str) -> set[int]:
        """Indices of the batches whose records are all in the run."""
        return {records[0]["_batch"] for records in self._whole_writes(run_id)}

    def _whole_writes(self, run_id: str) -> Iterable[list[dict[str, Any]]]:
        """The writes whose every line is present and whole, in file order."""
        path = self._existing(run_id) / EXAMPLES_FILE
        if not path.exists():
            return []
        lines = path.read_bytes().split(b"\n")[:-1]  # what follows the last newline is a write in progress
        writes: dict[str, list[dict[str, Any]]] = {}
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line torn by a killed writer
            if isinstance(record, dict) and all(tag in record for tag in _TAGS):
                writes.setdefault(record["_write"], []).append(record)
        return [records for records in writes.values() if len(records) == records[0]["_size"]]

    def runs(
        self,
        *,
        dataset: str | None = None,
        model: str | None = None,
        metric: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        include_incomplete: bool = False,
    ) -> list[RunInfo]:
        """Runs matching every filter given, oldest first: ``dataset``/``model`` equal the metadata's,
        ``metric`` is one of the run's metrics or aggregates, ``since <= created < until`` (ISO strings or
        datetimes). Only complete runs unless ``include_incomplete``."""
        bounds = [_as_utc_text(t) for t in (since, until)]
        found = []
        for directory in sorted(p for p in self.root.iterdir() if (p / RUN_FILE).exists()):
            info = self.run(directory.name)
            meta = info.metadata
            if not (include_incomplete or info.complete):
                continue
            if dataset is not None and meta.get("dataset") != dataset:
                continue
            if model is not None and meta.get("model") != model:
                continue
            if metric is not None and metric not in meta.get("metrics", []) and metric not in info.aggregates:
                continue
            if (bounds[0] and info.created < bounds[0]) or (bounds[1] and info.created >= bounds[1]):
                continue
            found.append(info)
        return sorted(found, key=lambda r: (r.created, r.run_id))

    def compare(self, run_a: str, run_b: str, *, key: str = "index") -> Comparison:
        """Per-aggregate deltas (b - a), and the examples (matched on ``key``) where a score column that both
        summaries list (``score_columns``) differs."""
        a, b = self.run(run_a), self.run(run_b)
        deltas = {
            name: (a.aggregates[name], b.aggregates[name], b.aggregates[name] - a.aggregates[name])
            for name in a.aggregates
            if name in b.aggregates
        }
        in_b = set((b.summary or {}).get("score_columns", []))
        scores = [c for c in (a.summary or {}).get("score_columns", []) if c in in_b]
        rows_a = {r[key]: r for r in self.examples(run_a)}
        rows_b = {r[key]: r for r in self.examples(run_b)}
        disagreements = []
        for k in sorted(rows_a.keys() & rows_b.keys()):
            ra, rb = rows_a[k], rows_b[k]
            differing = {c: (ra.get(c), rb.get(c)) for c in scores if ra.get(c) != rb.get(c)}
            if differing:
                predictions = {"prediction_a": ra.get("prediction"), "prediction_b": rb.get("prediction")}
                disagreements.append({key: k, "scores": differing, **predictions})
        return Comparison(
            run_a,
            run_b,
            deltas,
            disagreements,
            sorted(rows_a.keys() - rows_b.keys()),
            sorted(rows_b.keys() - rows_a.keys()),
        )

    # ---------------------------------------------------------------------------------------- paths
    def _dir(self, run_id: str) -> Path:
        if not run_id or run_id != os.path.basename(run_id) or run_id.startswith(".") or "\\" in run_id:
            raise ValueError(f"run id {run_id!r} is not a plain directory name")
        return self.root / run_id

    def _existing(self, run_id: str) -> Path:
        directory = self._dir(run_id)
        if not (directory / RUN_FILE).exists():
            raise KeyError(f"no run {run_id!r} in {self.root}")
        return directory


def _as_utc_text(value: str | datetime | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
