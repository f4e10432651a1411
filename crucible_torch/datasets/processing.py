"""``map`` and ``filter``: run a Python function over rows or batches, cached on disk by fingerprint.

Results of a file-backed dataset are written streaming to ``cache-<fingerprint>.arrow`` beside its Arrow
files and memory-mapped back, so a second run with the same function and arguments loads instantly; an
in-memory dataset keeps its results in memory (as `datasets` does). Columns the function does not return are
carried over as Arrow data, never re-encoded, and (without an indices mapping) not even stored again: the
result is joined column-wise with the base table. ``num_proc`` forks worker processes over contiguous shards.
See :mod:`.map_runner` for what the function sees and how its output merges, :mod:`.map_output` for types.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..arrow.table import ArrowTable, TableRecipe, hstack_arrow_tables
from ..features import Features
from ..hub.atomic import atomic_open
from ..hub.naming import safe_path_component
from ..hub.progress import progress_bar
from .map_output import ON_MIXED_TYPES, ResultSink, conform_parts, decode_features
from .map_runner import Runner

if TYPE_CHECKING:
    from .arrow_dataset import Dataset

_JOB: tuple | None = None  # what a forked map worker inherits (dataset, runner arguments): functions need not pickle
_MAP_VERSION = 2  # part of map fingerprints: cache files of an older result layout are not reused


def cache_dir_of(dataset: Dataset) -> Path | None:
    """Directory of the dataset's first Arrow file, where its cache files go; None when it is in memory."""
    files = dataset._table.cache_files
    return Path(files[0]).parent if files else None


def cache_file(directory: Path, fingerprint: str, suffix: str) -> Path:
    """``directory/cache-{fingerprint}{suffix}``; the fingerprint may come from ``new_fingerprint=``, so it is
    checked to be one file name."""
    return directory / f"cache-{safe_path_component(fingerprint, 'fingerprint (new_fingerprint=)')}{suffix}"


def result_path(
    dataset: Dataset, fingerprint: str, keep_in_memory: bool = False, cache_file_name: str | os.PathLike | None = None
) -> Path | None:
    """Where a result of ``dataset`` is stored: ``cache-<fingerprint>.arrow`` beside its files, or None (memory)."""
    directory = cache_dir_of(dataset)
    if keep_in_memory or (directory is None and cache_file_name is None):
        return None
    return Path(cache_file_name) if cache_file_name else cache_file(directory, fingerprint, ".arrow")


def write_or_keep(
    dataset: Dataset,
    tables: Iterable[pa.Table],
    schema: pa.Schema | None,
    fingerprint: str,
    keep_in_memory: bool = False,
    cache_file_name: str | os.PathLike | None = None,
) -> ArrowTable:
    """Store result tables as ``cache-<fingerprint>.arrow`` beside the dataset's files, or in memory."""
    sink = ResultSink(result_path(dataset, fingerprint, keep_in_memory, cache_file_name))
    try:
        for table in tables:
            sink.add(table if schema is None or table.schema == schema else table.cast(schema))
        return sink.finish(schema or pa.schema([]))
    except BaseException:
        sink.abort()
        raise


def cached_map_result(dataset: Dataset, fingerprint: str, load_from_cache_file: bool | None) -> ArrowTable | None:
    """The stored result ``cache-<fingerprint>.arrow`` beside the dataset's files, if it exists and may be used."""
    path = result_path(dataset, fingerprint)
    if path is None or load_from_cache_file is False or not path.exists():
        return None
    return ArrowTable.from_files([path])


def stores_returned_columns_only(dataset: Dataset, drops_rows: bool) -> bool:
    """Whether ``map`` stores only the columns it computed, to be joined with the untouched ones: when its rows are
    the table's rows one to one (no indices mapping, no dropped last batch)."""
    return dataset._indices is None and not drops_rows


def _base_filler(dataset: Dataset, offset: int = 0) -> Callable[[str, range, pa.DataType], pa.Array]:
    """Values of an input column for result rows (map results keep the rows of an unmapped base table)."""

    def fill(name: str, rows: range, pa_type: pa.DataType) -> pa.Array:
        column = dataset._table.slice_rows(offset + rows.start, offset + rows.stop).column(name)
        return column if column.type == pa_type else column.cast(pa_type)

    return fill


def _store(tables: Iterable[pa.Table], path: Path | None, dataset: Dataset) -> ArrowTable | None:
    """Map result tables stored at ``path`` (None: in memory); None when the function returned nothing."""
    sink = ResultSink(path, _base_filler(dataset))
    try:
        for table in tables:
            sink.add(table)
        return sink.finish()
    except BaseException:
        sink.abort()
        raise


@dataclass(frozen=True)
class MapCall:
    """One ``map`` call, checked and fingerprinted. ``Dataset.map`` and `crucible_torch.ray.map` both run it, so
    they give the same rows, the same features and the same cache key."""

    function: Callable | None
    kwargs: dict[str, Any]  # the runner's keyword arguments
    fingerprint: str

    @property
    def remove_columns(self) -> list[str]:
        return self.kwargs["remove_columns"]


def plan_map(
    dataset: Dataset,
    function: Callable | None,
    *,
    with_indices: bool = False,
    with_rank: bool = False,
    input_columns: str | Sequence[str] | None = None,
    batched: bool = False,
    batch_size: int | None = 1000,
    drop_last_batch: bool = False,
    remove_columns: str | Sequence[str] | None = None,
    features: Features | None = None,
    fn_kwargs: dict | None = None,
    new_fingerprint: str | None = None,
    writer_batch_size: int | None = 1000,
    try_original_type: bool | None = True,
    on_mixed_types: str | None = "use_json",
) -> MapCall:
    """Check a ``map`` call's arguments against ``dataset`` and fingerprint its result."""
    remove = [remove_columns] if isinstance(remove_columns, str) else list(remove_columns or [])
    missing = [c for c in remove if c not in dataset.column_names]
    if missing:
        raise ValueError(
            f"Column to remove {missing} not in the dataset. Current columns in the dataset: {dataset.column_names}"
        )
    if on_mixed_types not in ON_MIXED_TYPES:
        raise ValueError(f"on_mixed_types must be one of {list(ON_MIXED_TYPES)}, not {on_mixed_types!r}")
    if features is not None and not isinstance(features, Features):
        features = Features(features)
    kwargs = dict(
        with_indices=with_indices,
        with_rank=with_rank,
        input_columns=_input_columns(dataset, input_columns),
        batched=batched,
        batch_size=batch_size if batch_size and batch_size > 0 else max(dataset.num_rows, 1),
        drop_last_batch=drop_last_batch,
        remove_columns=remove,
        features=features,
        fn_kwargs=dict(fn_kwargs or {}),
        writer_batch_size=writer_batch_size,
        try_original_type=bool(try_original_type),
        on_mixed_types=on_mixed_types,
    )
    fingerprint = new_fingerprint or dataset._new_fingerprint(
        "map", version=_MAP_VERSION, function=function, format=(dataset._format_type, dataset._format_kwargs), **kwargs
    )
    return MapCall(function, kwargs, fingerprint)


def map_outputs(
    dataset: Dataset,
    call: MapCall,
    offset: int = 0,
    rank: int = 0,
    columns_only: bool | None = None,
    bar: Any = None,
) -> Iterator[pa.Table]:
    """The result tables of ``call`` over the rows of ``dataset``, the first being row ``offset`` of the whole.

    ``columns_only`` (default: `stores_returned_columns_only`) stores only the computed columns, for
    `finish_map` to join with the untouched ones; a part of a larger dataset passes the whole's value.
    """
    runner = Runner(dataset, call.function, for_filter=False, **call.kwargs)
    if columns_only is not None:
        runner.columns_only = columns_only
    return runner.tables(offset, rank, bar)


def finish_map(dataset: Dataset, result: ArrowTable | None, call: MapCall) -> Dataset:
    """The mapped dataset from the stored result of ``call``; when the function returned nothing (None), the
    dataset unchanged, as in `datasets`."""
    nothing = result is None or (result.table.num_columns == 0 and decode_features(result.table.schema) is None)
    if nothing:
        return dataset._replace(fingerprint=call.fingerprint)
    return dataset._result(result, call.fingerprint)


def _input_columns(dataset: Dataset, input_columns: str | Sequence[str] | None) -> list[str] | None:
    """``input_columns`` as a list (None for all), each checked to be a column of ``dataset``."""
    if input_columns is None:
        return None
    names = [input_columns] if isinstance(input_columns, str) else list(input_columns)
    for name in names:
        if name not in dataset.column_names:
            raise ValueError(
                f"Input column {name} not in the dataset. Current columns in the dataset: {dataset.column_names}"
            )
    return names


def _run_shard(rank: int) -> Any:
    dataset, runner_kwargs, num_proc, fingerprint, keep_in_memory = _JOB
    shard = dataset.shard(num_proc, rank, contiguous=True)
    offset = sum(len(dataset.shard(num_proc, r, contiguous=True)) for r in range(rank))
    runner = Runner(shard, **runner_kwargs)
    if runner.for_filter:
        masks = list(runner.masks(offset, rank))
        return np.concatenate(masks) if masks else np.zeros(0, bool)
    path = None if keep_in_memory else result_path(shard, f"{fingerprint}_{rank:05d}_of_{num_proc:05d}")
    result = _store(runner.tables(offset, rank), path, shard)
    if result is None:
        return None
    return result.recipe if result.recipe is not None else result.table


def _run_parallel(
    dataset: Dataset, runner_kwargs: dict, num_proc: int, fingerprint: str, keep_in_memory: bool
) -> list[Any]:
    global _JOB
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    if method is None:
        raise RuntimeError("num_proc needs the 'fork' start method; use num_proc=None on this platform")
    _JOB = (dataset, runner_kwargs, num_proc, fingerprint, keep_in_memory)
    try:
        with multiprocessing.get_context(method).Pool(num_proc) as pool:
            return pool.map(_run_shard, range(num_proc))
    finally:
        _JOB = None


def _assemble(dataset: Dataset, parts: list[Any]) -> ArrowTable | None:
    """Concatenate per-process results: recipes of cache files, or in-memory tables, made alike if they differ."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    tables = [p.build() if isinstance(p, TableRecipe) else p for p in parts]
    if all(t.schema == tables[0].schema for t in tables):
        if all(isinstance(p, TableRecipe) for p in parts):
            recipe = TableRecipe.concat(parts)
            return ArrowTable(recipe.build(), recipe)
        return ArrowTable(pa.concat_tables(tables))
    return ArrowTable(conform_parts(tables, _base_filler(dataset)))


class ProcessingMixin:
    """``map`` and ``filter`` with `datasets`' arguments and semantics."""

    def map(
        self: Dataset,
        function: Callable | None = None,
        with_indices: bool = False,
        with_rank: bool = False,
        input_columns: str | Sequence[str] | None = None,
        batched: bool = False,
        batch_size: int | None = 1000,
        drop_last_batch: bool = False,
        remove_columns: str | Sequence[str] | None = None,
        keep_in_memory: bool = False,
        load_from_cache_file: bool | None = None,
        cache_file_name: str | None = None,
        writer_batch_size: int | None = 1000,
        features: Features | None = None,
        disable_nullable: bool = False,
        fn_kwargs: dict | None = None,
        num_proc: int | None = None,
        suffix_template: str | None = None,
        new_fingerprint: str | None = None,
        desc: str | None = None,
        try_original_type: bool | None = True,
        on_mixed_types: str | None = "use_json",
    ) -> Dataset:
        """Apply ``function`` to each row (or batch) and merge what it returns into the rows (see
        :mod:`crucible_torch.datasets.map_runner`); output types follow :mod:`~crucible_torch.datasets.map_output`."""
        call = plan_map(
            self,
            function,
            with_indices=with_indices,
            with_rank=with_rank,
            input_columns=input_columns,
            batched=batched,
            batch_size=batch_size,
            drop_last_batch=drop_last_batch,
            remove_columns=remove_columns,
            features=features,
            fn_kwargs=fn_kwargs,
            new_fingerprint=new_fingerprint,
            writer_batch_size=writer_batch_size,
            try_original_type=try_original_type,
            on_mixed_types=on_mixed_types,
        )
        if self.num_rows == 0:  # as `datasets`: nothing to run; the removed columns go
            empty = self
            if self._indices is not None:
                empty = self._replace(table=self._table.then("slice", 0, 0), indices=None)
            return empty.remove_columns(call.remove_columns) if call.remove_columns else empty
        fingerprint = call.fingerprint
        cached = (
            cached_map_result(self, fingerprint, load_from_cache_file) if not keep_in_memory and not num_proc else None
        )
        if cached is not None:
            return finish_map(self, cached, call)
        if num_proc and num_proc > 1 and self.num_rows > 1:
            num_proc = min(num_proc, self.num_rows)
            in_memory = keep_in_memory or cache_dir_of(self) is None
            job = dict(function=function, for_filter=False, **call.kwargs)
            parts = _run_parallel(self, job, num_proc, fingerprint, in_memory)
            return finish_map(self, _assemble(self, parts), call)
        path = result_path(self, fingerprint, keep_in_memory, cache_file_name)
        with progress_bar(total=self.num_rows, desc=desc or "Map", unit=" examples") as bar:
            result = _store(map_outputs(self, call, bar=bar), path, self)
        return finish_map(self, result, call)

    def _result(self: Dataset, table: ArrowTable, fingerprint: str) -> Dataset:
        """The mapped dataset: the stored result, joined with the base table's columns it did not store."""
        features = decode_features(table.table.schema)
        if features is None:
            features = Features.from_arrow_schema(table.table.schema)
        base = [c for c in features if c not in table.table.column_names]
        if base:
            table = hstack_arrow_tables([self._table.then("select", tuple(base)), table])
        if table.table.column_names != list(features) or table.table.schema != features.arrow_schema:
            table = table.then("select", tuple(features)).then("cast", features.arrow_schema)
        info = self._info.copy()
        info.features = features
        return self._replace(table=table, indices=None, info=info, fingerprint=fingerprint)

    def filter(
        self: Dataset,
        function: Callable | None = None,
        with_indices: bool = False,
        with_rank: bool = False,
        input_columns: str | Sequence[str] | None = None,
        batched: bool = False,
        batch_size: int | None = 1000,
        keep_in_memory: bool = False,
        load_from_cache_file: bool | None = None,
        cache_file_name: str | None = None,
        writer_batch_size: int | None = 1000,
        fn_kwargs: dict | None = None,
        num_proc: int | None = None,
        suffix_template: str | None = None,
        new_fingerprint: str | None = None,
        desc: str | None = None,
    ) -> Dataset:
        """Rows for which ``function`` returns a truthy value, as an indices mapping (no rows are copied)."""
        if function is None:
            return self
        inputs = _input_columns(self, input_columns)
        kwargs = dict(
            with_indices=with_indices,
            with_rank=with_rank,
            input_columns=inputs,
            batched=batched,
            batch_size=batch_size if batch_size and batch_size > 0 else max(self.num_rows, 1),
            drop_last_batch=False,
            remove_columns=[],
            features=None,
            fn_kwargs=dict(fn_kwargs or {}),
        )
        fingerprint = new_fingerprint or self._new_fingerprint(
            "filter", function=function, format=(self._format_type, self._format_kwargs), **kwargs
        )
        if self.num_rows == 0:
            return self._replace(fingerprint=fingerprint)
        directory = cache_dir_of(self)
        cache = cache_file(directory, fingerprint, ".indices.npy") if directory is not None else None
        if cache is not None and cache.exists() and load_from_cache_file is not False and not keep_in_memory:
            return self.select(np.load(cache), new_fingerprint=fingerprint)
        if num_proc and num_proc > 1 and self.num_rows > 1:
            job = dict(function=function, for_filter=True, **kwargs)
            masks = _run_parallel(self, job, min(num_proc, self.num_rows), fingerprint, True)
            mask = np.concatenate(masks)
        else:
            runner = Runner(self, function, for_filter=True, **kwargs)
            with progress_bar(total=self.num_rows, desc=desc or "Filter", unit=" examples") as bar:
                mask = np.concatenate(list(runner.masks(bar=bar)))
        kept = np.flatnonzero(mask)
        if cache is not None and not keep_in_memory:
            with atomic_open(cache, "wb") as f:
                np.save(f, kept)
        return self.select(kept, new_fingerprint=fingerprint)
