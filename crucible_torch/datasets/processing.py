"""``map`` and ``filter``: run a Python function over rows or batches, cached on disk by fingerprint.

Results of a file-backed dataset are written streaming to ``cache-<fingerprint>.arrow`` beside its Arrow
files and memory-mapped back, so a second run with the same function and arguments loads instantly; an
in-memory dataset keeps its results in memory (as `datasets` does). Columns the function does not return are
carried over as Arrow data, never re-encoded. ``num_proc`` forks worker processes over contiguous shards.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..arrow.files import write_tables
from ..arrow.table import ArrowTable, TableRecipe, hstack_arrow_tables
from ..features import Features, get_nested_type
from ..hub.atomic import atomic_open
from ..hub.naming import safe_path_component
from ..hub.progress import progress_bar
from .encode import column_to_arrow, table_from_batch
from .lazy import LazyBatch, LazyRow

if TYPE_CHECKING:
    from .arrow_dataset import Dataset

MAP_COLUMNS_KEY = b"crucible_torch.map_columns"  # schema metadata: the column order of a column-only result
_JOB: tuple | None = None  # the (dataset, runner) a forked map worker inherits; functions need not pickle


def cache_dir_of(dataset: Dataset) -> Path | None:
    """Directory of the dataset's first Arrow file, where its cache files go; None when it is in memory."""
    files = dataset._table.cache_files
    return Path(files[0]).parent if files else None


def cache_file(directory: Path, fingerprint: str, suffix: str) -> Path:
    """``directory/cache-{fingerprint}{suffix}``; the fingerprint may come from ``new_fingerprint=``, so it is
    checked to be one file name."""
    return directory / f"cache-{safe_path_component(fingerprint, 'fingerprint (new_fingerprint=)')}{suffix}"


def write_or_keep(
    dataset: Dataset,
    tables: Iterable[pa.Table],
    schema: pa.Schema | None,
    fingerprint: str,
    keep_in_memory: bool = False,
    cache_file_name: str | os.PathLike | None = None,
) -> ArrowTable:
    """Store result tables as ``cache-<fingerprint>.arrow`` beside the dataset's files, or in memory."""
    directory = cache_dir_of(dataset)
    if keep_in_memory or (directory is None and cache_file_name is None):
        parts = list(tables)
        if not parts:
            return ArrowTable((schema or pa.schema([])).empty_table())
        return ArrowTable(pa.concat_tables(parts, promote_options="default"))
    path = Path(cache_file_name) if cache_file_name else cache_file(directory, fingerprint, ".arrow")
    write_tables(path, tables, schema)
    return ArrowTable.from_files([path])


def cached_map_result(dataset: Dataset, fingerprint: str, load_from_cache_file: bool | None) -> ArrowTable | None:
    """The stored result ``cache-<fingerprint>.arrow`` beside the dataset's files, if it exists and may be used."""
    directory = cache_dir_of(dataset)
    if directory is None or load_from_cache_file is False:
        return None
    path = cache_file(directory, fingerprint, ".arrow")
    return ArrowTable.from_files([path]) if path.exists() else None


def stores_returned_columns_only(dataset: Dataset, drops_rows: bool) -> bool:
    """Whether ``map`` stores only the returned columns, to be joined with the untouched ones: when its rows are
    the table's rows one to one (no indices mapping, no dropped last batch)."""
    return dataset._indices is None and not drops_rows


class _Runner:
    """Applies the user function to batches of one dataset and yields Arrow result tables."""

    def __init__(
        self,
        dataset: Dataset,
        function: Callable | None,
        *,
        with_indices: bool,
        with_rank: bool,
        input_columns: list[str] | None,
        batched: bool,
        batch_size: int,
        drop_last_batch: bool,
        remove_columns: list[str],
        features: Features | None,
        fn_kwargs: dict,
        for_filter: bool,
    ):
        self.dataset = dataset
        self.function = function if function is not None else (lambda *args, **kwargs: None)
        self.with_indices, self.with_rank = with_indices, with_rank
        self.input_columns = input_columns
        self.batched, self.batch_size, self.drop_last_batch = batched, batch_size, drop_last_batch
        self.remove_columns = remove_columns
        self.features = features
        self.fn_kwargs = fn_kwargs
        self.for_filter = for_filter
        self.columns_only = stores_returned_columns_only(dataset, batched and drop_last_batch)

    def _call(self, inputs: Any, indices: Any, rank: int) -> Any:
        args = [inputs] if self.input_columns is None else [inputs[c] for c in self.input_columns]
        if self.with_indices:
            args.append(indices)
        if self.with_rank:
            args.append(rank)
        return self.function(*args, **self.fn_kwargs)

    def batches(self, offset: int, rank: int) -> Iterator[tuple[pa.Table, Any, range]]:
        """(arrow inputs, formatted inputs, absolute indices) per batch of ``batch_size`` rows."""
        ds = self.dataset
        n = ds.num_rows
        size = (self.batch_size if self.batch_size and self.batch_size > 0 else max(n, 1)) if self.batched else 1000
        stop = n - n % size if (self.batched and self.drop_last_batch) else n
        view = ds
        if self.input_columns is not None:
            format_type = ds._format_type if ds._format_type != "custom" else None
            view = ds.with_format(format_type, columns=self.input_columns, **ds._format_kwargs)
        lazy = ds._format_type in (None, "custom")
        for start in range(0, stop, size):
            end = min(start + size, stop)
            pa_inputs = ds._rows_table(slice(start, end))
            formatted = LazyBatch(pa_inputs, ds.features) if lazy else view._format(pa_inputs, "batch")
            yield pa_inputs, formatted, range(offset + start, offset + end)

    def outputs(self, offset: int = 0, rank: int = 0, bar: Any = None) -> Iterator[Any]:
        """Per batch: for map, the result table (or None when the function returns None); for filter, a mask."""
        for pa_inputs, formatted, indices in self.batches(offset, rank):
            if bar is not None:
                bar.update(pa_inputs.num_rows)
            if self.batched:
                result = self._call(formatted, list(indices), rank)
                results = result
            else:
                rows = [_row(formatted, i) for i in range(pa_inputs.num_rows)]
                results = [self._call(row, idx, rank) for row, idx in zip(rows, indices)]
            if self.for_filter:
                yield self._mask(results, pa_inputs.num_rows)
            else:
                yield self._merge(pa_inputs, results)

    def _mask(self, results: Any, num_rows: int) -> np.ndarray:
        mask = np.asarray(list(results) if not isinstance(results, np.ndarray) else results)
        if "torch" in str(type(results)):
            mask = results.cpu().numpy()
        if mask.shape != (num_rows,):
            raise ValueError(
                f"filter function returned {mask.shape[0] if mask.ndim else 'a scalar'} values "
                f"for a batch of {num_rows} rows; it must return one bool per row"
            )
        return mask.astype(bool)

    def _processed_batch(self, results: Any, num_rows: int) -> dict[str, Any] | None:
        if self.batched:
            if results is None:
                return None
            if isinstance(results, pa.Table):
                return {name: results.column(name) for name in results.column_names}
            if isinstance(results, LazyBatch):
                return dict(results.data)
            if not isinstance(results, Mapping):
                raise TypeError(
                    f"map function returned {type(results).__name__}; with batched=True it must "
                    "return a dict of lists (or None)"
                )
            return dict(results)
        if all(r is None for r in results):
            return None
        bad = next((r for r in results if not isinstance(r, Mapping)), None)
        if bad is not None:
            raise TypeError(f"map function returned {type(bad).__name__}; it must return a dict (or None)")
        returned = [r.touched() if isinstance(r, LazyRow) else r for r in results]
        keys = list(dict.fromkeys(k for r in returned for k in r))
        try:
            return {k: [r[k] for r in returned] for k in keys}
        except KeyError as err:
            raise ValueError(
                f"map function returned rows with different keys (one lacks {err}); every row "
                "must return the same columns"
            ) from None

    def _merge(self, pa_inputs: pa.Table, results: Any) -> pa.Table | None:
        processed = self._processed_batch(results, pa_inputs.num_rows)
        if processed is None:
            return None
        kept = {c: pa_inputs.column(c) for c in pa_inputs.column_names if c not in self.remove_columns}
        out: dict[str, pa.Array | pa.ChunkedArray] = {}
        feats: dict[str, Any] = {}
        for name, values in processed.items():
            out[name], feats[name] = self._column(name, values)
        lengths = {len(v) for v in out.values()}
        merged = {c: v for c, v in kept.items() if c not in out}
        if merged and lengths and lengths != {pa_inputs.num_rows}:
            raise ValueError(
                f"map function returned {lengths.pop()} rows for a batch of {pa_inputs.num_rows}; to change the "
                f"number of rows, remove the input columns with remove_columns={list(merged)}"
            )
        columns = {**merged, **out}
        order = [c for c in pa_inputs.column_names if c in columns] + [
            c for c in out if c not in pa_inputs.column_names
        ]
        if self.columns_only:
            # Only what the function returned is stored; the other columns are read from the base table.
            features = Features(feats)
            meta = {**(features.arrow_schema.metadata or {}), MAP_COLUMNS_KEY: json.dumps(order).encode()}
            return pa.Table.from_arrays(list(out.values()), schema=features.arrow_schema.with_metadata(meta))
        features = Features({c: feats[c] if c in feats else self.dataset.features[c] for c in order})
        arrays = [columns[c] for c in order]
        return pa.Table.from_arrays(arrays, schema=features.arrow_schema)

    def _column(self, name: str, values: Any) -> tuple[pa.Array | pa.ChunkedArray, Any]:
        """(Arrow array, feature) of one returned column: ``features`` first, then the column's old feature."""
        original = self.dataset.features.get(name)
        if isinstance(values, (pa.Array, pa.ChunkedArray)):
            if original is not None and get_nested_type(original) == values.type:
                return values, original
            return values, Features.from_arrow_schema(pa.schema([pa.field(name, values.type)]))[name]
        if self.features is not None and name in self.features:
            return column_to_arrow(values, self.features[name]), self.features[name]
        if original is not None:
            try:
                return column_to_arrow(values, original), original
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
                pass
        table, features = table_from_batch({name: values})
        return table.column(0), features[name]


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


def _row(batch: Any, index: int) -> Any:
    """Row ``index`` of a formatted batch (lazy for python format)."""
    if isinstance(batch, LazyBatch):
        return LazyRow(batch, index)
    return {k: v[index] for k, v in batch.items()}


def _run_shard(rank: int) -> Any:
    dataset, runner_kwargs, num_proc, fingerprint, keep_in_memory = _JOB
    shard = dataset.shard(num_proc, rank, contiguous=True)
    offset = sum(len(dataset.shard(num_proc, r, contiguous=True)) for r in range(rank))
    runner = _Runner(shard, **runner_kwargs)
    if runner.for_filter:
        masks = list(runner.outputs(offset, rank))
        return np.concatenate(masks) if masks else np.zeros(0, bool)
    tables = (t for t in runner.outputs(offset, rank) if t is not None)
    name = f"{fingerprint}_{rank:05d}_of_{num_proc:05d}"
    result = write_or_keep(shard, tables, None, name, keep_in_memory, None)
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
) -> MapCall:
    """Check a ``map`` call's column arguments against ``dataset`` and fingerprint its result."""
    remove = [remove_columns] if isinstance(remove_columns, str) else list(remove_columns or [])
    missing = [c for c in remove if c not in dataset.column_names]
    if missing:
        raise ValueError(
            f"Column to remove {missing} not in the dataset. Current columns in the dataset: {dataset.column_names}"
        )
    kwargs = dict(
        with_indices=with_indices,
        with_rank=with_rank,
        input_columns=_input_columns(dataset, input_columns),
        batched=batched,
        batch_size=batch_size or dataset.num_rows,
        drop_last_batch=drop_last_batch,
        remove_columns=remove,
        features=features,
        fn_kwargs=dict(fn_kwargs or {}),
    )
    fingerprint = new_fingerprint or dataset._new_fingerprint(
        "map", function=function, format=(dataset._format_type, dataset._format_kwargs), **kwargs
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

    ``columns_only`` (default: ``dataset`` has no indices mapping) stores only the returned columns, for
    `finish_map` to join with the untouched ones; a part of a larger dataset passes the whole's value.
    """
    runner = _Runner(dataset, call.function, for_filter=False, **call.kwargs)
    if columns_only is not None:
        runner.columns_only = columns_only
    return (t for t in runner.outputs(offset, rank, bar) if t is not None)


def finish_map(dataset: Dataset, result: ArrowTable, call: MapCall) -> Dataset:
    """The mapped dataset from the stored result of ``call`` (the dataset itself when nothing was returned)."""
    if result.table.num_columns == 0 and result.table.num_rows == 0:
        if call.remove_columns:
            return dataset.remove_columns(call.remove_columns)
        return dataset._replace(fingerprint=call.fingerprint)
    return dataset._result(result, call.fingerprint)


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
        new_fingerprint: str | None = None,
        desc: str | None = None,
        **_: Any,
    ) -> Dataset:
        """Apply ``function`` to each row (or batch) and merge what it returns into the rows."""
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
        )
        if self.num_rows == 0:
            return self
        fingerprint = call.fingerprint
        use_cache = not keep_in_memory and not num_proc
        cached = cached_map_result(self, fingerprint, load_from_cache_file) if use_cache else None
        if cached is not None:
            return self._result(cached, fingerprint)
        label = desc or "Map"
        if num_proc and num_proc > 1 and self.num_rows > 1:
            num_proc = min(num_proc, self.num_rows)
            parts = _run_parallel(
                self,
                dict(function=function, for_filter=False, **call.kwargs),
                num_proc,
                fingerprint,
                keep_in_memory or cache_dir_of(self) is None,
            )
            return self._result(_assemble(parts), fingerprint)
        with progress_bar(total=self.num_rows, desc=label, unit=" examples") as bar:
            tables = map_outputs(self, call, bar=bar)
            result = write_or_keep(self, tables, None, fingerprint, keep_in_memory, cache_file_name)
        return finish_map(self, result, call)

    def batch(
        self: Dataset,
        batch_size: int,
        drop_last_batch: bool = False,
        num_proc: int | None = None,
        new_fingerprint: str | None = None,
    ) -> Dataset:
        """A dataset whose rows are batches: each column holds the list of ``batch_size`` values."""
        return self.map(
            _to_one_row,
            batched=True,
            batch_size=batch_size,
            drop_last_batch=drop_last_batch,
            num_proc=num_proc,
            new_fingerprint=new_fingerprint,
            desc="Batching examples",
        )

    def _result(self: Dataset, table: ArrowTable, fingerprint: str) -> Dataset:
        """The mapped dataset: a stored result, joined with this dataset's untouched columns when it holds
        only the returned ones."""
        stored = Features.from_arrow_schema(table.table.schema)
        order_json = (table.table.schema.metadata or {}).get(MAP_COLUMNS_KEY)
        if order_json is not None:
            order = json.loads(order_json)
            base = [c for c in order if c not in stored]
            if base:
                table = hstack_arrow_tables([self._table.then("select", tuple(base)), table])
            features = Features({c: stored[c] if c in stored else self.features[c] for c in order})
            table = table.then("select", tuple(order)).then("cast", features.arrow_schema)
        else:
            features = stored
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
        fn_kwargs: dict | None = None,
        num_proc: int | None = None,
        new_fingerprint: str | None = None,
        desc: str | None = None,
        **_: Any,
    ) -> Dataset:
        """Rows for which ``function`` returns True, as an indices mapping (no rows are copied)."""
        if function is None:
            return self
        inputs = _input_columns(self, input_columns)
        kwargs = dict(
            with_indices=with_indices,
            with_rank=with_rank,
            input_columns=inputs,
            batched=batched,
            batch_size=batch_size or max(self.num_rows, 1),
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
            masks = _run_parallel(
                self,
                dict(function=function, for_filter=True, **kwargs),
                min(num_proc, self.num_rows),
                fingerprint,
                True,
            )
            mask = np.concatenate(masks)
        else:
            runner = _Runner(self, function, for_filter=True, **kwargs)
            with progress_bar(total=self.num_rows, desc=desc or "Filter", unit=" examples") as bar:
                mask = np.concatenate(list(runner.outputs(bar=bar)))
        kept = np.flatnonzero(mask)
        if cache is not None and not keep_in_memory:
            with atomic_open(cache, "wb") as f:
                np.save(f, kept)
        return self.select(kept, new_fingerprint=fingerprint)


def _to_one_row(batch: dict[str, list]) -> dict[str, list]:
    return {name: [values] for name, values in batch.items()}


def _assemble(parts: list[Any]) -> ArrowTable:
    """Concatenate per-process results: recipes of cache files, or in-memory tables."""
    if all(isinstance(p, TableRecipe) for p in parts):
        recipe = TableRecipe.concat(parts)
        return ArrowTable(recipe.build(), recipe)
    tables = [p.build() if isinstance(p, TableRecipe) else p for p in parts]
    return ArrowTable(pa.concat_tables(tables, promote_options="default"))
