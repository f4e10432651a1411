"""What a Ray Data pipeline is made of: the crucible_torch datasets it reads, and a fingerprint of its steps.

The fingerprint names the result of ``from_ray`` as ``Dataset.map``'s names its result: the source's
fingerprint, then each step's kind, function (hashed by code, constants, closure and globals) and arguments.
It exists only when every source is a `crucible_torch` export (whose fingerprint names its rows and order)
and every step is one whose output is a function of its input and arguments: ``map_batches``, ``map``,
``filter``, ``flat_map``, column projections and renames, ``limit``. Anything else (a file read whose content
may change, a shuffle, ``random_sample``) gives None: the result gets a random fingerprint and no cached
result is ever reused for it. Settings that only change how a step runs (CPUs, concurrency) are left out.

This reads Ray's logical plan (``Dataset._logical_plan``), which is not a public API: an unknown shape gives
None, never a wrong fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ray.data

from ..arrow.fingerprint import hash_object
from .to_ray import DatasetSource

_DETERMINISTIC_STEPS = frozenset({"MapBatches", "MapRows", "Filter", "FlatMap", "Project", "Limit"})
_EXECUTION_FIELDS = frozenset(
    {"_input_dependencies", "_name", "compute", "ray_remote_args", "ray_remote_args_fn", "_common_sub_exprs"}
)


def _operators(ray_dataset: ray.data.Dataset) -> Iterator[Any]:
    """The logical operators of the pipeline, each after its inputs."""
    plan = getattr(ray_dataset, "_logical_plan", None)
    root = getattr(plan, "dag", None)
    if root is None:
        return
    seen: set[int] = set()

    def visit(op: Any) -> Iterator[Any]:
        if id(op) in seen:
            return
        seen.add(id(op))
        for parent in getattr(op, "input_dependencies", ()):
            yield from visit(parent)
        yield op

    yield from visit(root)


def _datasource(op: Any) -> Any:
    return getattr(op, "datasource", None) or getattr(op, "_datasource", None)


def pipeline_sources(ray_dataset: ray.data.Dataset) -> list[DatasetSource]:
    """The crucible_torch datasets the pipeline reads (``Dataset.to_ray`` exports), in plan order."""
    return [s for s in map(_datasource, _operators(ray_dataset)) if isinstance(s, DatasetSource)]


def _random_seeded(values: Any) -> bool:
    return any(type(v).__name__ == "RandomSeedConfig" for v in values)


def pipeline_fingerprint(ray_dataset: ray.data.Dataset) -> str | None:
    """A fingerprint of the pipeline's output, or None when it is not a pure function of crucible_torch rows."""
    steps: list[Any] = []
    for op in _operators(ray_dataset):
        if not getattr(op, "input_dependencies", ()):
            source = _datasource(op)
            if not isinstance(source, DatasetSource):
                return None
            steps.append(("source", source.fingerprint))
            continue
        kind = type(op).__name__
        if kind not in _DETERMINISTIC_STEPS:
            return None
        fields = {k: v for k, v in vars(op).items() if k not in _EXECUTION_FIELDS}
        arguments = [*(fields.get("fn_args") or ()), *(fields.get("fn_kwargs") or {}).values()]
        if _random_seeded(arguments):
            return None
        steps.append((kind, len(op.input_dependencies), fields))
    return hash_object(steps) if steps else None
