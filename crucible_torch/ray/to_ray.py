"""``Dataset.to_ray()``: a dataset's rows as a ``ray.data.Dataset``, read by Ray tasks from the Arrow files.

A read task receives the dataset's table as the paths of its memory-mapped Arrow files (the table pickles as
its recipe) and a range of row positions; it yields zero-copy slices of the mapped file, or one gather per
block when an indices mapping (shuffle, select, filter) orders the rows, so the export is in the dataset's
order. When Ray fuses the read with the next step (``map_batches``), those slices go to the function without
passing through the object store. An in-memory dataset's rows travel inside the read tasks instead.

The Features ride along as the ``huggingface`` schema metadata every block carries, as `datasets` writes it
in its Arrow files; `crucible_torch.ray.from_ray` reads them back. Where the files are: on one node, or on
storage every node mounts (``shared_storage=True``), reads run anywhere; otherwise Ray runs them on the
driver's node, where the cache is, and blocks cross the network to the tasks that consume them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import ray
import ray.data
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from ..arrow.table import ArrowTable
from ..iterable.partition import split_sizes

if TYPE_CHECKING:
    from ..datasets import Dataset

POSITION_COLUMN = "__crucible_torch_position__"  # row position column of the blocks `crucible_torch.ray.map` reads


def connect() -> None:
    """Connect to Ray as Ray Data would on first use (``RAY_ADDRESS``, else a local cluster) if not yet connected."""
    if not ray.is_initialized():
        ray.init()


def single_node() -> bool:
    """Whether the connected cluster has one live node (every path there is visible to every task)."""
    connect()
    return sum(1 for node in ray.nodes() if node.get("Alive")) <= 1


def position_ranges(num_rows: int, parts: int, align: int = 1) -> list[tuple[int, int]]:
    """``num_rows`` cut into at most ``parts`` contiguous ranges whose starts are multiples of ``align``."""
    units = math.ceil(num_rows / align)
    if units == 0:
        return []
    bounds = np.concatenate([[0], np.cumsum(split_sizes(units, min(parts, units)))]) * align
    return [(int(lo), int(min(hi, num_rows))) for lo, hi in zip(bounds, bounds[1:])]


def _read_rows(
    table: ArrowTable,
    indices: np.ndarray | None,
    start: int,
    stop: int,
    offset: int,
    block_rows: int,
    schema: pa.Schema,
    with_positions: bool,
) -> Iterator[pa.Table]:
    """Blocks of rows ``[start, stop)`` of the export; ``table`` holds them from row ``offset`` (or ``indices``)."""
    for lo in range(start, stop, block_rows):
        hi = min(stop, lo + block_rows)
        if indices is not None:
            rows = table.gather(indices[lo - start : hi - start])
        else:
            rows = table.slice_rows(lo - offset, hi - offset)
        rows = (rows.cast(schema) if not rows.schema.equals(schema) else rows).replace_schema_metadata(schema.metadata)
        if with_positions:
            rows = rows.append_column(POSITION_COLUMN, pa.array(np.arange(lo, hi, dtype=np.int64)))
        yield rows


class DatasetSource(Datasource):
    """The rows of a `Dataset`, in its order, as Ray read tasks over contiguous ranges of row positions.

    Args:
        dataset: the rows to read (its format does not matter: blocks hold the stored Arrow values).
        shared_storage: whether every node can open the dataset's Arrow files by their paths; None means
            "when the cluster has one node".
        align: range starts are multiples of this (``map``'s batch size, so that batches are the same as
            in ``Dataset.map``).
        with_positions: append each row's position as `POSITION_COLUMN` (for ``map``'s indices and errors).
    """

    def __init__(
        self,
        dataset: Dataset,
        *,
        shared_storage: bool | None = None,
        align: int = 1,
        with_positions: bool = False,
    ) -> None:
        super().__init__()
        self.fingerprint = dataset._fingerprint
        self.features = dataset.features
        self.schema = dataset.features.arrow_schema
        self.num_rows = dataset.num_rows
        self.files = tuple(dataset._table.cache_files)
        self._table = dataset._table
        self._indices = dataset._indices
        self._align = max(1, align)
        self._with_positions = with_positions
        file_backed = dataset._table.recipe is not None
        self._distributed = not file_backed or (shared_storage if shared_storage is not None else single_node())
        stored = dataset._table.table
        self._row_bytes = max(1, stored.nbytes // max(1, stored.num_rows))

    @property
    def supports_distributed_reads(self) -> bool:
        return self._distributed

    def get_name(self) -> str:
        return "CrucibleDataset"

    def estimate_inmemory_data_size(self) -> int:
        return self.num_rows * self._row_bytes

    def _block_rows(self, target_bytes: int) -> int:
        rows = max(1, target_bytes // self._row_bytes)
        return max(self._align, rows // self._align * self._align)

    def get_read_tasks(
        self, parallelism: int, per_task_row_limit: int | None = None, data_context: Any = None
    ) -> list[ReadTask]:
        context = data_context or ray.data.DataContext.get_current()
        block_rows = self._block_rows(context.target_max_block_size or (128 << 20))
        tasks = []
        for start, stop in position_ranges(self.num_rows, max(1, parallelism), self._align):
            indices = None if self._indices is None else np.array(self._indices[start:stop])
            table, offset = self._table, 0
            if self._table.recipe is None:  # in memory: the task carries its own rows, not the whole table
                rows = self._table.gather(indices) if indices is not None else self._table.slice_rows(start, stop)
                table, indices, offset = ArrowTable(rows), None, start
            metadata = BlockMetadata(
                num_rows=stop - start,
                size_bytes=int((stop - start) * self._row_bytes),
                input_files=self.files or None,
                exec_stats=None,
            )
            read = functools.partial(
                _read_rows, table, indices, start, stop, offset, block_rows, self.schema, self._with_positions
            )
            tasks.append(ReadTask(read, metadata, per_task_row_limit=per_task_row_limit))
        return tasks


def to_ray(
    dataset: Dataset,
    *,
    shared_storage: bool | None = None,
    override_num_blocks: int | None = None,
) -> ray.data.Dataset:
    """The rows of ``dataset`` as a ``ray.data.Dataset``, in the dataset's order, Features in the schema metadata.

    Args:
        shared_storage: every node can open the dataset's Arrow files by their paths (e.g. the cache is on
            NFS); None means "the cluster has one node". When False, reads run on the driver's node.
        override_num_blocks: the number of read tasks (Ray chooses from the size and the cluster otherwise).

    On a cluster of several nodes without ``shared_storage``, Ray fuses the next step into the pinned reads and
    pins it too; pass ``label_selector={}`` to that step (e.g. ``map_batches``) to let it run on any node.

    The returned dataset keeps its blocks in order (``execution_options.preserve_order`` is set on its own
    context, not on the global one); set it to False there if order does not matter downstream.
    """
    source = DatasetSource(dataset, shared_storage=shared_storage)
    exported = ray.data.read_datasource(source, override_num_blocks=override_num_blocks)
    exported.context.execution_options.preserve_order = True
    return exported
