"""``crucible_torch.ray.map``: ``Dataset.map`` executed with ``map_batches`` on the connected Ray cluster.

The call is checked and fingerprinted by the code ``Dataset.map`` uses (`plan_map`), each block is mapped by
the same runner (`map_outputs`), and the result is assembled by the same code (`finish_map`), so rows, order,
features, ``remove_columns`` and ``input_columns`` are those of ``ds.map(...)``, and so is the cache key.
What differs is where the batches run: blocks of whole batches (starts at multiples of ``batch_size``, so
every batch holds the rows it holds in ``ds.map``) are read from the memory-mapped files by Ray tasks
(:mod:`.to_ray`), mapped by the same tasks when Ray fuses the steps, and written back as Arrow shards beside
the dataset's files (:mod:`.from_ray`), in order. Only the returned columns are written when the dataset has
no indices mapping; the others are read from the source files, as ``ds.map`` does.

A function that raises stops the job; the error names the batch's row range and carries the worker's
traceback (Ray passes exceptions between processes as text, so the row range travels in the message).
"""

from __future__ import annotations

import functools
import math
import re
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.fs as pafs
import ray
import ray.data

from ..arrow.table import ArrowTable
from ..datasets.processing import (
    MapCall,
    cache_dir_of,
    cache_file,
    cached_map_result,
    finish_map,
    map_outputs,
    plan_map,
    stores_returned_columns_only,
)
from ..errors import CrucibleError
from ..features import Features
from .shards import Destination, Written, write_shards
from .to_ray import POSITION_COLUMN, DatasetSource

if TYPE_CHECKING:
    from ..datasets import Dataset

BLOCK_BYTES = 64 << 20  # default block size of a map: a few blocks per CPU, none very large
_BEGIN, _END = "[crucible_torch.ray.map>", "<crucible_torch.ray.map]"
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
_REPORT = re.compile(re.escape(_BEGIN) + r"(.*?)" + re.escape(_END), re.DOTALL)


class RayMapError(CrucibleError, RuntimeError):
    """The mapped function raised in a Ray task; the message names the rows and holds the worker's traceback."""


def _function_name(function: Callable | None) -> str:
    return getattr(function, "__qualname__", None) or type(function).__name__


class _BlockMapper:
    """What a Ray task runs on a block: the map call over each of its batches, rows numbered as in the dataset."""

    def __init__(self, dataset: Dataset, call: MapCall) -> None:
        # The dataset without its rows (features, format, info): the task gets its rows as the block.
        self.template = dataset._replace(table=ArrowTable(dataset._table.schema.empty_table()), indices=None)
        self.call = call
        self.columns_only = stores_returned_columns_only(
            dataset, call.kwargs["batched"] and call.kwargs["drop_last_batch"]
        )
        self.batch_rows = call.kwargs["batch_size"] if call.kwargs["batched"] else 1000
        self.num_rows = dataset.num_rows

    def __call__(self, block: pa.Table) -> pa.Table:
        positions = block.column(POSITION_COLUMN)
        start = positions[0].as_py() if block.num_rows else 0
        if block.num_rows and (positions[-1].as_py() - start != block.num_rows - 1 or start % self.batch_rows):
            raise RuntimeError(f"block of rows {start}.. is not a run of whole batches; Ray split a block")
        rows = block.drop_columns([POSITION_COLUMN])
        outputs: list[pa.Table] = []
        for lo in range(0, rows.num_rows, self.batch_rows):
            hi = min(rows.num_rows, lo + self.batch_rows)
            part = self.template._replace(table=ArrowTable(rows.slice(lo, hi - lo)))
            try:
                outputs.extend(map_outputs(part, self.call, offset=start + lo, columns_only=self.columns_only))
            except Exception as err:
                where = f"rows [{start + lo}, {start + hi}) of {self.num_rows}"
                report = f"{_function_name(self.call.function)} raised {type(err).__name__} on {where}:\n"
                raise RuntimeError(f"{_BEGIN}{report}{traceback.format_exc()}{_END}") from err
        if not outputs:
            return pa.table({})
        return pa.concat_tables(outputs, promote_options="default") if len(outputs) > 1 else outputs[0]


def _surfaced(err: BaseException) -> BaseException:
    """A `RayMapError` from the report inside a Ray error, or the error itself when it holds none."""
    found = _REPORT.search(str(err))
    if found is None:
        return err
    report = _ANSI_ESCAPE.sub("", found.group(1)).rstrip()  # Ray colours the task names it writes into tracebacks
    return RayMapError(f"crucible_torch.ray.map: {report}")


def map(
    dataset: Dataset,
    function: Callable | None = None,
    *,
    with_indices: bool = False,
    input_columns: str | Sequence[str] | None = None,
    batched: bool = True,
    batch_size: int | None = 1000,
    drop_last_batch: bool = False,
    remove_columns: str | Sequence[str] | None = None,
    features: Features | None = None,
    fn_kwargs: dict | None = None,
    num_cpus: float = 1,
    concurrency: int | None = None,
    override_num_blocks: int | None = None,
    keep_in_memory: bool = False,
    load_from_cache_file: bool | None = None,
    new_fingerprint: str | None = None,
    shared_storage: bool | None = None,
) -> Dataset:
    """``dataset.map(function, ...)`` run on the connected Ray cluster; the result equals the local one.

    Arguments as in ``Dataset.map`` (``batched`` defaults to True here: batched functions are what pays for a
    cluster). ``num_cpus`` is reserved per task, ``concurrency`` caps the tasks running at once,
    ``override_num_blocks`` sets the number of blocks (each a run of whole batches). The result is written
    beside the dataset's Arrow files (``cache-<fingerprint>.ray/``) by tasks on the driver's node unless
    ``shared_storage`` (those files are on storage every node mounts; None means "the cluster has one
    node"); an in-memory dataset's result comes back through the object store and stays in memory.

    Raises:
        RayMapError: ``function`` raised; the message names the batch's rows and holds the traceback.
    """
    call = plan_map(
        dataset,
        function,
        with_indices=with_indices,
        input_columns=input_columns,
        batched=batched,
        batch_size=batch_size,
        drop_last_batch=drop_last_batch,
        remove_columns=remove_columns,
        features=features,
        fn_kwargs=fn_kwargs,
        new_fingerprint=new_fingerprint,
    )
    if dataset.num_rows == 0:
        return dataset
    directory = cache_dir_of(dataset)
    in_memory = keep_in_memory or directory is None
    if not in_memory:
        cached = cached_map_result(dataset, call.fingerprint, load_from_cache_file)
        destination = Destination(pafs.LocalFileSystem(), str(directory))
        output = str(cache_file(directory, call.fingerprint, ".ray"))
        found = Written.load(destination, output) if load_from_cache_file is not False else None
        if cached is not None:
            return finish_map(dataset, cached, call)
        if found is not None:
            return finish_map(dataset, _shards_table(found), call)
    mapper = _BlockMapper(dataset, call)
    source = DatasetSource(dataset, shared_storage=shared_storage, align=mapper.batch_rows, with_positions=True)
    # Exactly as many read tasks as ranges of whole batches: fewer would make Ray split the blocks.
    num_blocks = _num_blocks(source, mapper.batch_rows, override_num_blocks)
    # Reads pinned to the driver's node would pin the map too (Ray fuses them and the map inherits the read's
    # node label); a label selector of its own (an empty one: any node) keeps the map a step that runs anywhere.
    placement = {} if source.supports_distributed_reads else {"label_selector": {}}
    mapped = ray.data.read_datasource(source, override_num_blocks=num_blocks).map_batches(
        functools.partial(_map_block, mapper),
        batch_size=None,
        batch_format="pyarrow",
        zero_copy_batch=True,
        num_cpus=num_cpus,
        concurrency=concurrency,
        **placement,
    )
    mapped.context.execution_options.preserve_order = True
    try:
        if in_memory:
            tables = [t for t in ray.get(mapped.to_arrow_refs()) if t.num_columns]
            result = ArrowTable(pa.concat_tables(tables, promote_options="default") if tables else pa.table({}))
        else:
            written = write_shards(mapped, destination, output, call.fingerprint, shared_storage=shared_storage)
            result = _shards_table(written)
    except Exception as err:
        surfaced = _surfaced(err)
        if surfaced is err:
            raise
        raise surfaced from err
    return finish_map(dataset, result, call)


def _num_blocks(source: DatasetSource, batch_rows: int, requested: int | None) -> int:
    """Blocks of whole batches: as requested, else 4 per CPU of the cluster or more to stay under 64 MB each."""
    batches = math.ceil(source.num_rows / batch_rows)
    if requested is None:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        requested = max(4 * cpus, math.ceil(source.estimate_inmemory_data_size() / BLOCK_BYTES))
    return max(1, min(batches, requested))


def _shards_table(written: Written) -> ArrowTable:
    return ArrowTable.from_files(written.paths()) if written.shards else ArrowTable(pa.table({}))


def _map_block(mapper: _BlockMapper, block: pa.Table) -> pa.Table:
    return mapper(block)
