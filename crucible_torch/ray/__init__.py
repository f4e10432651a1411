"""Preprocessing on Ray Data, results back as crucible_torch datasets (the optional ``ray`` extra).

- `to_ray` (``Dataset.to_ray()``): the rows as a ``ray.data.Dataset``, read from the memory-mapped Arrow files
  in the dataset's order, Features in the schema metadata (:mod:`.to_ray`).
- `dataset_from_ray` / `iterable_from_ray` (``Dataset.from_ray``, ``IterableDataset.from_ray``): a Ray
  dataset written as shards by the Ray workers and opened as a memory-mapped `Dataset` or a streaming
  `IterableDataset`, Features restored (:mod:`.from_ray`; the shards and their manifest: :mod:`.shards`; the
  fingerprint of a Ray pipeline: :mod:`.pipeline`).
- `map`: ``Dataset.map`` executed with ``map_batches`` on the connected cluster, equal to ``ds.map(...)``
  (:mod:`.distributed_map`).

Importing this package imports ray; nothing else in crucible_torch does, except these entry points when called.
Connect first with ``ray.init(address=...)`` for an existing cluster; otherwise the first call starts a local
one, as Ray Data does.
"""

from __future__ import annotations

try:
    import ray.data  # noqa: F401
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "crucible_torch.ray needs Ray Data: pip install 'crucible-torch[ray]' (or pip install 'ray[data]')"
    ) from err

from .distributed_map import RayMapError, map
from .from_ray import dataset_from_ray, iterable_from_ray
from .to_ray import to_ray

__all__ = ["RayMapError", "dataset_from_ray", "iterable_from_ray", "map", "to_ray"]
